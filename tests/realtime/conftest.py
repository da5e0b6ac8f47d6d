"""Live-update tests run against both bus backends: the same behaviour is required of each."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from tests.backends import redis_reason, redis_test_url


@pytest.fixture(params=["in-process", "redis"])
def bus_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "redis" and (reason := redis_reason()):
        pytest.skip(reason)
    return str(request.param)


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
    application.state.login_limiter.reset()
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

    def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        import json

        async def _receive() -> Any:
            with anyio.fail_after(timeout):
                return await self.session._send_rx.receive()

        while True:
            message = self.session.portal.call(_receive)
            self.session._raise_on_close(message)
            frame = json.loads(message["text"])
            if self.notifications or not is_notification(frame.get("event", "")):
                return frame

    def receive_type(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next message of this type; anything else before it is a test failure."""
        message = self.receive(timeout)
        assert message["type"] == kind, message
        return message

    def send(self, frame: Any) -> None:
        self.session.send_json(frame)

    def send_text(self, text: str) -> None:
        self.session.send_text(text)


@pytest.fixture
def connect(anon: TestClient, run) -> Iterator[Callable[..., LiveSocket]]:
    """connect(user, topics=[...], last_event_id=None) → a LiveSocket past its hello message."""
    from app.api.deps import SESSION_COOKIE
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
        opened.append(session)
        socket = LiveSocket(session, notifications=notifications)
        if expect_hello:
            socket.receive_type("hello")
        return socket

    yield _connect
    for session in opened:
        try:
            session.__exit__(None, None, None)
        except Exception:
            pass
