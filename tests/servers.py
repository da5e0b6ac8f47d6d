"""Real processes for end-to-end tests: a committed database of the suite's backend, `plein` commands in
subprocesses (serve, worker), and a real SMTP server on loopback (aiosmtpd)."""
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
        self._holding = False
        self.held = False  # a DATA command is waiting
        self._released = False

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self._holding:
            self._holding, self.held = False, True
            while not self._released:
                await asyncio.sleep(0.02)
            return "451 Requested action aborted: try again later"
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
