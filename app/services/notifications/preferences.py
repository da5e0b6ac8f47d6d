"""Her choices: the level per group and thread, which mails, the digest, her language; one-click unsubscribe."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.access import GroupAction, access_group, access_thread
from app.db import upsert
from app.errors import Forbidden
from app.models import (
    ThreadState,
    User,
)
from app.models.enums import (
    DigestFrequency,
)
from app.models.enums import NotificationLevel as Level
from app.schemas.notifications import (
    LevelOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
    UnsubscribeOut,
)
from app.services.mail import read_unsubscribe_token
from app.services.notifications.recipients import (
    default_level,
    level_in_group,
    level_in_thread,
)


def get_group_level(session: Session, actor: User, *, group_id: int) -> LevelOut:
    access = access_group(session, actor, group_id, GroupAction.view)
    if access.membership is None:
        raise Forbidden("Join this group to choose what you hear from it.", code="join_to_choose")
    chosen = Level(access.membership.notification_level) if access.membership.notification_level else None
    default = default_level(access.group)
    return LevelOut(level=chosen, default=default, effective=chosen or default)


def set_group_level(session: Session, actor: User, *, group_id: int, level: Level | None) -> LevelOut:
    access = access_group(session, actor, group_id, GroupAction.view)
    if access.membership is None:
        raise Forbidden("Join this group to choose what you hear from it.", code="join_to_choose")
    access.membership.notification_level = level
    session.flush()
    return get_group_level(session, actor, group_id=group_id)


def get_thread_level(session: Session, actor: User, *, thread_id: int) -> LevelOut:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    state = session.get(ThreadState, (actor.id, thread_id))
    glevel = level_in_group(access.group.group, access.group.is_member,
                          access.group.membership.notification_level if access.group.membership else None)
    default = level_in_thread(glevel, None, bool(state and state.participated))
    chosen = Level(state.level) if state and state.level else None
    return LevelOut(level=chosen, default=default, effective=chosen or default)


def set_thread_level(session: Session, actor: User, *, thread_id: int, level: Level | None) -> LevelOut:
    access_thread(session, actor, thread_id, GroupAction.read)
    upsert(session, ThreadState, [{"user_id": actor.id, "thread_id": thread_id, "participated": False,
                                   "level": level.value if level else None}],
           index_elements=["user_id", "thread_id"], set_={"level": level.value if level else None})
    session.expire_all()
    return get_thread_level(session, actor, thread_id=thread_id)


def get_notification_settings(_session: Session, actor: User) -> NotificationSettingsOut:
    return NotificationSettingsOut(email_mentions=actor.email_mentions, email_replies=actor.email_replies,
                                   digest=DigestFrequency(actor.digest), articles=actor.article_notifications)


def update_notification_settings(session: Session, actor: User, *, data: NotificationSettingsIn) -> \
        NotificationSettingsOut:
    if data.email_mentions is not None:
        actor.email_mentions = data.email_mentions
    if data.email_replies is not None:
        actor.email_replies = data.email_replies
    if data.digest is not None:
        actor.digest = data.digest
    if data.articles is not None:
        actor.article_notifications = data.articles
    session.flush()
    return get_notification_settings(session, actor)


def unsubscribe(session: Session, *, token: str, confirm: bool) -> UnsubscribeOut | None:
    """A signed link from a mail switches that kind of mail off for her, without a login; None when the
    link was not made by us. Only `confirm` (a POST) changes anything; doing it twice changes nothing more."""
    found = read_unsubscribe_token(token)
    user = session.get(User, found[0]) if found else None
    if found is None or user is None:
        return None
    mail_list = found[1]
    if confirm:
        match mail_list:
            case "mentions":
                user.email_mentions = False
            case "replies":
                user.email_replies = False
            case "digest":
                user.digest = DigestFrequency.off
        session.flush()
    return UnsubscribeOut(email=user.email, language=user.language, mail_list=mail_list, done=confirm)
