"""Notifications, what each member follows and has read, and the durable job queue (mail outbox, digests)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.models.enums import NotificationKind, NotificationLevel


class Notification(Base):
    """One line in a member's notification list. While unread, later events with the same `group_key`
    (another reply in the same thread) fold into it: its count goes up, it does not become a second row."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_updated", "user_id", "updated_at", "id"),
        # At most one unread row per thing; the upsert that folds events together relies on it.
        Index("uq_notifications_unread_key", "user_id", "group_key", unique=True,
              sqlite_where=text("read_at IS NULL"), postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind, 30))
    group_key: Mapped[str] = mapped_column(String(80))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # About a published article, or a series' empty slot (the editors' reminder).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    count: Mapped[int] = mapped_column(Integer, default=1)
    # A short free text the kind needs: a moderator's reason, "approved" / "declined".
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ThreadState(Base):
    """A member and one thread: the level she chose for it, whether she took part, how far she has read."""

    __tablename__ = "thread_states"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True, index=True)
    # None: follow the group's level
    level: Mapped[NotificationLevel | None] = mapped_column(StrEnumType(NotificationLevel, 10))
    participated: Mapped[bool] = mapped_column(Boolean, default=False)
    last_read_post_id: Mapped[int | None] = mapped_column(Integer)
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Job(Base):
    """Work that must happen after a commit and survive a crash: a mail to send, a digest run.

    Written in the same transaction as the action that caused it; a worker claims it with a lease, so a
    worker that dies mid-job leaves it to be picked up again when the lease runs out.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "run_at", "id", sqlite_where=text("done_at IS NULL AND failed_at IS NULL"),
              postgresql_where=text("done_at IS NULL AND failed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The same logical job is only ever queued once (a digest per member per period).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
