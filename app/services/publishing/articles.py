"""Articles: editors write them; members read them.

- Editors are the community manager, admins and members given the editor role. A draft or scheduled article
  exists for nobody else: a 404, like a secret group.
- Everywhere a published article shows when it was published, never when it was written.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access import SiteAction, allowed, refusal_code, require
from app.db import is_unique_violation, utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import (
    ArticleUpdated,
    record_event,
    site_topic,
)
from app.i18n import TIMEZONE
from app.models import Article, ArticleRevision, Series, Thread, User
from app.models.enums import ArticleStatus, AuditAction
from app.schemas.publishing import (
    ArticleCreate,
    ArticleEditorial,
    ArticleOut,
    ArticleRevisionOut,
    ArticleSummary,
    ArticleUpdate,
    SeriesRef,
)
from app.services import audit, search
from app.services.attachments import storage
from app.services.markdown import render_markdown
from app.services.text import slugify
from app.services.views import user_summary_or_none, users_by_id


def access_article(session: Session, actor: User, article_id: int, *, edit: bool = False) -> Article:
    """The article if she may see it (edit: change it). Unpublished work is a 404 to all but editors."""
    article = session.get(Article, article_id)
    if article is not None and allowed(actor, SiteAction.edit_articles):
        return article
    if article is None or article.status != ArticleStatus.published:
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


def as_utc(moment: datetime) -> datetime:
    """A moment from an editor: with an offset as given, without one in Europe/Amsterdam."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(UTC)


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
            published_at=a.published_at if a.status == ArticleStatus.published else None,
            cover=_cover_urls(a), cover_alt=a.cover_alt, url=article_url(a),
            comment_count=comments.get(a.thread_id, 0) if a.thread_id else 0,
        ))
    return out


def summary(session: Session, article: Article) -> ArticleSummary:
    return _summaries(session, [article])[0]


def article_out(session: Session, actor: User, article: Article) -> ArticleOut:
    s = summary(session, article)
    editable = allowed(actor, SiteAction.edit_articles)
    out = ArticleOut(
        id=s.id, slug=s.slug, title=s.title, lead=s.lead, series=s.series, author=s.author, subject=s.subject,
        published_at=s.published_at, cover=s.cover, cover_alt=s.cover_alt, url=s.url, comment_count=s.comment_count,
        body=article.body, body_html=article.body_html, thread_id=article.thread_id,
        status=ArticleStatus(article.status), scheduled_at=article.scheduled_at, in_public_feed=article.in_public_feed,
        editable=editable)
    if not editable:
        return out
    revisions = session.scalar(select(func.count()).where(ArticleRevision.article_id == article.id)) or 0
    return ArticleEditorial(**out.model_dump(), created_at=article.created_at, updated_at=article.updated_at,
                            revision_count=revisions)


def get_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    return article_out(session, actor, access_article(session, actor, article_id))


def get_article_by_slug(session: Session, actor: User, *, slug: str) -> ArticleOut:
    return get_article(session, actor, article_id=_article_id_by_slug(session, slug))


def _published() -> Select[Article]:
    return select(Article).where(Article.status == ArticleStatus.published)


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
    return [article_out(session, actor, a) for a in rows]  # type: ignore[misc]


def list_revisions(session: Session, actor: User, *, article_id: int) -> list[ArticleRevisionOut]:
    require_editor(actor)
    access_article(session, actor, article_id)
    rows = list(session.scalars(select(ArticleRevision).where(ArticleRevision.article_id == article_id)
                                .order_by(ArticleRevision.id.desc())))
    editors = users_by_id(session, (r.editor_id for r in rows))
    return [ArticleRevisionOut(id=r.id, title=r.title, lead=r.lead, body=r.body, created_at=r.created_at,
                               editor=user_summary_or_none(editors.get(r.editor_id) if r.editor_id else None))
            for r in rows]


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
            status=ArticleStatus.draft, created_at=now, updated_at=now)
        try:
            # Two articles of one title at once pick the same free slug: the unique constraint decides, and the
            # second picks the next one (the first one's row is visible to it by then).
            with session.begin_nested():
                session.add(article)
            break
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
    audit.record(session, actor, AuditAction.article_created, target_type="article", target_id=article.id,
                 after={"title": article.title})
    return article_out(session, actor, article)


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
    if text_changes and article.status == ArticleStatus.published:
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
    if article.status == ArticleStatus.published:
        if "title" in text_changes and article.thread_id:
            thread = session.get(Thread, article.thread_id)
            if thread is not None:
                thread.title = article.title
                search.index_thread(session, thread)
        search.index_article(session, article)
        record_event(session, ArticleUpdated(topic=site_topic(), payload=summary(session, article)))
    return article_out(session, actor, article)


def delete_article(session: Session, actor: User, *, article_id: int) -> None:
    article = access_article(session, actor, article_id, edit=True)
    if article.status == ArticleStatus.published:
        raise Conflict("Unpublish the article before deleting it.", field="status")
    # The DELETE decides (not the row read above): of two editors deleting at once, or one deleting while
    # another publishes, exactly one outcome happens, audited once, its cover files removed once.
    gone = session.execute(delete(Article).where(Article.id == article.id, Article.status != ArticleStatus.published)
                           .returning(Article.id)).first()
    if gone is None:
        if session.scalar(select(Article.status).where(Article.id == article.id)) == ArticleStatus.published:
            raise Conflict("Unpublish the article before deleting it.", field="status")
        raise NotFound("Article not found.")
    audit.record(session, actor, AuditAction.article_deleted, target_type="article", target_id=article.id,
                 before={"title": article.title, "status": article.status})
    keys = list((article.cover or {}).values())
    session.expunge(article)
    for key in keys:
        storage().delete(key)
