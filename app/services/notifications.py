"""Notifications: who hears of what, at which level; the list, unread counts and read state; immediate mail.

The rules, in one place:
- A group level (watching / tracking / normal / muted; a default per group kind) and a thread level
  (chosen, or "watching" once she took part) decide who hears of a new thread or a reply. A thread level
  beats the group's: a muted group silences every thread in it she did not start, reply to or follow.
- A mention, a question to her portfolio and a reply to her (in her thread, or quoting her) reach her
  at every level but muted.
- Never about her own action, never two for one event (the strongest reason wins), never about what she
  cannot read: recipients are filtered by read access when written, and the list and the unread count
  hide what she can no longer read (she left a closed group, the thread was deleted).
- While unread, further events on the same thing fold into one line ("3 new replies in …").
- The notification, its live event and its mail are written in the action's transaction.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.access import GroupAction, access_group, access_thread, can_read_group, is_staff_role, may_group
from app.config import get_settings
from app.db import upsert, utcnow
from app.errors import Forbidden, Invalid, NotFound
from app.events import NewNotification, NotificationCreated, NotificationsRead, record_event, user_topic
from app.models import (
    Article,
    Group,
    Membership,
    Notification,
    Post,
    Series,
    Thread,
    ThreadState,
    User,
    UserPortfolio,
)
from app.models.enums import (
    DEFAULT_GROUP_LEVEL,
    ArticleStatus,
    DigestFrequency,
    NotificationKind,
    NotificationLevel,
)
from app.pagination import clamp_limit, encode_cursor, keyset
from app.schemas.groups import GroupRef
from app.schemas.notifications import (
    ArticleRef,
    LevelOut,
    NotificationOut,
    NotificationPage,
    NotificationSettingsIn,
    NotificationSettingsOut,
    SeriesRef,
    ThreadRef,
    UnreadOut,
    UnsubscribeOut,
)
from app.services.mail import Mail, compose, read_unsubscribe_token, record_mail, unsubscribe_url
from app.services.markdown import excerpt
from app.services.views import user_summary_or_none

Level = NotificationLevel
Kind = NotificationKind

# Kinds that may send an immediate mail, and the setting (and unsubscribe list) that governs each.
_MAILED: dict[str, str] = {Kind.mention: "mentions", Kind.question: "mentions", Kind.reply: "replies"}


def default_level(group: Group) -> Level:
    return DEFAULT_GROUP_LEVEL.get(group.kind, Level.normal)


def _group_level(group: Group, member: bool, chosen: str | None) -> Level:
    if not member:
        return Level.normal  # an open group she reads without joining: only what concerns her
    return Level(chosen) if chosen else default_level(group)


def _thread_level(group_level: Level, chosen: str | None, participated: bool) -> Level:
    # Taking part is a choice too (as starting a topic is in Discourse): it beats the group's level, even muted.
    if chosen:
        return Level(chosen)
    return Level.watching if participated else group_level


# --- who hears of an event -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    """What delivering needs of a recipient; read as plain columns, since a busy group has hundreds."""

    id: int
    email: str
    language: str
    role: str
    email_mentions: bool
    email_replies: bool


_PERSON_COLUMNS = (User.id, User.email, User.language, User.role, User.email_mentions, User.email_replies)


@dataclass
class _Candidate:
    user: _Person
    can_read: bool
    group_level: Level
    thread_level: Level


def _candidates(session: Session, group: Group, thread: Thread | None, user_ids: Iterable[int]) -> list[_Candidate]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    thread_columns = (ThreadState.level, ThreadState.participated) if thread is not None else (null(), null())
    stmt = (
        select(*_PERSON_COLUMNS, Membership.role, Membership.notification_level, *thread_columns)
        .outerjoin(Membership, (Membership.user_id == User.id) & (Membership.group_id == group.id))
        .where(User.id.in_(ids), User.is_active.is_(True))
    )
    if thread is not None:
        stmt = stmt.outerjoin(ThreadState, (ThreadState.user_id == User.id) & (ThreadState.thread_id == thread.id))
    out = []
    for row in session.execute(stmt):
        person = _Person(*row[:len(_PERSON_COLUMNS)])
        role, chosen_group, chosen_thread, participated = row[len(_PERSON_COLUMNS):]
        member = role is not None
        can_read = can_read_group(group.visibility, role, is_staff_role(person.role))
        glevel = _group_level(group, member, chosen_group)
        out.append(_Candidate(user=person, can_read=can_read, group_level=glevel,
                              thread_level=_thread_level(glevel, chosen_thread, bool(participated))))
    return out


def _members_at(session: Session, group: Group, levels: set[Level]) -> list[int]:
    """Members of the group whose level (chosen, or the kind's default) is one of `levels`."""
    chosen = Membership.notification_level.in_([level.value for level in levels])
    condition = or_(chosen, Membership.notification_level.is_(None)) if default_level(group) in levels else chosen
    return list(session.scalars(select(Membership.user_id).where(Membership.group_id == group.id, condition)))


def _thread_watchers(session: Session, thread: Thread) -> list[int]:
    return list(session.scalars(select(ThreadState.user_id).where(
        ThreadState.thread_id == thread.id,
        or_(ThreadState.level == Level.watching, and_(ThreadState.level.is_(None), ThreadState.participated)))))


def portfolio_audience(session: Session, group: Group, *, portfolio_ids: Sequence[int], province: str | None,
                       title: str | None, exclude: int | None = None) -> list[User]:
    """The current holders of any of the portfolios (narrowed to a province and a title) who can read the group."""
    if not portfolio_ids:
        return []
    stmt = select(User).where(User.is_active.is_(True), User.id.in_(
        select(UserPortfolio.user_id).where(UserPortfolio.portfolio_id.in_(portfolio_ids))))
    if province:
        stmt = stmt.where(User.province == province)
    if title:
        stmt = stmt.where(User.title == title)
    if exclude is not None:
        stmt = stmt.where(User.id != exclude)
    # Who muted the group hears nothing from it, questions included: she is not reached, so not counted.
    stmt = stmt.where(User.id.not_in(select(Membership.user_id).where(
        Membership.group_id == group.id, Membership.notification_level == Level.muted)))
    stmt = stmt.where(may_group(GroupAction.read, user_id=User.id, group_id=group.id))
    return list(session.scalars(stmt.order_by(User.id)))


def _reachable(candidate: _Candidate, actor: User) -> bool:
    """Never about her own action, never about what she cannot read, nothing from what she muted."""
    return candidate.user.id != actor.id and candidate.can_read and candidate.thread_level != Level.muted


@dataclass(frozen=True)
class _Note:
    user: _Person
    kind: Kind
    group_key: str


def notify_new_thread(session: Session, actor: User, *, group: Group, thread: Thread, post: Post,
                      mentioned: Iterable[int], askees: Iterable[int] = ()) -> None:
    """A new thread: mentions, the question's portfolio holders, and members watching or tracking the group."""
    mentioned, askees = set(mentioned), set(askees)
    followers = set(_members_at(session, group, {Level.watching, Level.tracking}))
    notes = []
    for c in _candidates(session, group, thread, mentioned | askees | followers):
        if not _reachable(c, actor):
            continue
        if c.user.id in mentioned:
            notes.append(_Note(c.user, Kind.mention, f"post:{post.id}:mention"))
        elif c.user.id in askees:
            notes.append(_Note(c.user, Kind.question, f"thread:{thread.id}:new"))
        elif c.thread_level in (Level.watching, Level.tracking):
            notes.append(_Note(c.user, Kind.new_thread, f"thread:{thread.id}:new"))
    _deliver(session, actor, notes, group=group, thread=thread, post=post)


def notify_question_audience(session: Session, actor: User, *, group: Group, thread: Thread, post: Post,
                             askees: Iterable[int]) -> None:
    """A held-back question was approved: now its portfolio holders hear of it, and only they."""
    _notify_each(session, actor, askees, Kind.question, f"thread:{thread.id}:question", group=group, thread=thread,
                 post=post)


def notify_reply(session: Session, actor: User, *, group: Group, thread: Thread, post: Post,
                 quoted_author_id: int | None, mentioned: Iterable[int]) -> None:
    """A reply: mentions, replies to her (her thread, her quoted post), and whoever watches the thread or group."""
    mentioned = set(mentioned)
    addressed = {u for u in (thread.author_id, quoted_author_id) if u}
    watchers = set(_thread_watchers(session, thread)) | set(_members_at(session, group, {Level.watching}))
    notes = []
    for c in _candidates(session, group, thread, mentioned | addressed | watchers):
        if not _reachable(c, actor):
            continue
        if c.user.id in mentioned:
            notes.append(_Note(c.user, Kind.mention, f"post:{post.id}:mention"))
        elif c.user.id in addressed or c.thread_level == Level.watching:
            notes.append(_Note(c.user, Kind.reply, f"thread:{thread.id}:replies"))
    _deliver(session, actor, notes, group=group, thread=thread, post=post, addressed=addressed)


def notify_mentions_added(session: Session, actor: User, *, group: Group, thread: Thread, post: Post,
                          mentioned: Iterable[int]) -> None:
    """An edit that mentions someone new tells her, as if the post had just been written."""
    _notify_each(session, actor, mentioned, Kind.mention, f"post:{post.id}:mention", group=group, thread=thread,
                 post=post)


def _notify_each(session: Session, actor: User, user_ids: Iterable[int], kind: Kind, group_key: str, *,
                 group: Group, thread: Thread, post: Post) -> None:
    notes = [_Note(c.user, kind, group_key) for c in _candidates(session, group, thread, user_ids)
             if _reachable(c, actor)]
    _deliver(session, actor, notes, group=group, thread=thread, post=post)


def notify_member(session: Session, actor: User | None, *, user_id: int, kind: Kind, group: Group,
                  group_key: str, detail: str = "") -> None:
    """One notification for one member about a group (her join request, a moderator's decision)."""
    row = session.execute(select(*_PERSON_COLUMNS).where(User.id == user_id, User.is_active.is_(True))).first()
    if row is None or (actor is not None and actor.id == user_id):
        return
    _deliver(session, actor, [_Note(_Person(*row), kind, group_key)], group=group, thread=None, post=None,
             detail=detail)


def notify_article(session: Session, actor: User | None, *, article: Article) -> None:
    """A published article: one line for every member who wants to hear of articles (and one digest entry)."""
    key = f"article:{article.id}"
    # Published again after an unpublish: whoever already heard of it (read or not) is not told twice.
    told = exists().where(Notification.user_id == User.id, Notification.group_key == key)
    people = [_Person(*row) for row in session.execute(
        select(*_PERSON_COLUMNS).where(User.is_active.is_(True), User.article_notifications.is_(True), ~told)
        .order_by(User.id))]
    notes = [_Note(p, Kind.article, key) for p in people if actor is None or p.id != actor.id]
    _deliver(session, actor, notes, group=None, thread=None, post=None, article=article)


def remind_editors(session: Session, *, user_ids: Sequence[int], series: Series, slot: date, group_key: str,
                   publish_at: datetime) -> None:
    """A series' coming slot is still empty: a line and a mail for each editor."""
    if not user_ids:
        return
    people = [_Person(*row) for row in session.execute(
        select(*_PERSON_COLUMNS).where(User.id.in_(user_ids), User.is_active.is_(True)).order_by(User.id))]
    _deliver(session, None, [_Note(p, Kind.series_reminder, group_key) for p in people], group=None, thread=None,
             post=None, series=series, detail=slot.isoformat())
    url = f"{_base_url()}/manage/series/{series.slug}"
    for person in people:
        subject, text, html = compose("series_reminder", language=person.language, series=series.name,
                                      publish_at=publish_at, days=series.reminder_days, url=url)
        record_mail(session, Mail(to=person.email, subject=subject, text=text, html=html, kind="series_reminder",
                                  user_id=person.id), dedupe_key=f"mail:{group_key}:{person.id}")


def _deliver(session: Session, actor: User | None, notes: list[_Note], *, group: Group | None, thread: Thread | None,
             post: Post | None, detail: str = "", addressed: set[int] | None = None, article: Article | None = None,
             series: Series | None = None) -> None:
    if not notes:
        return
    now = utcnow()
    same = {"group_id": group.id if group else None, "thread_id": thread.id if thread else None,
            "post_id": post.id if post else None, "article_id": article.id if article else None,
            "series_id": series.id if series else None,
            "actor_id": actor.id if actor else None, "count": 1, "detail": detail, "created_at": now,
            "updated_at": now}
    written = _write_lines(session, notes, same)
    # Paired by member, not by position: PostgreSQL hands back an upsert's rows in id order, not input order.
    by_user = {row.user_id: row for row in written}
    unread = unread_counts(session, [n.user.id for n in notes])
    # Every line of one event says the same but for its id, kind, count and age: serialise it once per kind.
    shown: dict[Kind, NotificationOut] = {}
    for note in notes:
        row = by_user[note.user.id]
        if note.kind not in shown:
            shown[note.kind] = NotificationOut(
                id=row.id, kind=note.kind, count=1, actor=user_summary_or_none(actor),
                group=GroupRef(id=group.id, slug=group.slug, name=group.name) if group else None,
                thread=ThreadRef(id=thread.id, title=thread.title) if thread else None,
                article=ArticleRef(id=article.id, slug=article.slug, title=article.title) if article else None,
                series=SeriesRef(id=series.id, slug=series.slug, name=series.name) if series else None,
                post_id=post.id if post else None, detail=detail, created_at=now, updated_at=now, read=False,
                url=_line_url(thread.id if thread else None, post.id if post else None, group.slug if group else None,
                              article_slug=article.slug if article else None,
                              series_slug=series.slug if series else None),
            )
        line = shown[note.kind].model_copy(update={"id": row.id, "count": row.count})
        if row.count > 1:  # folded into a line that was already there: it keeps its first moment
            line = line.model_copy(update={"created_at": row.created_at})
        record_event(session, NotificationCreated(topic=user_topic(note.user.id), payload=NewNotification(
            notification=line, unread=unread[note.user.id])))
        # A mail only when the line is new: more replies folding into an unread line do not mail again.
        if row.count == 1 and group is not None and thread is not None and post is not None:
            direct = note.kind != Kind.reply or note.user.id in (addressed or set())
            if direct:
                _mail_immediately(session, note, actor=actor, group=group, thread=thread, post=post)


_FOLD = {"count": Notification.count + 1, "post_id": lambda ex: ex.post_id, "actor_id": lambda ex: ex.actor_id,
         "updated_at": lambda ex: ex.updated_at, "detail": lambda ex: ex.detail}
_WRITTEN = (Notification.id, Notification.user_id, Notification.count, Notification.created_at)


def _write_lines(session: Session, notes: list[_Note], same: dict[str, Any]) -> list[Any]:
    """Insert one line per note, or fold it into her unread line about the same thing; one statement."""
    if session.get_bind().dialect.name != "postgresql":
        rows = [{"user_id": n.user.id, "kind": n.kind.value, "group_key": n.group_key, **same} for n in notes]
        return upsert(session, Notification, rows, index_elements=["user_id", "group_key"],
                      index_where=Notification.read_at.is_(None), set_=_FOLD, returning=_WRITTEN)
    # PostgreSQL: three arrays instead of a VALUES row per member. psycopg re-parses a statement's text on
    # every call once it is too long to cache, and for a thousand recipients that parse was most of the time.
    varying = func.unnest(
        cast([n.user.id for n in notes], ARRAY(Integer)), cast([n.kind.value for n in notes], ARRAY(String)),
        cast([n.group_key for n in notes], ARRAY(String)),
    ).table_valued("user_id", "kind", "group_key").render_derived()
    columns = ["user_id", "kind", "group_key", *same]
    source = select(varying.c.user_id, varying.c.kind, varying.c.group_key,
                    *[literal(value, Notification.__table__.c[name].type).label(name) for name, value in same.items()])
    stmt = pg_insert(Notification).from_select(columns, source)
    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "group_key"],
                                      index_where=Notification.read_at.is_(None),
                                      set_={k: v(stmt.excluded) if callable(v) else v for k, v in _FOLD.items()})
    return list(session.execute(stmt.returning(*_WRITTEN)))


def _mail_immediately(session: Session, note: _Note, *, actor: User | None, group: Group, thread: Thread,
                      post: Post) -> None:
    mail_list = _MAILED.get(note.kind)
    user = note.user
    if mail_list is None or not getattr(user, f"email_{mail_list}"):
        return
    url = f"{_base_url()}/threads/{thread.id}#post-{post.id}"
    unsubscribe = unsubscribe_url(user.id, mail_list)
    subject, text, html = compose(
        "notification", language=user.language, kind=note.kind.value, actor=actor.display_name if actor else "Plein",
        title=thread.title, group=group.name, excerpt=excerpt(post.body, 600), url=url, unsubscribe_url=unsubscribe)
    record_mail(session, Mail(to=user.email, subject=subject, text=text, html=html, kind=note.kind.value,
                              user_id=user.id, thread_id=thread.id, unsubscribe=mail_list))


def _base_url() -> str:
    return get_settings().base_url


# --- reading the list -------------------------------------------------------------------------------


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


def _line_url(thread_id: int | None, post_id: int | None, group_slug: str | None, *,
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
            url=_line_url(n.thread_id, n.post_id, group.slug if group else None,
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
    changed = session.execute(
        update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None), *conditions)
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
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


# --- levels and settings ----------------------------------------------------------------------------


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
    access.membership.notification_level = level.value if level else None
    session.flush()
    return get_group_level(session, actor, group_id=group_id)


def get_thread_level(session: Session, actor: User, *, thread_id: int) -> LevelOut:
    access = access_thread(session, actor, thread_id, GroupAction.read)
    state = session.get(ThreadState, (actor.id, thread_id))
    glevel = _group_level(access.group.group, access.group.is_member,
                          access.group.membership.notification_level if access.group.membership else None)
    default = _thread_level(glevel, None, bool(state and state.participated))
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
        actor.digest = data.digest.value
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
                user.digest = DigestFrequency.off.value
        session.flush()
    return UnsubscribeOut(email=user.email, language=user.language, mail_list=mail_list, done=confirm)
