"""Alembic, configured in code: the app, the CLI and the tests all migrate the same way."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from app.config import ROOT

# The full-text parts of the search index that the ORM does not describe (see app/models/search.py): the
# comparison of models and database leaves them alone.
SEARCH_INTERNALS = {"document", "ix_search_documents_document", "ix_search_documents_document_threads",
                    "ix_search_documents_document_small", "search_fts", "search_fts_data", "search_fts_idx",
                    "search_fts_docsize", "search_fts_config", "search_fts_content"}


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    return name not in SEARCH_INTERNALS


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
