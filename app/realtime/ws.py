"""The websocket endpoint: authenticate, then translate frames to hub calls. Decisions live elsewhere."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from app.access import TopicGrant, access_topic, is_staff_role, member_group_ids
from app.db import database_unavailable, unit_of_work
from app.deps import SESSION_COOKIE, bearer_token, client_ip, note_seen
from app.errors import Moved, NotFound, TooManyRequests
from app.events import is_event_id
from app.realtime.bus import BusUnavailable
from app.realtime.hub import (
    CLOSE_ORIGIN,
    CLOSE_TOO_MANY,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHENTICATED,
    Connection,
    Hub,
)
from app.services import accounts

log = logging.getLogger(__name__)
T = TypeVar("T")
router = APIRouter()
MAX_FRAME_CHARS = 16 * 1024
MAX_TOPICS_PER_MESSAGE = 100
# The fields each frame type may carry; anything else is named in an error (a typo is not silently ignored).
FRAME_FIELDS = {"ping": {"type"}, "subscribe": {"type", "topics", "last_event_id"},
                "unsubscribe": {"type", "topics"}}


@dataclass(frozen=True)
class Viewer:
    user_id: int
    session_id: int | None
    token_id: int | None
    staff: bool
    memberships: set[int]


def _origin_allowed(websocket: WebSocket, base_url: str) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return False
    allowed = {urlsplit(base_url)._replace(path="").geturl().rstrip("/")}
    host = websocket.headers.get("host")
    if host:
        allowed.add(f"{'https' if websocket.url.scheme == 'wss' else 'http'}://{host}")
    return origin.rstrip("/") in allowed


def _authenticate(websocket: WebSocket) -> Viewer | None:
    app = websocket.app
    api_token = bearer_token(websocket.headers)
    with unit_of_work(app.state.db, app.state.dispatcher) as session:
        cookie = websocket.cookies.get(SESSION_COOKIE)
        if api_token is not None:
            resolved, seen = accounts.resolve_api_token(session, token=api_token)
        elif cookie:
            resolved, seen = accounts.resolve_session(session, token=cookie)
        else:
            resolved, seen = None, None
        note_seen(app.state.db, seen)
        if resolved is None:
            return None
        user = resolved.user
        session_id = resolved.auth_session.id if resolved.auth_session else None
        token_id = resolved.api_token.id if resolved.api_token else None
        return Viewer(user_id=user.id, session_id=session_id, token_id=token_id, staff=is_staff_role(user.role),
                      memberships=member_group_ids(session, user))


def _authorize(websocket: WebSocket, user_id: int, topics: list[str],
               ) -> tuple[list[TopicGrant], list[str], dict[str, str]]:
    from app.models import User

    grants, refused, moved = [], [], {}
    with unit_of_work(websocket.app.state.db, None) as session:
        actor = session.get(User, user_id)
        for topic in topics:
            try:
                if actor is None or not actor.is_active:
                    raise NotFound("Topic not found.")
                grants.append(access_topic(session, actor, topic))
            except NotFound:
                refused.append(topic)
            except Moved as exc:  # merged into another, and she may follow it there
                moved[topic] = exc.new
    return grants, refused, moved


async def _in_database(websocket: WebSocket, fn: Callable[..., T], *args: Any) -> T:
    """Database work of the socket: in its turn (like a request's, app/db.py Database.admit), in a thread."""
    async with websocket.app.state.db.admit():
        return await run_in_threadpool(fn, websocket, *args)


def _unavailable(exc: BaseException) -> str | None:
    """Why live updates must wait (the database or the bus is unavailable), or None for any other error."""
    if isinstance(exc, BusUnavailable):
        return "live updates unavailable; try again"
    if database_unavailable(exc) is not None:
        return "database unavailable; try again"
    return None


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, **extra}


@router.websocket("/api/v1/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    hub: Hub = websocket.app.state.hub
    settings = websocket.app.state.settings
    await websocket.accept()
    # A cookie travels with any page's request; only our own pages may use it to open a socket.
    if bearer_token(websocket.headers) is None and not _origin_allowed(websocket, settings.base_url):
        await websocket.close(CLOSE_ORIGIN, "origin not allowed")
        return
    try:
        viewer = await _in_database(websocket, _authenticate)
    except Exception as exc:
        if (reason := _unavailable(exc)) is None:
            raise
        log.warning("websocket refused for now: %s", exc)
        await websocket.close(CLOSE_TRY_AGAIN, reason)  # the page reconnects (and resumes) by itself
        return
    if viewer is None:
        await websocket.close(CLOSE_UNAUTHENTICATED, "log in first")
        return
    try:
        await run_in_threadpool(websocket.app.state.limiter.take, "ws_connect", account=str(viewer.user_id),
                                address=client_ip(websocket))
    except TooManyRequests as exc:
        await websocket.close(CLOSE_TOO_MANY, exc.message)
        return
    last_event_id = websocket.query_params.get("last_event_id") or None
    if last_event_id is not None and not is_event_id(last_event_id):
        await websocket.send_json(_error("bad_last_event_id", "last_event_id is not an event id.",
                                         field="last_event_id"))
        last_event_id = None
    conn = hub.connect(websocket, user_id=viewer.user_id, session_id=viewer.session_id, token_id=viewer.token_id,
                       staff=viewer.staff,
                       memberships=viewer.memberships, resuming=last_event_id is not None)
    try:
        hub.send(conn, {"type": "hello", "user_id": viewer.user_id, "last_event_id": await hub.bus.head()})
        initial = [t for t in websocket.query_params.get("topics", "").split(",") if t]
        if initial or last_event_id is not None:
            await _subscribe(hub, conn, initial, last_event_id)
        await _receive_loop(hub, conn)
    except WebSocketDisconnect:
        pass
    except Exception as exc:
        if (reason := _unavailable(exc)) is None:
            raise
        log.warning("websocket of user %s closed for now: %s", conn.user_id, exc)
        await hub.close(conn, CLOSE_TRY_AGAIN, reason)
    finally:
        hub.disconnect(conn)


async def _subscribe(hub: Hub, conn: Connection, topics: list[str], last_event_id: str | None) -> None:
    if len(set(topics) | set(conn.grants)) > hub.max_topics:
        hub.send(conn, _error("too_many_topics", f"At most {hub.max_topics} topics per connection.",
                              field="topics"))
        if conn.held is not None:
            # Resuming at connect: finish it for her own topic, or its live events stay held for good.
            await hub.subscribe_with_resume(conn, [], last_event_id)
        return
    grants, refused, moved = await _in_database(conn.websocket, _authorize, conn.user_id, topics)
    for topic in refused:
        # The same answer for a topic that does not exist and one the member may not see.
        hub.send(conn, _error("not_found", "Topic not found.", field="topics", topic=topic))
    for topic, target in moved.items():
        # Only to whom may follow it (access.may_follow); subscribe to `moved_to` to hear what happens there now.
        hub.send(conn, _error("moved", "This was merged into another; subscribe to moved_to.", field="topics",
                              topic=topic, moved_to=target))
    await hub.subscribe_with_resume(conn, grants, last_event_id)


async def _receive_loop(hub: Hub, conn: Connection) -> None:
    """Every frame gets its answer — a bad one an error frame — and the socket goes on. An unexpected failure in
    handling one frame is logged here with its traceback and answered `internal`; it does not end the socket."""
    websocket = conn.websocket
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        try:
            await _handle(hub, conn, message.get("text"))
        except Exception as exc:
            if _unavailable(exc) is not None:
                raise
            log.exception("websocket frame of user %s failed", conn.user_id)
            hub.send(conn, _error("internal", "This frame could not be handled; the connection stays open."))
        if conn.closed:
            return


class BadFrame(Exception):
    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.frame = _error(code, message, **extra)


def _parse_frame(text: str | None) -> dict[str, Any]:
    """The frame, checked: a known type, only its own fields, well-formed values; else BadFrame with the answer."""
    if text is None:
        raise BadFrame("bad_frame", "Send JSON text frames.")
    if len(text) > MAX_FRAME_CHARS:
        raise BadFrame("too_large", f"A frame has at most {MAX_FRAME_CHARS} characters.")
    try:
        frame = json.loads(text)
    except RecursionError:
        raise BadFrame("too_deep", "The frame is nested too deeply.") from None
    except ValueError:
        raise BadFrame("bad_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise BadFrame("bad_frame", "A frame is a JSON object with a type.")
    kind = frame.get("type")
    if not isinstance(kind, str) or kind not in FRAME_FIELDS:
        raise BadFrame("unknown_type", "Unknown message type; use subscribe, unsubscribe or ping.", field="type")
    if unknown := sorted(set(frame) - FRAME_FIELDS[kind]):
        raise BadFrame("invalid", f"{unknown[0]}: unknown field for a {kind} frame.", field=unknown[0])
    if kind != "ping":
        topics = frame.get("topics")
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics) \
                or not 1 <= len(topics) <= MAX_TOPICS_PER_MESSAGE:
            raise BadFrame("invalid", f"topics must be a list of 1 to {MAX_TOPICS_PER_MESSAGE} topic names.",
                           field="topics")
    resume = frame.get("last_event_id")
    if resume is not None and not is_event_id(resume):
        raise BadFrame("bad_last_event_id", "last_event_id is not an event id.", field="last_event_id")
    return frame


async def _handle(hub: Hub, conn: Connection, text: str | None) -> None:
    try:
        frame = _parse_frame(text)
    except BadFrame as bad:
        hub.send(conn, bad.frame)
        return
    match frame["type"]:
        case "ping":
            hub.send(conn, {"type": "pong"})
        case "unsubscribe":
            for topic in frame["topics"]:
                hub.unsubscribe(conn, topic)
            hub.send(conn, {"type": "unsubscribed", "topics": frame["topics"]})
        case "subscribe":
            await _subscribe(hub, conn, frame["topics"], frame.get("last_event_id"))
