"""Alembic is the only way the schema changes: models and migrations must agree, and both ways work."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import app.models  # noqa: F401
from app import migrate
from app.db import Base, make_engine
from tests.backends import BACKEND, create_postgres_database, drop_postgres_database


@pytest.fixture
def fresh_engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """An empty database of the suite's backend, separate from the shared test database."""
    if BACKEND == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield engine
        engine.dispose()
        return
    name, url = create_postgres_database("plein_mig")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop_postgres_database(name)


def _diff(engine: Engine) -> list:  # type: ignore[type-arg]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_name": migrate.include_name})
        return compare_metadata(context, Base.metadata)


def test_models_and_migrations_agree(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    assert _diff(fresh_engine) == []


def test_upgrade_downgrade_upgrade(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    tables = set(inspect(fresh_engine).get_table_names())
    assert {"users", "groups", "channels", "threads", "posts", "attachments"} <= tables
    migrate.downgrade(fresh_engine, "base")
    assert set(inspect(fresh_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(fresh_engine)
    assert set(inspect(fresh_engine).get_table_names()) == tables
    assert _diff(fresh_engine) == []


def test_keyset_indexes_exist(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    indexes = {i["name"]: i["column_names"] for i in inspect(fresh_engine).get_indexes("threads")}
    assert indexes["ix_threads_channel_activity"] == ["channel_id", "last_activity_at", "id"]
    assert indexes["ix_threads_group_activity"] == ["group_id", "last_activity_at", "id"]
    post_indexes = {i["name"]: i["column_names"] for i in inspect(fresh_engine).get_indexes("posts")}
    assert post_indexes["ix_posts_thread_id_id"] == ["thread_id", "id"]
