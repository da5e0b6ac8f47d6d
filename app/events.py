"""The live events, as a contract: one Pydantic model per event type, a discriminated union of them all.

Services record an event in their transaction (`record_event(session, PostCreated(...))`); the unit of work
hands it to the bus after commit. Every event has its `type` (the discriminator, also the name the JS listens
for), its `topic` (one of the kinds it may go to, checked when it is made) and its typed `payload` (what the
client receives as `payload`). tests/api/test_events.py produces every type through the API and checks it
against this schema, and checks the names against the JS.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, TypeAdapter, model_validator
from sqlalchemy.orm import Session

from app.db import effects, utcnow
from app.models.enums import GroupRole, RequestStatus, SiteRole, Visibility
from app.schemas.groups import ChannelOut, GroupOut
from app.schemas.notifications import NotificationOut, UnreadOut
from app.schemas.posts import PostOut, ReactionCount, ThreadOut
from app.schemas.publishing import ArticleSummary

# --- topics ------------------------------------------------------------------------------------------------


def group_topic(group_id: int) -> str:
    return f"group:{group_id}"


def channel_topic(channel_id: int) -> str:
    return f"channel:{channel_id}"


def thread_topic(thread_id: int) -> str:
    return f"thread:{thread_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


SITE_TOPIC = "site:1"


def site_topic() -> str:
    """What every member may follow: a published article. (One site; the id keeps topics "<kind>:<id>".)"""
    return SITE_TOPIC


# Both parts of an id are unsigned 64-bit numbers on every bus (a Redis stream refuses anything larger).
EVENT_ID_PART_MAX = 2**64 - 1
_EVENT_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")


def is_event_id(value: object) -> bool:
    """Could a bus have given this id? ("<n>-<n>", each part within 64 bits.) A client's resume point is checked
    with this before any bus sees it, so a made-up id gets a clear answer instead of a bus error."""
    match = _EVENT_ID.fullmatch(value) if isinstance(value, str) else None
    return match is not None and all(int(part) <= EVENT_ID_PART_MAX for part in match.groups())


def event_id_key(event_id: str) -> tuple[int, int]:
    """Ids compare in publish order (in-process "<epoch>-<n>", Redis stream "<ms>-<n>")."""
    first, _, second = event_id.partition("-")
    return int(first), int(second or 0)


# --- the envelope ------------------------------------------------------------------------------------------


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Event(BaseModel):
    """One event: what it is, where it goes, what it says; `id` is given by the bus when published."""

    type: str
    topic: str
    payload: BaseModel
    at: datetime = Field(default_factory=utcnow)
    # Increasing, "<a>-<b>"; a client resumes from the last one it saw.
    id: str | None = None

    # The topic kinds ("group", "user", …) this event may be published on.
    topic_kinds: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _topic_is_one_of_its_kinds(self) -> Event:
        kind = self.topic.partition(":")[0]
        if kind not in self.topic_kinds:
            raise ValueError(f"{self.type} is not published on {self.topic!r} (only on {self.topic_kinds})")
        return self


# --- accounts (the hub closes sockets on these; no page listens) ------------------------------------------


class SessionsEnded(Payload):
    user_id: int
    session_ids: list[int]
    all: bool


class SessionEnded(Event):
    type: Literal["session.ended"] = "session.ended"
    payload: SessionsEnded
    topic_kinds = ("user",)


class TokenRevoked(Payload):
    user_id: int
    token_id: int


class ApiTokenRevoked(Event):
    type: Literal["api_token.revoked"] = "api_token.revoked"
    payload: TokenRevoked
    topic_kinds = ("user",)


class RoleChange(Payload):
    user_id: int
    role: SiteRole


class AccountRoleChanged(Event):
    type: Literal["account.role_changed"] = "account.role_changed"
    payload: RoleChange
    topic_kinds = ("user",)


class AccountRef(Payload):
    user_id: int


class AccountDeactivated(Event):
    type: Literal["account.deactivated"] = "account.deactivated"
    payload: AccountRef
    topic_kinds = ("user",)


# --- groups ------------------------------------------------------------------------------------------------


class GroupUpdated(Event):
    """Carries only what every member may see (no secret parent)."""

    type: Literal["group.updated"] = "group.updated"
    payload: GroupOut
    topic_kinds = ("group",)


class MembershipChange(Payload):
    group_id: int
    user_id: int
    role: GroupRole | None  # None: she left or was removed


class MembershipChanged(Event):
    type: Literal["membership.changed"] = "membership.changed"
    payload: MembershipChange
    topic_kinds = ("group", "user")


class JoinRequestRef(Payload):
    group_id: int
    request_id: int
    user_id: int


class JoinRequestCreated(Event):
    type: Literal["join_request.created"] = "join_request.created"
    payload: JoinRequestRef
    topic_kinds = ("group",)


class JoinRequestDecision(Payload):
    group_id: int
    request_id: int
    status: RequestStatus


class JoinRequestDecided(Event):
    type: Literal["join_request.decided"] = "join_request.decided"
    payload: JoinRequestDecision
    topic_kinds = ("user",)


class InvitationRef(Payload):
    group_id: int
    invitation_id: int


class GroupInvitationCreated(Event):
    type: Literal["group_invitation.created"] = "group_invitation.created"
    payload: InvitationRef
    topic_kinds = ("user",)


class Merge(Payload):
    from_group_id: int
    into_group_id: int
    into_slug: str
    into_name: str
    into_visibility: Visibility


class GroupMerged(Event):
    type: Literal["group.merged"] = "group.merged"
    payload: Merge
    topic_kinds = ("group",)


class ChannelCreated(Event):
    type: Literal["channel.created"] = "channel.created"
    payload: ChannelOut
    topic_kinds = ("group",)


class ChannelUpdated(Event):
    type: Literal["channel.updated"] = "channel.updated"
    payload: ChannelOut
    topic_kinds = ("group", "channel")


# --- threads and posts -------------------------------------------------------------------------------------


class ThreadCreated(Event):
    type: Literal["thread.created"] = "thread.created"
    payload: ThreadOut
    topic_kinds = ("channel", "group")


class ThreadUpdated(Event):
    type: Literal["thread.updated"] = "thread.updated"
    payload: ThreadOut
    topic_kinds = ("thread", "channel")


class DeletedThread(Payload):
    thread_id: int
    channel_id: int
    group_id: int


class ThreadDeleted(Event):
    type: Literal["thread.deleted"] = "thread.deleted"
    payload: DeletedThread
    topic_kinds = ("thread", "channel", "group")


class Answer(Payload):
    thread_id: int
    answer_post_id: int | None


class ThreadAnswered(Event):
    type: Literal["thread.answered"] = "thread.answered"
    payload: Answer
    topic_kinds = ("thread",)


# Written as datetime.isoformat() ("+00:00"), as it always was; pydantic's own form would end in "Z".
IsoTime = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")]


class Activity(Payload):
    thread_id: int
    reply_count: int
    last_activity_at: IsoTime
    post_id: int


class ThreadActivity(Event):
    type: Literal["thread.activity"] = "thread.activity"
    payload: Activity
    topic_kinds = ("channel",)


class PostCreated(Event):
    """Everyone's view of the reply (no can_edit for anyone): the page fetches her own if it needs it."""

    type: Literal["post.created"] = "post.created"
    payload: PostOut
    topic_kinds = ("thread",)


class PostUpdated(Event):
    type: Literal["post.updated"] = "post.updated"
    payload: PostOut
    topic_kinds = ("thread",)


class PostRef(Payload):
    post_id: int
    thread_id: int


class PostDeleted(Event):
    type: Literal["post.deleted"] = "post.deleted"
    payload: PostRef
    topic_kinds = ("thread",)


class Reactions(Payload):
    post_id: int
    thread_id: int
    reactions: list[ReactionCount]


class ReactionChanged(Event):
    type: Literal["reaction.changed"] = "reaction.changed"
    payload: Reactions
    topic_kinds = ("thread",)


class ModerationQueue(Payload):
    group_id: int


class ModerationChanged(Event):
    type: Literal["moderation.changed"] = "moderation.changed"
    payload: ModerationQueue
    topic_kinds = ("user",)


# --- publishing --------------------------------------------------------------------------------------------


class ArticlePublished(Event):
    type: Literal["article.published"] = "article.published"
    payload: ArticleSummary
    topic_kinds = ("site",)


class ArticleUpdated(Event):
    type: Literal["article.updated"] = "article.updated"
    payload: ArticleSummary
    topic_kinds = ("site",)


class UnpublishedArticle(Payload):
    id: int


class ArticleUnpublished(Event):
    type: Literal["article.unpublished"] = "article.unpublished"
    payload: UnpublishedArticle
    topic_kinds = ("site",)


# --- notifications -----------------------------------------------------------------------------------------


class NewNotification(Payload):
    notification: NotificationOut
    unread: int


class NotificationCreated(Event):
    type: Literal["notification.created"] = "notification.created"
    payload: NewNotification
    topic_kinds = ("user",)


class NotificationsRead(Event):
    type: Literal["notifications.read"] = "notifications.read"
    payload: UnreadOut
    topic_kinds = ("user",)


# --- the bus's own -----------------------------------------------------------------------------------------


class Nothing(Payload):
    pass


class BusGap(Event):
    """Put into the stream by the bus: events may be missing before it. Never sent to a client as an event:
    the hub asks every socket to resync instead."""

    type: Literal["bus.gap"] = "bus.gap"
    topic: str = "bus:gap"
    payload: Nothing = Field(default_factory=Nothing)
    topic_kinds = ("bus",)


AnyEvent = Annotated[
    SessionEnded | ApiTokenRevoked | AccountRoleChanged | AccountDeactivated
    | GroupUpdated | MembershipChanged | JoinRequestCreated | JoinRequestDecided | GroupInvitationCreated
    | GroupMerged | ChannelCreated | ChannelUpdated
    | ThreadCreated | ThreadUpdated | ThreadDeleted | ThreadAnswered | ThreadActivity
    | PostCreated | PostUpdated | PostDeleted | ReactionChanged | ModerationChanged
    | ArticlePublished | ArticleUpdated | ArticleUnpublished
    | NotificationCreated | NotificationsRead
    | BusGap,
    Field(discriminator="type"),
]
_ANY_EVENT: TypeAdapter[Event] = TypeAdapter(AnyEvent)

# Every event model by its type.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.model_fields["type"].default: cls for cls in Event.__subclasses__()
}


def parse_event(data: str | bytes) -> Event:
    """An event as stored in the bus's stream (`model_dump_json(exclude={"id"})`), back as its model."""
    return _ANY_EVENT.validate_json(data)


def wire_payload(event: Event) -> object:
    return event.payload.model_dump(mode="json")


def record_event(session: Session, event: Event) -> None:
    """Published once the action's transaction commits; dropped if it rolls back. The payload is sent as it
    is then: build it for the event, don't change it afterwards."""
    effects(session).events.append(event)
