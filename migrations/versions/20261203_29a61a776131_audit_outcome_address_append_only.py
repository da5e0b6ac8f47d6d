"""the audit log: outcome and client address of every entry; append-only in the database; the purge table

Revision ID: 29a61a776131
Revises: 74b42db95318
Create Date: 2026-12-03 12:00:00

Append-only is enforced by the database, not only by the app having no way to change an entry: an UPDATE is
refused unless all it does is the foreign keys' own ON DELETE SET NULL (a user or group removed); a DELETE is
refused unless the retention purge, in the same transaction, wrote a cutoff in `audit_purge` that the entry is
older than (app/services/audit.py purge). PostgreSQL also refuses TRUNCATE.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = '29a61a776131'
down_revision: str | None = '74b42db95318'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCHANGED = ("id", "action", "target_type", "target_id", "created_at", "outcome", "ip_address")
CHANGED = "audit_log is append-only: entries cannot be changed"
REMOVED = "audit_log is append-only: entries are removed only by the retention purge"

POSTGRES = f"""
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF ({', '.join(f'NEW.{c}' for c in UNCHANGED)}, NEW.before::text, NEW.after::text)
               IS NOT DISTINCT FROM ({', '.join(f'OLD.{c}' for c in UNCHANGED)}, OLD.before::text, OLD.after::text)
           AND (NEW.actor_id IS NULL OR NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id)
           AND (NEW.group_id IS NULL OR NEW.group_id IS NOT DISTINCT FROM OLD.group_id) THEN
            RETURN NEW;  -- a foreign key's SET NULL: the user or the group is gone, the entry stays
        END IF;
        RAISE EXCEPTION '{CHANGED}' USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM audit_purge WHERE OLD.created_at < audit_purge.before) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{REMOVED}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION '{REMOVED}' USING ERRCODE = 'insufficient_privilege';  -- TRUNCATE
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
"""

SQLITE_UPDATE = f"""
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT ({' AND '.join(f'NEW.{c} IS OLD.{c}' for c in (*UNCHANGED, 'before', 'after'))}
          AND (NEW.actor_id IS NULL OR NEW.actor_id IS OLD.actor_id)
          AND (NEW.group_id IS NULL OR NEW.group_id IS OLD.group_id))
BEGIN SELECT RAISE(ABORT, '{CHANGED}'); END
"""
SQLITE_DELETE = f"""
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge WHERE OLD.created_at < audit_purge.before)
BEGIN SELECT RAISE(ABORT, '{REMOVED}'); END
"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("outcome", sa.String(10), nullable=False, server_default="success"))
    op.add_column("audit_log", sa.Column("ip_address", sa.String(45), nullable=True))
    op.create_index("ix_audit_log_outcome", "audit_log", ["outcome", "created_at"])
    op.create_table("audit_purge", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("before", UTCDateTime(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES)
    else:
        op.execute(SQLITE_UPDATE)
        op.execute(SQLITE_DELETE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute("DROP TRIGGER audit_log_no_update")
    op.drop_table("audit_purge")
    op.drop_index("ix_audit_log_outcome", table_name="audit_log")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("ip_address")
        batch.drop_column("outcome")
