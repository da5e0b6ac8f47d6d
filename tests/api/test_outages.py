"""A database that is down, locked or out of connections answers what it is: 503 with Retry-After in the one
error shape (a plain-Dutch page for a page), never 500; nothing is half-written; the pool recovers by itself.

Every test here owns the database it breaks (its own PostgreSQL server, its own SQLite file) and serves the
app with uvicorn on a loopback port, so these run the same on both suite backends.
"""
from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.api.helpers import assert_error
from tests.servers import (
    AppServer,
    OutageSite,
    OwnPostgres,
    arrange_outage_site,
    count_replies,
    free_port,
    serving,
    site_env,
    wait_for,
)

SESSION_COOKIE = "plein_session"


def assert_unavailable(response: httpx.Response, code: str = "unavailable") -> int:
    """503, the error shape with this code ("unavailable": down; "busy": locked or out of connections), and a
    Retry-After of whole seconds: returns it."""
    assert_error(response, 503, code)
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60, retry_after
    return retry_after


@contextmanager
def browser(server: AppServer, site: OutageSite, member: int = 0) -> Iterator[httpx.Client]:
    token, csrf = site.sessions[member]
    with httpx.Client(base_url=server.url, cookies={SESSION_COOKIE: token}, headers={"X-CSRF-Token": csrf},
                      timeout=60) as client:
        yield client


def reply(client: httpx.Client, site: OutageSite, body: str) -> httpx.Response:
    return client.post(f"/api/v1/threads/{site.thread_id}/replies", json={"body": body})


def make_app(settings: Any, database_url: str, **overrides: Any) -> Any:
    from app.main import create_app

    return create_app(settings.model_copy(update={"database_url": database_url, "redis_url": None, **overrides}))


class TestPostgresRestart:
    def test_requests_during_the_outage_get_503_and_the_app_recovers_without_a_restart(self, settings) -> None:
        with OwnPostgres() as pg:
            site = arrange_outage_site(pg.url, settings.secret_key)
            app = make_app(settings, pg.url, run_worker=True, worker_poll_seconds=0.2)
            with AppServer(app) as server, browser(server, site) as http:
                assert reply(http, site, "Voor de storing.").status_code == 201

                pg.stop()
                assert_unavailable(reply(http, site, "Tijdens de storing."))
                assert_unavailable(http.get("/api/v1/health"))
                assert_unavailable(http.get(f"/api/v1/threads/{site.thread_id}"))
                # A page says it in plain Dutch, with the same Retry-After, and does not ask the database who
                # is looking (it is down).
                page = http.get(f"/threads/{site.thread_id}")
                assert page.status_code == 503, page.text
                assert page.headers["content-type"].startswith("text/html")
                assert int(page.headers["retry-after"]) >= 1
                assert "even niet bereikbaar" in page.text, page.text
                # A websocket is told to come back later (1013), not dropped with an internal error (1011).
                token = site.sessions[0][0]
                with pytest.raises((ConnectionClosed, InvalidStatus)) as closed, ws_connect(
                        server.ws_url, origin=server.url, additional_headers={"Cookie": f"{SESSION_COOKIE}={token}"},
                        open_timeout=10) as ws:
                    ws.recv(timeout=10)
                assert isinstance(closed.value, ConnectionClosed), closed.value
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013, closed.value

                pg.start()
                # The same app, the same pool: stale connections are replaced on their own.
                assert reply(http, site, "Na de storing.").status_code == 201
                assert http.get("/api/v1/health").status_code == 200
                assert http.get(f"/threads/{site.thread_id}").status_code == 200
                # The job runner inside the web process lived through it and still sends mail.
                assert http.post("/api/v1/auth/password-reset", json={"email": site.writer_email}).status_code == 202
                wait_for(lambda: _mail_jobs_done(pg.url) >= 1, timeout=15, what="the worker to send the mail")
            # Nothing half-written: exactly the two replies that were answered 201.
            assert count_replies(pg.url, site.thread_id) == 2


def _mail_jobs_done(url: str) -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.models import Job

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Job).where(
                Job.kind == "mail", Job.done_at.is_not(None))).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_site(settings, tmp_path: Path) -> OutageSite:
    return arrange_outage_site(f"sqlite:///{tmp_path / 'outage.db'}", settings.secret_key, members=50)


class TestSqliteLocked:
    def test_a_writer_in_another_process_holding_the_database_gets_503_and_reads_go_on(
            self, settings, sqlite_site: OutageSite, monkeypatch: pytest.MonkeyPatch) -> None:
        # How long SQLite waits for another process's writer before it says "locked" (short for the test).
        monkeypatch.setattr("app.db.SQLITE_BUSY_SECONDS", 0.5, raising=False)
        app = make_app(settings, sqlite_site.database_url)
        with AppServer(app) as server, browser(server, sqlite_site) as http:
            assert reply(http, sqlite_site, "Eerst.").status_code == 201
            # A second program (a backup script, `plein search-rebuild`) holds SQLite's write lock.
            other = sqlite3.connect(sqlite_site.database_url.removeprefix("sqlite:///"), isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            try:
                started = time.monotonic()
                assert_unavailable(reply(http, sqlite_site, "Op slot."), "busy")
                assert time.monotonic() - started < 10
                # Reading needs no lock (WAL): pages and lists keep working.
                assert http.get(f"/api/v1/threads/{sqlite_site.thread_id}").status_code == 200
            finally:
                other.rollback()
                other.close()
            assert reply(http, sqlite_site, "Weer open.").status_code == 201
        assert count_replies(sqlite_site.database_url, sqlite_site.thread_id) == 2


class TestSqliteManyWriters:
    WRITERS = 50

    def test_fifty_members_replying_at_once_all_succeed_within_a_bounded_wait(self, tmp_path: Path) -> None:
        # The embedded run as operators start it: `plein serve` on SQLite, fresh (nothing warmed up yet).
        url = f"sqlite:///{tmp_path / 'writers.db'}"
        env = site_env(tmp_path, url)
        env.pop("REDIS_URL", None)
        site = arrange_outage_site(url, env["SECRET_KEY"], members=self.WRITERS)
        port = free_port()
        with serving(env, tmp_path / "serve.log", port=port) as server:
            statuses, seconds = asyncio.run(_reply_at_once(f"http://127.0.0.1:{port}", site, self.WRITERS))
            log = server.output()
        # They queue for the database (one writer at a time) instead of standing still until the pool's
        # timeout and failing with 500.
        assert statuses == [201] * self.WRITERS, (sorted(statuses), log[-3000:])
        assert seconds < 15, seconds
        assert count_replies(url, site.thread_id) == self.WRITERS


async def _reply_at_once(base_url: str, site: OutageSite, writers: int) -> tuple[list[int], float]:
    start = asyncio.Event()
    limits = httpx.Limits(max_connections=writers, max_keepalive_connections=writers)
    async with httpx.AsyncClient(base_url=base_url, timeout=90, limits=limits) as http:
        await asyncio.gather(*(http.get("/api/v1/health") for _ in range(writers)))  # open every connection

        async def one(i: int) -> int:
            token, csrf = site.sessions[i]
            await start.wait()
            response = await http.post(f"/api/v1/threads/{site.thread_id}/replies",
                                       json={"body": f"Antwoord {i}: eens."},
                                       headers={"X-CSRF-Token": csrf, "Cookie": f"{SESSION_COOKIE}={token}"})
            if response.status_code == 503:
                assert int(response.headers["retry-after"]) >= 1
            return response.status_code

        tasks = [asyncio.create_task(one(i)) for i in range(writers)]
        await asyncio.sleep(0.1)
        began = time.monotonic()
        start.set()
        statuses = await asyncio.gather(*tasks)
        return list(statuses), time.monotonic() - began


class TestPoolExhausted:
    def test_no_connection_within_the_pool_timeout_is_503(self, settings, sqlite_site: OutageSite) -> None:
        from app.db import Database, make_engine
        from app.main import create_app

        engine = make_engine(sqlite_site.database_url, pool_size=1, max_overflow=0, pool_timeout=0.5)
        app = create_app(settings.model_copy(update={"database_url": sqlite_site.database_url, "redis_url": None}),
                         database=Database(engine))
        try:
            with AppServer(app) as server, browser(server, sqlite_site) as http:
                with engine.connect():  # someone else holds the only connection
                    assert_unavailable(http.get(f"/api/v1/threads/{sqlite_site.thread_id}"), "busy")
                assert http.get(f"/api/v1/threads/{sqlite_site.thread_id}").status_code == 200
        finally:
            engine.dispose()
