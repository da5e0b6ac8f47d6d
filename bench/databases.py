"""A fresh, empty database for one bench run: a SQLite file in a temporary folder, or a new PostgreSQL
database on the given server (dropped afterwards)."""
from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def fresh_database(backend: str, postgres: str, *, name: str = "bench") -> Iterator[str]:
    """Yields the SQLAlchemy URL of an empty database; `postgres` is a server URL we may create databases on."""
    with tempfile.TemporaryDirectory(prefix=f"plein-{name}-") as tmp:
        if backend == "sqlite":
            yield f"sqlite:///{Path(tmp) / f'{name}.db'}"
            return
        import psycopg

        database = f"plein_{name}_{secrets.token_hex(4)}"
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        try:
            yield postgres.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + f"/{database}"
        finally:
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
