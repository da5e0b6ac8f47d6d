from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
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
from app.models.enums import GroupKind, GroupRole, NotificationLevel, RequestStatus, Visibility


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[GroupKind] = mapped_column(StrEnumType(GroupKind, 20), index=True)
    visibility: Mapped[Visibility] = mapped_column(StrEnumType(Visibility, 20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every post waits for a moderator before others see it.
    premoderated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Merged into another group: this row stays (archived, empty) so that its old links redirect there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        Index("ix_memberships_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[GroupRole] = mapped_column(StrEnumType(GroupRole, 20), default=GroupRole.member)
    # watching | tracking | normal | muted; None: the default for the group's kind.
    notification_level: Mapped[NotificationLevel | None] = mapped_column(StrEnumType(NotificationLevel, 10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JoinRequest(Base):
    __tablename__ = "join_requests"
    __table_args__ = (
        Index("ix_join_requests_group_status", "group_id", "status"),
        # One open request per member and group: two clicks at once must not make two (the insert relies on it).
        Index("uq_join_requests_pending", "group_id", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(StrEnumType(RequestStatus, 20), default=RequestStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class GroupInvitation(Base):
    """A group admin invites an existing member; the only way into a secret group."""

    __tablename__ = "group_invitations"
    __table_args__ = (
        Index("ix_group_invitations_user_status", "user_id", "status"),
        # One open invitation per member and group, however many admins invite her at the same moment.
        Index("uq_group_invitations_pending", "group_id", "user_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[RequestStatus] = mapped_column(StrEnumType(RequestStatus, 20), default=RequestStatus.pending)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("group_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Merged into the channel of the same name of the group it moved into: its links redirect there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    # Where it stands in the group's channel list (then the default channel first, then by name).
    position: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class GroupSlugHistory(Base):
    """A slug a group had before it was renamed: links with it redirect to the group's slug now. A group that
    has the slug now wins over this; a later group leaving the same slug takes the row over."""

    __tablename__ = "group_slug_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelSlugHistory(Base):
    """The same for a channel's slug within its group."""

    __tablename__ = "channel_slug_history"
    __table_args__ = (UniqueConstraint("group_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
