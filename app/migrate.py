"""Alembic, configured in code: the app, the CLI and the tests all migrate the same way."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from app.config import ROOT


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def _run(engine: Engine, fn: object, *args: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        fn(config, *args)  # type: ignore[operator]


def upgrade(engine: Engine, revision: str = "head") -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    _run(engine, command.downgrade, revision)
