"""Authorisation, in one place: each access_* loads a resource and checks the actor may do the action.

What the actor may not even see is NotFound, never Forbidden: a secret group, and everything in it,
does not exist for an outsider. Forbidden is only for something she can see but not do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Moved, NotFound
from app.events import site_topic
from app.models import Attachment, Channel, Group, Membership, Post, Thread, User
from app.models.enums import GroupRole, Visibility
from app.schemas.common import MAX_ID
from app.services.roles import is_staff


class GroupAction(StrEnum):
    view = "view"            # know the group exists: name, description, member count
    read = "read"            # read its channels, threads, replies and attachments
    post = "post"            # start threads, reply, react
    moderate = "moderate"    # edit or delete others' posts, mark answers
    administer = "administer"  # settings, channels, members, requests


class PostAction(StrEnum):
    read = "read"
    react = "react"
    edit = "edit"
    delete = "delete"


@dataclass(frozen=True)
class GroupAccess:
    group: Group
    membership: Membership | None
    staff: bool

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    def allows(self, action: GroupAction) -> bool:
        if self.staff:
            # The community manager and admins look after every group, secret ones included.
            return True
        role = self.role
        match action:
            case GroupAction.view:
                return self.group.visibility != Visibility.secret or role is not None
            case GroupAction.read:
                return self.group.visibility == Visibility.open or role is not None
            case GroupAction.post:
                return role is not None
            case GroupAction.moderate:
                return role in (GroupRole.moderator, GroupRole.admin)
            case GroupAction.administer:
                return role == GroupRole.admin
        return False


_REFUSALS = {
    GroupAction.read: "Join this group to read what is posted in it.",
    GroupAction.post: "Join this group to post in it.",
    GroupAction.moderate: "Only the group's moderators can do this.",
    GroupAction.administer: "Only the group's admins can do this.",
}


def group_access(session: Session, actor: User, group: Group) -> GroupAccess:
    membership = session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == actor.id)
    )
    return GroupAccess(group=group, membership=membership, staff=is_staff(actor))


def check(access: GroupAccess, action: GroupAction) -> GroupAccess:
    if not access.allows(GroupAction.view):
        raise NotFound("Group not found.")
    if not access.allows(action):
        raise Forbidden(_REFUSALS[action])
    if action in (GroupAction.post,) and access.group.archived_at is not None:
        raise Conflict("This group is archived; nothing new can be posted.")
    return access


def merged_target(session: Session, group: Group) -> Group:
    """Where a merged group's links lead: the end of the chain of merges."""
    seen = {group.id}
    while group.merged_into_id is not None and group.merged_into_id not in seen:
        following = session.get(Group, group.merged_into_id)
        if following is None:
            break
        seen.add(following.id)
        group = following
    return group


def access_group(session: Session, actor: User, group_id: int, action: GroupAction) -> GroupAccess:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFound("Group not found.")
    if group.merged_into_id is not None:
        raise Moved(str(group.id), str(merged_target(session, group).id))
    return check(group_access(session, actor, group), action)


@dataclass(frozen=True)
class ChannelAccess:
    channel: Channel
    group: GroupAccess


def _check_channel(channel: Channel, access: GroupAccess, action: GroupAction, *, missing: str) -> None:
    if not access.allows(GroupAction.view):
        raise NotFound(missing)
    check(access, action)
    if action == GroupAction.post and channel.archived_at is not None:
        raise Conflict("This channel is archived; nothing new can be posted in it.")


def access_channel(session: Session, actor: User, channel_id: int, action: GroupAction) -> ChannelAccess:
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("Channel not found.")
    if action == GroupAction.post:
        locked = None
        while channel.group_id != locked:  # a merge that just committed may have moved it: lock where it is now
            locked = channel.group_id
            lock_group_for_posting(session, locked)
            session.refresh(channel)
    if channel.merged_into_id is not None:
        raise Moved(str(channel.id), str(channel.merged_into_id))
    group = session.get(Group, channel.group_id)
    assert group is not None
    access = group_access(session, actor, group)
    _check_channel(channel, access, action, missing="Channel not found.")
    return ChannelAccess(channel=channel, group=access)


# PostgreSQL advisory locks of one class (the first key) per group (the second): "the group's content".
_GROUP_CONTENT_LOCK = 0x706C6E  # "pln"


def lock_group_for_posting(session: Session, group_id: int) -> None:
    """A post must not slip past a merge of its group (it would stay behind in the old group).

    PostgreSQL: a shared advisory lock on the group, which a merge takes exclusively (lock_groups_for_merge).
    Not a FOR SHARE lock on the group's row: row locks do not queue, so with members posting continuously new
    share lockers kept joining the ones already there and the merge's FOR UPDATE waited until posting stopped
    (over a minute). Advisory locks queue in order: a merge waits only for the posts already in flight, and the
    posts that come after it wait for it, then find their thread or channel in the group it went to.

    SQLite: start the write transaction now (one writer at a time), so what is read next is what the post is
    written against."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock_shared(_GROUP_CONTENT_LOCK, group_id)))
    else:
        _start_writing(session, [group_id])


def lock_groups_for_merge(session: Session, group_ids: list[int]) -> None:
    """A merge has its groups to itself: no post is written into them until it commits (see above). In id
    order, so that two merges never wait on each other crosswise."""
    if session.get_bind().dialect.name == "postgresql":
        for group_id in sorted(group_ids):
            session.execute(select(func.pg_advisory_xact_lock(_GROUP_CONTENT_LOCK, group_id)))
    else:
        _start_writing(session, group_ids)


def lock_group_row(session: Session, group_id: int) -> None:
    """Serialise the group's own settings that no constraint guards (its channels' names): PostgreSQL locks the
    row; SQLite starts the write transaction, after which nobody else writes until it ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Group.id).where(Group.id == group_id).with_for_update())
    else:
        _start_writing(session, [group_id])


def _start_writing(session: Session, group_ids: list[int]) -> None:
    # pysqlite opens the transaction at the first write, and app.db queues writers on the process's write lock.
    session.execute(update(Group).where(Group.id.in_(group_ids)).values(member_count=Group.member_count)
                    .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class ThreadAccess:
    thread: Thread
    channel: Channel
    group: GroupAccess


def access_thread(session: Session, actor: User, thread_id: int, action: GroupAction) -> ThreadAccess:
    # One query for the chain thread → channel → group → her membership: this runs on every read and reply.
    row = session.execute(
        select(Thread, Channel, Group, Membership)
        .join(Channel, Channel.id == Thread.channel_id)
        .join(Group, Group.id == Channel.group_id)
        .outerjoin(Membership, (Membership.group_id == Group.id) & (Membership.user_id == actor.id))
        .where(Thread.id == thread_id)
    ).first()
    if row is None:
        raise NotFound("Thread not found.")
    thread, channel, group, membership = row
    if action == GroupAction.post:
        lock_group_for_posting(session, group.id)
        session.refresh(thread)
        if thread.group_id != group.id:  # merged into another group a moment ago: read it again
            session.expire_all()
            return access_thread(session, actor, thread_id, action)
    access = GroupAccess(group=group, membership=membership, staff=is_staff(actor))
    _check_channel(channel, access, action, missing="Thread not found.")
    if thread.deleted_at is not None and not access.allows(GroupAction.moderate):
        raise NotFound("Thread not found.")
    if thread.held_at is not None and thread.author_id != actor.id and not access.allows(GroupAction.moderate):
        raise NotFound("Thread not found.")  # waits for a moderator: it does not exist for others yet
    return ThreadAccess(thread=thread, channel=channel, group=access)


@dataclass(frozen=True)
class PostAccess:
    post: Post
    thread: Thread
    channel: Channel
    group: GroupAccess


def access_post(session: Session, actor: User, post_id: int, action: PostAction) -> PostAccess:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound("Post not found.")
    group_action = GroupAction.post if action == PostAction.react else GroupAction.read
    try:
        thread_access = access_thread(session, actor, post.thread_id, group_action)
    except NotFound:
        raise NotFound("Post not found.") from None
    access = PostAccess(post=post, thread=thread_access.thread, channel=thread_access.channel,
                        group=thread_access.group)
    moderator = access.group.allows(GroupAction.moderate)
    if post.held_at is not None and post.author_id != actor.id and not moderator:
        raise NotFound("Post not found.")
    if post.deleted_at is not None and action != PostAction.read:
        raise NotFound("Post not found.")
    if action in (PostAction.edit, PostAction.delete):
        own = post.author_id == actor.id
        if not (own or moderator):
            raise Forbidden("You can only change your own posts.")
        if action == PostAction.edit and own and not moderator and not access.group.is_member:
            raise Forbidden("You are no longer a member of this group.")
    return access


def access_attachment(session: Session, actor: User, attachment_id: int) -> Attachment:
    """An attachment is readable by whoever may read its post; before it is attached, only by its uploader."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("Attachment not found.")
    if attachment.post_id is None:
        if attachment.uploader_id != actor.id:
            raise NotFound("Attachment not found.")
        return attachment
    try:
        post = access_post(session, actor, attachment.post_id, PostAction.read).post
    except (NotFound, Forbidden):
        raise NotFound("Attachment not found.") from None
    if post.deleted_at is not None:
        raise NotFound("Attachment not found.")
    return attachment


# --- live-update topics --------------------------------------------------------------------------


_TOPIC_ID = re.compile(r"[1-9][0-9]{0,9}")


@dataclass(frozen=True)
class TopicGrant:
    """What the hub needs to re-check delivery without the database: the topic's group and its visibility."""

    topic: str
    group_id: int | None  # None: the member's own topic
    visibility: str | None


def access_topic(session: Session, actor: User, topic: str) -> TopicGrant:
    """May the actor follow `topic` live? A topic she may not read answers exactly like one that does not exist."""
    kind, _, raw = topic.partition(":")
    # ASCII digits in canonical form only: str.isdigit() also accepts "²" (int() then raises) and "007" (a topic
    # no event is ever published on), and int() refuses strings over 4300 digits.
    if not _TOPIC_ID.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise NotFound("Topic not found.", field="topic")
    ident = int(raw)
    try:
        match kind:
            case "user":
                if ident != actor.id:
                    raise NotFound("Topic not found.")
                return TopicGrant(topic=topic, group_id=None, visibility=None)
            case "site":
                if topic != site_topic():
                    raise NotFound("Topic not found.")
                return TopicGrant(topic=topic, group_id=None, visibility=None)
            case "group":
                group = access_group(session, actor, ident, GroupAction.read).group
            case "channel":
                group = access_channel(session, actor, ident, GroupAction.read).group.group
            case "thread":
                group = access_thread(session, actor, ident, GroupAction.read).group.group
            case _:
                raise NotFound("Topic not found.")
    except (NotFound, Forbidden):
        raise NotFound("Topic not found.", field="topic") from None
    return TopicGrant(topic=topic, group_id=group.id, visibility=group.visibility)


def member_group_ids(session: Session, actor: User) -> set[int]:
    return set(session.scalars(select(Membership.group_id).where(Membership.user_id == actor.id)))
