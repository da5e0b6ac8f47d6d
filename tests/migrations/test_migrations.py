"""Alembic is the only way the schema changes: models and migrations must agree, and both ways work."""
from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import app.models  # noqa: F401
from app import migrate
from app.db import Base


def _diff(engine: Engine) -> list[Any]:
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


def _insert(connection, table_name: str, **values):
    """A row with `values`, the other required columns of the table as it is at this revision filled in."""
    from datetime import UTC, datetime

    from sqlalchemy import Boolean, DateTime, Integer, MetaData, Table

    table = Table(table_name, MetaData(), autoload_with=connection)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key or column.server_default is not None:
            continue
        python_type = column.type
        values[column.name] = (False if isinstance(python_type, Boolean) else 0 if isinstance(python_type, Integer)
                               else datetime(2026, 11, 20, 10, tzinfo=UTC) if isinstance(python_type, DateTime)
                               else "x")
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def test_duplicate_pending_requests_are_settled_before_the_unique_index(fresh_engine: Engine) -> None:
    """Before 7c1f0e9b2a54 two clicks at once could leave two open join requests (or invitations) for one member
    and group; the upgrade keeps the oldest open, cancels the later ones, and from then on the index refuses them."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    tables = ("join_requests", "group_invitations")
    migrate.upgrade(fresh_engine, "d4c22c77701e")
    with fresh_engine.begin() as c:
        user_id = _insert(c, "users", email="a@example.nl", username="a")
        group_ids = [_insert(c, "groups", slug=f"g{n}", kind="theme", visibility="closed") for n in range(2)]
        for table in tables:
            for group_id, status in ((group_ids[0], "pending"), (group_ids[0], "pending"), (group_ids[1], "pending"),
                                     (group_ids[0], "declined"), (group_ids[0], "pending")):
                _insert(c, table, group_id=group_id, user_id=user_id, status=status)
    migrate.upgrade(fresh_engine)
    with fresh_engine.begin() as c:
        for table in tables:
            rows = c.execute(text(f"SELECT status, decided_at IS NOT NULL FROM {table} ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [("pending", False), ("cancelled", True), ("pending", False),
                                                ("declined", False), ("cancelled", True)], table
    for table in tables:
        with pytest.raises(IntegrityError), fresh_engine.begin() as c:
            _insert(c, table, group_id=group_ids[0], user_id=user_id, status="pending")
    assert _diff(fresh_engine) == []


def test_duplicate_open_invites_are_settled_before_the_unique_index(fresh_engine: Engine) -> None:
    """Before b5e2a91c7d30 two staff inviting one address at once could leave two open invites; the upgrade
    keeps the newest open (a later invite replaces an earlier one), revokes the rest, and then the index
    refuses a second open invite."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    migrate.upgrade(fresh_engine, "7c1f0e9b2a54")
    with fresh_engine.begin() as c:
        for n, email in enumerate(["a@example.nl", "a@example.nl", "b@example.nl", "a@example.nl"]):
            _insert(c, "invites", email=email, token_hash=f"t{n}")
        c.execute(text("UPDATE invites SET accepted_at = created_at WHERE token_hash = 't0'"))
    migrate.upgrade(fresh_engine)
    with fresh_engine.begin() as c:
        rows = c.execute(text("SELECT email, accepted_at IS NOT NULL, revoked_at IS NOT NULL FROM invites "
                              "ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("a@example.nl", True, False), ("a@example.nl", False, True),
                                        ("b@example.nl", False, False), ("a@example.nl", False, False)]
    with pytest.raises(IntegrityError), fresh_engine.begin() as c:
        _insert(c, "invites", email="b@example.nl", token_hash="t9")
    assert _diff(fresh_engine) == []
