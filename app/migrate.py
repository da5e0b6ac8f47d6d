"""Alembic, configured in code: the app, the CLI and the tests all migrate the same way.

Every revision runs in its own transaction and records its version in it, so a failure leaves the schema at
the last revision that finished and a second run carries on from there.

SQLite needs care that PostgreSQL does not. Alembic's batch mode changes a table there by copying it into a
new one and dropping the old; with foreign keys on (as the app's engine has them) dropping a parent table
deletes every row that refers to it, down the cascade. And pysqlite sends no BEGIN before DDL, so a
`CREATE INDEX` would commit on its own half-way through a revision. Migrations therefore get a connection of
their own with foreign keys off and a real transaction (the way Alembic documents batch mode), and
`PRAGMA foreign_key_check` must come back empty before each revision commits.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

from app.config import ROOT

# The full-text parts of the search index that the ORM does not describe (see app/models/search.py): the
# comparison of models and database leaves them alone.
SEARCH_INTERNALS = {"document", "ix_search_documents_document", "ix_search_documents_document_threads",
                    "ix_search_documents_document_small", "search_fts", "search_fts_data", "search_fts_idx",
                    "search_fts_docsize", "search_fts_config", "search_fts_content"}


class MigrationError(RuntimeError):
    """A migration that cannot run, or that would leave the data inconsistent; nothing of it was committed."""


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    return name not in SEARCH_INTERNALS


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def history() -> list[str]:
    """Every revision, oldest first."""
    return [script.revision for script in reversed(list(script_directory().walk_revisions()))]


def migration_engine(url: str) -> Engine:
    """An engine for migrating `url`: on SQLite foreign keys off and transactions that include DDL."""
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite's own transaction handling skips DDL: we BEGIN
        # Only outside a transaction does this pragma take effect.
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # IMMEDIATE: take the write lock at once, so a revision never fails half-way on a busy database.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def dangling_references(connection: Connection) -> list[tuple[str, int | None, str]]:
    """Rows of SQLite whose foreign key points at nothing: (table, rowid, referred table)."""
    return [(row[0], row[1], row[2]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]


def _check_foreign_keys(ctx: MigrationContext, step: Any, **_: Any) -> None:
    """Called by Alembic after each revision, inside its transaction: a dangling reference rolls it back."""
    assert ctx.connection is not None
    dangling = dangling_references(ctx.connection)
    if dangling:
        shown = ", ".join(f"{table} row {rowid} → {parent}" for table, rowid, parent in dangling[:10])
        raise MigrationError(f"revision {step.up_revision_id if step.is_upgrade else step.down_revision_ids} "
                             f"would leave {len(dangling)} row(s) pointing at nothing ({shown}); "
                             "it was rolled back")


def configure_context(connection: Connection, **opts: Any) -> dict[str, Any]:
    """The options migrations/env.py gives Alembic (kept here, beside the engine they need)."""
    sqlite = connection.dialect.name == "sqlite"
    return {"connection": connection, "render_as_batch": sqlite, "transaction_per_migration": True,
            "transactional_ddl": True, "on_version_apply": [_check_foreign_keys] if sqlite else [], **opts}


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _refuse_unknown_revision(current: str | None) -> None:
    if current is None:
        return
    try:
        known = script_directory().get_revision(current)
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise MigrationError(
            f"the database is at revision {current}, which this version of Plein does not know: a newer Plein "
            "has upgraded it. Run that version (or restore the backup taken before the upgrade); nothing was changed")


def _run(engine: Engine, fn: Callable[..., None], *args: str) -> None:
    migrator = migration_engine(engine.url.render_as_string(hide_password=False))
    try:
        with migrator.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            fn(config, *args)
    finally:
        migrator.dispose()


@dataclass(frozen=True)
class UpgradeReport:
    before: str | None
    after: str | None
    backup: Path | None


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


def backup_sqlite(engine: Engine, directory: Path, *, label: str) -> Path:
    """A consistent copy of the SQLite database (the online backup API: safe while it is in use)."""
    source_path = sqlite_path(engine)
    assert source_path is not None
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{source_path.stem}-{stamp}-{label}.db"
    source = sqlite3.connect(source_path)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def upgrade(engine: Engine, revision: str = "head", *, backup_dir: Path | None = None) -> UpgradeReport:
    """Upgrade to `revision`. With `backup_dir`, a SQLite database that has revisions to run is copied there
    first. A database at a revision this code does not know (upgraded by a newer Plein) is refused."""
    before = current_revision(engine)
    _refuse_unknown_revision(before)
    target = script_directory().get_current_head() if revision == "head" else revision
    backup = None
    if backup_dir is not None and before is not None and before != target and sqlite_path(engine) is not None:
        backup = backup_sqlite(engine, backup_dir, label=f"before-upgrade-from-{before}")
    try:
        _run(engine, command.upgrade, revision)
    except MigrationError:
        raise
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise MigrationError(
            f"the upgrade stopped: {reason}. The failed revision was rolled back; the schema is at revision "
            f"{current_revision(engine) or 'empty'}" + (f" (a copy from before is at {backup})" if backup else "")
            + ". Fix the cause and run it again.") from exc
    return UpgradeReport(before=before, after=current_revision(engine), backup=backup)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, command.downgrade, revision)
