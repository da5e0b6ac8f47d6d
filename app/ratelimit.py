"""Login throttling with the `limits` library: in memory for one process, Redis for several."""
from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests


class LoginLimiter:
    def __init__(self, storage_uri: str, *, key_prefix: str, per_account: str, per_address: str) -> None:
        options = {"key_prefix": key_prefix} if not storage_uri.startswith("memory") else {}
        self.storage: Storage = storage_from_string(storage_uri, **options)
        self._limiter = MovingWindowRateLimiter(self.storage)
        self._per_account: list[RateLimitItem] = parse_many(per_account)
        self._per_address: list[RateLimitItem] = parse_many(per_address)

    def _keys(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        # The address is hashed too: the limiter's store should not become a list of who logs in from where.
        account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        where = hashlib.sha256(address.encode()).hexdigest()[:32]
        return [(item, "login-account", account) for item in self._per_account] + [
            (item, "login-address", where) for item in self._per_address
        ]

    def check(self, *, email: str, address: str) -> None:
        """Refuse with 429 and Retry-After when the account or the address used up its attempts."""
        retry_after: float | None = None
        for item, scope, key in self._keys(email, address):
            if not self._limiter.test(item, scope, key):
                stats = self._limiter.get_window_stats(item, scope, key)
                retry_after = max(retry_after or 0.0, stats.reset_time - time.time())
        if retry_after is not None:
            seconds = max(1, math.ceil(retry_after))
            raise TooManyRequests(
                f"Too many login attempts. Try again in {seconds} seconds.",
                headers={"Retry-After": str(seconds)},
            )

    def hit(self, *, email: str, address: str) -> None:
        for item, scope, key in self._keys(email, address):
            self._limiter.hit(item, scope, key)

    def reset(self) -> None:
        self.storage.reset()
