"""Engine, sessions and the unit of work: one transaction per action, side effects after commit."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Delete,
    Engine,
    MetaData,
    String,
    TextClause,
    TypeDecorator,
    Update,
    create_engine,
    event,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

from app.errors import Unavailable

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Always aware UTC in Python; SQLite keeps no zone, so we store naive UTC there."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """An enum column stored as its short string (VARCHAR, no database enum: portable, and adding a member needs
    no migration). Python sees the enum member; a value outside the enum is refused before it is written."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum


_OPENS_SQLITE_TRANSACTION = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN")

# Every wait on the database is bounded, and ends in a 503 with Retry-After rather than a request that hangs
# (docs/performance.md, "Many writers at once on SQLite", has the measurements behind these numbers).
# - a writer of this process waits this long for the process's write lock;
WRITE_LOCK_SECONDS = 10.0
# - SQLite waits this long for a writer of another process (a backup, `plein search-rebuild`);
SQLITE_BUSY_SECONDS = 10.0
# - a request waits this long for its turn at the database (Database.admit) and then for a pooled connection.
ADMIT_SECONDS = 10.0
POOL_SECONDS = 10.0
# How many requests work with the database at once, per process. The thread pool that runs the endpoints
# has 40 threads (anyio's default); a request that holds a connection (and perhaps the write lock) needs
# one of them for its next step, so the requests that may wait on the database while holding a thread
# must stay well below 40, or they take every thread and the holder can never finish (measured: 50
# concurrent replies on SQLite stood still for the pool's 30 s timeout). The rest wait for their turn in
# the event loop, which costs no thread.
ADMIT_MAX = 20
# Connections beyond the admitted requests: websockets signing in, the job runner, page errors.
POOL_SPARE = 10


class _QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection that waits for the process's write lock before it starts a write transaction.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps (up to 100 ms each),
    so a few concurrent posts used to spend most of their time asleep. Queueing writers of one process on a
    lock hands the database over the moment the previous transaction ends. Writers in other processes still
    meet SQLite's own busy timeout.
    """

    write_lock: threading.Lock
    holds_write_lock = False

    def take_write_lock(self) -> None:
        if not self.holds_write_lock:
            if not self.write_lock.acquire(timeout=WRITE_LOCK_SECONDS):
                raise sqlite3.OperationalError("database is locked")
            self.holds_write_lock = True

    def _release_write_lock(self) -> None:
        if self.holds_write_lock:
            self.holds_write_lock = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_write_lock()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_write_lock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_write_lock()


def make_engine(url: str, **kwargs: Any) -> Engine:
    pool = {"pool_size": ADMIT_MAX + POOL_SPARE, "max_overflow": POOL_SPARE, "pool_timeout": POOL_SECONDS}
    if url.startswith("sqlite"):
        if ":memory:" not in url and "mode=memory" not in url:
            # One connection per admitted request plus the spares: a writer waits on the write lock (which
            # hands over at once), never on the pool. SQLite connections are cheap.
            kwargs = {**pool, **kwargs}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS,
                                                  "factory": _QueuedWriterConnection}, **kwargs)
        write_lock = threading.Lock()

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.write_lock = write_lock
            # WAL lets readers work while one writer commits; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "before_cursor_execute")
        def _queue_writers(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            # pysqlite opens the transaction itself right before the first INSERT/UPDATE/DELETE.
            dbapi_connection = connection.connection.dbapi_connection
            if not dbapi_connection.in_transaction and statement.lstrip()[:7].upper().startswith(
                    _OPENS_SQLITE_TRANSACTION):
                dbapi_connection.take_write_lock()

        @event.listens_for(engine, "savepoint")
        def _savepoint_inside_transaction(connection: Any, _name: str | None) -> None:
            # pysqlite sends BEGIN only before the first INSERT/UPDATE/DELETE. A SAVEPOINT sent earlier would
            # open the transaction itself, and its RELEASE would commit what the action later rolls back.
            if not connection.connection.dbapi_connection.in_transaction:
                connection.exec_driver_sql("BEGIN")

        return engine
    # pre_ping: a connection the server dropped (a restart) is replaced at checkout, so the pool recovers by
    # itself; connect_timeout: a server that does not answer fails the request instead of hanging it.
    kwargs = {"pool_pre_ping": True, **pool, "pool_size": 10, "max_overflow": 20,
              "connect_args": {"connect_timeout": 5}, **kwargs}
    return create_engine(url, **kwargs)


def upsert(session: Session, model: type, values: list[dict[str, Any]], *, index_elements: list[str],
           set_: dict[str, Any] | None = None, index_where: ColumnElement[bool] | TextClause | None = None,
           returning: Sequence[Any] = ()) -> list[Any]:
    """INSERT … ON CONFLICT for both databases: do nothing, or update `set_` (which may use `excluded`)."""
    if not values:
        return []
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(model)
    if set_ is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)
    else:
        stmt = stmt.on_conflict_do_update(index_elements=index_elements, index_where=index_where,
                                          set_={k: v(stmt.excluded) if callable(v) else v for k, v in set_.items()})
    if returning:
        return list(session.execute(stmt.returning(*returning), values))
    session.execute(stmt, values)
    return []


def is_unique_violation(exc: IntegrityError) -> bool:
    """A unique constraint (or primary key) refused the row; not a foreign key, NOT NULL or CHECK."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL's unique_violation
        return True
    return getattr(orig, "sqlite_errorname", "") in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


@contextmanager
def constraint_decides(session: Session, conflict: Exception) -> Iterator[None]:
    """Flush what the block adds or changes in a SAVEPOINT and let the unique constraint decide, not a check read
    before it: two requests that both read "not there yet" race, and the constraint refuses the second. Its
    SAVEPOINT is rolled back and `conflict` raised in place of the IntegrityError that would have broken the
    whole transaction (and answered 500)."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise conflict from None


def check_connection(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def database_unavailable(exc: BaseException) -> Unavailable | None:
    """The one place that tells an outage from a bug: what a database error means for the one who asked
    (503 with Retry-After), or None when it is not the database being unavailable."""
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free within POOL_SECONDS
        return _busy()
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return _down()
    if isinstance(orig, sqlite3.OperationalError):
        text_ = str(orig).lower()
        return _busy() if "locked" in text_ or "busy" in text_ else _down()
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    if isinstance(orig, psycopg.errors.TransactionRollback):  # a deadlock or serialization failure: try again
        return _busy()
    if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError):  # refused, restarting, cut off
        return _down()
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return _down()
    return None


def _down() -> Unavailable:
    return Unavailable("The database is not reachable right now. Try again in a few seconds.",
                       headers={"Retry-After": "5"})


def _busy() -> Unavailable:
    return Unavailable("The site is very busy right now. Try again in a moment.", code="busy",
                       headers={"Retry-After": "2"})


class _Admission:
    """At most `limit` holders at once; the others wait in turn (first come, first served) without a thread.

    Works across event loops (a test client runs each request on a loop of its own): a waiter is woken on
    its own loop."""

    class _Waiter:
        __slots__ = ("future", "granted")

        def __init__(self, future: asyncio.Future[None]) -> None:
            self.future = future
            self.granted = False

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.active = 0
        self._lock = threading.Lock()
        self._waiting: deque[_Admission._Waiter] = deque()

    async def acquire(self, timeout: float) -> None:
        with self._lock:
            if self.active < self.limit and not self._waiting:
                self.active += 1
                return
            waiter = self._Waiter(asyncio.get_running_loop().create_future())
            self._waiting.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except BaseException:
            with self._lock:
                if not waiter.granted:
                    self._waiting.remove(waiter)
                    raise
            # Handed the turn just as the wait ended: give it on, then report what ended the wait.
            self.release()
            raise

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def release(self) -> None:
        with self._lock:
            while self._waiting:
                waiter = self._waiting.popleft()
                waiter.granted = True  # the turn passes straight to her: `active` stays the same
                loop = waiter.future.get_loop()
                if not loop.is_closed():
                    loop.call_soon_threadsafe(_wake, waiter.future)
                    return
            self.active -= 1


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _admission_limit(engine: Engine) -> int:
    pool = engine.pool
    if isinstance(pool, QueuePool) and pool._max_overflow >= 0:  # noqa: SLF001 (no public accessor)
        capacity = pool.size() + pool._max_overflow  # noqa: SLF001
        return max(1, min(ADMIT_MAX, capacity - POOL_SPARE if capacity > POOL_SPARE else capacity))
    return ADMIT_MAX


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False)
        self.admission = _Admission(_admission_limit(engine))
        # Committed actions whose events could not be handed to the bus (for monitoring; logged as well).
        self.dispatch_failures = 0
        self._failures_lock = threading.Lock()

    def count_dispatch_failure(self) -> None:
        with self._failures_lock:
            self.dispatch_failures += 1

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        """Wait (in the event loop, holding no thread) for a turn at the database, at most ADMIT_SECONDS.

        Requests and websockets hold their turn for the whole unit of work; see ADMIT_MAX for why."""
        try:
            await self.admission.acquire(ADMIT_SECONDS)
        except TimeoutError:
            log.warning("no turn at the database within %.0f s (%d waiting)", ADMIT_SECONDS,
                        self.admission.waiting)
            raise _busy() from None
        try:
            yield
        finally:
            self.admission.release()


class Dispatcher(Protocol):
    """Receives what a committed action recorded: events for the hub."""

    def dispatch(self, effects: Effects) -> None: ...

    def lost(self, effects: Effects) -> None:
        """`dispatch` failed for these (committed) effects: make the live pages that missed them fetch again."""
        ...


class EventsWithoutDispatcher(RuntimeError):
    """A unit of work opened without a dispatcher recorded events: they would be lost, so it does not commit.
    Give it the app's dispatcher, or `app.effects.NO_LIVE_CLIENTS` where no live page can be affected."""


@dataclass
class Effects:
    events: list[Any] = field(default_factory=list)
    rollback_hooks: list[Callable[[], None]] = field(default_factory=list)
    # Rows that stand even if the action fails and rolls back — the audit trail of a failed login, a wrong
    # password: written in a transaction of their own right after the rollback (keep_on_rollback).
    kept: list[Callable[[], Any]] = field(default_factory=list)


_EFFECTS_KEY = "plein_effects"


def effects(session: Session) -> Effects:
    """The side effects recorded so far by the action running in this session."""
    found = session.info.get(_EFFECTS_KEY)
    if found is None:
        found = session.info[_EFFECTS_KEY] = Effects()
    return found


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Undo something outside the database (a stored file) if the transaction does not commit."""
    effects(session).rollback_hooks.append(callback)


def keep_on_rollback(session: Session, make: Callable[[], Any]) -> None:
    """Add the row `make()` builds in the action's transaction; if that rolls back, a second one is written
    anyway, in a transaction of its own."""
    session.add(make())
    effects(session).kept.append(make)


def _write_kept(db: Database, kept: list[Callable[[], Any]]) -> None:
    try:
        with db.sessionmaker() as session, session.begin():
            session.add_all([make() for make in kept])
    except Exception:  # the database may be what failed; what is kept is best effort, and says so
        log.exception("writing %d row(s) kept across a rollback failed", len(kept))


def run_rollback_hooks(session: Session) -> None:
    recorded = session.info.pop(_EFFECTS_KEY, None)
    for hook in recorded.rollback_hooks if recorded else []:
        try:
            hook()
        except Exception:  # cleanup is best effort; the rollback itself already happened
            logging.getLogger(__name__).exception("rollback hook failed")


@contextmanager
def unit_of_work(db: Database, dispatcher: Dispatcher | None) -> Iterator[Session]:
    """One transaction: commit at the end, then hand over the recorded effects; on error, drop them.

    `dispatcher=None` says the unit records no events; one that does raises EventsWithoutDispatcher before
    committing. Once committed, nothing here raises: the action stands and its caller hears its real outcome."""
    session = db.sessionmaker()
    try:
        yield session
        pending = session.info.get(_EFFECTS_KEY)
        if dispatcher is None and pending is not None and pending.events:
            raise EventsWithoutDispatcher(
                f"{len(pending.events)} event(s) recorded ({pending.events[0].type}, …) in a unit of work "
                "without a dispatcher")
        session.commit()
        recorded = session.info.pop(_EFFECTS_KEY, Effects())
    except BaseException:
        try:
            session.rollback()
        except Exception:  # the connection is gone (the database restarted): so is the transaction
            log.warning("rolling back failed; the connection is dropped", exc_info=True)
        pending = session.info.get(_EFFECTS_KEY)
        kept = list(pending.kept) if pending is not None else []
        run_rollback_hooks(session)
        if kept:
            _write_kept(db, kept)
        raise
    finally:
        session.close()
    if dispatcher is not None and recorded.events:
        _dispatch_after_commit(db, dispatcher, recorded)


def _dispatch_after_commit(db: Database, dispatcher: Dispatcher, recorded: Effects) -> None:
    try:
        dispatcher.dispatch(recorded)
    except Exception:
        # The action is committed: it stands, and its caller hears so. Counted, and the live pages that missed
        # these events are asked to fetch again (the bus announces a gap).
        db.count_dispatch_failure()
        log.exception("publishing %d event(s) after commit failed", len(recorded.events))
        try:
            dispatcher.lost(recorded)
        except Exception:
            log.exception("announcing the lost events failed too")


def rows_changed(session: Session, statement: Update | Delete) -> int:
    """How many rows an UPDATE or DELETE changed (Session.execute is typed as returning a plain Result; for these
    statements it is a CursorResult)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount
