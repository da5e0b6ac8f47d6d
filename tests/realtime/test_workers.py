"""Live updates across real worker processes: `plein serve` started as subprocesses on loopback ports.

Each test starts its own uvicorn processes sharing one committed database (a SQLite file in WAL mode, or
a fresh PostgreSQL database) and one Redis stream, so the rolled-back `db` fixture is not used here.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect
from websockets.typing import Origin
from websockets.uri import parse_uri

from app.events import event_id_key
from tests.backends import (
    BACKEND,
    create_postgres_database,
    drop_postgres_database,
    free_port,
    redis_reason,
    redis_test_url,
)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
SESSION_COOKIE = "plein_session"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
RECEIVE_TIMEOUT = 10.0
IDLE_SECONDS = 6.5  # longer than one blocking read of the Redis stream (5 s)


# --- the site: a committed database with two members of one group ------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    email: str


@dataclass
class Site:
    database_url: str
    redis_url: str
    prefix: str
    tmp: Path
    channel_id: int
    writer: Member
    reader: Member
    make_thread: Callable[[str], int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if reason := redis_reason():
        pytest.skip(f"the worker tests need Redis: {reason}")
    import redis

    from app import migrate
    from app.db import Database, make_engine

    tmp = tmp_path_factory.mktemp("workers")
    pg_name = None
    if BACKEND == "postgresql":
        pg_name, database_url = create_postgres_database("plein_workers")
    else:
        database_url = f"sqlite:///{tmp / 'plein-workers.db'}"
    prefix = f"plein-test-workers-{os.getpid()}-{secrets.token_hex(3)}"
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        db = Database(engine)
        writer, reader, channel_id, make_thread = _arrange(db)
        yield Site(database_url=database_url, redis_url=redis_test_url(), prefix=prefix, tmp=tmp,
                   channel_id=channel_id, writer=writer, reader=reader, make_thread=make_thread)
    finally:
        engine.dispose()
        client = redis.Redis.from_url(redis_test_url())
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        if pg_name is not None:
            drop_postgres_database(pg_name)


def _arrange(db: Any) -> tuple[Member, Member, int, Callable[[str], int]]:
    """A community manager's open group with two members, built through the services (as factories do)."""
    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import User
    from app.schemas.groups import GroupCreate
    from app.schemas.posts import ThreadCreate
    from app.security import hash_password
    from app.services import groups, posts

    password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose: one hash for all
    with unit_of_work(db, NO_LIVE_CLIENTS) as session:
        users = [User(email=f"{name}@example.nl", username=name, display_name=name.title(),
                      password_hash=password_hash, role=role)
                 for name, role in (("manager", "community_manager"), ("schrijver", "member"), ("lezer", "member"))]
        session.add_all(users)
        session.flush()
        manager, writer, reader = (Member(u.id, u.email) for u in users)
    with unit_of_work(db, NO_LIVE_CLIENTS) as session:
        group_id = groups.create_group(session, session.get(User, manager.id), data=GroupCreate(
            name="Werkgroep Zorg", kind="theme", visibility="open")).id
    for member in (writer, reader):
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            invitation = groups.invite_to_group(session, session.get(User, manager.id), group_id=group_id,
                                                user_id=member.id)
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            groups.decide_invitation(session, session.get(User, member.id), invitation_id=invitation.id,
                                     accept=True)
    with unit_of_work(db, NO_LIVE_CLIENTS) as session:
        channel_id = groups.list_channels(session, session.get(User, manager.id), group_id=group_id)[0].id

    def make_thread(title: str) -> int:
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            return posts.create_thread(session, session.get(User, writer.id), channel_id=channel_id,
                                       data=ThreadCreate(kind="discussion", title=title, body="Wie weet dit?")).id

    return writer, reader, channel_id, make_thread


# --- worker processes --------------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    port: int
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(line.split()[1])

    def health_seconds(self) -> float:
        started = time.monotonic()
        response = httpx.get(f"{self.url}/api/v1/health", timeout=5)
        assert response.status_code == 200, response.text
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)


@pytest.fixture
def start_workers(site: Site) -> Iterator[Callable[..., list[Worker]]]:
    """start_workers(2, WS_SEND_QUEUE="16") → running workers on one stream; all stopped afterwards."""
    started: list[Worker] = []

    def _start(count: int, *, prefix: str | None = None, args: tuple[str, ...] = (), **env: str) -> list[Worker]:
        ports = [free_port() for _ in range(count)]
        # Behind a load balancer every worker has the same BASE_URL: here the first worker's address.
        base_url = f"http://127.0.0.1:{ports[0]}"
        workers = []
        for port in ports:
            name = f"worker-{len(started) + 1}"
            log_path = site.tmp / f"{name}-{port}.log"
            process_env = {
                **os.environ, "DATABASE_URL": site.database_url, "REDIS_URL": site.redis_url,
                "REDIS_PREFIX": prefix or site.prefix, "BASE_URL": base_url, "ENVIRONMENT": "test",
                "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
                "UPLOAD_DIR": str(site.tmp / "uploads"), "PYTHONUNBUFFERED": "1",
                # The slow-socket tests post hundreds of replies in a minute: what they measure is delivery,
                # not the abuse limit (tests/api/test_abuse_limits.py tries that).
                "LIMIT_REPLIES_PER_ACCOUNT": "100000/minute", **env,
            }
            with log_path.open("wb") as log:
                process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args],
                                           cwd=ROOT, env=process_env, stdout=log, stderr=subprocess.STDOUT)
            worker = Worker(name=name, port=port, base_url=base_url, process=process, log_path=log_path)
            started.append(worker)
            workers.append(worker)
        for worker in workers:
            _wait_ready(worker)
        return workers

    yield _start
    for worker in started:
        worker.stop()


def _wait_ready(worker: Worker) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"{worker.name} exited with {worker.process.returncode}:\n{worker.log()}")
        try:
            if httpx.get(f"{worker.url}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{worker.name} did not answer /api/v1/health within {READY_TIMEOUT}s:\n{worker.log()}")


# --- clients -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    token: str
    csrf: str


def log_in(worker: Worker, member: Member) -> Login:
    response = httpx.post(f"{worker.url}/api/v1/auth/login", json={"email": member.email, "password": PASSWORD},
                          timeout=15)
    assert response.status_code == 200, response.text
    return Login(token=response.cookies[SESSION_COOKIE], csrf=response.json()["csrf_token"])


class Browser:
    """HTTP with the session cookie and the CSRF header, against one worker."""

    def __init__(self, worker: Worker, login: Login) -> None:
        self.http = httpx.Client(base_url=worker.url, cookies={SESSION_COOKIE: login.token},
                                 headers={"X-CSRF-Token": login.csrf}, timeout=15)

    def reply(self, thread_id: int, body: str) -> int:
        response = self.http.post(f"/api/v1/threads/{thread_id}/replies", json={"body": body})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def close(self) -> None:
        self.http.close()


def ws_url(worker: Worker, *, topics: list[str], last_event_id: str | None = None) -> str:
    query = "topics=" + ",".join(topics) + (f"&last_event_id={last_event_id}" if last_event_id else "")
    return f"ws://127.0.0.1:{worker.port}/api/v1/ws?{query}"


class LiveClient:
    """A websocket client that reads everything; every receive is bounded by a timeout."""

    def __init__(self, worker: Worker, login: Login, *, topics: list[str], last_event_id: str | None = None) -> None:
        self.ws: ClientConnection = ws_connect(  # legacy=True: closed by close(), not a with block
            ws_url(worker, topics=topics, last_event_id=last_event_id), origin=Origin(worker.base_url),
            additional_headers={"Cookie": f"{SESSION_COOKIE}={login.token}"}, open_timeout=10, close_timeout=5,
            max_size=None, max_queue=1024, legacy=True)
        self.hello = self.receive()
        assert self.hello["type"] == "hello", self.hello
        subscribed = self.receive()
        assert subscribed == {"type": "subscribed", "topics": topics}, subscribed

    def receive(self, timeout: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def events(self, count: int, timeout: float = RECEIVE_TIMEOUT) -> list[dict[str, Any]]:
        """The next `count` messages, which must all be events."""
        received = []
        for _ in range(count):
            message = self.receive(timeout)
            assert message["type"] == "event", message
            received.append(message)
        return received

    def assert_quiet(self, seconds: float = 1.0) -> None:
        """Nothing more arrives (no duplicate, no stray event)."""
        try:
            extra = self.ws.recv(timeout=seconds)
        except TimeoutError:
            return
        pytest.fail(f"unexpected message: {str(extra)[:300]}")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def clients() -> Iterator[list[Any]]:
    """Everything opened here is closed at the end of the test, even when it fails."""
    opened: list[Any] = []
    yield opened
    for client in opened:
        try:
            client.close()
        except Exception:  # noqa: BLE001 - best effort; the server may be gone already
            pass


def thread_replies(events: list[dict[str, Any]], thread_id: int) -> list[int]:
    assert all(e["topic"] == f"thread:{thread_id}" and e["event"] == "post.created" for e in events), \
        [(e["topic"], e["event"]) for e in events]
    return [e["payload"]["id"] for e in events]


def assert_increasing(events: list[dict[str, Any]]) -> None:
    keys = [event_id_key(e["id"]) for e in events]
    assert all(a < b for a, b in zip(keys, keys[1:], strict=False)), [e["id"] for e in events]


# --- two workers, one stream -------------------------------------------------------------------------------


def test_replies_posted_on_one_worker_reach_sockets_on_the_other_in_order(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    a, b = start_workers(2)
    thread_id = site.make_thread("Twee werkers")
    topic = f"thread:{thread_id}"
    reader_login, writer_login = log_in(a, site.reader), log_in(b, site.writer)
    on_a = LiveClient(a, reader_login, topics=[topic])
    clients.append(on_a)
    on_b = LiveClient(b, reader_login, topics=[topic])
    clients.append(on_b)
    via_a, via_b = Browser(a, writer_login), Browser(b, writer_login)
    clients += [via_a, via_b]

    posted_via_b = [via_b.reply(thread_id, f"Antwoord {n} via B") for n in range(20)]
    events_on_a = on_a.events(20)
    assert thread_replies(events_on_a, thread_id) == posted_via_b
    assert_increasing(events_on_a)
    on_a.assert_quiet()

    posted_via_a = [via_a.reply(thread_id, f"Antwoord {n} via A") for n in range(20)]
    events_on_b = on_b.events(40)
    assert thread_replies(events_on_b, thread_id) == posted_via_b + posted_via_a
    assert_increasing(events_on_b)
    # Both workers read the same stream: the same event has the same id everywhere.
    assert [e["id"] for e in events_on_b[:20]] == [e["id"] for e in events_on_a]
    on_b.assert_quiet()


# --- resume on another worker ------------------------------------------------------------------------------


def test_a_client_resumes_on_another_worker_with_exactly_the_missed_replies(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    a, b = start_workers(2)
    thread_id = site.make_thread("Verder op een andere werker")
    topic = f"thread:{thread_id}"
    reader_login, writer_login = log_in(a, site.reader), log_in(b, site.writer)
    via_b = Browser(b, writer_login)
    clients.append(via_b)

    first = LiveClient(a, reader_login, topics=[topic])
    clients.append(first)
    seen = [via_b.reply(thread_id, f"Gezien {n}") for n in range(5)]
    seen_events = first.events(5)
    assert thread_replies(seen_events, thread_id) == seen
    first.close()

    missed = [via_b.reply(thread_id, f"Gemist {n}") for n in range(7)]
    again = LiveClient(b, reader_login, topics=[topic], last_event_id=seen_events[-1]["id"])
    clients.append(again)
    replayed = again.events(7)
    assert thread_replies(replayed, thread_id) == missed
    assert_increasing(seen_events + replayed)
    again.assert_quiet()

    # And live delivery carries on after the replay.
    live = via_b.reply(thread_id, "Weer live")
    assert thread_replies(again.events(1), thread_id) == [live]


# --- a quiet worker ----------------------------------------------------------------------------------------


def test_an_idle_worker_keeps_reading_the_stream_without_errors(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    (worker,) = start_workers(1)
    thread_id = site.make_thread("Stilte en dan een antwoord")
    login = log_in(worker, site.reader)
    client = LiveClient(worker, login, topics=[f"thread:{thread_id}"])
    clients.append(client)
    writer = Browser(worker, login)
    clients.append(writer)

    time.sleep(IDLE_SECONDS)  # quiet stretches are the usual case on an intranet
    started = time.monotonic()
    reply = writer.reply(thread_id, "Na een stilte")
    assert thread_replies(client.events(1), thread_id) == [reply]
    assert time.monotonic() - started < 1.0
    assert "reading the event stream failed" not in worker.log()


# --- a client that never reads -----------------------------------------------------------------------------


class StalledSocket:
    """A websocket client that completes the handshake, reads up to `subscribed`, then never reads again,
    with a tiny receive buffer: what the server sends piles up in the kernel, then in the server."""

    def __init__(self, worker: Worker, login: Login, *, topics: list[str]) -> None:
        self.protocol = ClientProtocol(parse_uri(ws_url(worker, topics=topics)), origin=Origin(worker.base_url),
                                       max_size=None)
        request = self.protocol.connect()
        request.headers["Cookie"] = f"{SESSION_COOKIE}={login.token}"
        self.protocol.send_request(request)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(RECEIVE_TIMEOUT)
        self.sock.connect(("127.0.0.1", worker.port))
        self._flush()
        self.messages: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.ended = ""  # how the reading ended: "close frame", "eof", "reset", or nothing came any more
        while not any(m["type"] == "subscribed" for m in self.messages):
            assert self._read_some(), f"no subscribed message; the socket ended with {self.ended}"

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _read_some(self) -> bool:
        """Read what is there; False when the connection has ended."""
        try:
            data = self.sock.recv(1 << 16)
        except ConnectionResetError:
            self.ended = "reset"
            return False
        except TimeoutError:
            self.ended = "nothing: still open, silent"
            return False
        if not data:
            self.ended = self.ended or "eof"
            return False
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                assert event.status_code == 101, event
            elif event.opcode == Opcode.TEXT:
                self.messages.append(json.loads(event.data))
            elif event.opcode == Opcode.CLOSE:
                assert self.protocol.close_rcvd is not None
                self.close_code = self.protocol.close_rcvd.code
                self.ended = "close frame"
        return self.ended != "close frame"

    def read_to_the_end(self, timeout: float) -> None:
        """Finally read everything the server had queued, up to the close (or the end of the stream)."""
        self.sock.settimeout(timeout)
        while self._read_some():
            pass

    def close(self) -> None:
        self.sock.close()


def _large_markdown(n: int) -> str:
    words = " ".join(f"woord{n}-{i}" for i in range(100))
    return "\n\n".join(f"**Alinea {p}.** {words}" for p in range(60))[:50_000]


class _Collector(threading.Thread):
    """A normal reader: receives on its own thread while the test posts."""

    def __init__(self, client: LiveClient, expected: int) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.expected = expected
        self.events: list[dict[str, Any]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while len(self.events) < self.expected:
                message = self.client.receive(timeout=30)
                if message["type"] == "event":
                    self.events.append(message)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


# Each reply event is ~100 KB (the markdown and its HTML). What the stalled socket may pin on the server is its
# send queue (16 events, strings shared with the other reader) plus one transport buffer (64 KB and one
# message): under 2 MB; the rest of the bound is allocator slack from handling 300 large requests (about
# 3 MB measured). Buffering everything for the stalled socket instead measured +28 MB.
SLOW_REPLIES = 300
SLOW_CLOSE_LOG = "closing a slow websocket"
RSS_GROWTH_BOUND_KB = 12 * 1024


def test_a_socket_that_never_reads_is_closed_and_costs_bounded_memory(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    # A long keepalive: the stalled socket must be closed for being slow, not by a missed pong.
    (worker,) = start_workers(1, prefix=f"{site.prefix}-slow", WS_SEND_QUEUE="16", WS_PING_INTERVAL="600",
                              EVENT_REPLAY_MAX="50")
    thread_id = site.make_thread("Veel lange antwoorden")
    topic = f"thread:{thread_id}"
    reader_login, writer_login = log_in(worker, site.reader), log_in(worker, site.writer)
    writer = Browser(worker, writer_login)
    clients.append(writer)
    warm_up_thread = site.make_thread("Opwarmen")
    for n in range(20):  # first-request allocations belong to the baseline, not to the slow socket
        writer.reply(warm_up_thread, _large_markdown(n))
    rss_before = worker.rss_kb()

    reader = LiveClient(worker, reader_login, topics=[topic])
    clients.append(reader)
    collector = _Collector(reader, SLOW_REPLIES)
    collector.start()
    stalled = StalledSocket(worker, reader_login, topics=[topic])
    clients.append(stalled)

    posted, rss_peak, slowest_health, closed_at = [], rss_before, 0.0, None
    for n in range(SLOW_REPLIES):
        posted.append(writer.reply(thread_id, _large_markdown(n)))
        if n % 25 == 0:
            slowest_health = max(slowest_health, worker.health_seconds())
            rss_peak = max(rss_peak, worker.rss_kb())
        if closed_at is None and n % 10 == 0 and SLOW_CLOSE_LOG in worker.log():
            closed_at = time.monotonic()
    collector.join(timeout=60)
    assert collector.error is None, collector.error
    assert [e["payload"]["id"] for e in collector.events] == posted
    slowest_health = max(slowest_health, worker.health_seconds())
    rss_after = worker.rss_kb()
    rss_peak = max(rss_peak, rss_after)
    print(f"\nRSS of {worker.name}: {rss_before} kB before, {rss_peak} kB at most, {rss_after} kB after "
          f"(+{rss_peak - rss_before} kB); slowest health check {slowest_health * 1000:.0f} ms")
    assert slowest_health < 2.0
    assert rss_peak - rss_before < RSS_GROWTH_BOUND_KB

    deadline = time.monotonic() + 15
    while closed_at is None and time.monotonic() < deadline:
        closed_at = time.monotonic() if SLOW_CLOSE_LOG in worker.log() else time.sleep(0.1)
    assert closed_at is not None, f"the log does not mention {SLOW_CLOSE_LOG!r}"

    # A stalled client may come back to read much later (a laptop waking up): longer than any of the
    # server's own timeouts for a close.
    time.sleep(max(0.0, closed_at + 6 - time.monotonic()))
    stalled.read_to_the_end(timeout=15)
    got = [m["payload"]["id"] for m in stalled.messages if m["type"] == "event"]
    print(f"the stalled socket got {len(got)} of {SLOW_REPLIES} replies, then: {stalled.ended} {stalled.close_code}")
    assert stalled.ended in {"close frame", "eof", "reset"}, stalled.ended
    if stalled.ended == "close frame":
        assert stalled.close_code == 4008
    # What it did get came in order, without gaps, and it was cut off before the end.
    assert got == posted[:len(got)]
    assert len(got) < SLOW_REPLIES
    assert worker.health_seconds() < 2.0


# --- graceful shutdown -------------------------------------------------------------------------------------


def test_sigterm_closes_open_sockets_with_going_away(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    (worker,) = start_workers(1)
    thread_id = site.make_thread("Afsluiten")
    client = LiveClient(worker, log_in(worker, site.reader), topics=[f"thread:{thread_id}"])
    clients.append(client)

    worker.process.send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        client.receive(timeout=RECEIVE_TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    worker.process.wait(STOP_TIMEOUT)


def test_sigterm_stops_a_worker_even_with_a_socket_that_never_reads(
        site: Site, start_workers: Callable[..., list[Worker]], clients: list[Any]) -> None:
    # A send queue that never fills: the stalled socket is still open (and unwritable) when SIGTERM comes.
    (worker,) = start_workers(1, prefix=f"{site.prefix}-stop", args=("--graceful-timeout", "2"),
                              WS_SEND_QUEUE="10000", WS_PING_INTERVAL="600", EVENT_REPLAY_MAX="50")
    thread_id = site.make_thread("Afsluiten met een trage lezer")
    topic = f"thread:{thread_id}"
    reader_login, writer_login = log_in(worker, site.reader), log_in(worker, site.writer)
    stalled = StalledSocket(worker, reader_login, topics=[topic])
    clients.append(stalled)
    client = LiveClient(worker, reader_login, topics=[topic])
    clients.append(client)
    writer = Browser(worker, writer_login)
    clients.append(writer)
    # ~8 MB: more than the kernel buffers of the stalled connection (a few MB on loopback) can take.
    collector = _Collector(client, 80)
    collector.start()
    for n in range(80):
        writer.reply(thread_id, _large_markdown(n))
    collector.join(timeout=30)
    assert collector.error is None and len(collector.events) == 80, collector.error

    stopping = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        client.receive(timeout=RECEIVE_TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    # Up to 5 s for the stalled socket's close, then the 2 s granted to open connections, then exit.
    worker.process.wait(STOP_TIMEOUT)
    print(f"\nthe worker stopped {time.monotonic() - stopping:.1f}s after SIGTERM")
    assert "Traceback" not in worker.log()
