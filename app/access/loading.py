"""The loaders: each access_* loads a resource and checks, with the rules of rules.py, that the actor may do the action.

What the actor may not even see is NotFound, never Forbidden: a secret group, and everything in it,
does not exist for an outsider. Forbidden is only for something she can see but not do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session

from app.access.rules import (
    GroupAction,
    PostAction,
    ThreadAction,
    can_delete_post,
    can_edit_post,
    can_see_content,
    can_view_group,
    group_allows,
    thread_allows,
)
from app.errors import Conflict, Forbidden, Moved, NotFound
from app.events import site_topic
from app.i18n import N_
from app.models import Attachment, Channel, Group, Membership, Post, Thread, User
from app.models.enums import GroupRole
from app.schemas.common import MAX_ID
from app.services.roles import is_staff


@dataclass(frozen=True)
class GroupAccess:
    group: Group
    membership: Membership | None
    staff: bool

    @property
    def role(self) -> GroupRole | None:
        return self.membership.role if self.membership else None

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    def allows(self, action: GroupAction) -> bool:
        return group_allows(action, self.group.visibility, self.role, self.staff)


# (message, stable code): the pages translate by the code.
_REFUSALS = {
    GroupAction.read: (N_("Join this group to read what is posted in it."), "join_to_read"),
    GroupAction.post: (N_("Join this group to post in it."), "join_to_post"),
    GroupAction.moderate: (N_("Only the group's moderators can do this."), "group_moderators_only"),
    GroupAction.administer: (N_("Only the group's admins can do this."), "group_admins_only"),
}


def _her_membership(actor: User) -> ColumnElement[bool]:
    """The join condition of the loaders' one query: her membership (if any) of the group in the chain."""
    return (Membership.group_id == Group.id) & (Membership.user_id == actor.id)


def group_access(session: Session, actor: User, group: Group) -> GroupAccess:
    membership = session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == actor.id)
    )
    return GroupAccess(group=group, membership=membership, staff=is_staff(actor))


def check(access: GroupAccess, action: GroupAction) -> GroupAccess:
    if not access.allows(GroupAction.view):
        raise NotFound("Group not found.")
    if not access.allows(action):
        message, code = _REFUSALS[action]
        # Moderating or running a group she does not moderate or run is audited; reading or posting in a group
        # she has not joined is everyday (the page tells her to join).
        refused = f"group.{action.value}" if action in (GroupAction.moderate, GroupAction.administer) else None
        raise Forbidden(message, code=code, refused=refused)
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


def may_follow(session: Session, actor: User, source_visibility: str, target: Group) -> bool:
    """May the actor be told where a merged group (or its channel) went? Only if she could see it before and can
    see where it went; otherwise the old address answers like one that never existed. Her membership of the old
    group moved with the merge, so it is the membership of the target that counts for both."""
    role = session.scalar(select(Membership.role).where(Membership.group_id == target.id,
                                                        Membership.user_id == actor.id))
    staff = is_staff(actor)
    return can_view_group(source_visibility, role, staff) and can_view_group(target.visibility, role, staff)


def moved_group(session: Session, actor: User, group: Group, *, missing: str = "Group not found.") -> Group:
    """The group a merged `group` went to, if the actor may know it; NotFound otherwise."""
    target = merged_target(session, group)
    if not may_follow(session, actor, group.visibility, target):
        raise NotFound(missing)
    return target


def access_group(session: Session, actor: User, group_id: int, action: GroupAction) -> GroupAccess:
    # The group and her membership in one query, whether or not it exists: a secret group costs what a missing
    # one does.
    row = session.execute(
        select(Group, Membership)
        .outerjoin(Membership, _her_membership(actor))
        .where(Group.id == group_id)).first()
    if row is None:
        raise NotFound("Group not found.")
    group, membership = row
    if group.merged_into_id is not None:
        raise Moved(str(group.id), str(moved_group(session, actor, group).id))
    return check(GroupAccess(group=group, membership=membership, staff=is_staff(actor)), action)


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


def _viewable(actor: User, group: Group, membership: Membership | None) -> bool:
    return can_view_group(group.visibility, membership.role if membership else None, is_staff(actor))


def access_channel(session: Session, actor: User, channel_id: int, action: GroupAction) -> ChannelAccess:
    # The channel, its group and her membership in one query, so a secret one costs what a missing one does.
    row = session.execute(
        select(Channel, Group, Membership).join(Group, Group.id == Channel.group_id)
        .outerjoin(Membership, _her_membership(actor))
        .where(Channel.id == channel_id)).first()
    if row is None or (row[0].merged_into_id is None and not _viewable(actor, row[1], row[2])):
        raise NotFound("Channel not found.")
    membership: Membership | None  # the outer join's None: she is not a member
    channel, group, membership = row
    if action == GroupAction.post:
        locked = None
        while channel.group_id != locked:  # a merge that just committed may have moved it: lock where it is now
            locked = channel.group_id
            lock_group_for_posting(session, locked)
            session.refresh(channel)
        if channel.group_id != group.id:
            moved_to = session.get(Group, channel.group_id)
            assert moved_to is not None
            group = moved_to
            membership = None if channel.merged_into_id is not None else group_access(session, actor, group).membership
    if channel.merged_into_id is not None:
        target = session.get(Channel, channel.merged_into_id)
        target_group = session.get(Group, target.group_id) if target is not None else None
        if target is None or target_group is None or not may_follow(session, actor, group.visibility, target_group):
            raise NotFound("Channel not found.")
        raise Moved(str(channel.id), str(channel.merged_into_id))
    access = GroupAccess(group=group, membership=membership, staff=is_staff(actor))
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
        .outerjoin(Membership, _her_membership(actor))
        .where(Thread.id == thread_id)
    ).first()
    if row is None:
        raise NotFound("Thread not found.")
    thread, channel, group, membership = row
    if not _viewable(actor, group, membership):
        raise NotFound("Thread not found.")  # before any lock: a secret thread costs what a missing one does
    if action == GroupAction.post:
        lock_group_for_posting(session, group.id)
        session.refresh(thread)
        if thread.group_id != group.id:  # merged into another group a moment ago: read it again
            session.expire_all()
            return access_thread(session, actor, thread_id, action)
    return _thread_access(actor, thread, channel, group, membership, action)


def _thread_access(actor: User, thread: Thread, channel: Channel, group: Group, membership: Membership | None,
                   action: GroupAction) -> ThreadAccess:
    access = GroupAccess(group=group, membership=membership, staff=is_staff(actor))
    _check_channel(channel, access, action, missing="Thread not found.")
    if not can_see_content(held=thread.held_at is not None, deleted=thread.deleted_at is not None,
                           own=thread.author_id == actor.id, moderator=access.allows(GroupAction.moderate)):
        raise NotFound("Thread not found.")  # held: waits for a moderator, it does not exist for others yet
    return ThreadAccess(thread=thread, channel=channel, group=access)


@dataclass(frozen=True)
class PostAccess:
    post: Post
    thread: Thread
    channel: Channel
    group: GroupAccess


def _post_chain(actor: User) -> Select[Post, Thread, Channel, Group, Membership]:
    return (select(Post, Thread, Channel, Group, Membership)
            .join(Thread, Thread.id == Post.thread_id)
            .join(Channel, Channel.id == Thread.channel_id)
            .join(Group, Group.id == Channel.group_id)
            .outerjoin(Membership, _her_membership(actor)))


def access_post(session: Session, actor: User, post_id: int, action: PostAction) -> PostAccess:
    # The post and its chain in one query: a secret post costs what a missing one does.
    row = session.execute(_post_chain(actor).where(Post.id == post_id)).first()
    if row is None or not _viewable(actor, row[3], row[4]):
        raise NotFound("Post not found.")
    return _post_access(session, actor, *row, action=action)


def _post_access(session: Session, actor: User, post: Post, thread: Thread, channel: Channel, group: Group,
                 membership: Membership | None, *, action: PostAction) -> PostAccess:
    try:
        if action == PostAction.react:  # posting: through the lock that keeps it out of a merge's way
            thread_access = access_thread(session, actor, post.thread_id, GroupAction.post)
        else:
            thread_access = _thread_access(actor, thread, channel, group, membership, GroupAction.read)
    except NotFound:
        raise NotFound("Post not found.") from None
    access = PostAccess(post=post, thread=thread_access.thread, channel=thread_access.channel,
                        group=thread_access.group)
    moderator = access.group.allows(GroupAction.moderate)
    own = post.author_id == actor.id
    if not can_see_content(held=post.held_at is not None, deleted=post.deleted_at is not None, own=own,
                           moderator=moderator, tombstone=action == PostAction.read):
        raise NotFound("Post not found.")
    if post.deleted_at is not None and action != PostAction.read:
        raise NotFound("Post not found.")
    if action == PostAction.delete and not can_delete_post(own=own, moderator=moderator):
        raise Forbidden("You can only change your own posts.", code="not_your_post")
    if action == PostAction.edit and not can_edit_post(own=own, moderator=moderator, member=access.group.is_member):
        if own:
            raise Forbidden("You are no longer a member of this group.", code="no_longer_member")
        raise Forbidden("You can only change your own posts.", code="not_your_post")
    return access


_THREAD_REFUSALS = {
    ThreadAction.edit: (N_("Only the author and the group's moderators can change this thread."), "not_your_thread"),
    ThreadAction.delete: (N_("Only the author and the group's moderators can delete this thread."), "not_your_thread"),
    ThreadAction.answer: (N_("Only the asker and the group's moderators mark the answer."), "not_your_question"),
    ThreadAction.moderate: (N_("Only the group's moderators can do this."), "group_moderators_only"),
}


def check_thread(access: ThreadAccess, actor: User, action: ThreadAction) -> ThreadAccess:
    """May she do `action` to a thread she can read (access_thread)? Forbidden with its own code if not."""
    if not thread_allows(action, own=access.thread.author_id == actor.id,
                         moderator=access.group.allows(GroupAction.moderate), member=access.group.is_member):
        message, code = _THREAD_REFUSALS[action]
        raise Forbidden(message, code=code, refused="thread.moderate" if action is ThreadAction.moderate else None)
    return access


def access_attachment(session: Session, actor: User, attachment_id: int) -> Attachment:
    """An attachment is readable by whoever may read its post; before it is attached, only by its uploader."""
    # One query for the attachment and the chain to her membership, whatever the answer.
    row = session.execute(
        select(Attachment, Post, Thread, Channel, Group, Membership)
        .outerjoin(Post, Post.id == Attachment.post_id)
        .outerjoin(Thread, Thread.id == Post.thread_id)
        .outerjoin(Channel, Channel.id == Thread.channel_id)
        .outerjoin(Group, Group.id == Channel.group_id)
        .outerjoin(Membership, _her_membership(actor))
        .where(Attachment.id == attachment_id)).first()
    if row is None:
        raise NotFound("Attachment not found.")
    attachment, chain = row[0], row[1:]
    if attachment.post_id is None:
        if attachment.uploader_id != actor.id:
            raise NotFound("Attachment not found.")
        return attachment
    try:
        if chain[3] is None or not _viewable(actor, chain[3], chain[4]):
            raise NotFound("Attachment not found.")
        post = _post_access(session, actor, *chain, action=PostAction.read).post
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
            case "group" | "channel" as moving:
                try:
                    group = (access_group(session, actor, ident, GroupAction.read).group if moving == "group"
                             else access_channel(session, actor, ident, GroupAction.read).group.group)
                except Moved as moved:  # she may know where it went: if she may read it there, say which topic
                    now = f"{moving}:{moved.new}"
                    access_topic(session, actor, now)  # NotFound (below) if not; Moved again if it moved on
                    raise Moved(topic, now) from None
            case "thread":
                group = access_thread(session, actor, ident, GroupAction.read).group.group
            case _:
                raise NotFound("Topic not found.")
    except (NotFound, Forbidden):
        raise NotFound("Topic not found.", field="topic") from None
    return TopicGrant(topic=topic, group_id=group.id, visibility=group.visibility)


def member_group_ids(session: Session, actor: User) -> set[int]:
    return set(session.scalars(select(Membership.group_id).where(Membership.user_id == actor.id)))
