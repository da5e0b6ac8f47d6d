"""a motion's course: every status it was given, with vote, date, who recorded it and when

Revision ID: 8b3e4f6a1c92
Revises: 5d1f3a8c2e71
Create Date: 2026-12-03 14:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = '8b3e4f6a1c92'
down_revision: str | None = '5d1f3a8c2e71'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "motion_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("thread_id", sa.Integer(), sa.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("vote_result", sa.String(200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_motion_status_changes_thread_id", "motion_status_changes", ["thread_id"])
    # Each motion there is starts its course with the state it has now, recorded by its author when it was
    # posted: what happened before was never kept.
    op.execute(
        "INSERT INTO motion_status_changes (thread_id, status, vote_result, decided_on, changed_by_id, changed_at) "
        "SELECT id, motion_status, motion_vote_result, motion_date, author_id, created_at FROM threads "
        "WHERE kind = 'motion' AND motion_status IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_motion_status_changes_thread_id", table_name="motion_status_changes")
    op.drop_table("motion_status_changes")
