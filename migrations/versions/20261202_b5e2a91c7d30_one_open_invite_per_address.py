"""one open invite per e-mail address (a unique partial index)

Revision ID: b5e2a91c7d30
Revises: 7c1f0e9b2a54
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime, utcnow

revision: str = 'b5e2a91c7d30'
down_revision: str | None = '7c1f0e9b2a54'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "accepted_at IS NULL AND revoked_at IS NULL"


def upgrade() -> None:
    # Two staff inviting one address at once could leave two open invites (the race this index closes): the
    # newest stays open, as a later invite replaces an earlier one in the app.
    op.get_bind().execute(sa.text(
        f"UPDATE invites SET revoked_at = :now WHERE {OPEN} AND id NOT IN "
        f"(SELECT max(id) FROM invites WHERE {OPEN} GROUP BY email)"
    ).bindparams(sa.bindparam("now", utcnow(), type_=UTCDateTime())))
    op.create_index("uq_invites_open_email", "invites", ["email"], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("uq_invites_open_email", table_name="invites")
