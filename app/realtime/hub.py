"""The websocket hub of one worker: connections by topic, delivery re-checked, bounded send queues.

Authorisation is checked when subscribing (against the database, see access.access_topic) and again
at every delivery, in memory: each subscription remembers its group and that group's visibility, each
connection its memberships; membership, visibility, session and account events keep that state
current in bus order, so a member removed from a secret group receives nothing published after her
removal.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from app.access import TopicGrant, can_read_group, is_staff_role
from app.events import (
    AccountDeactivated,
    AccountRoleChanged,
    ApiTokenRevoked,
    BusGap,
    Event,
    GroupMerged,
    GroupUpdated,
    MembershipChanged,
    SessionEnded,
    event_id_key,
    group_topic,
    user_topic,
    wire_payload,
)
from app.models.enums import GroupRole, Visibility
from app.realtime.bus import EventBus

log = logging.getLogger(__name__)

# Close codes (4000–4999 are the application's own).
CLOSE_GOING_AWAY = 1001
CLOSE_UNAUTHENTICATED = 4401
CLOSE_ORIGIN = 4403
CLOSE_TOO_SLOW = 4008
CLOSE_TOO_MANY = 4429  # she opened too many sockets in a short time (app/ratelimit.py): reconnect later
CLOSE_TRY_AGAIN = 1013  # the database or the bus is unavailable: reconnect (and resume) in a while

# A replay is sent as fast as the client reads it, page by page through the send queue; a client that reads
# nothing of it for this long is too slow.
REPLAY_STALL_SECONDS = 30.0
RESYNC_AFTER_GAP = "Live updates were interrupted and some were lost; fetch the page again."


def event_message(event: Event) -> str:
    """The one wire form of an event (live/live.js reads it; keep it as it is)."""
    return json.dumps({"type": "event", "id": event.id, "topic": event.topic, "event": event.type,
                       "payload": wire_payload(event), "at": event.at.isoformat()}, separators=(",", ":"))


@dataclass(eq=False)
class Connection:
    websocket: WebSocket
    user_id: int
    session_id: int | None
    token_id: int | None
    staff: bool
    memberships: set[int]
    queue_size: int
    grants: dict[str, TopicGrant] = field(default_factory=dict)
    closed: bool = False
    closing: bool = False  # a close is scheduled; don't schedule another
    # While a resume is replayed, live events wait here (so nothing is sent twice or out of order).
    held: list[Event] | None = None
    # Per topic, the newest event id this client already has: a worker whose bus reader lags behind the
    # replay must not send those again.
    floors: dict[str, tuple[int, int]] = field(default_factory=dict)
    queue: asyncio.Queue[str | None] = field(init=False)
    sender: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(maxsize=self.queue_size)

    def is_new(self, event: Event) -> bool:
        floor = self.floors.get(event.topic)
        return floor is None or event.id is None or event_id_key(event.id) > floor

    def may_receive(self, grant: TopicGrant) -> bool:
        if grant.group_id is None:
            return True
        # The rule of app/access/rules.py, not a copy of it: the hub knows memberships, and any role reads.
        role = GroupRole.member if grant.group_id in self.memberships else None
        return grant.visibility is not None and can_read_group(grant.visibility, role, self.staff)


class Hub:
    def __init__(self, bus: EventBus, *, queue_size: int = 256, max_topics: int = 500) -> None:
        self.bus = bus
        self.queue_size = queue_size
        self.max_topics = max_topics
        self.connections: set[Connection] = set()
        self._by_topic: dict[str, set[Connection]] = {}
        self._by_user: dict[int, set[Connection]] = {}
        self._closers: set[asyncio.Task[None]] = set()
        self.started = False

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.bus.start(self.deliver)
        self.started = True

    async def stop(self) -> None:
        await self.close_all(CLOSE_GOING_AWAY, "server shutting down")
        await self.bus.stop()
        self.started = False

    async def close_all(self, code: int, reason: str) -> None:
        await asyncio.gather(*(self.close(c, code, reason) for c in list(self.connections)),
                             return_exceptions=True)

    def connect(self, websocket: WebSocket, *, user_id: int, session_id: int | None, token_id: int | None = None,
                staff: bool, memberships: set[int], resuming: bool = False) -> Connection:
        conn = Connection(websocket=websocket, user_id=user_id, session_id=session_id, token_id=token_id,
                          staff=staff, memberships=memberships, queue_size=self.queue_size)
        if resuming:
            conn.held = []  # the own topic's missed events come with the replay
        self.connections.add(conn)
        self._by_user.setdefault(user_id, set()).add(conn)
        conn.sender = asyncio.create_task(self._send_loop(conn), name=f"ws-send-{user_id}")
        self.subscribe(conn, TopicGrant(topic=user_topic(user_id), group_id=None, visibility=None))
        return conn

    def disconnect(self, conn: Connection) -> None:
        conn.closed = True
        self.connections.discard(conn)
        self._by_user.get(conn.user_id, set()).discard(conn)
        for topic in list(conn.grants):
            self._drop(conn, topic)
        if conn.sender is not None and not conn.sender.done():
            conn.sender.cancel()
        # What was queued for her will never be sent: free it now, not when the peer finally goes.
        while not conn.queue.empty():
            conn.queue.get_nowait()

    async def close(self, conn: Connection, code: int, reason: str, *, timeout: float | None = 5) -> None:
        if conn.closed:
            return
        self.disconnect(conn)
        try:
            # A reader that stopped reading also stops the close handshake: a caller must not wait for it forever.
            if conn.websocket.application_state == WebSocketState.CONNECTED:
                await asyncio.wait_for(conn.websocket.close(code, reason), timeout=timeout)
        except Exception:  # the peer may be gone already; it is closed either way
            log.debug("closing websocket of user %s failed", conn.user_id, exc_info=True)

    def _close_soon(self, conn: Connection, code: int, reason: str) -> None:
        if conn.closing or conn.closed:
            return
        conn.closing = True
        # Nobody waits for this close, so it may wait as long as the peer: the close frame can only follow the
        # data the peer has not read yet. Given up after a timeout, the frame would never be sent and the socket
        # would stay open, silent, for good; nothing else is queued for it any more either way.
        task = asyncio.get_running_loop().create_task(self.close(conn, code, reason, timeout=None))
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    # --- subscriptions -----------------------------------------------------------------------------

    def subscribe(self, conn: Connection, grant: TopicGrant) -> None:
        conn.grants[grant.topic] = grant
        self._by_topic.setdefault(grant.topic, set()).add(conn)

    def unsubscribe(self, conn: Connection, topic: str) -> None:
        if topic != user_topic(conn.user_id):
            self._drop(conn, topic)

    def _drop(self, conn: Connection, topic: str) -> None:
        conn.grants.pop(topic, None)
        subscribers = self._by_topic.get(topic)
        if subscribers is not None:
            subscribers.discard(conn)
            if not subscribers:
                del self._by_topic[topic]

    # --- sending -----------------------------------------------------------------------------------

    def send(self, conn: Connection, message: dict[str, Any] | str) -> None:
        """Queue a message; a connection whose queue is full is too slow and is closed, not buffered."""
        if conn.closed or conn.closing:
            return
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        try:
            conn.queue.put_nowait(text)
        except asyncio.QueueFull:
            log.info("closing a slow websocket of user %s (send queue full)", conn.user_id)
            self._close_soon(conn, CLOSE_TOO_SLOW, "too slow: send queue full")

    async def _send_loop(self, conn: Connection) -> None:
        try:
            while True:
                text = await conn.queue.get()
                if text is None:
                    return
                await conn.websocket.send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket went away; the receive loop notices and cleans up
            log.debug("websocket send failed for user %s", conn.user_id, exc_info=True)

    # --- delivery ----------------------------------------------------------------------------------

    def deliver(self, event: Event) -> None:
        """Called by the bus on this loop, in publish order, for every event of every worker."""
        if isinstance(event, BusGap):
            self.resync_all()
            return
        self._apply_access_changes(event)
        subscribers = self._by_topic.get(event.topic)
        if not subscribers:
            return
        text = event_message(event)  # serialised once, sent to every subscriber
        for conn in list(subscribers):
            grant = conn.grants.get(event.topic)
            if grant is None or not conn.may_receive(grant) or not conn.is_new(event):
                continue
            if conn.held is not None:
                conn.held.append(event)
                if len(conn.held) > self.queue_size * 4:
                    self._close_soon(conn, CLOSE_TOO_SLOW, "too slow: replay backlog")
                continue
            self.send(conn, text)

    def resync_all(self) -> None:
        """Events were lost (the bus was unreachable): every connected client fetches its page again."""
        if self.connections:
            log.info("asking %d websocket(s) to resync after a gap in the event stream", len(self.connections))
        for conn in list(self.connections):
            self.send(conn, {"type": "resync", "topics": sorted(conn.grants), "message": RESYNC_AFTER_GAP})

    async def _send_paced(self, conn: Connection, events: list[Event]) -> None:
        """Queue many events (a replay) as fast as the client takes them, instead of all at once: a replay
        longer than the send queue goes out page by page. Each is checked against her access when it is
        queued (a membership may end meanwhile). A client that takes none for REPLAY_STALL_SECONDS is too
        slow and is closed."""
        loop = asyncio.get_running_loop()
        for event in events:
            while conn.queue.full():
                if conn.closed or conn.closing:
                    return
                deadline = loop.time() + REPLAY_STALL_SECONDS
                while conn.queue.full() and loop.time() < deadline and not (conn.closed or conn.closing):
                    await asyncio.sleep(0.01)
                if conn.queue.full() and not (conn.closed or conn.closing):
                    log.info("closing a slow websocket of user %s (a replay not read)", conn.user_id)
                    self._close_soon(conn, CLOSE_TOO_SLOW, "too slow: replay not read")
                    return
            if conn.closed or conn.closing:
                return
            grant = conn.grants.get(event.topic)
            if grant is not None and conn.may_receive(grant) and conn.is_new(event):
                conn.queue.put_nowait(event_message(event))

    def _apply_access_changes(self, event: Event) -> None:
        match event:
            case MembershipChanged(payload=change):
                for conn in list(self._by_user.get(change.user_id, ())):
                    if change.role is None:
                        conn.memberships.discard(change.group_id)
                    else:
                        conn.memberships.add(change.group_id)
                    self._revoke_unreadable(conn, change.group_id)
            case GroupMerged(payload=merge):
                self._follow_merge(merge.from_group_id, merge.into_group_id, merge.into_visibility)
            case GroupUpdated(payload=group):
                for conn in list(self.connections):
                    for topic, grant in list(conn.grants.items()):
                        if grant.group_id == group.id:
                            conn.grants[topic] = TopicGrant(topic, grant.group_id, group.visibility)
                    self._revoke_unreadable(conn, group.id)
            case SessionEnded(payload=ended):
                for conn in list(self._by_user.get(ended.user_id, ())):
                    if ended.all or conn.session_id in ended.session_ids:
                        self._close_soon(conn, CLOSE_UNAUTHENTICATED, "session ended")
            case AccountDeactivated(payload=account):
                for conn in list(self._by_user.get(account.user_id, ())):
                    self._close_soon(conn, CLOSE_UNAUTHENTICATED, "account deactivated")
            case ApiTokenRevoked(payload=revoked):
                for conn in list(self._by_user.get(revoked.user_id, ())):
                    if conn.token_id is not None and conn.token_id == revoked.token_id:
                        self._close_soon(conn, CLOSE_UNAUTHENTICATED, "API token revoked")
            case AccountRoleChanged(payload=change):
                for conn in list(self._by_user.get(change.user_id, ())):
                    conn.staff = is_staff_role(change.role)
                    for group_id in {g.group_id for g in conn.grants.values() if g.group_id is not None}:
                        self._revoke_unreadable(conn, group_id)

    def _follow_merge(self, source: int, target: int, visibility: Visibility) -> None:
        """Open sockets follow a merged group: her membership moved with it, the channels and threads of the old
        group now live in the new one, and who followed the old group follows the new one (after receiving the
        "group.merged" event there)."""
        old_topic, new_topic = group_topic(source), group_topic(target)
        for conn in list(self.connections):
            if source in conn.memberships:
                conn.memberships.add(target)
            for topic, grant in list(conn.grants.items()):
                if grant.group_id == source and topic != old_topic:
                    conn.grants[topic] = TopicGrant(topic, target, visibility)
            if old_topic in conn.grants and new_topic not in conn.grants:
                self.subscribe(conn, TopicGrant(new_topic, target, visibility))
            self._revoke_unreadable(conn, target)

    def _revoke_unreadable(self, conn: Connection, group_id: int | None) -> None:
        for topic, grant in list(conn.grants.items()):
            if grant.group_id == group_id and not conn.may_receive(grant):
                self._drop(conn, topic)
                self.send(conn, {"type": "unsubscribed", "topic": topic, "reason": "access_revoked"})

    # --- resume ------------------------------------------------------------------------------------

    async def subscribe_with_resume(self, conn: Connection, grants: list[TopicGrant],
                                    last_event_id: str | None) -> None:
        """Subscribe, then (when resuming) send the missed events once, then what arrived meanwhile."""
        new = [g for g in grants if g.topic not in conn.grants or conn.held is not None]
        if last_event_id is None:
            for grant in new:
                self.subscribe(conn, grant)
            conn.held = None
            self.send(conn, {"type": "subscribed", "topics": [g.topic for g in grants]})
            return
        topics = {g.topic for g in new}
        if conn.held is None:
            conn.held = []
        else:
            # Resuming at connect: her own topic missed events too. On a later subscribe it has been live all
            # along, and replaying it would send what she already has again.
            topics.add(user_topic(conn.user_id))
        try:
            for grant in new:
                self.subscribe(conn, grant)
            missed = await self.bus.replay(last_event_id, topics) if topics else []
        except BaseException:
            conn.held = None
            raise
        self.send(conn, {"type": "subscribed", "topics": [g.topic for g in grants]})
        floor = event_id_key(last_event_id)
        if missed is None:
            self.send(conn, {"type": "resync", "topics": sorted(topics),
                             "message": "Some events are older than the replay window; fetch the page again."})
        else:
            # Paced out page by page; live events keep waiting in `held` meanwhile, so none overtakes it.
            await self._send_paced(conn, missed)
            if missed and missed[-1].id:
                floor = max(floor, event_id_key(missed[-1].id))
            for topic in topics:
                conn.floors[topic] = max(conn.floors.get(topic, floor), floor)
        # Then what arrived meanwhile, until nothing waits any more; from then on events go out live.
        while conn.held and not conn.closed:
            held, conn.held = conn.held, []
            await self._send_paced(conn, held)
        conn.held = None


def close_sockets_before_exit(hub: Hub) -> None:
    """On SIGTERM/SIGINT, close live sockets with 1001 "going away" first, then let the server stop.

    uvicorn's own shutdown would close them with 1012 ("service restart"); clients treat both as "reconnect
    soon", but 1001 is what a server that goes away says. Only possible in the main thread (a real server).
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        original = signal.getsignal(sig)
        if not callable(original):
            continue

        def handler(signum: int, frame: Any, original: Any = original) -> None:
            async def close_then_exit() -> None:
                try:
                    # Short, so that this plus uvicorn's graceful timeout stays within a container's stop timeout.
                    await asyncio.wait_for(hub.close_all(CLOSE_GOING_AWAY, "server shutting down"), timeout=3)
                except TimeoutError:  # a peer that stopped reading cannot take its close; stop all the same
                    log.info("some websockets were not closed in time; shutting down anyway")
                finally:
                    original(signum, frame)

            loop.call_soon_threadsafe(lambda: loop.create_task(close_then_exit()))

        signal.signal(sig, handler)
