from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.models.enums import AudienceStatus, MotionStatus, Province, ThreadKind


class Thread(Base):
    """A conversation in a channel; its opening post is the first Post. Motion fields live here."""

    __tablename__ = "threads"
    __table_args__ = (
        # Keyset pagination: newest activity first, per channel and per group.
        Index("ix_threads_channel_activity", "channel_id", "last_activity_at", "id"),
        Index("ix_threads_group_activity", "group_id", "last_activity_at", "id"),
        Index("ix_threads_kind_created", "kind", "created_at", "id"),
        Index("ix_threads_created", "created_at"),
        # The community manager's unanswered questions: few rows, found without reading the answered ones.
        Index("ix_threads_unanswered", "created_at", "id",
              sqlite_where=text("kind = 'question' AND reply_count = 0 AND answer_post_id IS NULL "
                                "AND deleted_at IS NULL AND held_at IS NULL"),
              postgresql_where=text("kind = 'question' AND reply_count = 0 AND answer_post_id IS NULL "
                                    "AND deleted_at IS NULL AND held_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[ThreadKind] = mapped_column(StrEnumType(ThreadKind, 20))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its opening post waits for a moderator: only the author and the group's moderators see the thread.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", use_alter=True)
    )
    # Motion fields (kind == "motion").
    motion_municipality: Mapped[str | None] = mapped_column(String(100))
    motion_date: Mapped[date | None] = mapped_column(Date)
    motion_status: Mapped[MotionStatus | None] = mapped_column(StrEnumType(MotionStatus, 20))
    motion_vote_result: Mapped[str | None] = mapped_column(String(200))
    # A question addressed to portfolios, optionally narrowed to a province and a title. Its delivery is
    # "sent", or "pending" while a large audience waits for the community manager, or "declined".
    audience_province: Mapped[Province | None] = mapped_column(StrEnumType(Province, 40))
    audience_title: Mapped[str | None] = mapped_column(String(40))
    audience_status: Mapped[AudienceStatus | None] = mapped_column(StrEnumType(AudienceStatus, 20))
    audience_count: Mapped[int | None] = mapped_column(Integer)
    # A motion written with another as its starting point ("reuse"): the original, linked from it.
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"), index=True)


class ThreadPortfolio(Base):
    """A question addressed to everyone holding a portfolio."""

    __tablename__ = "thread_portfolios"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MotionStatusChange(Base):
    """A motion's course: each status it was given (Ingediend, Aangenomen, …) with the vote and the date, who
    recorded it and when. The thread's own motion fields hold the latest."""

    __tablename__ = "motion_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    status: Mapped[MotionStatus] = mapped_column(StrEnumType(MotionStatus, 20))
    vote_result: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MotionCoSubmitter(Base):
    __tablename__ = "motion_co_submitters"

    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (Index("ix_posts_thread_id_id", "thread_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_opening: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    quote_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Waits for a moderator: only the author and the group's moderators see it; it counts nowhere yet.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostRevision(Base):
    """The text a post had before an edit."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reaction(Base):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "emoji"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    emoji: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Mention(Base):
    __tablename__ = "mentions"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # A picture's size in pixels, read from its header at upload (None: not a picture, or stored before).
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A PDF's text, extracted by the job runner for the search index (None: not, or not yet).
    text: Mapped[str | None] = mapped_column(Text)


class IdempotencyKey(Base):
    """A create request's Idempotency-Key: a retry returns the resource made the first time."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
