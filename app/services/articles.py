"""Articles: editors write, schedule and publish them; members read, comment and react; the feed leaves the site.

- Editors are the community manager, admins and members given the editor role. A draft or scheduled article
  exists for nobody else: a 404, like a secret group.
- Publishing is one conditional UPDATE (to "published" only while still a draft / still scheduled and due),
  so however often the publish job runs, on however many workers, after however many restarts, exactly
  one transaction publishes, and only that one notifies and tells the open pages.
- Everywhere a published article shows when it was published, never when it was written.
- Comments are the replies of a thread in the site's "Interviews en artikelen" group (made at the first
  publication): the same composer, moderation, notifications and reactions as any other thread.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import jobs
from app.access import SiteAction, allowed, refusal_code, require
from app.config import get_settings
from app.db import is_unique_violation, on_rollback, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import (
    ArticlePublished,
    ArticleUnpublished,
    ArticleUpdated,
    ThreadCreated,
    UnpublishedArticle,
    channel_topic,
    group_topic,
    record_event,
    site_topic,
)
from app.i18n import TIMEZONE
from app.models import Article, ArticleRevision, Channel, Membership, Post, Series, Thread, User
from app.models.enums import GroupKind, ThreadKind, Visibility
from app.schemas.posts import PostOut, ReplyCreate
from app.schemas.publishing import (
    ArticleCreate,
    ArticleEditorial,
    ArticleOut,
    ArticleRevisionOut,
    ArticleStatus,
    ArticleSummary,
    ArticleUpdate,
    SeriesRef,
)
from app.services import audit, groups, images, notifications, posts, search
from app.services.attachments import storage
from app.services.markdown import render_markdown
from app.services.text import slugify
from app.services.views import user_summary_or_none, users_by_id

COVER_WIDTHS = (1600, 800, 400)
MAX_COVER_PIXELS = 50_000_000
ARTICLES_GROUP = "Interviews en artikelen"
Status = ArticleStatus


# --- loading and authorising -----------------------------------------------------------------------


def access_article(session: Session, actor: User, article_id: int, *, edit: bool = False) -> Article:
    """The article if she may see it (edit: change it). Unpublished work is a 404 to all but editors."""
    article = session.get(Article, article_id)
    if article is not None and allowed(actor, SiteAction.edit_articles):
        return article
    if article is None or article.status != Status.published:
        raise NotFound("Article not found.")
    if edit:
        raise Forbidden("Only editors change articles.", code=refusal_code(SiteAction.edit_articles))
    return article


def _article_id_by_slug(session: Session, slug: str) -> int:
    article_id = session.scalar(select(Article.id).where(Article.slug == slug))
    if article_id is None:
        raise NotFound("Article not found.")
    return article_id


def require_editor(actor: User) -> None:
    require(actor, SiteAction.edit_articles)


# --- what members and feeds see --------------------------------------------------------------------


def article_url(article: Article) -> str:
    return f"/articles/{article.slug}"


def _cover_urls(article: Article) -> dict[str, str] | None:
    if not article.cover:
        return None
    # The key in the address: a new cover is a new URL, so an old one cached for a long time does no harm.
    return {width: f"/api/v1/articles/{article.id}/cover/{width}?v={key[:10]}" for width, key in article.cover.items()}


def _summaries(session: Session, articles: Sequence[Article]) -> list[ArticleSummary]:
    user_ids = {i for a in articles for i in (a.author_id, a.subject_id) if i}
    series_ids = {a.series_id for a in articles if a.series_id}
    thread_ids = {a.thread_id for a in articles if a.thread_id}
    users = users_by_id(session, user_ids)
    series = {s.id: s for s in session.scalars(select(Series).where(Series.id.in_(series_ids)))} if series_ids else {}
    comments = {thread_id: count for thread_id, count in session.execute(
        select(Thread.id, Thread.reply_count).where(Thread.id.in_(thread_ids)))} if thread_ids else {}
    out = []
    for a in articles:
        s = series.get(a.series_id) if a.series_id else None
        out.append(ArticleSummary(
            id=a.id, slug=a.slug, title=a.title, lead=a.lead,
            series=SeriesRef(id=s.id, slug=s.slug, name=s.name) if s else None,
            author=user_summary_or_none(users.get(a.author_id) if a.author_id else None),
            subject=user_summary_or_none(users.get(a.subject_id) if a.subject_id else None),
            published_at=a.published_at if a.status == Status.published else None,
            cover=_cover_urls(a), cover_alt=a.cover_alt, url=article_url(a),
            comment_count=comments.get(a.thread_id, 0) if a.thread_id else 0,
        ))
    return out


def summary(session: Session, article: Article) -> ArticleSummary:
    return _summaries(session, [article])[0]


def _article_out(session: Session, actor: User, article: Article) -> ArticleOut:
    base = summary(session, article).model_dump()
    fields = dict(body=article.body, body_html=article.body_html, thread_id=article.thread_id,
                  status=Status(article.status), scheduled_at=article.scheduled_at,
                  in_public_feed=article.in_public_feed, editable=allowed(actor, SiteAction.edit_articles))
    if not allowed(actor, SiteAction.edit_articles):
        return ArticleOut(**base, **fields)
    revisions = session.scalar(select(func.count()).where(ArticleRevision.article_id == article.id)) or 0
    return ArticleEditorial(**base, **fields, created_at=article.created_at, updated_at=article.updated_at,
                            revision_count=revisions)


def get_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    return _article_out(session, actor, access_article(session, actor, article_id))


def get_article_by_slug(session: Session, actor: User, *, slug: str) -> ArticleOut:
    return get_article(session, actor, article_id=_article_id_by_slug(session, slug))


def _published() -> select:  # type: ignore[valid-type]
    return select(Article).where(Article.status == Status.published)


def list_published(session: Session, actor: User, *, series_id: int | None = None, subject_id: int | None = None,
                   before: datetime | None = None, limit: int = 20) -> list[ArticleSummary]:
    """Published articles, newest publication first (`before`: the page after the one that ended there);
    of one series, or about one member."""
    stmt = _published()
    if series_id is not None:
        stmt = stmt.where(Article.series_id == series_id)
    if subject_id is not None:
        stmt = stmt.where(Article.subject_id == subject_id)
    if before is not None:
        stmt = stmt.where(Article.published_at < as_utc(before))
    rows = session.scalars(stmt.order_by(Article.published_at.desc(), Article.id.desc()).limit(max(1, min(limit, 50))))
    return _summaries(session, list(rows))


def get_featured(session: Session, actor: User) -> ArticleSummary | None:
    """The home page's featured article: the newest publication, until the next one."""
    found = list_published(session, actor, limit=1)
    return found[0] if found else None


def list_editorial(session: Session, actor: User, *, status: ArticleStatus | None = None) -> list[ArticleEditorial]:
    require_editor(actor)
    stmt = select(Article)
    if status is not None:
        stmt = stmt.where(Article.status == status)
    rows = session.scalars(stmt.order_by(func.coalesce(Article.published_at, Article.scheduled_at,
                                                       Article.updated_at).desc(), Article.id.desc()).limit(200))
    return [_article_out(session, actor, a) for a in rows]  # type: ignore[misc]


def list_revisions(session: Session, actor: User, *, article_id: int) -> list[ArticleRevisionOut]:
    require_editor(actor)
    access_article(session, actor, article_id)
    rows = list(session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article_id)
                                .order_by(ArticleRevision.id.desc())))
    editors = users_by_id(session, (r.editor_id for r in rows))
    return [ArticleRevisionOut(id=r.id, title=r.title, lead=r.lead, body=r.body, created_at=r.created_at,
                               editor=user_summary_or_none(editors.get(r.editor_id) if r.editor_id else None))
            for r in rows]


# --- writing ------------------------------------------------------------------------------------------


def _unique_slug(session: Session, title: str) -> str:
    base = slugify(title, max_length=100)
    taken = set(session.scalars(select(Article.slug).where(Article.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check_links(session: Session, *, series_id: int | None, subject_id: int | None) -> None:
    if series_id is not None and session.get(Series, series_id) is None:
        raise Invalid("There is no such series.", field="series_id")
    if subject_id is not None:
        subject = session.get(User, subject_id)
        if subject is None or not subject.is_active:
            raise Invalid("There is no such member.", field="subject_id")


def create_article(session: Session, actor: User, *, data: ArticleCreate) -> ArticleOut:
    require_editor(actor)
    _check_links(session, series_id=data.series_id, subject_id=data.subject_id)
    now = utcnow()
    while True:
        article = Article(
            slug=_unique_slug(session, data.title), title=data.title, lead=data.lead.strip(), body=data.body,
            body_html=render_markdown(data.body), series_id=data.series_id, subject_id=data.subject_id,
            author_id=actor.id, created_by_id=actor.id, in_public_feed=data.in_public_feed, cover_alt=data.cover_alt,
            status=Status.draft, created_at=now, updated_at=now)
        try:
            # Two articles of one title at once pick the same free slug: the unique constraint decides, and the
            # second picks the next one (the first one's row is visible to it by then).
            with session.begin_nested():
                session.add(article)
            break
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
    audit.record(session, actor, "article.created", target_type="article", target_id=article.id,
                 after={"title": article.title})
    return _article_out(session, actor, article)


def update_article(session: Session, actor: User, *, article_id: int, data: ArticleUpdate) -> ArticleOut:
    """Change an article. Once published, what it said before is kept as a revision."""
    article = access_article(session, actor, article_id, edit=True)
    fields = data.model_fields_set
    _check_links(session, series_id=data.series_id if "series_id" in fields else None,
                 subject_id=data.subject_id if "subject_id" in fields else None)
    wanted = {"title": data.title, "lead": data.lead.strip() if data.lead is not None else None, "body": data.body}
    text_changes = {name: value for name, value in wanted.items()
                    if name in fields and value is not None and value != getattr(article, name)}
    if "title" in fields and data.title is None:
        raise Invalid("An article needs a title.", field="title")
    if text_changes and article.status == Status.published:
        session.add(ArticleRevision(article_id=article.id, title=article.title, lead=article.lead, body=article.body,
                                    editor_id=actor.id, created_at=utcnow()))
    for name, value in text_changes.items():
        setattr(article, name, value)
    if "body" in text_changes:
        article.body_html = render_markdown(article.body)
    for name in ("series_id", "subject_id"):
        if name in fields:
            setattr(article, name, getattr(data, name))
    for name in ("in_public_feed", "cover_alt"):
        if name in fields and getattr(data, name) is not None:
            setattr(article, name, getattr(data, name))
    article.updated_at = utcnow()
    session.flush()
    if article.status == Status.published:
        if "title" in text_changes and article.thread_id:
            thread = session.get(Thread, article.thread_id)
            if thread is not None:
                thread.title = article.title
                search.index_thread(session, thread)
        search.index_article(session, article)
        record_event(session, ArticleUpdated(topic=site_topic(), payload=summary(session, article)))
    return _article_out(session, actor, article)


def delete_article(session: Session, actor: User, *, article_id: int) -> None:
    article = access_article(session, actor, article_id, edit=True)
    if article.status == Status.published:
        raise Conflict("Unpublish the article before deleting it.", field="status")
    # The DELETE decides (not the row read above): of two editors deleting at once, or one deleting while
    # another publishes, exactly one outcome happens, audited once, its cover files removed once.
    gone = session.execute(delete(Article).where(Article.id == article.id, Article.status != Status.published)
                           .returning(Article.id)).first()
    if gone is None:
        if session.scalar(select(Article.status).where(Article.id == article.id)) == Status.published:
            raise Conflict("Unpublish the article before deleting it.", field="status")
        raise NotFound("Article not found.")
    audit.record(session, actor, "article.deleted", target_type="article", target_id=article.id,
                 before={"title": article.title, "status": article.status})
    keys = list((article.cover or {}).values())
    session.expunge(article)
    for key in keys:
        storage().delete(key)


# --- the cover image ---------------------------------------------------------------------------------


def set_cover(session: Session, actor: User, *, article_id: int, source: BinaryIO) -> ArticleOut:
    """Re-encode the upload to JPEGs of a few widths (no metadata, nothing hidden in the original)."""
    article = access_article(session, actor, article_id, edit=True)

    def jpegs(picture: Image.Image) -> dict[str, bytes]:
        sizes = {}
        for width in COVER_WIDTHS:
            copy = picture.copy()
            copy.thumbnail((width, width * 4), Image.Resampling.LANCZOS)  # never enlarged
            out = io.BytesIO()
            copy.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
            sizes[str(width)] = out.getvalue()
        return sizes

    sizes = images.reencode(source, max_bytes=get_settings().cover_max_bytes, max_pixels=MAX_COVER_PIXELS,
                            mode="RGB", make=jpegs)
    old = list((article.cover or {}).values())
    keys = {width: storage().save_bytes(blob) for width, blob in sizes.items()}
    on_rollback(session, lambda: [storage().delete(k) for k in keys.values()])
    article.cover = keys
    article.updated_at = utcnow()
    session.flush()
    for key in old:
        storage().delete(key)
    return _article_out(session, actor, article)


def cover_path(session: Session, actor: User | None, *, article_id: int, width: str) -> Path:
    """A cover for a member who may read the article; without a login only that of a public-feed article."""
    article = session.get(Article, article_id)
    public = article is not None and article.status == Status.published and article.in_public_feed
    if actor is not None and not public:
        article = access_article(session, actor, article_id)
    elif actor is None and not public:
        raise NotFound("Article not found.")
    assert article is not None
    if not article.cover or width not in article.cover:
        raise NotFound("No such cover.", field="width")
    return storage().path(article.cover[width])


# --- scheduling and publishing ---------------------------------------------------------------------


def as_utc(moment: datetime) -> datetime:
    """A moment from an editor: with an offset as given, without one in Europe/Amsterdam."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(UTC)


def schedule_article(session: Session, actor: User, *, article_id: int, publish_at: datetime,
                     now: datetime | None = None) -> ArticleOut:
    """Publish at `publish_at`: a durable job, done by whichever worker is up at that moment (or after)."""
    article = access_article(session, actor, article_id, edit=True)
    now = now or utcnow()
    at = as_utc(publish_at)
    if article.status == Status.published:
        raise Conflict("The article is already published.", field="status")
    if at <= now:
        raise Invalid("That moment has passed; choose a later one or publish now.", field="publish_at")
    if at > now + timedelta(days=3 * 366):
        raise Invalid("Choose a moment within three years.", field="publish_at")
    before = {"status": article.status, "scheduled_at": article.scheduled_at.isoformat() if article.scheduled_at
              else None}
    article.status = Status.scheduled
    article.scheduled_at = at
    article.updated_at = now
    # One job per (article, moment): moving the moment leaves the old job to find nothing to do.
    jobs.enqueue(session, jobs.PublishArticle(article_id=article.id), run_at=at,
                 dedupe_key=f"article-publish:{article.id}:{at.isoformat()}")
    session.flush()
    audit.record(session, actor, "article.scheduled", target_type="article", target_id=article.id, before=before,
                 after={"status": article.status, "scheduled_at": at.isoformat()})
    return _article_out(session, actor, article)


def unschedule_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    article = access_article(session, actor, article_id, edit=True)
    if article.status != Status.scheduled:
        raise Conflict("The article is not scheduled.", field="status")
    article.status = Status.draft
    article.scheduled_at = None
    article.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "article.unscheduled", target_type="article", target_id=article.id)
    return _article_out(session, actor, article)


def publish_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    """Publish now (a draft, or a scheduled article ahead of its moment)."""
    article = access_article(session, actor, article_id, edit=True)
    if not _go_live(session, actor, article, Article.status.in_([Status.draft, Status.scheduled]), now=utcnow()):
        raise Conflict("The article is already published.", field="status")
    return _article_out(session, actor, article)


def publish_due(session: Session, *, article_id: int, now: datetime | None = None) -> bool:
    """The publish job: publishes the article if it is still scheduled and its moment has come."""
    now = now or utcnow()
    article = session.get(Article, article_id)
    if article is None:
        return False
    return _go_live(session, None, article, (Article.status == Status.scheduled) & (Article.scheduled_at <= now),
                    now=now)


def _go_live(session: Session, actor: User | None, article: Article, condition, *, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    # The compare-and-set that makes publishing happen once: a second job, worker or click finds nothing to do
    # (PostgreSQL re-checks the condition after waiting for the row; SQLite has one writer at a time).
    done = session.execute(
        update(Article).where(Article.id == article.id, condition)
        .values(status=Status.published, published_at=now, scheduled_at=None, updated_at=now)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if done != 1:
        return False
    session.refresh(article)
    open_comments(session, article)
    search.index_article(session, article)
    shown = summary(session, article)
    notifications.notify_article(session, actor, article=article)  # once per member, also when republished
    record_event(session, ArticlePublished(topic=site_topic(), payload=shown))
    audit.record(session, actor, "article.published", target_type="article", target_id=article.id,
                 after={"title": article.title, "published_at": now.isoformat()})
    return True


def unpublish_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    """Back to a draft: gone from lists, the home page and the feeds; its comments hidden with it."""
    article = access_article(session, actor, article_id, edit=True)
    if article.status != Status.published:
        raise Conflict("The article is not published.", field="status")
    article.status = Status.draft
    article.updated_at = utcnow()
    search.unindex(session, "article", article.id)
    if article.thread_id:
        thread = session.get(Thread, article.thread_id)
        if thread is not None:
            thread.deleted_at = utcnow()
            search.unindex_thread(session, thread.id)
    session.flush()
    audit.record(session, actor, "article.unpublished", target_type="article", target_id=article.id)
    record_event(session, ArticleUnpublished(topic=site_topic(), payload=UnpublishedArticle(id=article.id)))
    return _article_out(session, actor, article)


# --- comments and reactions ------------------------------------------------------------------------


def _articles_channel(session: Session) -> Channel:
    """Where comment threads go: the channel of the latest article's thread (it follows a merge), or a new
    open group made for them the first time."""
    channel_id = session.scalar(select(Thread.channel_id).join(Article, Article.thread_id == Thread.id)
                                .order_by(Article.published_at.desc().nulls_last(), Article.id.desc()).limit(1))
    if channel_id is not None:
        return session.get(Channel, channel_id)  # type: ignore[return-value]
    group = groups.create_site_group(session, name=ARTICLES_GROUP, kind=GroupKind.other, visibility=Visibility.open,
                                     description="Reacties op de interviews en artikelen van Plein.")
    return session.scalars(select(Channel).where(Channel.group_id == group.id, Channel.is_default.is_(True))).one()


def open_comments(session: Session, article: Article) -> None:
    """The article's comment thread: made at its first publication, back again when it is republished."""
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if thread is not None:  # published again: its comments come back
        thread.deleted_at = None
        thread.title = article.title
        session.flush()
        search.rebuild_thread(session, thread)
        return
    channel = _articles_channel(session)
    now = article.published_at or utcnow()
    thread = Thread(group_id=channel.group_id, channel_id=channel.id, author_id=article.author_id,
                    kind=ThreadKind.discussion,
                    title=article.title, created_at=now, last_activity_at=now)
    session.add(thread)
    session.flush()
    opening = f"{article.lead}\n\n→ [{article.title}]({article_url(article)})".strip()
    session.add(Post(thread_id=thread.id, author_id=article.author_id, is_opening=True, body=opening,
                     body_html=render_markdown(opening), created_at=now))
    article.thread_id = thread.id
    session.flush()
    search.index_thread(session, thread)
    shown = posts.threads_out(session, [thread])[0]
    for topic in (channel_topic(channel.id), group_topic(channel.group_id)):
        record_event(session, ThreadCreated(topic=topic, payload=shown))


def _comment_thread(session: Session, actor: User, article_id: int) -> Thread:
    """The article's comment thread, with her a member of its group (commenting is joining the conversation)."""
    article = access_article(session, actor, article_id)
    thread = session.get(Thread, article.thread_id) if article.thread_id else None
    if article.status != Status.published or thread is None:
        raise Conflict("Comments open when the article is published.")
    joined = session.scalar(select(Membership.id).where(Membership.group_id == thread.group_id,
                                                        Membership.user_id == actor.id))
    if joined is None:
        groups.join_group(session, actor, group_id=thread.group_id)
    return thread


def comment(session: Session, actor: User, *, article_id: int, data: ReplyCreate,
            idempotency_key: str | None = None) -> PostOut:
    thread = _comment_thread(session, actor, article_id)
    return posts.create_reply(session, actor, thread_id=thread.id, idempotency_key=idempotency_key, data=data)


def opening_post_id(session: Session, thread_id: int) -> int:
    return session.scalars(select(Post.id).where(Post.thread_id == thread_id, Post.is_opening.is_(True))).one()


def react(session: Session, actor: User, *, article_id: int, emoji: str, on: bool,
          post_id: int | None = None) -> PostOut:
    """A reaction to the article itself (kept on its comment thread's opening post), or to one of its comments."""
    thread = _comment_thread(session, actor, article_id)
    if post_id is None:
        post_id = opening_post_id(session, thread.id)
    elif session.scalar(select(Post.thread_id).where(Post.id == post_id)) != thread.id:
        raise Invalid("That is not a comment on this article.", field="post_id")
    return posts.set_reaction(session, actor, post_id=post_id, emoji=emoji, on=on)


def get_reactions(session: Session, actor: User, *, article_id: int) -> PostOut | None:
    article = access_article(session, actor, article_id)
    if article.status != Status.published or not article.thread_id:
        return None
    return posts.get_post(session, actor, post_id=opening_post_id(session, article.thread_id))

