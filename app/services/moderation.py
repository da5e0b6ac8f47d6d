"""The moderation queue and what moderators do: flags, approve / reject / edit-and-approve / dismiss,
silencing and suspending members, the site's watched words. Every decision is in the audit log.

Who may act: the community manager and admins everywhere; a group's moderators and admins in their own
groups. A member who moderates nothing gets 403 for the queue.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.access import (
    PostAction,
    SiteAction,
    access_post,
    allowed,
    can_moderate,
    group_access,
    is_staff_role,
    moderated_groups,
    require,
)
from app.db import constraint_decides, rows_changed, utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.i18n import N_
from app.models import AuditEntry, Flag, Group, Membership, ModerationItem, Post, Thread, User, WatchedWord
from app.models.enums import AuditAction, ModerationStatus, NotificationKind
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.groups import GroupRef
from app.schemas.moderation import (
    FlagIn,
    FlagOut,
    FlagReason,
    QueueCount,
    QueueItemOut,
    QueueReason,
    RestrictionOut,
    WatchedWordIn,
    WatchedWordOut,
)
from app.services import audit, notifications, posts
from app.services.accounts import update_user_admin
from app.services.screening import open_item, tell_moderators
from app.services.text import fold
from app.services.views import user_summary, user_summary_or_none, users_by_id


def _moderated_groups(session: Session, actor: User) -> list[int] | None:
    """The groups whose queue she works; None: all of them (staff)."""
    if allowed(actor, SiteAction.moderate):
        return None
    return list(session.scalars(moderated_groups(actor)))


def _require_moderator(session: Session, actor: User) -> list[int] | None:
    groups = _moderated_groups(session, actor)
    if groups is not None and not groups:
        raise Forbidden("Only moderators see the moderation queue.", code="moderators_only")
    return groups


# --- flags -----------------------------------------------------------------------------------------


def flag_post(session: Session, actor: User, *, post_id: int, data: FlagIn) -> FlagOut:
    access = access_post(session, actor, post_id, PostAction.read)
    post = access.post
    if post.deleted_at is not None:
        raise NotFound("Post not found.")
    if post.author_id == actor.id:
        raise Conflict("You cannot flag your own post; edit or delete it instead.")
    flag = Flag(post_id=post.id, user_id=actor.id, reason=data.reason.value, text=data.text, created_at=utcnow())
    with constraint_decides(session, Conflict("You already flagged this post.", code="already_flagged")):
        session.add(flag)
    open_item(session, post=post, group=access.group.group, reasons=[QueueReason.flag.value], findings=[],
              held=False)
    return FlagOut(id=flag.id, post_id=post.id, reason=FlagReason(flag.reason), text=flag.text,
                   by=user_summary_or_none(actor), created_at=flag.created_at)


# --- the queue -------------------------------------------------------------------------------------


def list_queue(session: Session, actor: User, *, group_id: int | None = None, reason: QueueReason | None = None,
               older_than_hours: int | None = None, cursor: str | None = None,
               limit: int | None = None) -> Page[QueueItemOut]:
    """Open items, oldest first, of the groups she moderates."""
    groups = _require_moderator(session, actor)
    n = clamp_limit(limit)
    stmt = select(ModerationItem).where(ModerationItem.status == ModerationStatus.pending)
    if groups is not None:
        stmt = stmt.where(ModerationItem.group_id.in_(groups))
    if group_id is not None:
        stmt = stmt.where(ModerationItem.group_id == group_id)
    if older_than_hours is not None:
        stmt = stmt.where(ModerationItem.created_at <= utcnow() - timedelta(hours=older_than_hours))
    if reason is not None:
        # JSON lists differ between the databases; the reasons are few and short, so match the text.
        stmt = stmt.where(cast(ModerationItem.reasons, Text).contains(f'"{reason.value}"'))
    stmt = keyset(stmt, (ModerationItem.created_at, ModerationItem.id), cursor, descending=False,
                  types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    return Page(items=_items_out(session, page),
                next_cursor=encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > n else None)


def count_queue(session: Session, actor: User) -> QueueCount:
    groups = _require_moderator(session, actor)
    stmt = select(func.count()).select_from(ModerationItem).where(ModerationItem.status == ModerationStatus.pending)
    if groups is not None:
        stmt = stmt.where(ModerationItem.group_id.in_(groups))
    return QueueCount(pending=session.scalar(stmt) or 0)


def queue_size(session: Session, actor: User) -> int | None:
    """Her queue's open items, for the header; None when she moderates nothing."""
    groups = _moderated_groups(session, actor)
    if groups is not None and not groups:
        return None
    return count_queue(session, actor).pending


def _items_out(session: Session, items: list[ModerationItem]) -> list[QueueItemOut]:
    if not items:
        return []
    post_ids = [i.post_id for i in items]
    posts_ = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    threads = {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_({p.thread_id for p in
                                                                                      posts_.values()})))}
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_({i.group_id for i in items})))}
    flags: dict[int, list[Flag]] = {}
    for flag in session.scalars(select(Flag).where(Flag.post_id.in_(post_ids), Flag.handled_at.is_(None))
                                .order_by(Flag.id)):
        flags.setdefault(flag.post_id, []).append(flag)
    people = {i.author_id for i in items if i.author_id} | {f.user_id for fs in flags.values() for f in fs}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people)))} if people else {}
    removals = dict(session.execute(
        select(ModerationItem.author_id, func.count()).where(
            ModerationItem.author_id.in_({i.author_id for i in items if i.author_id}),
            ModerationItem.status == ModerationStatus.rejected).group_by(ModerationItem.author_id)).all())
    out = []
    for item in items:
        post = posts_[item.post_id]
        thread = threads[post.thread_id]
        group = groups[item.group_id]
        out.append(QueueItemOut(
            id=item.id, status=item.status, reasons=[QueueReason(r) for r in item.reasons], findings=item.findings,
            held=item.held, group=GroupRef(id=group.id, slug=group.slug, name=group.name), thread_id=thread.id,
            thread_title=thread.title, post_id=post.id, is_opening=post.is_opening, body=post.body,
            body_html=post.body_html, author=user_summary_or_none(users.get(item.author_id) if item.author_id
                                                                   else None),
            author_removals=removals.get(item.author_id, 0) if item.author_id else 0,
            flags=[FlagOut(id=f.id, post_id=f.post_id, reason=FlagReason(f.reason), text=f.text,
                           by=user_summary_or_none(users.get(f.user_id)), created_at=f.created_at)
                   for f in flags.get(post.id, [])],
            created_at=item.created_at,
        ))
    return out


def _claim(session: Session, actor: User, item_id: int, status: ModerationStatus, reason: str = "", *,
           refuse_held: bool = False) -> tuple[ModerationItem, Post, Group]:
    """Load the item, check she may decide it, and decide it: one conditional UPDATE (… WHERE status = 'pending'),
    so of two moderators at the same moment exactly one wins — on PostgreSQL the second waits for the first's row
    lock and then finds nothing pending; on SQLite the UPDATE is the write that queues for the single writer.
    Everything after it (the post, its thread's counters) is read after the claim, so it is what the winner sees."""
    # One query whether or not the item exists, and the same answer for an item of a group she does not moderate
    # as for none: a moderator of another group must not learn what waits (or that anything waits) elsewhere.
    row = session.execute(
        select(ModerationItem, Group, Membership.role).join(Group, Group.id == ModerationItem.group_id)
        .outerjoin(Membership, (Membership.group_id == Group.id) & (Membership.user_id == actor.id))
        .where(ModerationItem.id == item_id)).first()
    if row is None or not can_moderate(row[1].visibility, row[2], allowed(actor, SiteAction.moderate)):
        raise NotFound("Queue item not found.")
    item, group = row[0], row[1]
    if refuse_held and item.held and item.status == ModerationStatus.pending:
        raise Conflict("A held post is approved or rejected, not dismissed.", code="held_post")
    author_id = session.scalar(select(Post.author_id).where(Post.id == item.post_id))
    if author_id == actor.id and item.status == ModerationStatus.pending:
        # Nobody judges her own post: another moderator decides (the community manager sees every group).
        raise Forbidden("You cannot decide on your own post; another moderator will.", code="own_post")
    won = rows_changed(session,
        update(ModerationItem).where(ModerationItem.id == item.id, ModerationItem.status == ModerationStatus.pending)
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, decision_reason=reason)
        .execution_options(synchronize_session=False))
    session.refresh(item)
    if not won:
        message, params = _already_decided(session, item)
        raise Conflict(message, code="already_decided", params=params)
    post = session.get(Post, item.post_id, populate_existing=True)
    assert post is not None
    return item, post, group


_ITEM_DECIDED = {ModerationStatus.approved: (N_("This item was already approved."),
                                              N_("This item was already approved by %(name)s.")),
                 ModerationStatus.rejected: (N_("This item was already rejected."),
                                              N_("This item was already rejected by %(name)s.")),
                 ModerationStatus.dismissed: (N_("This item was already dismissed."),
                                               N_("This item was already dismissed by %(name)s."))}


def _already_decided(session: Session, item: ModerationItem) -> tuple[str, dict[str, object] | None]:
    """What the moderator who came second is told: what happened to the item, and who did it."""
    if item.status not in _ITEM_DECIDED:
        return N_("This post was deleted in the meantime; nothing is left to decide."), None
    by = session.get(User, item.decided_by_id) if item.decided_by_id else None
    alone, with_name = _ITEM_DECIDED[ModerationStatus(item.status)]
    return (with_name, {"name": by.display_name}) if by else (alone, None)


def _close(session: Session, item: ModerationItem) -> None:
    """The claimed item is done: its flags are handled, the moderators' counts change."""
    session.execute(update(Flag).where(Flag.post_id == item.post_id, Flag.handled_at.is_(None))
                    .values(handled_at=item.decided_at))
    session.flush()
    tell_moderators(session, group_id=item.group_id)


def _post_state(post: Post) -> dict[str, object]:
    return {"body": post.body, "held": post.held_at is not None, "deleted": post.deleted_at is not None}


def approve(session: Session, actor: User, *, item_id: int, body: str | None = None) -> QueueItemOut:
    """Let the post be seen (a held one goes live now), optionally after editing it."""
    item, post, group = _claim(session, actor, item_id, ModerationStatus.approved)
    before = _post_state(post)
    if body is not None and body != post.body:
        thread = session.get(Thread, post.thread_id)
        assert thread is not None
        posts.edit_body(session, actor, post=post, thread=thread, group=group_access(session, actor, group),
                        body=body)
    was_held = post.held_at is not None
    if was_held:
        posts.publish_held(session, actor, post=post)
        if post.author_id:
            notifications.notify_member(session, actor, user_id=post.author_id, kind=NotificationKind.post_approved,
                                        group=group, group_key=f"post:{post.id}:approved",
                                        detail=_title(session, post))
    _close(session, item)
    audit.record(session, actor, AuditAction.post_approved if body is None else AuditAction.post_edited_and_approved,
                 target_type="post", target_id=post.id, group_id=group.id, before=before, after=_post_state(post))
    return _items_out(session, [item])[0]


def reject(session: Session, actor: User, *, item_id: int, reason: str) -> QueueItemOut:
    """Remove the post; its author is told why."""
    item, post, group = _claim(session, actor, item_id, ModerationStatus.rejected, reason)
    before = _post_state(post)
    if post.held_at is not None:
        # Never seen by others: remove it quietly (no events), and tell the author.
        post.deleted_at, post.deleted_by_id = utcnow(), actor.id
        thread = session.get(Thread, post.thread_id)
        if post.is_opening and thread is not None:
            thread.deleted_at = post.deleted_at
        if post.author_id and post.author_id != actor.id:
            posts.tell_author_of_removal(session, actor, author_id=post.author_id, group=group,
                                         title=_title(session, post), reason=reason, key=f"post:{post.id}:removed")
    else:
        posts.delete_post(session, actor, post_id=post.id, reason=reason)
    _close(session, item)
    audit.record(session, actor, AuditAction.post_rejected, target_type="post", target_id=post.id, group_id=group.id,
                 before=before, after=_post_state(post) | {"reason": reason})
    return _items_out(session, [item])[0]


def dismiss(session: Session, actor: User, *, item_id: int) -> QueueItemOut:
    """The flags were unfounded: the post stays as it is."""
    item, post, group = _claim(session, actor, item_id, ModerationStatus.dismissed, refuse_held=True)
    _close(session, item)
    audit.record(session, actor, AuditAction.flags_dismissed, target_type="post", target_id=post.id, group_id=group.id)
    return _items_out(session, [item])[0]


def _title(session: Session, post: Post) -> str:
    return session.scalar(select(Thread.title).where(Thread.id == post.thread_id)) or ""


# --- members ---------------------------------------------------------------------------------------


def _require_staff(actor: User) -> None:
    require(actor, SiteAction.silence_members)


def silence(session: Session, actor: User, *, user_id: int, days: int, reason: str) -> datetime:
    _require_staff(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Member not found.")
    if user.id == actor.id or is_staff_role(user.role):
        raise Conflict("Staff accounts are not silenced.")
    before = user.silenced_until
    user.silenced_until = utcnow() + timedelta(days=days)
    audit.record(session, actor, AuditAction.member_silenced, target_type="user", target_id=user.id,
                 before={"silenced_until": before.isoformat() if before else None},
                 after={"silenced_until": user.silenced_until.isoformat(), "reason": reason})
    return user.silenced_until


def unsilence(session: Session, actor: User, *, user_id: int) -> None:
    _require_staff(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Member not found.")
    before = user.silenced_until
    user.silenced_until = None
    audit.record(session, actor, AuditAction.member_unsilenced, target_type="user", target_id=user.id,
                 before={"silenced_until": before.isoformat() if before else None}, after={"silenced_until": None})


def suspend(session: Session, actor: User, *, user_id: int, reason: str) -> None:
    """Deactivate the account (signed out everywhere), with the reason in the audit log."""
    _require_staff(actor)
    user = session.get(User, user_id)
    was_active = user.is_active if user is not None else None
    update_user_admin(session, actor, user_id=user_id, role=None, is_active=False)
    audit.record(session, actor, AuditAction.member_suspended, target_type="user", target_id=user_id,
                 before={"is_active": was_active}, after={"is_active": False, "reason": reason})


def _restrictions(session: Session, users: list[User]) -> list[RestrictionOut]:
    """Each member's silence or suspension with the reason, who and when, from the latest audit entry of it."""
    ids = [u.id for u in users]
    latest: dict[tuple[int, str], AuditEntry] = {}
    if ids:
        for entry in session.scalars(
                select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id.in_(ids),
                                         AuditEntry.action.in_([AuditAction.member_silenced,
                                                                AuditAction.member_suspended]))
                .order_by(AuditEntry.id.desc())):
            latest.setdefault((entry.target_id, entry.action), entry)
    actors = users_by_id(session, {e.actor_id for e in latest.values() if e.actor_id is not None})
    now, out = utcnow(), []
    for user in users:
        silenced = user.silenced_until if user.silenced_until and user.silenced_until > now else None
        found = latest.get((user.id, AuditAction.member_suspended if not user.is_active else
                            AuditAction.member_silenced))
        out.append(RestrictionOut(
            user=user_summary(user), silenced_until=silenced, suspended=not user.is_active,
            reason=(found.after or {}).get("reason") if found else None,
            by=user_summary_or_none(actors.get(found.actor_id) if found and found.actor_id else None),
            since=found.created_at if found else None))
    return out


def list_restrictions(session: Session, actor: User) -> list[RestrictionOut]:
    """Who is silenced now or suspended, most recent first: for the moderators to see and lift."""
    _require_staff(actor)
    users = list(session.scalars(select(User).where(
        or_(User.silenced_until > utcnow(), User.is_active.is_(False))).order_by(User.display_name, User.id)))
    return sorted(_restrictions(session, users), key=lambda r: r.since or utcnow(), reverse=True)


def restriction_of(session: Session, actor: User, *, user_id: int) -> RestrictionOut | None:
    """Her silence or suspension, if there is one (staff only; for her profile page)."""
    _require_staff(actor)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Member not found.")
    found = _restrictions(session, [user])[0]
    return found if found.silenced_until or found.suspended else None


# --- watched words ---------------------------------------------------------------------------------


def list_watched_words(session: Session, actor: User) -> list[WatchedWordOut]:
    require(actor, SiteAction.watch_words)
    return [WatchedWordOut(id=w.id, word=w.word, action=w.action, created_at=w.created_at)
            for w in session.scalars(select(WatchedWord).order_by(WatchedWord.word))]


def add_watched_word(session: Session, actor: User, *, data: WatchedWordIn) -> WatchedWordOut:
    require(actor, SiteAction.watch_words)
    word = fold(data.word)
    on_the_list = Conflict("This word is on the list already.", field="word", code="watched_word_exists")
    if session.scalar(select(WatchedWord.id).where(WatchedWord.word == word)) is not None:
        raise on_the_list
    found = WatchedWord(word=word, action=data.action, created_by_id=actor.id, created_at=utcnow())
    with constraint_decides(session, on_the_list):
        session.add(found)
    audit.record(session, actor, AuditAction.watched_word_added, target_type="watched_word", target_id=found.id,
                 after={"word": word, "action": data.action})
    return WatchedWordOut(id=found.id, word=found.word, action=found.action, created_at=found.created_at)


def remove_watched_word(session: Session, actor: User, *, word_id: int) -> None:
    require(actor, SiteAction.watch_words)
    # The DELETE decides: of two staff removing the word at once, one removes it and the other finds nothing.
    found = session.execute(delete(WatchedWord).where(WatchedWord.id == word_id)
                            .returning(WatchedWord.id, WatchedWord.word, WatchedWord.action)).first()
    if found is None:
        raise NotFound("Watched word not found.")
    audit.record(session, actor, AuditAction.watched_word_removed, target_type="watched_word", target_id=found.id,
                 before={"word": found.word, "action": found.action})
