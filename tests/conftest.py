"""The test harness: a real database (a SQLite file, or a fresh PostgreSQL database), built once with
Alembic; every test runs inside a transaction that is rolled back. The backend comes from
PLEIN_TEST_BACKEND (sqlite | postgresql), set by `python3 manage.py test` (tests/runner.py)."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.security import use_password_hasher
from tests.backends import (
    BACKEND,
    create_postgres_database,
    drop_postgres_database,
    redis_test_url,
)

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
os.environ["BASE_URL"] = "http://testserver"
os.environ["ENVIRONMENT"] = "test"

# argon2 is slow on purpose (a third of a second a hash); the suite's passwords need not resist an attacker.
# Servers the suite starts in subprocesses keep the real parameters (a login there rehashes).
use_password_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def pytest_report_header() -> str:
    return f"plein test backend: {BACKEND}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every test must run: a skipped test means something is missing from the machine."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        reporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures", red=True)
        session.exitstatus = 1


# What `python3 manage.py test --fast` leaves out: Chromium, servers and workers in subprocesses, SMTP
# conversations, the walk through the whole migration history. A single test can say so with @pytest.mark.slow.
SLOW_MODULES = ("browser/", "realtime/test_workers.py", "publishing/test_scheduled_restart.py", "mail/",
                "unit/test_cli.py", "migrations/test_history.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = os.path.dirname(__file__)
    for item in items:
        if os.path.relpath(str(item.path), root).startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'plein-test.db'}"
        return
    name, url = create_postgres_database("plein_test")
    yield url
    drop_postgres_database(name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    from app.config import Settings, use_settings

    os.environ["DATABASE_URL"] = database_url
    os.environ["UPLOAD_DIR"] = str(tmp_path_factory.mktemp("uploads"))
    if BACKEND == "postgresql":
        os.environ["REDIS_URL"] = redis_test_url()
        # Its own key space: parallel runs on one Redis must not share rate-limit counters.
        os.environ["REDIS_PREFIX"] = f"plein-test-{os.getpid()}"
    else:
        os.environ.pop("REDIS_URL", None)
    return use_settings(Settings())


@pytest.fixture(autouse=True)
def _one_source_of_settings(settings):
    """create_app(other_settings) makes those the process's settings (app.config.use_settings): put the suite's back."""
    yield
    from app.config import use_settings

    use_settings(settings)


@pytest.fixture(scope="session")
def engine(settings) -> Iterator[Engine]:
    from app import migrate
    from app.db import make_engine

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db(connection: Connection):
    """A Database whose sessions live inside the test's transaction: commits become savepoints."""
    from app.db import Database

    database = Database(connection.engine)
    database.sessionmaker = sessionmaker(bind=connection, expire_on_commit=False,
                                         join_transaction_mode="create_savepoint")
    return database


@pytest.fixture
def app(settings, db):
    from app.main import create_app

    application = create_app(settings, database=db)
    application.state.limiter.reset()
    yield application
    application.state.limiter.reset()


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def session(db) -> Iterator[Session]:
    """A session for arranging data and checking the database directly."""
    s = db.sessionmaker()
    yield s
    s.close()


@pytest.fixture
def run(db, app) -> Callable:
    """Run a service function in its own unit of work, as a request would: run(fn, actor, **kw)."""
    from app.db import unit_of_work
    from app.models import User

    def _run(fn: Callable, actor=None, /, **kwargs):
        with unit_of_work(db, app.state.dispatcher) as s:
            if actor is None:
                return fn(s, **kwargs)
            return fn(s, s.get(User, actor.id), **kwargs)

    return _run


from tests.factories import *  # noqa: E402,F403  (fixtures)
