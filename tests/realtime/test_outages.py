"""Redis going away: what committed stands (201), logins are still throttled, live pages learn that they
missed events once it is back, and sockets connect again; a long replay completes instead of being cut off.

Each Redis test runs its own redis-server (tests/servers.py OwnRedis) and stops and starts it; the app is
served by uvicorn on a loopback port and spoken to with httpx and real websockets.
"""
from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from tests.servers import AppServer, OutageSite, OwnRedis, arrange_outage_site, count_replies, wait_for

SESSION_COOKIE = "plein_session"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def site(settings, tmp_path: Path) -> OutageSite:
    return arrange_outage_site(f"sqlite:///{tmp_path / 'live.db'}", settings.secret_key, members=2)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with OwnRedis() as server:
        yield server


def make_app(settings: Any, site: OutageSite, redis_url: str | None, **overrides: Any) -> Any:
    from app.main import create_app

    return create_app(settings.model_copy(update={
        "database_url": site.database_url, "redis_url": redis_url,
        "redis_prefix": f"plein-outage-{secrets.token_hex(4)}", **overrides}))


def browser(server: AppServer, site: OutageSite, member: int = 0) -> httpx.Client:
    token, csrf = site.sessions[member]
    return httpx.Client(base_url=server.url, cookies={SESSION_COOKIE: token}, headers={"X-CSRF-Token": csrf},
                        timeout=30)


def open_socket(server: AppServer, site: OutageSite, *, member: int = 0, topics: list[str] | None = None,
                last_event_id: str | None = None) -> ClientConnection:
    query = []
    if topics:
        query.append("topics=" + ",".join(topics))
    if last_event_id:
        query.append(f"last_event_id={last_event_id}")
    url = server.ws_url + ("?" + "&".join(query) if query else "")
    return ws_connect(url, origin=server.url, open_timeout=10,  # type: ignore[arg-type]
                      additional_headers={"Cookie": f"{SESSION_COOKIE}={site.sessions[member][0]}"})


def receive(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    return json.loads(ws.recv(timeout=timeout))


def receive_until(ws: ClientConnection, kind: str, timeout: float = 20) -> dict[str, Any]:
    """The next message of this type, skipping others (events that were on their way)."""
    deadline = time.monotonic() + timeout
    while True:
        message = receive(ws, max(0.1, deadline - time.monotonic()))
        if message["type"] == kind:
            return message


SOCKETS = 8


def _first_messages_of_sockets_at_once(server: AppServer, site: OutageSite, count: int) -> list[str]:
    """Open `count` sockets at the same moment: the type of each one's first message, or how it closed."""
    from concurrent.futures import ThreadPoolExecutor

    def first(_: int) -> str:
        try:
            with open_socket(server, site, member=1) as ws:
                return str(receive(ws)["type"])
        except ConnectionClosed as closed:
            return f"closed {closed.rcvd.code if closed.rcvd else 'without a close frame'}"

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(first, range(count)))


class TestRedisDown:
    def test_a_reply_committed_while_redis_is_down_answers_201(self, settings, site: OutageSite,
                                                               own_redis: OwnRedis) -> None:
        app = make_app(settings, site, own_redis.url)
        with AppServer(app) as server, browser(server, site) as http:
            own_redis.stop()
            response = http.post(f"/api/v1/threads/{site.thread_id}/replies", json={"body": "Zonder Redis."})
            # Committed before the event could be published: it stands, and the member hears so.
            assert response.status_code == 201, response.text
            assert response.json()["body"] == "Zonder Redis."
            assert count_replies(site.database_url, site.thread_id) == 1
            own_redis.start()

    def test_pages_that_were_connected_are_told_to_resync_once_redis_is_back(
            self, settings, site: OutageSite, own_redis: OwnRedis) -> None:
        topic = f"thread:{site.thread_id}"
        app = make_app(settings, site, own_redis.url)
        with AppServer(app) as server, browser(server, site) as http, \
                open_socket(server, site, member=1, topics=[topic]) as reader:
            assert receive(reader)["type"] == "hello"
            assert receive(reader) == {"type": "subscribed", "topics": [topic]}
            own_redis.stop()
            http.post(f"/api/v1/threads/{site.thread_id}/replies", json={"body": "Zonder Redis."})
            own_redis.start()
            # The open page missed that reply's event (and Redis lost its stream): it fetches itself again.
            resync = receive_until(reader, "resync", timeout=15)
            assert topic in resync["topics"]
            assert resync["message"]

    def test_the_first_sockets_after_redis_is_back_connect_and_live_updates_flow(
            self, settings, site: OutageSite, own_redis: OwnRedis) -> None:
        topic = f"thread:{site.thread_id}"
        app = make_app(settings, site, own_redis.url)
        with AppServer(app) as server, browser(server, site) as http:
            # Pages open at once leave the bus's pool with several connections, all dead after the restart.
            assert all(kind == "hello" for kind in _first_messages_of_sockets_at_once(server, site, SOCKETS))
            own_redis.stop()
            own_redis.start()
            assert _first_messages_of_sockets_at_once(server, site, SOCKETS) == ["hello"] * SOCKETS
            with open_socket(server, site, member=1, topics=[topic]) as fresh:
                assert receive(fresh)["type"] == "hello"
                assert receive(fresh) == {"type": "subscribed", "topics": [topic]}
                reply_id = http.post(f"/api/v1/threads/{site.thread_id}/replies",
                                     json={"body": "Met Redis."}).json()["id"]
                event = receive_until(fresh, "event")
                assert (event["event"], event["payload"]["id"]) == ("post.created", reply_id)

    def test_a_socket_opened_while_redis_is_down_is_told_to_come_back_and_connects_once_it_is(
            self, settings, site: OutageSite, own_redis: OwnRedis) -> None:
        app = make_app(settings, site, own_redis.url)
        with AppServer(app) as server:
            own_redis.stop()
            with pytest.raises(ConnectionClosed) as closed, open_socket(server, site) as ws:
                while True:
                    receive(ws)
            # 1013 "try again later": the page shows it is offline and reconnects; not 1011 (a crash).
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013, closed.value

            own_redis.start()
            with open_socket(server, site, topics=[f"thread:{site.thread_id}"]) as ws:
                assert receive(ws)["type"] == "hello"
                assert receive(ws)["type"] == "subscribed"

    def test_login_throttling_counts_in_the_process_while_redis_is_down(
            self, settings, site: OutageSite, own_redis: OwnRedis) -> None:
        app = make_app(settings, site, own_redis.url, login_limit_per_account="3/minute")
        with AppServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
            own_redis.stop()
            right = http.post("/api/v1/auth/login", json={"email": site.writer_email, "password": PASSWORD})
            assert right.status_code == 200, right.text
            wrong = [http.post("/api/v1/auth/login", json={"email": site.writer_email, "password": "fout"})
                     for _ in range(4)]
            assert [r.status_code for r in wrong] == [401, 401, 401, 429], [r.text for r in wrong]
            assert wrong[-1].json()["error"]["code"] == "rate_limited"
            assert int(wrong[-1].headers["retry-after"]) >= 1
            own_redis.start()


    def test_a_worker_started_while_redis_is_down_serves_and_goes_live_once_it_answers(
            self, settings, site: OutageSite, own_redis: OwnRedis) -> None:
        topic = f"thread:{site.thread_id}"
        own_redis.stop()
        app = make_app(settings, site, own_redis.url)
        with AppServer(app) as server, browser(server, site) as http:
            assert http.get(f"/api/v1/threads/{site.thread_id}").status_code == 200
            own_redis.start()
            wait_for(lambda: app.state.bus.reading, timeout=15, what="the stream reader to find Redis back")
            with open_socket(server, site, member=1, topics=[topic]) as ws:
                assert receive(ws)["type"] == "hello"
                assert receive(ws) == {"type": "subscribed", "topics": [topic]}
                reply_id = http.post(f"/api/v1/threads/{site.thread_id}/replies",
                                     json={"body": "Live."}).json()["id"]
                event = receive_until(ws, "event")
                assert (event["event"], event["payload"]["id"]) == ("post.created", reply_id)


class TestLongReplay:
    @pytest.mark.parametrize("bus", ["in-process", "redis"])
    def test_a_replay_longer_than_the_send_queue_arrives_whole(self, settings, site: OutageSite, bus: str,
                                                               own_redis: OwnRedis) -> None:
        topic = f"thread:{site.thread_id}"
        queue = 8
        app = make_app(settings, site, own_redis.url if bus == "redis" else None, ws_send_queue=queue)
        with AppServer(app) as server, browser(server, site) as http:
            with open_socket(server, site, member=1) as ws:
                last_event_id = receive(ws)["last_event_id"]
            replies = [http.post(f"/api/v1/threads/{site.thread_id}/replies", json={"body": f"Antwoord {i}"})
                       .json()["id"] for i in range(5 * queue)]
            with open_socket(server, site, member=1, topics=[topic], last_event_id=last_event_id) as ws:
                assert receive(ws)["type"] == "hello"
                assert receive(ws) == {"type": "subscribed", "topics": [topic]}
                replayed = [receive(ws) for _ in replies]
                assert [(m["type"], m["event"], m["payload"]["id"]) for m in replayed] == [
                    ("event", "post.created", reply_id) for reply_id in replies]
                ws.send(json.dumps({"type": "ping"}))
                assert receive(ws) == {"type": "pong"}  # still open, and nothing else was left in between
