"""The event bus: one interface, two backends.

- InProcessBus: the embedded run (one process). Events get ids from a counter and live in a bounded
  replay buffer.
- RedisBus: several worker processes or hosts. Every event is appended to one Redis stream (XADD, capped
  with MAXLEN); every worker reads that stream (XREAD BLOCK, redis' asyncio client) and hands the events
  to its own hub. The stream is also the replay window for clients that reconnect.

`publish` is called after commit from the request's thread; it is synchronous, so an event is in the bus
before the HTTP response leaves. `observe` lets code in the same process (tests, metrics) see what this
process published, synchronously. The hub consumes the bus with `start(deliver)`: `deliver` is called on
the hub's event loop, in publish order, for the events of every process.

Redis can go away. Publishing never raises (the action it follows is committed and stands); what could
not be published is a gap, and so is a stream that lost what this worker had read up to (Redis restarted
without persistence). A gap is announced with a BusGap event in the stream once Redis answers again: every
worker's hub then tells its connected clients to resync, and a replay across it answers None (resync).
Reading the replay window or the head while Redis is down raises BusUnavailable.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from app.events import BusGap, Event, event_id_key, parse_event

if TYPE_CHECKING:
    import redis.asyncio

log = logging.getLogger(__name__)
T = TypeVar("T")
Observer = Callable[[Event], None]
Deliver = Callable[[Event], None]
REPLAY_MAX_EVENTS = 10_000
REPLAY_SCAN_LIMIT = 50_000
# A stream entry as this bus's clients return it: redis-py types its answers for either decode_responses setting
# (bytes | str | None); ours leave it off, so ids and fields come back as bytes.
StreamEntry = tuple[bytes, dict[bytes, bytes]]


def _entries(answer: object) -> list[StreamEntry]:
    return cast(list[StreamEntry], answer)
EMPTY_STREAM = "0-0"
READ_BLOCK_MS = 5000


class BusUnavailable(RuntimeError):
    """The bus cannot be read right now (Redis is down): live updates must wait."""


class EventBus(Protocol):
    def publish(self, event: Event) -> None: ...

    def publish_many(self, events: list[Event]) -> None:
        """One action's events, in order (a publication has one per member)."""
        ...

    def observe(self, observer: Observer) -> Callable[[], None]: ...

    async def start(self, deliver: Deliver) -> None: ...

    async def stop(self) -> None: ...

    async def replay(self, after_id: str, topics: set[str]) -> list[Event] | None:
        """Events after `after_id` on `topics`, in order; None when the gap is older than the window."""
        ...

    async def head(self) -> str | None:
        """The id of the newest event, for a client that has seen none yet."""
        ...

    def announce_gap(self) -> None:
        """Events of a committed action were lost on their way (publishing failed): every hub asks its clients
        to resync, and a replay across the gap answers None."""
        ...


class _Observers:
    def __init__(self) -> None:
        self._observers: list[Observer] = []
        self._lock = threading.Lock()

    def observe(self, observer: Observer) -> Callable[[], None]:
        with self._lock:
            self._observers.append(observer)

        def stop() -> None:
            with self._lock:
                if observer in self._observers:
                    self._observers.remove(observer)

        return stop

    def notify(self, event: Event) -> None:
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            try:
                observer(event)
            except Exception:  # one broken observer must not stop the others
                log.exception("event observer failed for %s", event.type)


class InProcessBus(_Observers):
    def __init__(self, *, replay_max: int = REPLAY_MAX_EVENTS) -> None:
        super().__init__()
        # A new epoch per process start: an id from before a restart cannot be resumed, only resynced.
        self._epoch = secrets.randbelow(2**40) + 1
        self._seq = 0
        self._buffer: deque[Event] = deque(maxlen=replay_max)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deliver: Deliver | None = None

    def publish(self, event: Event) -> None:
        with self._lock:
            self._seq += 1
            event = event.model_copy(update={"id": f"{self._epoch}-{self._seq}"})
            self._buffer.append(event)
            # Scheduled inside the lock, so the hub receives events in id order.
            if self._loop is not None and self._deliver is not None and not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._deliver, event)
        if not isinstance(event, BusGap):
            self.notify(event)

    def announce_gap(self) -> None:
        self.publish(gap_event())

    def publish_many(self, events: list[Event]) -> None:
        for event in events:
            self.publish(event)

    async def start(self, deliver: Deliver) -> None:
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._deliver = deliver

    async def stop(self) -> None:
        with self._lock:
            self._loop = None
            self._deliver = None

    async def replay(self, after_id: str, topics: set[str]) -> list[Event] | None:
        try:
            epoch, seq = event_id_key(after_id)
        except ValueError:
            return None
        with self._lock:
            if epoch != self._epoch or seq > self._seq:
                return None
            oldest = self._buffer[0] if self._buffer else None
            if oldest is not None and event_id_key(oldest.id or "0")[1] > seq + 1:
                return None  # events after `after_id` have already left the window
            missed = [e for e in self._buffer if event_id_key(e.id or "0")[1] > seq]
            if any(isinstance(e, BusGap) for e in missed):
                return None  # events went missing in between: only fetching the page again is complete
            return [e for e in missed if e.topic in topics]

    async def head(self) -> str | None:
        with self._lock:
            return f"{self._epoch}-{self._seq}"


class RedisBus(_Observers):
    def __init__(self, url: str, *, prefix: str, replay_max: int = REPLAY_MAX_EVENTS) -> None:
        import redis

        super().__init__()
        self.url = url
        self.stream = f"{prefix}:events"
        self.replay_max = replay_max
        self._sync = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._async: redis.asyncio.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        # Events of this process were not published (Redis was down): announce the gap when it answers.
        self._gap_pending = False
        self.reading = False  # the stream reader is reading (not waiting for Redis to answer)

    def publish(self, event: Event) -> None:
        self.publish_many([event])

    def announce_gap(self) -> None:
        import redis

        try:
            self._sync.xadd(self.stream, {"e": gap_event().model_dump_json(exclude={"id"})}, maxlen=self.replay_max,
                            approximate=self.replay_max >= 1000)
        except redis.RedisError:
            self._gap_pending = True  # with the next publish, or by the stream reader once Redis answers

    def publish_many(self, events: list[Event]) -> None:
        import redis

        if not events:
            return
        gap = self._gap_pending
        if gap:
            events = [gap_event(), *events]
        # One round trip for all of them, not one per event: publishing an article to 5,000 members sends
        # 5,000 events, and their XADDs one by one took most of a second.
        pipe = self._sync.pipeline(transaction=False)
        for event in events:
            # Approximate trimming is much cheaper; a small window (tests, tiny sites) is trimmed exactly.
            pipe.xadd(self.stream, {"e": event.model_dump_json(exclude={"id"})}, maxlen=self.replay_max,
                      approximate=self.replay_max >= 1000)
        try:
            ids = pipe.execute()
        except redis.RedisError as exc:
            # Called after commit: the action stands. Its events are lost, so clients must refetch once the
            # bus is back (the gap is announced then).
            self._gap_pending = True
            log.warning("Redis unreachable: %d live event(s) not published (%s); clients will be asked to "
                        "resync when it is back", len(events) - gap, exc)
            return
        if gap:
            self._gap_pending = False
            log.info("Redis is back: clients were asked to resync")
        for event, event_id in zip(events, ids, strict=True):
            if not isinstance(event, BusGap):
                self.notify(event.model_copy(update={"id": event_id.decode()}))

    async def start(self, deliver: Deliver) -> None:
        import redis.asyncio

        # The read timeout must outlast a blocking XREAD (redis-py's default, 5 s, does not): otherwise every quiet
        # stretch ends in a timeout, an error in the log and a growing retry delay before the next event.
        self._async = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=5,
                                                   socket_timeout=READ_BLOCK_MS / 1000 + 5)
        # Start at the stream's current end: a new worker delivers what is published from now on. With Redis
        # down the worker starts all the same (pages work; live updates wait), and takes the end once it answers.
        try:
            last: str | None = await self.head() or EMPTY_STREAM
        except BusUnavailable as exc:
            log.warning("Redis unreachable at start (%s); live updates start once it answers", exc)
            last = None
        self._reader = asyncio.create_task(self._read(deliver, last), name="plein-redis-bus")

    async def _read(self, deliver: Deliver, last: str | None) -> None:
        import redis

        assert self._async is not None
        backoff = 0.1
        interrupted = False
        while True:
            try:
                if last is None:
                    newest = _entries(await self._async.xrevrange(self.stream, max="+", min="-", count=1))
                    last = newest[0][0].decode() if newest else EMPTY_STREAM
                    # Sockets that connected since Redis answered may have missed what came before this.
                    deliver(gap_event())
                    interrupted = False
                if interrupted:
                    # Back after an interruption: carry on from the last id read if the stream still has it.
                    # If not (Redis restarted without its data), events may be lost: announce a gap.
                    if not await self._stream_has(last):
                        self._gap_pending = True
                    interrupted = False
                    log.info("reading the event stream again")
                if self._gap_pending:
                    await self._announce_gap()
                self.reading = True
                answer = cast(list[tuple[bytes, list[StreamEntry]]] | None,
                              await self._async.xread({self.stream: last}, block=READ_BLOCK_MS, count=500))
                backoff = 0.1
                for _stream, entries in answer or []:
                    for entry_id, fields in entries:
                        last = entry_id.decode()
                        deliver(self._event(last, fields))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                interrupted, self.reading = True, False
                if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
                    log.warning("reading the event stream failed (%s); retrying in %.1fs", exc, backoff)
                else:
                    log.exception("reading the event stream failed; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _stream_has(self, entry_id: str) -> bool:
        assert self._async is not None
        if entry_id == EMPTY_STREAM:
            # Nothing read yet: unless the stream is still empty, what was added meanwhile may be gone.
            return not await self._async.exists(self.stream)
        found = await self._async.xrange(self.stream, min=entry_id, max=entry_id, count=1)
        return bool(found)

    async def _announce_gap(self) -> None:
        assert self._async is not None
        self._gap_pending = False
        try:
            await self._async.xadd(self.stream, {"e": gap_event().model_dump_json(exclude={"id"})},
                                   maxlen=self.replay_max, approximate=self.replay_max >= 1000)
        except BaseException:
            self._gap_pending = True
            raise

    @staticmethod
    def _event(entry_id: str, fields: dict[bytes, bytes]) -> Event:
        return parse_event(fields[b"e"]).model_copy(update={"id": entry_id})

    async def stop(self) -> None:
        # Bounded: a stuck connection to Redis must not keep a worker from shutting down. asyncio.wait, not
        # wait_for: on Python 3.11 wait_for cancels again after its timeout and then waits without a bound for
        # the task to finish, and redis-py does not always let a blocking XREAD finish its cancellation.
        if self._reader is not None:
            self._reader.cancel()
            done, _pending = await asyncio.wait({self._reader}, timeout=5)
            if done and not self._reader.cancelled() and self._reader.exception() is not None:
                log.error("the event stream reader failed while stopping", exc_info=self._reader.exception())
            self._reader = None
        if self._async is not None:
            closing = asyncio.ensure_future(self._async.aclose())
            done, _pending = await asyncio.wait({closing}, timeout=5)
            if not done:
                closing.cancel()
                log.warning("closing the Redis connection timed out")
            elif not closing.cancelled() and closing.exception() is not None:
                log.warning("closing the Redis connection failed: %s", closing.exception())
            self._async = None

    async def _reading(self, read: Callable[[], Awaitable[T]]) -> T:
        """A read for a client (head, replay): BusUnavailable while Redis is down. After a Redis restart the
        idle pooled connections are all dead; the first read finds that out, so they are dropped and the read
        is tried once more on a fresh one."""
        import redis

        assert self._async is not None
        try:
            try:
                return await read()
            except redis.ConnectionError:
                await self._async.connection_pool.disconnect(inuse_connections=False)
                return await read()
        except redis.RedisError as exc:
            raise BusUnavailable(f"Redis: {exc}") from exc

    async def replay(self, after_id: str, topics: set[str]) -> list[Event] | None:
        return await self._reading(lambda: self._replay(after_id, topics))

    async def _replay(self, after_id: str, topics: set[str]) -> list[Event] | None:
        assert self._async is not None
        try:
            event_id_key(after_id)
        except ValueError:
            return None
        if after_id == EMPTY_STREAM:
            # The client connected to an empty stream: everything is new to it, if nothing was trimmed.
            entries = _entries(await self._async.xrange(self.stream, min="-", max="+", count=REPLAY_SCAN_LIMIT))
            added = (await self._async.xinfo_stream(self.stream))["entries-added"] if entries else 0
            if added != len(entries):
                return None
        else:
            # Inclusive start: if the client's own last event is no longer in the stream, the gap is too old.
            entries = _entries(await self._async.xrange(self.stream, min=after_id, max="+",
                                                        count=REPLAY_SCAN_LIMIT))
            if not entries or entries[0][0].decode() != after_id:
                return None
            entries = entries[1:]
        if len(entries) >= REPLAY_SCAN_LIMIT - 1:
            return None
        events = [self._event(i.decode(), f) for i, f in entries]
        if any(isinstance(e, BusGap) for e in events):
            return None  # events went missing in between: only fetching the page again is complete
        return [e for e in events if e.topic in topics]

    async def head(self) -> str | None:
        client = self._async
        assert client is not None
        newest = _entries(await self._reading(lambda: client.xrevrange(self.stream, max="+", min="-", count=1)))
        return newest[0][0].decode() if newest else EMPTY_STREAM


def gap_event() -> BusGap:
    """Announces, through the stream, that events may be missing before it (not sent to clients as an event)."""
    return BusGap()


def make_bus(redis_url: str | None, *, prefix: str, replay_max: int = REPLAY_MAX_EVENTS) -> EventBus:
    if redis_url:
        return RedisBus(redis_url, prefix=prefix, replay_max=replay_max)
    return InProcessBus(replay_max=replay_max)
