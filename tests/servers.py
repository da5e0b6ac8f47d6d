"""Real processes for end-to-end tests: a committed database of the suite's backend, `plein` commands in
subprocesses (serve, worker), a real SMTP server on loopback (aiosmtpd), and for the outage tests servers a
test owns and may stop and start (PostgreSQL, redis-server) plus an app served by uvicorn in a thread."""
from __future__ import annotations

import asyncio
import email
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

from tests.backends import BACKEND, create_postgres_database, drop_postgres_database, free_port, redis_test_url

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def committed_database(tmp: Path, prefix: str) -> Iterator[str]:
    """A new database at the newest schema, outside the suite's rolled-back transactions: its URL."""
    from app import migrate
    from app.db import make_engine

    pg_name = None
    if BACKEND == "postgresql":
        pg_name, url = create_postgres_database(prefix)
    else:
        url = f"sqlite:///{tmp / (prefix + '.db')}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        if pg_name:
            drop_postgres_database(pg_name)


def site_env(tmp: Path, database_url: str, **settings: Any) -> dict[str, str]:
    """The environment of a `plein` subprocess: its own secret, uploads and Redis key space."""
    env = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(48), "UPLOAD_DIR": str(tmp / "uploads"),
           "PYTHONUNBUFFERED": "1", "ENVIRONMENT": "development", "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    if BACKEND == "postgresql":
        env.update(REDIS_URL=redis_test_url(), REDIS_PREFIX=f"plein-e2e-{secrets.token_hex(4)}")
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


class PleinProcess:
    """`python -m app.cli <args>` with its output in a log file, shown when something goes wrong."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,
                                        stdout=self._out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine loses power."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._out.close()


@contextmanager
def plein(args: list[str], env: dict[str, str], log: Path) -> Iterator[PleinProcess]:
    process = PleinProcess(args, env, log)
    try:
        yield process
    finally:
        process.stop()


@contextmanager
def serving(env: dict[str, str], log: Path, *, port: int, timeout: float = 30) -> Iterator[PleinProcess]:
    """`plein serve` on the port, once its health check answers."""
    with plein(["serve", "--port", str(port)], env, log) as process:
        def healthy() -> bool:
            if not process.alive():
                raise RuntimeError("the server exited:\n" + process.output())
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, timeout=timeout, what="the server to start", every=0.2)
        yield process


class SmtpSink:
    """An aiosmtpd handler that keeps every accepted message. `hold()` makes the next DATA wait until
    `release()`; the held message is then refused (451), as a server does when the client is gone."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []  # the bytes as they came over the wire, before any parsing
        self._holding = False
        self.held = False  # a DATA command is waiting
        self._released = False

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self._holding:
            self._holding, self.held = False, True
            while not self._released:
                await asyncio.sleep(0.02)
            return "451 Requested action aborted: try again later"
        self.raw.append(envelope.original_content or envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def hold(self) -> None:
        self._holding, self.held, self._released = True, False, False

    def release(self) -> None:
        self._released = True


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[SmtpSink, int]]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = port or free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


class TcpProxy:
    """A network link between a browser and the server that a test can cut: `cut()` drops every open
    connection (websockets included) and refuses new ones until `restore()`, as when a phone loses signal."""

    def __init__(self, target_port: int) -> None:
        import threading

        self.target_port = target_port
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._cut = False
        self._transports: set[asyncio.Transport] = set()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tcp-proxy")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", self.port))
        self._started.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer.transport, up_writer.transport}  # type: ignore[arg-type]
        self._transports |= pair

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                target.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._transports -= pair

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self._started.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def shutdown() -> None:
            self._server.close()
            for transport in list(self._transports):
                transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def cut(self) -> None:
        def _cut() -> None:
            self._cut = True
            for transport in list(self._transports):
                transport.abort()

        self._loop.call_soon_threadsafe(_cut)

    def restore(self) -> None:
        self._loop.call_soon_threadsafe(setattr, self, "_cut", False)


# --- servers a test may stop and start (never the shared PostgreSQL or Redis) --------------------------------


def _postgres_bin(name: str) -> str:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise RuntimeError(f"{name} not found: install the PostgreSQL server package")
    return candidates[-1]


class OwnPostgres:
    """A PostgreSQL server of the test's own (initdb into a temporary directory, its own port), which the
    test stops and starts. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user."""

    def __init__(self) -> None:
        import pwd
        import tempfile

        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="plein-own-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "server.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            log = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}\n{log}")

    def __enter__(self) -> OwnPostgres:
        self._run(_postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        self.start()
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-o", options,
                  "-w", "-t", "30", "start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as when the database server restarts."""
        self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def __exit__(self, *_exc: object) -> None:
        import shutil

        try:
            if (self.data / "postmaster.pid").exists():
                self._run(_postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    """A redis-server of the test's own on a free port, without persistence, which the test stops and starts
    (a restart loses the stream, as a Redis without persistence does)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> OwnRedis:
        self.start()
        return self

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what="redis-server to start")
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class AppServer:
    """An app served by uvicorn in a thread of the test process, on a loopback port: real HTTP and real
    websockets, with the app object (its settings, engine and bus) at hand."""

    def __init__(self, app: Any, **config: Any) -> None:
        import threading

        import uvicorn

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/api/v1/ws"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on", ws_ping_interval=None, **config))
        self._thread = threading.Thread(target=self.server.run, daemon=True, name="uvicorn")

    def __enter__(self) -> AppServer:
        self._thread.start()
        wait_for(lambda: self.server.started or not self._thread.is_alive(), timeout=30, what="uvicorn to start")
        if not self.server.started:
            raise RuntimeError("uvicorn did not start")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(20)


@dataclass(frozen=True)
class OutageSite:
    """What the outage tests need on a database of their own: a group with a thread and member sessions."""

    database_url: str
    thread_id: int
    channel_id: int
    writer_email: str
    sessions: list[tuple[str, str]]  # (cookie token, CSRF token), one per member


def arrange_outage_site(database_url: str, secret_key: str, *, members: int = 1) -> OutageSite:
    """Migrate the database and build, through the services, an open group whose `members` members each
    have a cookie session (started by the service: no argon2 per member)."""
    from app import migrate
    from app.db import Database, make_engine, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import User
    from app.schemas.groups import GroupCreate
    from app.schemas.posts import ThreadCreate
    from app.security import csrf_token_for, hash_password
    from app.services import accounts, groups, posts

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        db = Database(engine)
        password_hash = hash_password("correct horse battery staple")
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            manager = User(email="beheer@example.nl", username="beheer", display_name="Beheer",
                           password_hash=password_hash, role="community_manager")
            people = [User(email=f"lid{i}@example.nl", username=f"lid{i}", display_name=f"Lid {i}",
                           password_hash=password_hash) for i in range(members)]
            session.add_all([manager, *people])
            session.flush()
            manager_id, ids = manager.id, [p.id for p in people]
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            group_id = groups.create_group(session, session.get(User, manager_id), data=GroupCreate(
                name="Werkgroep Zorg", kind="theme", visibility="open")).id
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            for user_id in ids:
                groups.join_group(session, session.get(User, user_id), group_id=group_id)
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            channel_id = groups.list_channels(session, session.get(User, manager_id), group_id=group_id)[0].id
            thread_id = posts.create_thread(session, session.get(User, ids[0]), channel_id=channel_id,
                                            data=ThreadCreate(kind="discussion", title="Zorg in de wijk",
                                                              body="Wie weet hoe het ervoor staat?")).id
        tokens = []
        with unit_of_work(db, NO_LIVE_CLIENTS) as session:
            for user_id in ids:
                token = accounts.start_session(session, session.get(User, user_id), ip_address=None,
                                               user_agent="pytest").token
                tokens.append((token, csrf_token_for(secret_key, token)))
    finally:
        engine.dispose()
    return OutageSite(database_url=database_url, thread_id=thread_id, channel_id=channel_id,
                      writer_email="lid0@example.nl", sessions=tokens)


def count_replies(database_url: str, thread_id: int) -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.models import Post

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Post).where(
                Post.thread_id == thread_id, Post.is_opening.is_(False))).scalar_one())
    finally:
        engine.dispose()
