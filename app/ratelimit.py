"""Abuse limits with the `limits` library: in memory for one process, Redis for several.

Every limited action has a rule: how often per account (the member; for an anonymous action the address it
is about) and per client address, in the `limits` syntax ("5/minute;20/hour"), tuned by settings. A refusal
is 429 `rate_limited` with Retry-After. Keys are hashed: the store never becomes a list of who did what from
where.

When Redis is unreachable the limiter falls back to counting in this process (still throttled, per worker
instead of per site) and tries Redis again after REDIS_RETRY_SECONDS.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter

from app.errors import TooManyRequests
from app.i18n import N_, Phrase

if TYPE_CHECKING:
    from app.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
REDIS_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class Rule:
    """One action's limits; `doing` completes the refusal: "Too many <doing>. Try again in N seconds.".

    `budget`: the limit is an amount (bytes), each action costing its size — counted with a sliding window of
    two counters, because a moving window keeps one entry per unit: a megabyte would be a million entries."""

    doing: str
    per_account: tuple[RateLimitItem, ...]
    per_address: tuple[RateLimitItem, ...]
    budget: bool = False


def rule(doing: str, per_account: str, per_address: str, *, budget: bool = False) -> Rule:
    return Rule(doing, tuple(parse_many(per_account)), tuple(parse_many(per_address)), budget)


def rules_from(settings: Settings) -> dict[str, Rule]:
    """Every limited action, from the settings (docs/operations.md lists them)."""
    s = settings
    return {
        # Failed logins only (the limiter is hit after a wrong password): per e-mail address and per address.
        "login": rule(N_("login attempts"), s.login_limit_per_account, s.login_limit_per_address),
        # Per the address the reset is for (a flood of mail to one person) and per client address.
        "password_reset": rule(N_("password reset requests"), s.limit_password_reset_per_target,
                               s.limit_password_reset_per_address),
        # Per invite link and per client address: guessing links, or hammering one.
        "invite_accept": rule(N_("attempts to accept an invite"), s.limit_invite_accept_per_invite,
                              s.limit_invite_accept_per_address),
        "upload": rule(N_("uploads"), s.limit_uploads_per_account, s.limit_uploads_per_address),
        "upload_bytes": rule(N_("uploaded bytes"), s.limit_upload_bytes_per_account, s.limit_upload_bytes_per_address,
                             budget=True),
        "thread": rule(N_("new threads"), s.limit_threads_per_account, s.limit_threads_per_address),
        "reply": rule(N_("replies"), s.limit_replies_per_account, s.limit_replies_per_address),
        "flag": rule(N_("reports"), s.limit_flags_per_account, s.limit_flags_per_address),
        "preview": rule(N_("previews"), s.limit_previews_per_account, s.limit_previews_per_address),
        "search": rule(N_("searches"), s.limit_searches_per_account, s.limit_searches_per_address),
        "suggest": rule(N_("suggestions"), s.limit_suggestions_per_account, s.limit_suggestions_per_address),
        "ws_connect": rule(N_("live connections"), s.limit_ws_connections_per_account,
                           s.limit_ws_connections_per_address),
    }


def _hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Limiter:
    def __init__(self, storage_uri: str, *, key_prefix: str, rules: dict[str, Rule]) -> None:
        options = {"key_prefix": key_prefix} if not storage_uri.startswith("memory") else {}
        storage = storage_from_string(storage_uri, **options)
        assert isinstance(storage, Storage), "a synchronous storage (memory://, redis://), not an async+ one"
        self.storage = storage
        self.rules = rules
        # Counts of actions: a moving window (exact). Budgets of bytes: a sliding window of two counters.
        self._limiter: dict[bool, RateLimiter] = {False: MovingWindowRateLimiter(self.storage),
                                                  True: SlidingWindowCounterRateLimiter(self.storage)}
        self._shared = not storage_uri.startswith("memory")
        # Used while the shared store (Redis) does not answer.
        self._local_storage = MemoryStorage()
        self._local: dict[bool, RateLimiter] = {False: MovingWindowRateLimiter(self._local_storage),
                                                True: SlidingWindowCounterRateLimiter(self._local_storage)}
        self._shared_down_until = 0.0
        self._lock = threading.Lock()

    def _keys(self, action: str, account: str | None, address: str | None) -> list[tuple[RateLimitItem, str, str]]:
        rule = self.rules[action]
        keys = [(item, f"{action}-account", _hashed(account)) for item in rule.per_account] if account else []
        return keys + [(item, f"{action}-address", _hashed(address or "unknown")) for item in rule.per_address]

    def _with_limiter(self, action: str, use: Callable[[RateLimiter], T]) -> T:
        """Run `use` with the shared limiter, or with this process's own while the shared one is unreachable."""
        budget = self.rules[action].budget
        if not self._shared or time.monotonic() >= self._shared_down_until:
            try:
                return use(self._limiter[budget])
            except Exception as exc:
                if not self._shared:
                    raise
                with self._lock:
                    first = self._shared_down_until == 0.0 or time.monotonic() >= self._shared_down_until
                    self._shared_down_until = time.monotonic() + REDIS_RETRY_SECONDS
                if first:
                    log.warning("rate limits: Redis unreachable (%s); counting in this process for now", exc)
        return use(self._local[budget])

    def check(self, action: str, *, account: str | None = None, address: str | None = None, cost: int = 1) -> None:
        """Refuse with 429 and Retry-After when the account or the address has not `cost` left; counts nothing."""
        keys = self._keys(action, account, address)

        def retry_after(limiter: RateLimiter) -> float | None:
            wait: float | None = None
            for item, scope, key in keys:
                if not limiter.test(item, scope, key, cost=min(cost, item.amount)):
                    stats = limiter.get_window_stats(item, scope, key)
                    wait = max(wait or 0.0, stats.reset_time - time.time())
            return wait

        wait = self._with_limiter(action, retry_after)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests("Too many %(doing)s. Try again in %(seconds)s seconds.",
                                  params={"doing": Phrase(self.rules[action].doing), "seconds": seconds},
                                  headers={"Retry-After": str(seconds)})

    def hit(self, action: str, *, account: str | None = None, address: str | None = None, cost: int = 1) -> None:
        """Count `cost` against the account and the address (a window that is full already stays full)."""
        keys = self._keys(action, account, address)

        def count(limiter: RateLimiter) -> None:
            for item, scope, key in keys:
                limiter.hit(item, scope, key, cost=min(cost, item.amount))

        self._with_limiter(action, count)

    def take(self, action: str, *, account: str | None = None, address: str | None = None, cost: int = 1) -> None:
        """Check, then count: the action is done now, or refused with 429."""
        self.check(action, account=account, address=address, cost=cost)
        self.hit(action, account=account, address=address, cost=cost)

    def reset(self) -> None:
        self.storage.reset()
        self._local_storage.reset()
