"""Login throttling with the `limits` library: in memory for one process, Redis for several.

When Redis is unreachable the limiter falls back to counting in this process (logins keep working, still
throttled, per worker instead of per site) and tries Redis again after REDIS_RETRY_SECONDS.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests

log = logging.getLogger(__name__)
T = TypeVar("T")
REDIS_RETRY_SECONDS = 5.0


class LoginLimiter:
    def __init__(self, storage_uri: str, *, key_prefix: str, per_account: str, per_address: str) -> None:
        options = {"key_prefix": key_prefix} if not storage_uri.startswith("memory") else {}
        storage = storage_from_string(storage_uri, **options)
        assert isinstance(storage, Storage), "a synchronous storage (memory://, redis://), not an async+ one"
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._shared = not storage_uri.startswith("memory")
        # Used while the shared store (Redis) does not answer.
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared_down_until = 0.0
        self._lock = threading.Lock()
        self._per_account: list[RateLimitItem] = parse_many(per_account)
        self._per_address: list[RateLimitItem] = parse_many(per_address)

    def _keys(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        # The address is hashed too: the limiter's store should not become a list of who logs in from where.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        where = hashlib.sha256(address.encode()).hexdigest()[:32]
        return [(item, "login-account", account) for item in self._per_account] + [
            (item, "login-address", where) for item in self._per_address
        ]

    def _with_limiter(self, use: Callable[[MovingWindowRateLimiter], T]) -> T:
        """Run `use` with the shared limiter, or with this process's own while the shared one is unreachable."""
        if not self._shared or time.monotonic() >= self._shared_down_until:
            try:
                return use(self._limiter)
            except Exception as exc:
                if not self._shared:
                    raise
                with self._lock:
                    first = self._shared_down_until == 0.0 or time.monotonic() >= self._shared_down_until
                    self._shared_down_until = time.monotonic() + REDIS_RETRY_SECONDS
                if first:
                    log.warning("login throttling: Redis unreachable (%s); counting in this process for now", exc)
        return use(self._local)

    def check(self, *, email: str, address: str) -> None:
        """Refuse with 429 and Retry-After when the account or the address used up its attempts."""

        def retry_after(limiter: MovingWindowRateLimiter) -> float | None:
            wait: float | None = None
            for item, scope, key in self._keys(email, address):
                if not limiter.test(item, scope, key):
                    stats = limiter.get_window_stats(item, scope, key)
                    wait = max(wait or 0.0, stats.reset_time - time.time())
            return wait

        wait = self._with_limiter(retry_after)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(
                f"Too many login attempts. Try again in {seconds} seconds.",
                headers={"Retry-After": str(seconds)},
            )

    def hit(self, *, email: str, address: str) -> None:
        def count(limiter: MovingWindowRateLimiter) -> None:
            for item, scope, key in self._keys(email, address):
                limiter.hit(item, scope, key)

        self._with_limiter(count)

    def reset(self) -> None:
        self.storage.reset()
        self._local.storage.reset()
