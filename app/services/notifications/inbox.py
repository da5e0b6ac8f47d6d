"""Her notifications: the list, unread counts, read state (also of a thread she read or wrote in)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.access import GroupAction, access_thread, may_group
from app.db import rows_changed, upsert, utcnow
from app.errors import Invalid, NotFound
from app.events import NotificationsRead, record_event, user_topic
from app.models import (
    Article,
    Group,
    Notification,
    Post,
    Series,
    Thread,
    ThreadState,
    User,
)
from app.models.enums import (
    ArticleStatus,
)
from app.models.enums import NotificationKind as Kind
from app.pagination import clamp_limit, encode_cursor, keyset
from app.schemas.groups import GroupRef
from app.schemas.notifications import (
    ArticleRef,
    NotificationOut,
    NotificationPage,
    SeriesRef,
    ThreadRef,
    UnreadOut,
)
from app.services.views import user_summary_or_none


def _visible() -> ColumnElement[bool]:
    """The notification is about something its member may still read (correlated: works for many members)."""
    n = Notification
    # About a thread: she must be able to read the group. About the group itself (her join request): she must
    # be able to see it, which a closed group allows everyone.
    readable_group = or_(
        n.group_id.is_(None),
        and_(n.thread_id.is_(None), may_group(GroupAction.view, user_id=n.user_id, group_id=n.group_id)),
        may_group(GroupAction.read, user_id=n.user_id, group_id=n.group_id),
    )
    live_thread = or_(n.thread_id.is_(None), exists().where(Thread.id == n.thread_id, Thread.deleted_at.is_(None)))
    # A mention is about one post; a folded reply line stays while its thread does (a later reply may be gone).
    live_post = or_(n.post_id.is_(None), n.kind != Kind.mention,
                    exists().where(Post.id == n.post_id, Post.deleted_at.is_(None)))
    # An article that was unpublished again is a draft: nobody but its editors may know of it.
    live_article = or_(n.article_id.is_(None), exists().where(Article.id == n.article_id,
                                                              Article.status == ArticleStatus.published))
    return and_(readable_group, live_thread, live_post, live_article)


def unread_counts(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(user_ids))
    counts = dict.fromkeys(ids, 0)
    if ids:
        for user_id, count in session.execute(
                select(Notification.user_id, func.count()).where(
                    Notification.user_id.in_(ids), Notification.read_at.is_(None), _visible())
                .group_by(Notification.user_id)):
            counts[user_id] = count
    return counts


def line_url(thread_id: int | None, post_id: int | None, group_slug: str | None, *,
              article_slug: str | None = None, series_slug: str | None = None) -> str:
    if article_slug is not None:
        return f"/articles/{article_slug}"
    if series_slug is not None:
        return f"/manage/series/{series_slug}"
    if thread_id is not None:
        return f"/threads/{thread_id}" + (f"#post-{post_id}" if post_id else "")
    return f"/groups/{group_slug}" if group_slug else "/"


def _notifications_out(session: Session, notifications: Sequence[Notification]) -> list[NotificationOut]:
    actor_ids = {n.actor_id for n in notifications if n.actor_id}
    group_ids = {n.group_id for n in notifications if n.group_id}
    thread_ids = {n.thread_id for n in notifications if n.thread_id}
    actors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_(group_ids)))} if group_ids else {}
    threads = {thread_id: title for thread_id, title in session.execute(
        select(Thread.id, Thread.title).where(Thread.id.in_(thread_ids)))} if thread_ids else {}
    article_ids = {n.article_id for n in notifications if n.article_id}
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(article_ids)))} \
        if article_ids else {}
    series_ids = {n.series_id for n in notifications if n.series_id}
    series = {s.id: s for s in session.scalars(select(Series).where(Series.id.in_(series_ids)))} if series_ids else {}
    out = []
    for n in notifications:
        group = groups.get(n.group_id) if n.group_id else None
        article = articles.get(n.article_id) if n.article_id else None
        one_series = series.get(n.series_id) if n.series_id else None
        out.append(NotificationOut(
            id=n.id, kind=Kind(n.kind), count=n.count,
            actor=user_summary_or_none(actors.get(n.actor_id) if n.actor_id else None),
            group=GroupRef(id=group.id, slug=group.slug, name=group.name) if group else None,
            thread=ThreadRef(id=n.thread_id, title=threads[n.thread_id]) if n.thread_id in threads else None,
            article=ArticleRef(id=article.id, slug=article.slug, title=article.title) if article else None,
            series=SeriesRef(id=one_series.id, slug=one_series.slug, name=one_series.name) if one_series else None,
            post_id=n.post_id, detail=n.detail, created_at=n.created_at, updated_at=n.updated_at,
            read=n.read_at is not None,
            url=line_url(n.thread_id, n.post_id, group.slug if group else None,
                          article_slug=article.slug if article else None,
                          series_slug=one_series.slug if one_series else None),
        ))
    return out


def list_notifications(session: Session, actor: User, *, unread_only: bool = False, cursor: str | None = None,
                       limit: int | None = None) -> NotificationPage:
    n = clamp_limit(limit)
    stmt = select(Notification).where(Notification.user_id == actor.id, _visible())
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = keyset(stmt, (Notification.updated_at, Notification.id), cursor, descending=True, types=(datetime, int))
    rows = list(session.scalars(stmt.limit(n + 1)))
    page = rows[:n]
    return NotificationPage(
        items=_notifications_out(session, page), unread=unread_counts(session, [actor.id])[actor.id],
        next_cursor=encode_cursor(page[-1].updated_at, page[-1].id) if len(rows) > n else None)


def get_unread(session: Session, actor: User) -> UnreadOut:
    return UnreadOut(unread=unread_counts(session, [actor.id])[actor.id])


def _marked_read(session: Session, actor: User, *conditions: ColumnElement[bool]) -> UnreadOut:
    changed = rows_changed(session,
        update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None), *conditions)
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    unread = get_unread(session, actor)
    if changed:
        # Her other tabs and devices lower their badge too.
        record_event(session, NotificationsRead(topic=user_topic(actor.id), payload=unread))
    return unread


def mark_read(session: Session, actor: User, *, notification_id: int) -> UnreadOut:
    found = session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                         Notification.user_id == actor.id))
    if found is None:
        raise NotFound("Notification not found.")
    return _marked_read(session, actor, Notification.id == notification_id)


def mark_all_read(session: Session, actor: User, *, up_to_id: int | None = None) -> UnreadOut:
    """Everything, or what she saw: lines no newer than `up_to_id` (the top of her list when she looked).
    A line that folded in another reply after that moved up and stays unread."""
    if up_to_id is None:
        return _marked_read(session, actor)
    seen = select(Notification.updated_at).where(Notification.id == up_to_id, Notification.user_id == actor.id)
    return _marked_read(session, actor, Notification.updated_at <= seen.scalar_subquery())


def mark_thread_read(session: Session, actor: User, *, thread_id: int, post_id: int) -> UnreadOut:
    """She has read the thread up to `post_id`: remember it (for digests) and clear its notifications."""
    access = access_thread(session, actor, thread_id, GroupAction.read)
    post_thread = session.scalar(select(Post.thread_id).where(Post.id == post_id))
    if post_thread != access.thread.id:
        raise Invalid("The post is not in this thread.", field="post_id")
    upsert(session, ThreadState, [{"user_id": actor.id, "thread_id": thread_id, "participated": False,
                                   "last_read_post_id": post_id, "last_read_at": utcnow()}],
           index_elements=["user_id", "thread_id"],
           set_={"last_read_post_id": lambda ex: _greatest(session, ThreadState.last_read_post_id,
                                                           ex.last_read_post_id),
                 "last_read_at": lambda ex: ex.last_read_at})
    return _marked_read(session, actor, Notification.thread_id == thread_id,
                        or_(Notification.post_id.is_(None), Notification.post_id <= post_id))


def _greatest(session: Session, current: Any, new: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.greatest(func.coalesce(current, 0), new)
    return func.max(func.coalesce(current, 0), new)  # SQLite's two-argument max() is the scalar maximum


def took_part(session: Session, actor: User, *, thread_id: int, post_id: int) -> None:
    """She wrote in the thread: she follows it from now on (unless she chose otherwise) and has read her post."""
    upsert(session, ThreadState, [{"user_id": actor.id, "thread_id": thread_id, "participated": True,
                                   "last_read_post_id": post_id, "last_read_at": utcnow()}],
           index_elements=["user_id", "thread_id"],
           set_={"participated": True,
                 "last_read_post_id": lambda ex: _greatest(session, ThreadState.last_read_post_id,
                                                           ex.last_read_post_id),
                 "last_read_at": lambda ex: ex.last_read_at})
