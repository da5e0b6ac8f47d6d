"""Live-update tests: SQLite with the in-process bus, PostgreSQL with Redis; the same behaviour is required of each."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.backends import BACKEND, redis_reason, redis_test_url


@pytest.fixture
def bus_kind() -> str:
    """Two combinations, not four: SQLite with the in-process bus (one process, as `plein run` serves it) and
    PostgreSQL with Redis (several workers, as production runs)."""
    if BACKEND == "sqlite":
        return "in-process"
    if reason := redis_reason():
        pytest.skip(reason)
    return "redis"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Settings the app is built with on top of the suite's; override it in a test module or class, or
    parametrise it: @pytest.mark.parametrize("app_overrides", [{"event_replay_max": 10}])."""
    return {}


@pytest.fixture
def app(settings, db, bus_kind, app_overrides):
    """The app with the chosen bus (overrides the root conftest's `app`)."""
    from app.main import create_app

    redis_url = redis_test_url() if bus_kind == "redis" else None
    prefix = f"plein-test-{os.getpid()}-{secrets.token_hex(4)}"
    application = create_app(settings.model_copy(update={"redis_url": redis_url, "redis_prefix": prefix,
                                                         **app_overrides}), database=db)
    application.state.limiter.reset()
    yield application
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).delete(f"{prefix}:events")


def is_notification(event_type: str) -> bool:
    return event_type.startswith(("notification.", "notifications."))


class LiveSocket:
    """A websocket in the app's own event loop, with timeouts (a missing event fails, never hangs).

    Notification events on her own topic are left out unless asked for: the hub tests are about delivery,
    and who is notified of what is tested in tests/api/test_notifications.py."""

    def __init__(self, session: Any, *, notifications: bool = False) -> None:
        self.session = session
        self.notifications = notifications
        # The test session's receive() blocks without a deadline; it waits in this thread instead.
        self._waiter = ThreadPoolExecutor(1, thread_name_prefix="live-socket")

    def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            try:
                frame = self._waiter.submit(self.session.receive_json).result(timeout)
            except FutureTimeout:
                raise AssertionError(f"no websocket message within {timeout} s") from None
            if self.notifications or not is_notification(frame.get("event", "")):
                return dict(frame)

    def receive_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next message of this type; anything else before it is a test failure."""
        message = self.receive(timeout)
        assert message["type"] == kind, message
        return message

    def close(self) -> None:
        try:
            self.session.__exit__(None, None, None)
        except Exception:
            pass
        self._waiter.shutdown(wait=False)

    def send(self, frame: Any) -> None:
        self.session.send_json(frame)

    def send_text(self, text: str) -> None:
        self.session.send_text(text)


@pytest.fixture
def connect(anon: TestClient, run) -> Iterator[Callable[..., LiveSocket]]:
    """connect(user, topics=[...], last_event_id=None) → a LiveSocket past its hello message."""
    from app.deps import SESSION_COOKIE
    from app.services import accounts

    opened: list[Any] = []

    def _connect(user: Any, *, topics: list[str] | None = None, last_event_id: str | None = None,
                 headers: dict[str, str] | None = None, expect_hello: bool = True,
                 notifications: bool = False) -> LiveSocket:
        login = run(accounts.start_session, user, ip_address="testclient", user_agent="pytest")
        params = []
        if topics:
            params.append("topics=" + ",".join(topics))
        if last_event_id:
            params.append(f"last_event_id={last_event_id}")
        url = "/api/v1/ws" + ("?" + "&".join(params) if params else "")
        all_headers = {"origin": "http://testserver", "cookie": f"{SESSION_COOKIE}={login.token}"}
        all_headers.update(headers or {})
        session = anon.websocket_connect(url, headers=all_headers)
        session.__enter__()
        socket = LiveSocket(session, notifications=notifications)
        opened.append(socket)
        if expect_hello:
            socket.receive_type("hello")
        return socket

    yield _connect
    for socket in opened:
        socket.close()
