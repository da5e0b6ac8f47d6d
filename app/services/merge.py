"""Merging duplicate groups: the community manager moves group A into group B in one transaction.

A's channels move into B (a channel whose name B already has is merged into B's, its threads interleaved
by time), with every thread, reply, attachment and reaction untouched (they hang off threads). Members of A
become members of B with the higher of their two roles and their own notification level; pending join
requests and invitations move unless they became pointless. A stays behind as an archived tombstone that
points at B, so every old link — the group's slug and id, a merged channel's id — is redirected.

Concurrent posting: the merge first takes both groups for itself (access.lock_groups_for_merge: exclusive
advisory locks on PostgreSQL, which every post takes shared; the write lock on SQLite), so a post written into
A while the merge runs waits for it and then lands in B (a post for a merged channel is redirected, 308). The
merge itself waits only for the posts already in flight, however busy the group: advisory locks queue fairly.
"""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.access import GroupAction, SiteAction, lock_groups_for_merge, may_group, require
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.events import GroupMerged, Merge, group_topic, record_event
from app.models import (
    Channel,
    Group,
    GroupInvitation,
    JoinRequest,
    Membership,
    ModerationItem,
    Notification,
    Post,
    Thread,
    User,
)
from app.models.enums import AuditAction, GroupRole, NotificationKind, RequestStatus, Visibility
from app.schemas.merge import ChannelMove, MergePreview, MergeResult
from app.services import audit, notifications, search
from app.services.views import user_summary

_RANK = {GroupRole.member.value: 0, GroupRole.moderator.value: 1, GroupRole.admin.value: 2}
_OPENNESS = {Visibility.secret.value: 0, Visibility.closed.value: 1, Visibility.open.value: 2}
SHOWN_GAINERS = 20


def _groups(session: Session, actor: User, source_id: int, target_id: int, *, lock: bool) -> tuple[Group, Group]:
    require(actor, SiteAction.merge)
    if source_id == target_id:
        raise Invalid("A group cannot be merged into itself.", field="target_id")
    stmt = select(Group).where(Group.id.in_([source_id, target_id])).order_by(Group.id)
    if lock:
        lock_groups_for_merge(session, [source_id, target_id])
        stmt = stmt.with_for_update()  # in id order: two merges never wait on each other crosswise
    found = {g.id: g for g in session.scalars(stmt)}
    if source_id not in found:
        raise NotFound("Group not found.", field="source_id")
    if target_id not in found:
        raise NotFound("Group not found.", field="target_id")
    source, target = found[source_id], found[target_id]
    for group, field in ((source, "source_id"), (target, "target_id")):
        if group.merged_into_id is not None:
            raise Conflict("“%(group)s” was already merged into another group.", field=field,
                           params={"group": group.name})
    return source, target


def _members(session: Session, group_id: int) -> dict[int, Membership]:
    return {m.user_id: m for m in session.scalars(select(Membership).where(Membership.group_id == group_id))}


def _channel_moves(session: Session, source: Group, target: Group) -> list[ChannelMove]:
    theirs = {c.name.casefold(): c for c in session.scalars(select(Channel).where(Channel.group_id == target.id))}
    counts = dict(session.execute(select(Thread.channel_id, func.count()).where(Thread.group_id == source.id)
                                  .group_by(Thread.channel_id)).all())
    moves = []
    for channel in session.scalars(select(Channel).where(Channel.group_id == source.id).order_by(Channel.id)):
        clash = theirs.get(channel.name.casefold())
        moves.append(ChannelMove(id=channel.id, name=channel.name, threads=counts.get(channel.id, 0),
                                 merged_into_id=clash.id if clash else None))
    return moves


def _gainers(session: Session, source: Group, target: Group, source_members: set[int]) -> tuple[int, list[User]]:
    """Who could read A's content after the merge but cannot now (only when A is the more restricted group): who
    may read B and not A, by the one rule (app/access); the staff read both already."""
    if _OPENNESS[source.visibility] >= _OPENNESS[target.visibility]:
        return 0, []
    stmt = select(User).where(User.is_active.is_(True), User.id.not_in(source_members or {0}),
                              may_group(GroupAction.read, user_id=User.id, group_id=target.id),
                              ~may_group(GroupAction.read, user_id=User.id, group_id=source.id))
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return count, list(session.scalars(stmt.order_by(User.display_name).limit(SHOWN_GAINERS)))


def preview_merge(session: Session, actor: User, *, source_id: int, target_id: int) -> MergePreview:
    """The dry run: what would move, what clashes, who would gain access. Changes nothing."""
    source, target = _groups(session, actor, source_id, target_id, lock=False)
    return _preview(session, source, target)


def _preview(session: Session, source: Group, target: Group) -> MergePreview:
    source_members, target_members = _members(session, source.id), _members(session, target.id)
    gained, shown = _gainers(session, source, target, set(source_members))
    threads = session.scalar(select(func.count()).select_from(Thread).where(Thread.group_id == source.id)) or 0
    posts = session.scalar(select(func.count()).select_from(Post).join(Thread, Thread.id == Post.thread_id)
                           .where(Thread.group_id == source.id)) or 0
    requests = session.scalar(select(func.count()).select_from(JoinRequest).where(
        JoinRequest.group_id == source.id, JoinRequest.status == RequestStatus.pending)) or 0
    return MergePreview(
        source_id=source.id, target_id=target.id, source_name=source.name, target_name=target.name,
        channels=_channel_moves(session, source, target), threads=threads, posts=posts,
        members_moving=len(set(source_members) - set(target_members)),
        members_in_both=len(set(source_members) & set(target_members)), pending_requests=requests,
        exposes=gained > 0, gaining_access=gained, gaining_access_examples=[user_summary(u) for u in shown],
    )


def merge_groups(session: Session, actor: User, *, source_id: int, target_id: int,
                 confirm_exposure: bool = False) -> MergeResult:
    source, target = _groups(session, actor, source_id, target_id, lock=True)
    preview = _preview(session, source, target)
    if preview.exposes and not confirm_exposure:
        raise Conflict("Merging makes “%(group)s” readable to %(count)s more people; "
                       "confirm that (confirm_exposure) after checking the preview.", field="confirm_exposure",
                       params={"group": source.name, "count": preview.gaining_access})
    now = utcnow()
    # Channels: move, or merge into B's channel of the same name (that one keeps its slug and settings).
    for move in preview.channels:
        if move.merged_into_id is None:
            session.execute(update(Channel).where(Channel.id == move.id).values(
                group_id=target.id, slug=_free_slug(session, target.id, move.id), is_default=False))
        else:
            session.execute(update(Thread).where(Thread.channel_id == move.id).values(channel_id=move.merged_into_id))
            session.execute(update(Channel).where(Channel.id == move.id).values(
                merged_into_id=move.merged_into_id, archived_at=now))
    session.execute(update(Thread).where(Thread.group_id == source.id).values(group_id=target.id))
    search.move_group(session, source=source, target=target)
    # Members: the higher role, their own level (B's if they chose one there); no duplicates.
    source_members, target_members = _members(session, source.id), _members(session, target.id)
    for user_id, membership in source_members.items():
        kept = target_members.get(user_id)
        if kept is None:
            membership.group_id = target.id
            continue
        if _RANK[membership.role] > _RANK[kept.role]:
            kept.role = membership.role
        if kept.notification_level is None and membership.notification_level is not None:
            kept.notification_level = membership.notification_level
        session.delete(membership)
    session.flush()
    members_now = set(_members(session, target.id))
    for request in session.scalars(select(JoinRequest).where(JoinRequest.group_id == source.id,
                                                             JoinRequest.status == RequestStatus.pending)):
        duplicate = session.scalar(select(JoinRequest.id).where(
            JoinRequest.group_id == target.id, JoinRequest.user_id == request.user_id,
            JoinRequest.status == RequestStatus.pending))
        if request.user_id in members_now or duplicate is not None:
            request.status, request.decided_at, request.decided_by_id = RequestStatus.cancelled, now, actor.id
        else:
            request.group_id = target.id
    for invitation in session.scalars(select(GroupInvitation).where(GroupInvitation.group_id == source.id,
                                                                    GroupInvitation.status == RequestStatus.pending)):
        duplicate = session.scalar(select(GroupInvitation.id).where(
            GroupInvitation.group_id == target.id, GroupInvitation.user_id == invitation.user_id,
            GroupInvitation.status == RequestStatus.pending))
        if invitation.user_id in members_now or duplicate is not None:
            invitation.status, invitation.decided_at = RequestStatus.cancelled, now
        else:
            invitation.group_id = target.id
    session.execute(update(Notification).where(Notification.group_id == source.id).values(group_id=target.id))
    session.execute(update(ModerationItem).where(ModerationItem.group_id == source.id).values(group_id=target.id))
    # A stays as a tombstone: archived, empty, pointing at B, so its links redirect.
    source.merged_into_id, source.archived_at, source.member_count = target.id, now, 0
    target.member_count = len(members_now)
    session.flush()
    audit.record(session, actor, AuditAction.group_merged, target_type="group", target_id=source.id, group_id=target.id,
                 before={"group": source.name, "members": len(source_members)},
                 after=preview.model_dump(mode="json", include={"target_id", "threads", "posts", "members_moving",
                                                               "gaining_access"}))
    merged = Merge(from_group_id=source.id, into_group_id=target.id, into_slug=target.slug,
                   into_name=target.name, into_visibility=target.visibility)
    for topic in (group_topic(source.id), group_topic(target.id)):
        record_event(session, GroupMerged(topic=topic, payload=merged))
    for user_id in sorted(members_now):
        notifications.notify_member(session, actor, user_id=user_id, kind=NotificationKind.group_merged,
                                    group=target, group_key=f"group:{source.id}:merged", detail=source.name)
    return MergeResult(**preview.model_dump(), merged_at=now)


def _free_slug(session: Session, group_id: int, channel_id: int) -> str:
    channel = session.get(Channel, channel_id)
    assert channel is not None
    taken = set(session.scalars(select(Channel.slug).where(Channel.group_id == group_id)))
    slug, n = channel.slug, 2
    while slug in taken:
        slug, n = f"{channel.slug}-{n}", n + 1
    return slug
