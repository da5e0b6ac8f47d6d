"""The audit log: every moderation and admin action, who did it, when, and the state before and after.

Services call `record()` inside the action's transaction, so an action that rolls back leaves no entry and
a committed one always has one. The application only ever inserts: there is no way to edit or delete an
entry through it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import SiteAction, require
from app.db import utcnow
from app.models import AuditEntry, User
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.moderation import AuditEntryOut
from app.services.views import user_summary_or_none


def record(session: Session, actor: User | None, action: str, *, target_type: str, target_id: int,
           group_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    session.add(AuditEntry(actor_id=actor.id if actor else None, action=action, target_type=target_type,
                           target_id=target_id, group_id=group_id, before=before, after=after, created_at=utcnow()))


def list_entries(session: Session, actor: User, *, action: str | None = None, actor_id: int | None = None,
                 target_type: str | None = None, target_id: int | None = None, group_id: int | None = None,
                 cursor: str | None = None, limit: int | None = None) -> Page[AuditEntryOut]:
    require(actor, SiteAction.audit)
    n = clamp_limit(limit)
    stmt = select(AuditEntry)
    for column, value in ((AuditEntry.action, action), (AuditEntry.actor_id, actor_id),
                          (AuditEntry.target_type, target_type), (AuditEntry.target_id, target_id),
                          (AuditEntry.group_id, group_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    stmt = keyset(stmt, (AuditEntry.created_at, AuditEntry.id), cursor, descending=True, types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_({e.actor_id for e in page
                                                                                if e.actor_id})))}
    return Page(items=[AuditEntryOut(
        id=e.id, actor=user_summary_or_none(actors.get(e.actor_id) if e.actor_id else None), action=e.action,
        target_type=e.target_type, target_id=e.target_id, group_id=e.group_id, before=e.before, after=e.after,
        created_at=e.created_at) for e in page],
        next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > n else None)
