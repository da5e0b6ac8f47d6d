from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, StrEnumType, UTCDateTime, utcnow
from app.models.enums import DigestFrequency, Language, Province, SiteRole, Title


class Portfolio(Base):
    """A portfolio tag (duurzaamheid, zorg, WMO…) that members hold and questions are addressed to."""

    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[SiteRole] = mapped_column(StrEnumType(SiteRole, 20), default=SiteRole.member)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[Title | None] = mapped_column(StrEnumType(Title, 40))
    municipality: Mapped[str | None] = mapped_column(String(100))
    province: Mapped[Province | None] = mapped_column(StrEnumType(Province, 40))
    bio: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[Language] = mapped_column(StrEnumType(Language, 5), default=Language.nl)
    avatar_key: Mapped[str | None] = mapped_column(String(80))
    storage_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Mail choices: immediate mail for mentions (and questions to her portfolio) and for direct replies,
    # and a digest (off | daily | weekly) of what she has not seen; digest_until is how far the last one went.
    email_mentions: Mapped[bool] = mapped_column(Boolean, default=True)
    email_replies: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[DigestFrequency] = mapped_column(StrEnumType(DigestFrequency, 10), default=DigestFrequency.weekly)
    digest_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A moderator silenced her: she reads but cannot post until then.
    silenced_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When she last posted: the community manager sees who drifts away (kept by the post services).
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Writes, schedules and publishes articles (the community manager and admins always may).
    is_editor: Mapped[bool] = mapped_column(Boolean, default=False)
    # A notification (and a digest entry) when an interview or article is published.
    article_notifications: Mapped[bool] = mapped_column(Boolean, default=True)

    # Loaded when a profile is shown, not with every author next to a post.
    portfolios: Mapped[list[Portfolio]] = relationship(secondary="user_portfolios", order_by=Portfolio.name)


class UserPortfolio(Base):
    __tablename__ = "user_portfolios"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(
        ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True, index=True
    )
