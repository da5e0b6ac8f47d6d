from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import app.models  # noqa: F401  (registers every table)
from app.config import get_settings
from app.db import Base
from app.migrate import configure_context, include_name, migration_engine

target_metadata = Base.metadata


def run(connection: Connection) -> None:
    # One transaction per revision; on SQLite with foreign keys off and checked (see app/migrate.py).
    context.configure(**configure_context(connection, target_metadata=target_metadata,
                                          compare_type=True, include_name=include_name))
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    if context.is_offline_mode():
        context.configure(url=get_settings().database_url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = migration_engine(get_settings().database_url)
    with engine.connect() as connection:
        run(connection)
    engine.dispose()


main()
