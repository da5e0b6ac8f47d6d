"""Idempotency-Key for create requests: a double-clicked or retried create is stored once."""
from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import is_unique_violation
from app.errors import Conflict, Invalid
from app.models import IdempotencyKey, User


def fingerprint(target: str, body: str) -> str:
    return hashlib.sha256(f"{target}\n{body}".encode()).hexdigest()


def claim_idempotency_key(session: Session, actor: User, key: str | None, fingerprint: str,
                           resource: str) -> int | None:
    """Reserve the key before creating anything. Returns the earlier resource's id for a retry.

    The reservation is an insert into a unique index: a concurrent duplicate waits on it (PostgreSQL)
    or on the write lock (SQLite) and then finds the first request's row.
    """
    if key is None:
        return None
    if not 1 <= len(key) <= 100:
        raise Invalid("Idempotency-Key must be 1 to 100 characters.", field="Idempotency-Key")

    def existing() -> IdempotencyKey | None:
        return session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == actor.id,
                                                           IdempotencyKey.key == key))

    found = existing()
    if found is None:
        try:
            with session.begin_nested():
                session.add(IdempotencyKey(user_id=actor.id, key=key, fingerprint=fingerprint,
                                           resource=resource, resource_id=0))
            return None
        except IntegrityError as exc:
            found = existing()
            if found is None or not is_unique_violation(exc):
                raise
    if found.fingerprint != fingerprint or found.resource != resource:
        raise Conflict("This Idempotency-Key was already used for a different request.", field="Idempotency-Key",
                       code="idempotency_key_reused")
    if found.resource_id == 0:
        raise Conflict("A request with this Idempotency-Key is still being processed.", field="Idempotency-Key",
                       code="idempotency_key_in_use")
    return found.resource_id


def remember_idempotency_key(session: Session, actor: User, key: str | None, resource_id: int) -> None:
    if key is None:
        return
    row = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == actor.id, IdempotencyKey.key == key))
    assert row is not None
    row.resource_id = resource_id
