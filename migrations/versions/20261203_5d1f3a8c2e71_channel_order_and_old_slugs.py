"""a channel's place in its group's list; the slugs a group or channel had before, so old links redirect

Revision ID: 5d1f3a8c2e71
Revises: 29a61a776131
Create Date: 2026-12-03 14:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = '5d1f3a8c2e71'
down_revision: str | None = '29a61a776131'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing channel at 0: the list keeps its order (default channel first, then by name) until an
    # admin moves one.
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_table(
        "group_slug_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("slug"),
    )
    op.create_index("ix_group_slug_history_group_id", "group_slug_history", ["group_id"])
    op.create_table(
        "channel_slug_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("channel_id", sa.Integer(), sa.ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("group_id", "slug"),
    )
    op.create_index("ix_channel_slug_history_channel_id", "channel_slug_history", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_slug_history_channel_id", table_name="channel_slug_history")
    op.drop_table("channel_slug_history")
    op.drop_index("ix_group_slug_history_group_id", table_name="group_slug_history")
    op.drop_table("group_slug_history")
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("position")
