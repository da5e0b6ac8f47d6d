"""Every revision in history, populated, upgraded to head: nothing lost; down and up again: nothing lost.

A new migration cannot land without passing this: `migrate.history()` lists it, so it is covered here
from a populated database at each earlier revision, on the suite's database (SQLite and PostgreSQL).
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app import migrate
from app.db import make_engine
from tests.backends import BACKEND
from tests.migrations.harness import changed_after, lost, populate, snapshot

HISTORY = migrate.history()
HEAD = HISTORY[-1]


def test_history_is_one_line_from_base_to_head() -> None:
    assert len(HISTORY) == len(set(HISTORY)) >= 10
    assert migrate.script_directory().get_heads() == [HEAD]


@pytest.mark.parametrize("revision", HISTORY)
def test_upgrade_from_populated_revision_keeps_every_row(fresh_engine: Engine, revision: str) -> None:
    migrate.upgrade(fresh_engine, revision)
    populated = populate(fresh_engine, scale=2)
    assert populated.rows.get("users", 0) > 0
    at_revision = snapshot(fresh_engine)

    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == HEAD
    at_head = snapshot(fresh_engine)
    assert lost(at_revision, at_head, changed=changed_after(revision)) == []
    for table in ("channels", "threads", "posts", "memberships"):
        assert at_head[table]["rows"] == at_revision[table]["rows"] > 0
    if fresh_engine.dialect.name == "sqlite":
        with fresh_engine.connect() as connection:
            assert migrate.dangling_references(connection) == []

    migrate.downgrade(fresh_engine, revision)
    assert migrate.current_revision(fresh_engine) == revision
    assert lost(at_revision, snapshot(fresh_engine), changed=changed_after(revision)) == []

    migrate.upgrade(fresh_engine)
    assert lost(at_head, snapshot(fresh_engine)) == []


def test_a_failing_revision_leaves_the_schema_before_it_and_a_rerun_works(fresh_engine: Engine) -> None:
    """4b3dc5bce39c creates watched_words, audit_log, then flags: a table named flags already there makes it
    fail after two tables were created. Both must be gone, the version unchanged, and a second run work."""
    before = HISTORY[HISTORY.index("4b3dc5bce39c") - 1]
    migrate.upgrade(fresh_engine, before)
    populate(fresh_engine)
    kept = snapshot(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(text("CREATE TABLE flags (id INTEGER PRIMARY KEY)"))
    with pytest.raises(migrate.MigrationError, match=f"flags.*rolled back.*at revision {before}"):
        migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == before
    tables = set(inspect(fresh_engine).get_table_names())
    assert "watched_words" not in tables and "audit_log" not in tables
    assert lost(kept, snapshot(fresh_engine, kept)) == []

    with fresh_engine.begin() as connection:
        connection.execute(text("DROP TABLE flags"))
    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == HEAD
    assert lost(kept, snapshot(fresh_engine)) == []


def test_a_revision_that_leaves_rows_pointing_at_nothing_is_rolled_back(fresh_engine: Engine) -> None:
    before = HISTORY[-2]
    migrate.upgrade(fresh_engine, before)
    populate(fresh_engine)
    if BACKEND == "postgresql":  # PostgreSQL checks every reference itself, migrations included
        with pytest.raises(IntegrityError), fresh_engine.begin() as connection:
            connection.execute(text("UPDATE posts SET author_id = 999999 WHERE id = 1"))
        return
    # A row pointing at a user that is not there (possible only with foreign keys off, as in a migration).
    raw = sqlite3.connect(fresh_engine.url.database)
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("UPDATE posts SET author_id = 999999 WHERE id = 1")
    raw.commit()
    raw.close()
    with pytest.raises(migrate.MigrationError, match=r"posts row 1 → users"):
        migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == before


def test_a_database_newer_than_the_code_is_refused(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    with fresh_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fe0fe0fe0fe0'"))
    with pytest.raises(migrate.MigrationError, match="fe0fe0fe0fe0.*newer Plein"):
        migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == "fe0fe0fe0fe0"


def _plein(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "x" * 40}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_plein_migrate_backs_up_sqlite_first_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "site" / "plein.db"
    path.parent.mkdir()
    engine = make_engine(f"sqlite:///{path}")
    old = HISTORY[2]
    migrate.upgrade(engine, old)
    populated = populate(engine)
    engine.dispose()

    result = _plein("migrate", database_url=f"sqlite:///{path}", cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr
    backups = list((path.parent / "backups").glob("plein-*-before-upgrade-from-*.db"))
    assert len(backups) == 1 and str(backups[0]) in result.stdout
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == (old,)
    assert copy.execute("SELECT count(*) FROM posts").fetchone() == (populated.rows["posts"],)
    copy.close()

    again = _plein("migrate", database_url=f"sqlite:///{path}", cwd=Path(__file__).parents[2])
    assert again.returncode == 0 and "backup" not in again.stdout  # nothing to upgrade: no new copy
    assert len(list((path.parent / "backups").iterdir())) == 1


def test_plein_migrate_refuses_a_newer_database_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "plein.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fe0fe0fe0fe0'"))
    engine.dispose()
    result = _plein("migrate", database_url=f"sqlite:///{path}", cwd=Path(__file__).parents[2])
    assert result.returncode == 2
    assert "fe0fe0fe0fe0" in result.stderr and "newer Plein" in result.stderr
    assert "Traceback" not in result.stderr


def test_plein_migrate_says_where_it_stopped_and_a_second_run_finishes(tmp_path: Path) -> None:
    path = tmp_path / "plein.db"
    engine = make_engine(f"sqlite:///{path}")
    before = HISTORY[HISTORY.index("4b3dc5bce39c") - 1]
    migrate.upgrade(engine, before)
    populated = populate(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE flags (id INTEGER PRIMARY KEY)"))
    result = _plein("migrate", database_url=f"sqlite:///{path}", cwd=Path(__file__).parents[2])
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"schema is at revision {before}" in result.stderr and "backups" in result.stderr
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE flags"))
    engine.dispose()
    again = _plein("migrate", database_url=f"sqlite:///{path}", cwd=Path(__file__).parents[2])
    assert again.returncode == 0, again.stderr
    assert f"schema upgraded from {before} to {HEAD}" in again.stdout
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT count(*) FROM posts").fetchone() == (populated.rows["posts"],)
    copy.close()


def test_the_comparison_sees_a_dropped_table_or_column_and_changed_values() -> None:
    before = {"posts": {"rows": 2, "columns": {"id": "a", "body": "b"}}, "tags": {"rows": 1, "columns": {"id": "c"}}}
    assert lost(before, {"posts": {"rows": 2, "columns": {"id": "a"}}}) == ["posts.body: the column is gone",
                                                                            "tags: the table is gone"]
    assert lost(before, {"posts": {"rows": 2, "columns": {"id": "a", "body": "x"}}, "tags": before["tags"]}) \
        == ["posts.body: values changed"]
    assert lost(before, {"posts": {"rows": 1, "columns": {"id": "a", "body": "b"}}, "tags": before["tags"]}) \
        == ["posts: 2 rows became 1"]
    assert lost(before, {"posts": {"rows": 2, "columns": {"id": "a"}}},
                changed={("posts", "body"), ("tags", None)}) == []
