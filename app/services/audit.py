"""The audit log: every security-relevant event and every moderation and admin action — who, from which
address, when, with what outcome, and the state before and after.

Services call `record()` inside the action's transaction, so an action that rolls back leaves no entry and a
committed one always has one. What must stand although the action failed — a failed login, a wrong current
password, a used-up link — is recorded with `record_failure()`, which the unit of work writes again on its own
after the rollback. A refused staff or moderation action (Forbidden from app/access) is recorded by the error
handler, in a transaction of its own: `record_refusal()`.

The database keeps it append-only (migration 29a61a776131): no UPDATE, no DELETE but the retention purge.
"""
from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.access import SiteAction, require
from app.config import get_settings
from app.db import Database, keep_on_rollback, rows_changed, unit_of_work, utcnow
from app.i18n import TIMEZONE
from app.jobs import PurgeAudit, enqueue
from app.models import AuditEntry, AuditPurge, User
from app.models.enums import AuditAction, AuditOutcome
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.moderation import AuditEntryOut
from app.services.views import user_summary_or_none

log = logging.getLogger(__name__)

# The client address of the request being handled (set by app/deps.py for every request with a database).
client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


def _entry(actor_id: int | None, action: AuditAction, outcome: AuditOutcome, *, target_type: str, target_id: int,
            group_id: int | None, before: dict[str, Any] | None, after: dict[str, Any] | None,
            address: str | None) -> AuditEntry:
    return AuditEntry(actor_id=actor_id, action=action.value, outcome=outcome,
                      target_type=target_type, target_id=target_id, group_id=group_id, before=before, after=after,
                      ip_address=(address or client_address.get() or None), created_at=utcnow())


def record(session: Session, actor: User | None, action: AuditAction, *, target_type: str, target_id: int,
           group_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, address: str | None = None) -> None:
    session.add(_entry(actor.id if actor else None, action, AuditOutcome.success, target_type=target_type,
                       target_id=target_id, group_id=group_id, before=before, after=after, address=address))


def record_failure(session: Session, actor: User | None, action: AuditAction, *, target_type: str,
                   target_id: int, after: dict[str, Any] | None = None, address: str | None = None) -> None:
    """An attempt that failed: kept although the action raises and its transaction rolls back."""
    address, actor_id = address or client_address.get(), actor.id if actor else None
    keep_on_rollback(session, lambda: _entry(actor_id, action, AuditOutcome.failed, target_type=target_type,
                                             target_id=target_id, group_id=None, before=None, after=after,
                                             address=address))


def record_refusal(db: Database, *, actor_id: int | None, refused: str, method: str, path: str,
                   address: str | None) -> None:
    """Someone asked for an action she may not do (a member calling a moderation or admin action): written
    after the request was refused, in a transaction of its own. Best effort: a database that is down must not
    turn a 403 into a 503."""
    try:
        with unit_of_work(db, None) as session:
            session.add(_entry(actor_id, AuditAction.access_refused, AuditOutcome.refused, target_type="action",
                               target_id=0, group_id=None, before=None,
                               after={"action": refused, "request": f"{method} {path}"[:300]}, address=address))
    except Exception:
        log.warning("writing the audit entry of a refused %s failed", refused, exc_info=True)


def schedule_purge(session: Session, *, now: datetime | None = None) -> None:
    """Queue today's retention run (once, whichever worker gets here first), at 03:00 Amsterdam time."""
    local = (now or utcnow()).astimezone(TIMEZONE)
    day = local.date() + timedelta(days=0 if local.hour < 3 else 1)
    run_at = datetime.combine(day, time(3), tzinfo=TIMEZONE)
    enqueue(session, PurgeAudit(day=day.isoformat()), run_at=run_at, dedupe_key=f"audit-purge:{day.isoformat()}")


def purge(session: Session, *, now: datetime | None = None) -> int:
    """Remove the entries older than AUDIT_RETENTION_DAYS (the database allows nothing else), and say so."""
    cutoff = (now or utcnow()) - timedelta(days=get_settings().audit_retention_days)
    marker = AuditPurge(before=cutoff)
    session.add(marker)
    session.flush()
    removed = rows_changed(session, delete(AuditEntry).where(AuditEntry.created_at < cutoff))
    session.delete(marker)
    session.flush()
    if removed:
        record(session, None, AuditAction.audit_purged, target_type="audit_log", target_id=0,
               after={"removed": removed, "older_than": cutoff.isoformat()})
    return removed


def list_entries(session: Session, actor: User, *, action: AuditAction | None = None,
                 outcome: AuditOutcome | None = None, actor_id: int | None = None, target_type: str | None = None,
                 target_id: int | None = None, group_id: int | None = None, address: str | None = None,
                 since: datetime | None = None, until: datetime | None = None, cursor: str | None = None,
                 limit: int | None = None) -> Page[AuditEntryOut]:
    require(actor, SiteAction.audit)
    n = clamp_limit(limit)
    stmt = select(AuditEntry)
    for column, value in ((AuditEntry.action, action.value if action else None), (AuditEntry.outcome, outcome),
                          (AuditEntry.actor_id, actor_id), (AuditEntry.target_type, target_type),
                          (AuditEntry.target_id, target_id), (AuditEntry.group_id, group_id),
                          (AuditEntry.ip_address, address)):
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.created_at < until)
    stmt = keyset(stmt, (AuditEntry.created_at, AuditEntry.id), cursor, descending=True, types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in page
                                                                                if e.actor_id})))}
    return Page(items=[AuditEntryOut(
        id=e.id, actor=user_summary_or_none(actors.get(e.actor_id) if e.actor_id else None), action=e.action,
        outcome=e.outcome, ip_address=e.ip_address, target_type=e.target_type, target_id=e.target_id,
        group_id=e.group_id, before=e.before, after=e.after, created_at=e.created_at) for e in page],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > n else None)

