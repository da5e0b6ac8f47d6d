from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from app.deps import CurrentUser, SessionDep, rate_limited
from app.models.enums import AuditAction, AuditOutcome
from app.pagination import Page
from app.schemas.common import Id, PathId
from app.schemas.moderation import (
    ApproveIn,
    AuditEntryOut,
    FlagIn,
    FlagOut,
    QueueCount,
    QueueItemOut,
    QueueReason,
    RejectIn,
    RestrictionOut,
    SilenceIn,
    SuspendIn,
    WatchedWordIn,
    WatchedWordOut,
)
from app.services import audit, moderation

router = APIRouter(prefix="/api/v1", tags=["moderation"])
Limit = Annotated[int | None, Query(ge=1, le=100)]


@router.post("/posts/{post_id}/flags", response_model=FlagOut, status_code=status.HTTP_201_CREATED,
             dependencies=[rate_limited("flag")])
def flag_post(post_id: PathId, body: FlagIn, actor: CurrentUser, session: SessionDep) -> FlagOut:
    return moderation.flag_post(session, actor, post_id=post_id, data=body)


@router.get("/moderation/queue", response_model=Page[QueueItemOut])
def queue(actor: CurrentUser, session: SessionDep, group_id: Id | None = None, reason: QueueReason | None = None,
          older_than_hours: Annotated[int | None, Query(ge=0, le=24 * 365)] = None, cursor: str | None = None,
          limit: Limit = None) -> Page[QueueItemOut]:
    return moderation.list_queue(session, actor, group_id=group_id, reason=reason, older_than_hours=older_than_hours,
                                 cursor=cursor, limit=limit)


@router.get("/moderation/count", response_model=QueueCount)
def queue_count(actor: CurrentUser, session: SessionDep) -> QueueCount:
    return moderation.count_queue(session, actor)


@router.post("/moderation/items/{item_id}/approve", response_model=QueueItemOut)
def approve(item_id: PathId, body: ApproveIn, actor: CurrentUser, session: SessionDep) -> QueueItemOut:
    return moderation.approve(session, actor, item_id=item_id, body=body.body)


@router.post("/moderation/items/{item_id}/reject", response_model=QueueItemOut)
def reject(item_id: PathId, body: RejectIn, actor: CurrentUser, session: SessionDep) -> QueueItemOut:
    return moderation.reject(session, actor, item_id=item_id, reason=body.reason)


@router.post("/moderation/items/{item_id}/dismiss", response_model=QueueItemOut)
def dismiss(item_id: PathId, actor: CurrentUser, session: SessionDep) -> QueueItemOut:
    return moderation.dismiss(session, actor, item_id=item_id)


@router.post("/users/{user_id}/silence")
def silence(user_id: PathId, body: SilenceIn, actor: CurrentUser, session: SessionDep) -> dict[str, datetime]:
    return {"silenced_until": moderation.silence(session, actor, user_id=user_id, days=body.days, reason=body.reason)}


@router.delete("/users/{user_id}/silence", status_code=status.HTTP_204_NO_CONTENT)
def unsilence(user_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    moderation.unsilence(session, actor, user_id=user_id)


@router.get("/moderation/restrictions", response_model=list[RestrictionOut])
def list_restrictions(actor: CurrentUser, session: SessionDep) -> list[RestrictionOut]:
    """Members silenced now or suspended, with the reason, who and when (staff)."""
    return moderation.list_restrictions(session, actor)


@router.post("/users/{user_id}/suspend", status_code=status.HTTP_204_NO_CONTENT)
def suspend(user_id: PathId, body: SuspendIn, actor: CurrentUser, session: SessionDep) -> None:
    moderation.suspend(session, actor, user_id=user_id, reason=body.reason)


@router.get("/moderation/watched-words", response_model=list[WatchedWordOut])
def watched_words(actor: CurrentUser, session: SessionDep) -> list[WatchedWordOut]:
    return moderation.list_watched_words(session, actor)


@router.post("/moderation/watched-words", response_model=WatchedWordOut, status_code=status.HTTP_201_CREATED)
def add_watched_word(body: WatchedWordIn, actor: CurrentUser, session: SessionDep) -> WatchedWordOut:
    return moderation.add_watched_word(session, actor, data=body)


@router.delete("/moderation/watched-words/{word_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_watched_word(word_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    moderation.remove_watched_word(session, actor, word_id=word_id)


@router.get("/audit", response_model=Page[AuditEntryOut])
def audit_log(actor: CurrentUser, session: SessionDep, action: AuditAction | None = None,
              outcome: AuditOutcome | None = None, actor_id: Id | None = None,
              target_type: Annotated[str | None, Query(max_length=20)] = None, target_id: Id | None = None,
              group_id: Id | None = None, address: Annotated[str | None, Query(max_length=45)] = None,
              since: AwareDatetime | None = None, until: AwareDatetime | None = None, cursor: str | None = None,
              limit: Limit = None) -> Page[AuditEntryOut]:
    """Newest first. `since`/`until`: ISO 8601 with a time zone (2026-12-03T09:00:00+01:00); `address`: the
    client's IP address exactly."""
    return audit.list_entries(session, actor, action=action, outcome=outcome, actor_id=actor_id,
                              target_type=target_type, target_id=target_id, group_id=group_id, address=address,
                              since=since, until=until, cursor=cursor, limit=limit)
