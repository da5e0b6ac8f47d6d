from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentUser, SessionDep
from app.pagination import Page
from app.schemas.common import PathId
from app.schemas.notifications import (
    AudienceDecisionIn,
    AudienceIn,
    AudiencePreview,
    LevelIn,
    LevelOut,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    ReadAllIn,
    ThreadReadIn,
    UnreadOut,
)
from app.schemas.posts import AudienceOut, ThreadOut
from app.services import notifications, posts, questions

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Limit = Annotated[int | None, Query(ge=1, le=100)]


@router.get("/notifications", response_model=NotificationPage)
def list_notifications(actor: CurrentUser, session: SessionDep, unread: bool = False, cursor: str | None = None,
                       limit: Limit = None) -> NotificationPage:
    return notifications.list_notifications(session, actor, unread_only=unread, cursor=cursor, limit=limit)


@router.get("/notifications/unread", response_model=UnreadOut)
def unread(actor: CurrentUser, session: SessionDep) -> UnreadOut:
    return notifications.get_unread(session, actor)


@router.post("/notifications/read", response_model=UnreadOut)
def mark_all_read(body: ReadAllIn, actor: CurrentUser, session: SessionDep) -> UnreadOut:
    return notifications.mark_all_read(session, actor, up_to_id=body.up_to_id)


@router.post("/notifications/{notification_id}/read", response_model=UnreadOut)
def mark_read(notification_id: PathId, actor: CurrentUser, session: SessionDep) -> UnreadOut:
    return notifications.mark_read(session, actor, notification_id=notification_id)


@router.get("/me/notification-settings", response_model=NotificationSettingsOut)
def get_settings(actor: CurrentUser, session: SessionDep) -> NotificationSettingsOut:
    return notifications.get_notification_settings(session, actor)


@router.patch("/me/notification-settings", response_model=NotificationSettingsOut)
def update_settings(body: NotificationSettingsIn, actor: CurrentUser, session: SessionDep) -> NotificationSettingsOut:
    return notifications.update_notification_settings(session, actor, data=body)


@router.get("/groups/{group_id}/notification-level", response_model=LevelOut)
def get_group_level(group_id: PathId, actor: CurrentUser, session: SessionDep) -> LevelOut:
    return notifications.get_group_level(session, actor, group_id=group_id)


@router.put("/groups/{group_id}/notification-level", response_model=LevelOut)
def set_group_level(group_id: PathId, body: LevelIn, actor: CurrentUser, session: SessionDep) -> LevelOut:
    return notifications.set_group_level(session, actor, group_id=group_id, level=body.level)


@router.get("/threads/{thread_id}/notification-level", response_model=LevelOut)
def get_thread_level(thread_id: PathId, actor: CurrentUser, session: SessionDep) -> LevelOut:
    return notifications.get_thread_level(session, actor, thread_id=thread_id)


@router.put("/threads/{thread_id}/notification-level", response_model=LevelOut)
def set_thread_level(thread_id: PathId, body: LevelIn, actor: CurrentUser, session: SessionDep) -> LevelOut:
    return notifications.set_thread_level(session, actor, thread_id=thread_id, level=body.level)


@router.post("/threads/{thread_id}/read", response_model=UnreadOut)
def mark_thread_read(thread_id: PathId, body: ThreadReadIn, actor: CurrentUser, session: SessionDep) -> UnreadOut:
    return notifications.mark_thread_read(session, actor, thread_id=thread_id, post_id=body.post_id)


@router.post("/questions/audience", response_model=AudiencePreview)
def preview_audience(body: AudienceIn, actor: CurrentUser, session: SessionDep) -> AudiencePreview:
    return questions.preview_audience(session, actor, data=body)


@router.get("/questions/pending", response_model=Page[ThreadOut])
def pending_questions(actor: CurrentUser, session: SessionDep, cursor: str | None = None,
                      limit: Limit = None) -> Page[ThreadOut]:
    return posts.list_pending_questions(session, actor, cursor=cursor, limit=limit)


@router.post("/threads/{thread_id}/audience", response_model=AudienceOut)
def decide_audience(thread_id: PathId, body: AudienceDecisionIn, actor: CurrentUser,
                    session: SessionDep) -> AudienceOut:
    return questions.decide_audience(session, actor, thread_id=thread_id, approve=body.approve)
