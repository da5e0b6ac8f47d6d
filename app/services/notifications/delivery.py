"""Writing the notifications: one line per recipient (folded into her unread line for the same thing),
their live events and the immediate mails."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import upsert, utcnow
from app.events import NewNotification, NotificationCreated, record_event, user_topic
from app.jobs import Mail
from app.models import (
    Article,
    Group,
    Notification,
    Post,
    Series,
    Thread,
    User,
)
from app.models.enums import NotificationKind as Kind
from app.models.enums import NotificationLevel as Level
from app.schemas.groups import GroupRef
from app.schemas.notifications import (
    ArticleRef,
    NotificationOut,
    SeriesRef,
    ThreadRef,
)
from app.services.mail import compose, record_mail, unsubscribe_url
from app.services.markdown import excerpt
from app.services.notifications.inbox import line_url, unread_counts
from app.services.notifications.recipients import (
    PERSON_COLUMNS,
    Person,
    candidates,
    members_at,
    reachable,
    thread_watchers,
)
from app.services.views import user_summary_or_none

# Kinds that may send an immediate mail, and the setting (and unsubscribe list) that governs each.
_MAILED: dict[str, str] = {Kind.mention: "mentions", Kind.question: "mentions", Kind.reply: "replies"}


@dataclass(frozen=True)
class _Note:
    user: Person
    kind: Kind
    group_key: str


def notify_new_thread(session: Session, actor: User, *, group: Group, thread: Thread, post: Post,
                      mentioned: Iterable[int], askees: Iterable[int] = ()) -> None:
    """A new thread: mentions, the question's portfolio holders, and members watching or tracking the group."""
    mentioned, askees = set(mentioned), set(askees)
    followers = set(members_at(session, group, {Level.watching, Level.tracking}))
    notes = []
    for c in candidates(session, group, thread, mentioned | askees | followers):
        if not reachable(c, actor):
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
    watchers = set(thread_watchers(session, thread)) | set(members_at(session, group, {Level.watching}))
    notes = []
    for c in candidates(session, group, thread, mentioned | addressed | watchers):
        if not reachable(c, actor):
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
    notes = [_Note(c.user, kind, group_key) for c in candidates(session, group, thread, user_ids)
             if reachable(c, actor)]
    _deliver(session, actor, notes, group=group, thread=thread, post=post)


def notify_member(session: Session, actor: User | None, *, user_id: int, kind: Kind, group: Group,
                  group_key: str, detail: str = "") -> None:
    """One notification for one member about a group (her join request, a moderator's decision)."""
    row = session.execute(select(*PERSON_COLUMNS).where(User.id == user_id, User.is_active.is_(True))).first()
    if row is None or (actor is not None and actor.id == user_id):
        return
    _deliver(session, actor, [_Note(Person(*row), kind, group_key)], group=group, thread=None, post=None,
             detail=detail)


def notify_article(session: Session, actor: User | None, *, article: Article) -> None:
    """A published article: one line for every member who wants to hear of articles (and one digest entry)."""
    key = f"article:{article.id}"
    # Published again after an unpublish: whoever already heard of it (read or not) is not told twice.
    told = exists().where(Notification.user_id == User.id, Notification.group_key == key)
    people = [Person(*row) for row in session.execute(
        select(*PERSON_COLUMNS).where(User.is_active.is_(True), User.article_notifications.is_(True), ~told)
        .order_by(User.id))]
    notes = [_Note(p, Kind.article, key) for p in people if actor is None or p.id != actor.id]
    _deliver(session, actor, notes, group=None, thread=None, post=None, article=article)


def remind_editors(session: Session, *, user_ids: Sequence[int], series: Series, slot: date, group_key: str,
                   publish_at: datetime) -> None:
    """A series' coming slot is still empty: a line and a mail for each editor."""
    if not user_ids:
        return
    people = [Person(*row) for row in session.execute(
        select(*PERSON_COLUMNS).where(User.id.in_(user_ids), User.is_active.is_(True)).order_by(User.id))]
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
                url=line_url(thread.id if thread else None, post.id if post else None, group.slug if group else None,
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
