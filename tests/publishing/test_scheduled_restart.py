"""Scheduled publishing with real `plein worker` processes: a worker killed before the publish moment, nobody
running across it, then two workers started at once after it. The article is published exactly once, late
but without loss: one publication, one audit entry, one notification per member."""
from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from app.db import Database, make_engine, unit_of_work, utcnow
from app.jobs import PublishArticle
from app.models import Article, AuditEntry, Job, Notification, User
from app.schemas.publishing import ArticleCreate
from app.services import publishing
from tests.servers import committed_database, plein, site_env, wait_for


def _arrange(url: str, *, publish_in: float) -> tuple[int, float]:
    """An editor, three members and an article scheduled `publish_in` seconds from now; (its id, the moment)."""
    engine = make_engine(url)
    with unit_of_work(Database(engine), None) as s:
        editor = User(email="redactie@example.org", username="redactie", display_name="Redactie",
                      role="community_manager")
        members = [User(email=f"lid{i}@example.org", username=f"lid{i}", display_name=f"Lid {i}") for i in range(3)]
        s.add_all([editor, *members])
        s.flush()
        article = publishing.create_article(s, editor, data=ArticleCreate(title="Raadslid in beeld: Anna"))
        at = utcnow() + timedelta(seconds=publish_in)
        publishing.schedule_article(s, editor, article_id=article.id, publish_at=at)
    engine.dispose()
    return article.id, time.time() + publish_in


def _state(url: str, article_id: int) -> tuple[str, int, int, int]:
    """(status, audit entries of its publication, notifications about it, publish jobs done)."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            status = c.scalar(select(Article.status).where(Article.id == article_id))
            audited = c.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "article.published", AuditEntry.target_id == article_id))
            notified = c.scalar(select(func.count()).select_from(Notification).where(
                Notification.article_id == article_id))
            done = c.scalar(select(func.count()).select_from(Job).where(
                Job.kind == PublishArticle.job_kind, Job.done_at.is_not(None)))
    finally:
        engine.dispose()
    return status, audited, notified, done


class TestScheduledPublishingAcrossRestarts:
    def test_published_once_after_a_restart_that_spanned_the_moment(self, tmp_path) -> None:
        with committed_database(tmp_path, "plein_schedule") as url:
            env = site_env(tmp_path, url, worker_poll_seconds=0.2, job_lease_seconds=5)
            with plein(["worker"], env, tmp_path / "worker-1.log") as first:
                wait_for(lambda: "worker" in first.output(), timeout=30, what="the first worker to start")
                # Scheduled once the worker runs, so that however slowly it started, it is killed before the moment.
                article_id, moment = _arrange(url, publish_in=4)
                assert time.time() < moment, "the machine was too slow to kill the worker before the moment"
                first.kill()  # gone before the publish moment, as in a deploy or a crash
            time.sleep(max(0.0, moment - time.time()) + 1.5)  # the moment passes with no worker running
            assert _state(url, article_id)[:3] == ("scheduled", 0, 0)
            # Two workers come up together (a restart of a deployment with several): one publishes.
            with plein(["worker"], env, tmp_path / "worker-2.log") as second, \
                    plein(["worker"], env, tmp_path / "worker-3.log") as third:
                wait_for(lambda: _state(url, article_id)[0] == "published", timeout=30,
                         what="the article to be published")
                time.sleep(1.5)  # let both poll again: nothing more may happen
                assert second.alive() and third.alive(), second.output() + third.output()
            # Everyone, the editor too: at this moment it was not her action, and the line tells her it went out.
            assert _state(url, article_id) == ("published", 1, 4, 1)
