"""Engine, sessions and the unit of work: one transaction per action, side effects after commit."""
from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    TypeDecorator,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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


_OPENS_SQLITE_TRANSACTION = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN")


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
            if not self.write_lock.acquire(timeout=30):
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
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30,
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
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def upsert(session: Session, model: type, values: list[dict[str, Any]], *, index_elements: list[str],
           set_: dict[str, Any] | None = None, index_where: ColumnElement[bool] | None = None,
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


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker: sessionmaker[Session] = sessionmaker(bind=engine, expire_on_commit=False)


class Dispatcher(Protocol):
    """Receives what a committed action recorded: events for the hub."""

    def dispatch(self, effects: Effects) -> None: ...


@dataclass
class Effects:
    events: list[Any] = field(default_factory=list)
    rollback_hooks: list[Callable[[], None]] = field(default_factory=list)


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


def run_rollback_hooks(session: Session) -> None:
    recorded = session.info.pop(_EFFECTS_KEY, None)
    for hook in recorded.rollback_hooks if recorded else []:
        try:
            hook()
        except Exception:  # cleanup is best effort; the rollback itself already happened
            logging.getLogger(__name__).exception("rollback hook failed")


@contextmanager
def unit_of_work(db: Database, dispatcher: Dispatcher | None) -> Iterator[Session]:
    """One transaction: commit at the end, then hand over the recorded effects; on error, drop them."""
    session = db.sessionmaker()
    try:
        yield session
        session.commit()
        recorded = session.info.pop(_EFFECTS_KEY, Effects())
    except BaseException:
        session.rollback()
        run_rollback_hooks(session)
        raise
    finally:
        session.close()
    if dispatcher is not None and recorded.events:
        dispatcher.dispatch(recorded)
