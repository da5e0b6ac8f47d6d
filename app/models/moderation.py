"""Moderation: flags, the review queue, watched words, and the audit log of every moderation and admin action."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.models.enums import AuditOutcome, ModerationStatus


class Flag(Base):
    """A member's report of a post; one per member per post."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator handled the item the flag was part of.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModerationItem(Base):
    """A post waiting for a moderator: held before anyone saw it, or flagged after. At most one open per post."""

    __tablename__ = "moderation_items"
    __table_args__ = (
        Index("uq_moderation_items_open_post", "post_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        Index("ix_moderation_items_queue", "status", "group_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[ModerationStatus] = mapped_column(StrEnumType(ModerationStatus, 20),
                                                     default=ModerationStatus.pending)
    # Why it is here: "flag", "new_member", "premoderation", "watched_word", "personal_data".
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the rules found (the watched words, the kinds of personal data), shown to the moderator.
    findings: Mapped[list[str]] = mapped_column(JSON, default=list)
    held: Mapped[bool] = mapped_column(default=False)  # nobody but author and moderators has seen it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class WatchedWord(Base):
    __tablename__ = "watched_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100), unique=True)  # folded: lower case, accents removed
    action: Mapped[str] = mapped_column(String(10))  # block | hold
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what to what, from where, when, with what outcome, and the state before and after.

    Append-only in the database itself (triggers, migration 20261203_c3…): an UPDATE is refused except the
    foreign keys' own SET NULL when a user or group goes; a DELETE is refused except by the retention purge,
    for entries older than the cutoff it wrote in `audit_purge` in the same transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_created", "created_at", "id"),
        Index("ix_audit_log_action", "action", "created_at"),
        Index("ix_audit_log_actor", "actor_id", "created_at"),
        Index("ix_audit_log_outcome", "outcome", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column()
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[AuditOutcome] = mapped_column(StrEnumType(AuditOutcome, 10), default=AuditOutcome.success,
                                                  server_default=AuditOutcome.success.value)
    ip_address: Mapped[str | None] = mapped_column(String(45))  # the client's, as for a session


class AuditPurge(Base):
    """While the retention job runs (one transaction): entries created before `before` may be deleted."""

    __tablename__ = "audit_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    before: Mapped[datetime] = mapped_column(UTCDateTime)
