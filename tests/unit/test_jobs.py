"""The job kinds as a contract: rows queued by an earlier release (the same kind, the same JSON) still run."""
from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from app import jobs
from app.models.enums import DigestFrequency

# Payloads exactly as the release before the typed kinds wrote them.
EARLIER_ROWS = {
    "mail": {"to": "a@example.nl", "subject": "s", "text": "t", "kind": "mention", "html": "<p>t</p>", "user_id": 3,
             "thread_id": 4, "unsubscribe": "mentions", "message_id": "<1@plein.local>"},
    "digest": {"frequency": "weekly", "slot": "2027-03-01"},
    "article.publish": {"article_id": 7},
    "search.pdf_text": {"attachment_id": 9},
    "series.reminder": {"series_id": 2, "slot": "2027-03-05"},
    "audit.purge": {"day": "2027-03-06"},  # new in this release: its shape is fixed from here on
}


def test_every_kind_reads_the_rows_of_the_release_before_and_writes_the_same_json() -> None:
    assert set(EARLIER_ROWS) == set(jobs.JOB_KINDS)
    for kind, payload in EARLIER_ROWS.items():
        job = jobs.parse(kind, payload)
        assert type(job).job_kind == kind
        assert job.model_dump(mode="json") == payload


def test_the_payloads_are_typed() -> None:
    digest = jobs.parse("digest", EARLIER_ROWS["digest"])
    assert isinstance(digest, jobs.RunDigests) and digest.frequency is DigestFrequency.weekly
    reminder = jobs.parse("series.reminder", EARLIER_ROWS["series.reminder"])
    assert isinstance(reminder, jobs.RemindSeriesEditors) and reminder.slot == date(2027, 3, 5)


def test_an_unknown_kind_or_a_broken_payload_fails_the_job() -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.parse("fax", {})
    with pytest.raises(ValidationError):
        jobs.parse("article.publish", {"article": 7})


def test_the_worker_has_a_handler_for_every_kind(db, settings) -> None:
    from app.mailer import LogTransport
    from app.worker import Worker

    worker = Worker(db, settings, LogTransport(), name="contract")
    assert set(worker.handlers) == set(jobs.JOB_KINDS.values())


def test_enqueue_writes_the_kind_and_the_json(session) -> None:
    from sqlalchemy import select

    from app.models import Job

    jobs.enqueue(session, jobs.RemindSeriesEditors(series_id=2, slot=date(2027, 3, 5)), dedupe_key="contract:1")
    row = session.scalar(select(Job).where(Job.dedupe_key == "contract:1"))
    assert (row.kind, row.payload) == ("series.reminder", EARLIER_ROWS["series.reminder"])
    session.rollback()
