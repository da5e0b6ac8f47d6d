"""The job runner: sends the mail outbox, runs digests, publishes scheduled articles and reminds editors of
an empty slot in a series (`plein worker`, or inside the embedded run).

It claims one due job at a time (jobs.claim_due, with a lease), does it, and marks it done, or schedules
a retry with backoff when it failed (SMTP down). Database work runs in threads so the event loop, which
may be the web server's own in the embedded run, never waits on it.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from app import jobs
from app.access import GroupAction, access_thread
from app.config import Settings
from app.db import Database, Dispatcher, database_unavailable, unit_of_work
from app.errors import Forbidden, NotFound
from app.jobs import JobPayload, Mail, PublishArticle, PurgeAudit, ReadPdfText, RemindSeriesEditors, RunDigests
from app.mailer import Transport, build_message
from app.models import User
from app.services import audit, digests, publishing
from app.services.publishing import series
from app.services.search.pdf import extract_attachment_text

log = logging.getLogger("plein.worker")
SCHEDULE_EVERY = 60.0
# What a job's handler answers: a note kept on the done job, or None.
Handler = Callable[[Any, datetime | None], Awaitable[str | None]]


class Worker:
    def __init__(self, db: Database, settings: Settings, transport: Transport, *,
                 dispatcher: Dispatcher | None = None, name: str | None = None) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport
        # None: a worker that runs no job publishing live events (its unit of work refuses to drop them).
        self.dispatcher = dispatcher
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._scheduled_at: float | None = None
        # One handler per job kind (app/jobs.py); a kind without one is a bug found at start, not at 3 a.m.
        self.handlers: dict[type[JobPayload], Handler] = {
            Mail: self._send_mail,
            RunDigests: self._run_digests,
            PublishArticle: self._publish,
            ReadPdfText: self._read_pdf,
            RemindSeriesEditors: self._remind,
            PurgeAudit: self._purge_audit,
        }
        missing = set(jobs.JOB_KINDS.values()) - set(self.handlers)
        if missing:
            raise RuntimeError(f"no handler for job kind(s) {sorted(k.job_kind for k in missing)}")

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker %s started", self.name)
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                if self._scheduled_at is None or loop.time() - self._scheduled_at >= SCHEDULE_EVERY:
                    await asyncio.to_thread(self.schedule)
                    self._scheduled_at = loop.time()
                done = await self.run_due()
            except Exception as exc:  # the database restarting must not end the worker; try again shortly
                if database_unavailable(exc) is not None:
                    log.warning("database unavailable (%s); the worker tries again in %.0f s",
                                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                                self.settings.worker_poll_seconds)
                else:
                    log.exception("worker loop failed")
                done = 0
            if done == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.worker_poll_seconds)
                except TimeoutError:
                    pass
        log.info("worker %s stopped", self.name)

    def schedule(self) -> None:
        with unit_of_work(self.db, None) as session:
            digests.schedule_digests(session)
            series.schedule_reminders(session)
            audit.schedule_purge(session)

    async def run_due(self, *, now: datetime | None = None, limit: int = 100) -> int:
        """Do the jobs that are due now (at most `limit`); returns how many were tried."""
        tried = 0
        while tried < limit:
            job = await asyncio.to_thread(self._claim, now)
            if job is None:
                break
            tried += 1
            await self._do(job, now=now)
        return tried

    def _claim(self, now: datetime | None) -> jobs.ClaimedJob | None:
        with unit_of_work(self.db, None) as session:
            return jobs.claim_due(session, worker=self.name, now=now)

    async def _do(self, job: jobs.ClaimedJob, *, now: datetime | None = None) -> None:
        """`now`: the moment the job runs at (a test's clock; the real one when None)."""
        try:
            payload = jobs.parse(job.kind, job.payload)
            note = await self.handlers[type(payload)](payload, now)
        except Exception as exc:
            if database_unavailable(exc) is not None:
                # Not the job's fault, and its failure could not be written either: the lease runs out and the
                # job is tried again then.
                raise
            log.warning("job %s (%s) attempt %s failed: %s", job.id, job.kind, job.attempts, exc, exc_info=True)
            await asyncio.to_thread(self._finish, job, error=f"{type(exc).__name__}: {exc}")
            return
        await asyncio.to_thread(self._finish, job, note=note)

    def _finish(self, job: jobs.ClaimedJob, *, error: str | None = None, note: str | None = None) -> None:
        with unit_of_work(self.db, self.dispatcher) as session:
            if error is None:
                jobs.finish(session, job, worker=self.name, note=note)
            else:
                jobs.fail(session, job, worker=self.name, error=error)

    # --- the handlers, one per job kind ------------------------------------------------------------------

    async def _run_digests(self, job: RunDigests, _now: datetime | None) -> None:
        await asyncio.to_thread(digests.run_digests, self.db, slot=job.slot, frequency=job.frequency)

    async def _publish(self, job: PublishArticle, now: datetime | None) -> str | None:
        return await asyncio.to_thread(self._publish_now, job.article_id, now)

    def _publish_now(self, article_id: int, now: datetime | None) -> str | None:
        # Its events (the live home pages, every member's notification) go out once this commits.
        with unit_of_work(self.db, self.dispatcher) as session:
            published = publishing.publish_due(session, article_id=article_id, now=now)
        return None if published else "nothing to publish: no longer scheduled for this moment"

    async def _read_pdf(self, job: ReadPdfText, _now: datetime | None) -> str:
        return await asyncio.to_thread(self._read_pdf_now, job.attachment_id)

    def _read_pdf_now(self, attachment_id: int) -> str:
        with unit_of_work(self.db, None) as session:
            return f"{extract_attachment_text(session, attachment_id=attachment_id)} characters of text"

    async def _remind(self, job: RemindSeriesEditors, now: datetime | None) -> str:
        return await asyncio.to_thread(self._remind_now, job, now)

    def _remind_now(self, job: RemindSeriesEditors, now: datetime | None) -> str:
        with unit_of_work(self.db, self.dispatcher) as session:
            told = series.remind_empty_slot(session, series_id=job.series_id, slot=job.slot, now=now)
        return f"{told} editor(s) reminded"

    async def _purge_audit(self, _job: PurgeAudit, now: datetime | None) -> str:
        return await asyncio.to_thread(self._purge_audit_now, now)

    def _purge_audit_now(self, now: datetime | None) -> str:
        with unit_of_work(self.db, None) as session:
            return f"{audit.purge(session, now=now)} audit entries past the retention removed"

    async def _send_mail(self, mail: Mail, _now: datetime | None = None) -> str | None:
        if mail.thread_id is not None and mail.user_id is not None:
            if not await asyncio.to_thread(self._may_still_read, mail.user_id, mail.thread_id):
                return "not sent: she can no longer read the thread"
        await self.transport.send(build_message(mail, self.settings))
        return None

    def _may_still_read(self, user_id: int, thread_id: int) -> bool:
        with self.db.sessionmaker() as session:
            user = session.get(User, user_id)
            if user is None or not user.is_active:
                return False
            try:
                access_thread(session, user, thread_id, GroupAction.read)
            except (NotFound, Forbidden):
                return False
            return True
