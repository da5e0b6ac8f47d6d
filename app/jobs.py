"""The durable job queue: typed job kinds, enqueue inside an action's transaction, claim with a lease, finish
or retry.

Each kind is a Pydantic model (its `job_kind` is the row's `kind`, its JSON the row's `payload`); the worker
has one handler per kind (app/worker.py) and refuses to start without one for each.

A job is written in the same transaction as the action that causes it (the outbox), so a rollback takes
it away and a commit makes it certain. Workers claim one due job at a time with a lease: on PostgreSQL
with FOR UPDATE SKIP LOCKED, so several workers never take the same job; on SQLite the single writer
makes the claim's UPDATE atomic anyway. A worker that dies keeps its job only until the lease runs out.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import upsert, utcnow
from app.models import Job
from app.models.enums import DigestFrequency
from app.security import redact_tokens

# --- the kinds -----------------------------------------------------------------------------------------------
# Rows queued by an earlier release must still be read: a kind keeps its name and its payload's JSON shape.


class JobPayload(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_kind: ClassVar[str]


class Mail(JobPayload):
    """One mail from the outbox (composed already; sent over SMTP)."""

    job_kind = "mail"
    to: str
    subject: str
    text: str
    kind: str
    html: str | None = None
    user_id: int | None = None
    thread_id: int | None = None      # re-checked before sending
    unsubscribe: str | None = None    # one of services.mail.MAIL_LISTS
    message_id: str | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Mail:
        return cls.model_validate({k: v for k, v in payload.items() if k in cls.model_fields})


class RunDigests(JobPayload):
    """One digest run (every member who chose this frequency) for a slot, "YYYY-MM-DD"."""

    job_kind = "digest"
    frequency: DigestFrequency
    slot: str


class PurgeAudit(JobPayload):
    """The daily retention run of the audit log (AUDIT_RETENTION_DAYS), for a day, "YYYY-MM-DD"."""

    job_kind = "audit.purge"
    day: str


class PublishArticle(JobPayload):
    job_kind = "article.publish"
    article_id: int


class ReadPdfText(JobPayload):
    """Extract an attachment's text for search."""

    job_kind = "search.pdf_text"
    attachment_id: int


class RemindSeriesEditors(JobPayload):
    """Tell a series' editors that a slot has nothing scheduled yet."""

    job_kind = "series.reminder"
    series_id: int
    slot: date


JOB_KINDS: dict[str, type[JobPayload]] = {
    cls.job_kind: cls for cls in (Mail, RunDigests, PublishArticle, ReadPdfText, RemindSeriesEditors, PurgeAudit)}


def parse(kind: str, payload: dict[str, Any]) -> JobPayload:
    """A claimed row's payload as its model; ValueError for a kind nobody knows (the job fails, kept)."""
    model = JOB_KINDS.get(kind)
    if model is None:
        raise ValueError(f"unknown job kind {kind!r}")
    return model.model_validate(payload)


# --- the queue -----------------------------------------------------------------------------------------------


def enqueue(session: Session, job: JobPayload, *, run_at: datetime | None = None,
            dedupe_key: str | None = None) -> None:
    """Queue a job in the caller's transaction; a job with the same dedupe_key is queued only once."""
    values = {"kind": job.job_kind, "payload": job.model_dump(mode="json"), "run_at": run_at or utcnow(),
              "dedupe_key": dedupe_key, "attempts": 0, "created_at": utcnow()}
    if dedupe_key is None:
        session.add(Job(**values))
        session.flush()
        return
    upsert(session, Job, [values], index_elements=["dedupe_key"])


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def claim_due(session: Session, *, worker: str, now: datetime | None = None) -> ClaimedJob | None:
    """Take the oldest due job that nobody holds; the caller commits right away."""
    now = now or utcnow()
    settings = get_settings()
    due = (
        select(Job.id)
        .where(Job.done_at.is_(None), Job.failed_at.is_(None), Job.run_at <= now,
               or_(Job.locked_until.is_(None), Job.locked_until < now))
        .order_by(Job.run_at, Job.id).limit(1)
        .with_for_update(skip_locked=True)
    )
    row = session.execute(
        update(Job).where(Job.id == due.scalar_subquery())
        .values(locked_until=now + timedelta(seconds=settings.job_lease_seconds), locked_by=worker,
                attempts=Job.attempts + 1)
        .returning(Job.id, Job.kind, Job.payload, Job.attempts)
    ).first()
    return ClaimedJob(*row) if row else None


def spent_payload(job: ClaimedJob) -> dict[str, Any]:
    """What a job keeps once it is done: a sent mail without its links' tokens (invite, password reset,
    unsubscribe), so that a dump of the database holds no live token. The rest stays for the operator. A mail
    given up on keeps its links, so that the operator can send it again once the cause is fixed."""
    if job.kind != Mail.job_kind:
        return job.payload
    kept = dict(job.payload)
    for part in ("text", "html"):
        if isinstance(kept.get(part), str):
            kept[part] = redact_tokens(kept[part])
    return kept


def finish(session: Session, job: ClaimedJob, *, worker: str, note: str | None = None) -> None:
    session.execute(update(Job).where(Job.id == job.id, Job.locked_by == worker)
                    .values(done_at=utcnow(), locked_until=None, last_error=note, payload=spent_payload(job)))


def retry_delay(attempts: int) -> float:
    """Exponential backoff with jitter, so a recovering SMTP server is not hit by every job at once."""
    settings = get_settings()
    delay: float = min(settings.job_retry_max_seconds, settings.job_retry_base_seconds * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def fail(session: Session, job: ClaimedJob, *, worker: str, error: str) -> None:
    """Schedule another attempt, or give up after the last one (kept, with its error, for the operator)."""
    now = utcnow()
    values: dict[str, Any] = {"locked_until": None, "last_error": error[:2000]}
    if job.attempts >= get_settings().job_max_attempts:
        values["failed_at"] = now
    else:
        values["run_at"] = now + timedelta(seconds=retry_delay(job.attempts))
    session.execute(update(Job).where(Job.id == job.id, Job.locked_by == worker).values(**values))
