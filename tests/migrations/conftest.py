"""What the migration tests share: an empty database of the suite's backend, apart from the shared one."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.db import make_engine
from tests.backends import BACKEND, create_postgres_database, drop_postgres_database


@pytest.fixture
def fresh_engine(tmp_path: Path) -> Iterator[Engine]:
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
