"""an attached picture's size in pixels (width, height), measured at upload

Revision ID: 74b42db95318
Revises: b5e2a91c7d30
Create Date: 2026-12-03 11:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '74b42db95318'
down_revision: str | None = 'b5e2a91c7d30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Pictures stored before stay NULL: the app measures those from their file when it shows them.
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("height", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("height")
        batch.drop_column("width")
