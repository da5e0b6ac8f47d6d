"""Scheduling and publishing an article, and unpublishing it.

Publishing is one conditional UPDATE (to "published" only while still a draft / still scheduled and due), so
however often the publish job runs, on however many workers, after however many restarts, exactly one
transaction publishes, and only that one notifies and tells the open pages.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from app import jobs
from app.db import rows_changed, utcnow
from app.errors import Conflict, Invalid
from app.events import (
    ArticlePublished,
    ArticleUnpublished,
    UnpublishedArticle,
    record_event,
    site_topic,
)
from app.models import Article, Thread, User
from app.models.enums import ArticleStatus as Status
from app.models.enums import AuditAction
from app.schemas.publishing import (
    ArticleOut,
)
from app.services import audit, notifications, search
from app.services.publishing.articles import access_article, article_out, as_utc, summary
from app.services.publishing.comments import open_comments


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
    audit.record(session, actor, AuditAction.article_scheduled,
                 target_type="article", target_id=article.id, before=before,
                 after={"status": article.status, "scheduled_at": at.isoformat()})
    return article_out(session, actor, article)


def unschedule_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    article = access_article(session, actor, article_id, edit=True)
    if article.status != Status.scheduled:
        raise Conflict("The article is not scheduled.", field="status")
    article.status = Status.draft
    article.scheduled_at = None
    article.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, AuditAction.article_unscheduled, target_type="article", target_id=article.id)
    return article_out(session, actor, article)


def publish_article(session: Session, actor: User, *, article_id: int) -> ArticleOut:
    """Publish now (a draft, or a scheduled article ahead of its moment)."""
    article = access_article(session, actor, article_id, edit=True)
    if not _go_live(session, actor, article, Article.status.in_([Status.draft, Status.scheduled]), now=utcnow()):
        raise Conflict("The article is already published.", field="status")
    return article_out(session, actor, article)


def publish_due(session: Session, *, article_id: int, now: datetime | None = None) -> bool:
    """The publish job: publishes the article if it is still scheduled and its moment has come."""
    now = now or utcnow()
    article = session.get(Article, article_id)
    if article is None:
        return False
    return _go_live(session, None, article, (Article.status == Status.scheduled) & (Article.scheduled_at <= now),
                    now=now)


def _go_live(session: Session, actor: User | None, article: Article, condition: ColumnElement[bool], *,
             now: datetime) -> bool:
    # The compare-and-set that makes publishing happen once: a second job, worker or click finds nothing to do
    # (PostgreSQL re-checks the condition after waiting for the row; SQLite has one writer at a time).
    done = rows_changed(session,
        update(Article).where(Article.id == article.id, condition)
        .values(status=Status.published, published_at=now, scheduled_at=None, updated_at=now)
        .execution_options(synchronize_session="fetch"))
    if done != 1:
        return False
    session.refresh(article)
    open_comments(session, article)
    search.index_article(session, article)
    shown = summary(session, article)
    notifications.notify_article(session, actor, article=article)  # once per member, also when republished
    record_event(session, ArticlePublished(topic=site_topic(), payload=shown))
    audit.record(session, actor, AuditAction.article_published, target_type="article", target_id=article.id,
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
    audit.record(session, actor, AuditAction.article_unpublished, target_type="article", target_id=article.id)
    record_event(session, ArticleUnpublished(topic=site_topic(), payload=UnpublishedArticle(id=article.id)))
    return article_out(session, actor, article)
