"""Secrets, hashes and password handling in one place."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# A real hash to verify against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("plein-timing-equaliser")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the argon2 parameters: the test suite trades argon2's deliberate cost for speed (hashes made
    with other parameters still verify; a login then rehashes them with these)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("plein-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token_for(secret_key: str, session_token: str) -> str:
    """The CSRF token is bound to the session: it cannot be reused with another cookie."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# A path segment or query value of 20+ URL-safe characters: the token of an invite, reset or unsubscribe link.
_TOKEN = re.compile(r"(https?://[^\s<>\"]*?[/=])[A-Za-z0-9_\-.~%]{20,}")


def redact_tokens(text: str) -> str:
    return _TOKEN.sub(r"\1[token verborgen]", text)
