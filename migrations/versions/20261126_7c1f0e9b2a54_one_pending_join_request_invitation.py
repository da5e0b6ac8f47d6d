"""one pending join request and one pending invitation per member and group (unique partial indexes)

Revision ID: 7c1f0e9b2a54
Revises: d4c22c77701e
Create Date: 2026-11-26 09:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime, utcnow

revision: str = '7c1f0e9b2a54'
down_revision: str | None = 'd4c22c77701e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "status = 'pending'"
TABLES = ("join_requests", "group_invitations")


def upgrade() -> None:
    for table in TABLES:
        # The race these indexes close may already have left two open rows for one member and group: the
        # oldest stays open, the later ones are cancelled (what the app does with a duplicate during a merge).
        op.get_bind().execute(sa.text(
            f"UPDATE {table} SET status = 'cancelled', decided_at = :now WHERE {PENDING} AND id NOT IN "
            f"(SELECT min(id) FROM {table} WHERE {PENDING} GROUP BY group_id, user_id)"
        ).bindparams(sa.bindparam("now", utcnow(), type_=UTCDateTime())))
        # A plain CREATE INDEX on both databases: no batch table rebuild on SQLite.
        op.create_index(f"uq_{table}_pending", table, ["group_id", "user_id"], unique=True,
                        sqlite_where=sa.text(PENDING), postgresql_where=sa.text(PENDING))


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_index(f"uq_{table}_pending", table_name=table)
