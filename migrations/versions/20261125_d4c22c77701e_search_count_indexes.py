"""search: partial GIN indexes for the per-kind counts (PostgreSQL), a covering index for the motion library

Revision ID: d4c22c77701e
Revises: 463ccc6b9947
Create Date: 2026-11-25 06:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd4c22c77701e'
down_revision: str | None = '463ccc6b9947'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOTIONS = "kind = 'thread' AND thread_kind = 'motion'"
# Word for word the condition app.services.search.query uses, so that PostgreSQL sees the index applies.
SMALL = "kind IN ('article', 'group', 'member')"


def _motions_index(*columns: str) -> None:
    op.create_index("ix_search_documents_motions", "search_documents", list(columns), unique=False,
                    sqlite_where=sa.text(MOTIONS), postgresql_where=sa.text(MOTIONS))


def upgrade() -> None:
    op.drop_index("ix_search_documents_motions", table_name="search_documents")
    _motions_index("id", "group_id", "group_kind", "kind", "municipality", "province", "motion_status", "created_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_search_documents_document_threads ON search_documents USING gin (document) "
                   "WHERE kind = 'thread'")
        op.execute(f"CREATE INDEX ix_search_documents_document_small ON search_documents USING gin (document) "
                   f"WHERE {SMALL}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_documents_document_small")
        op.execute("DROP INDEX ix_search_documents_document_threads")
    op.drop_index("ix_search_documents_motions", table_name="search_documents")
    _motions_index("id")
