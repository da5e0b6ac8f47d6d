"""Publishing: articles (the biweekly interview among them), their revisions, and series with a cadence."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.models.enums import ArticleStatus


class Series(Base):
    """A named series ("Raadslid in beeld"): one article every `cadence_days`, starting on `first_slot`."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    cadence_days: Mapped[int] = mapped_column(Integer, default=14)
    # The calendar's slots are first_slot + k × cadence_days, each at publish_time (Europe/Amsterdam).
    first_slot: Mapped[date] = mapped_column(Date)
    publish_time: Mapped[time] = mapped_column(Time, default=time(9, 0))
    # The editors hear of an empty slot this many days before it.
    reminder_days: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Article(Base):
    """A long-form piece. A draft until published (now, or by the job runner at `scheduled_at`)."""

    __tablename__ = "articles"
    __table_args__ = (
        # The published list, the feed and "the featured article": newest publish moment first.
        Index("ix_articles_published", "published_at", "id", sqlite_where=text("status = 'published'"),
              postgresql_where=text("status = 'published'")),
        Index("ix_articles_series_published", "series_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The member the article is about (the councillor interviewed), linked to her profile.
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # draft | scheduled | published
    status: Mapped[ArticleStatus] = mapped_column(StrEnumType(ArticleStatus, 12), default=ArticleStatus.draft)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # May the party website show it (the public Atom feed)? Member-only pieces never leave the intranet.
    in_public_feed: Mapped[bool] = mapped_column(Boolean, default=True)
    # Storage keys of the resized cover, by width ({"1600": key, "800": key, "400": key}).
    cover: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cover_alt: Mapped[str] = mapped_column(String(300), default="")
    # Comments are the replies of this thread (made at the first publication).
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleRevision(Base):
    """What a published article said before an edit."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    lead: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
