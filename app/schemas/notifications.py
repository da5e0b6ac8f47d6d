from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models.enums import DigestFrequency, NotificationKind, NotificationLevel, Province, Title
from app.schemas.common import Id
from app.schemas.groups import GroupRef
from app.schemas.users import UserSummary


class ThreadRef(BaseModel):
    id: int
    title: str


class ArticleRef(BaseModel):
    id: int
    slug: str
    title: str


class SeriesRef(BaseModel):
    id: int
    slug: str
    name: str


class NotificationOut(BaseModel):
    id: int
    kind: NotificationKind
    count: int  # how many events folded into this line ("3 new replies in …")
    actor: UserSummary | None
    group: GroupRef | None
    thread: ThreadRef | None
    article: ArticleRef | None = None
    series: SeriesRef | None = None
    post_id: int | None
    detail: str
    created_at: datetime
    updated_at: datetime
    read: bool
    url: str


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(BaseModel):
    unread: int


class ReadAllIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Only what she has seen: lines updated after this one (the top of her list) stay unread. Without it, all.
    up_to_id: Id | None = None


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: NotificationLevel | None = Field(description="null: back to the default")


class LevelOut(BaseModel):
    level: NotificationLevel | None  # what she chose, or null
    default: NotificationLevel       # what applies when she chose nothing
    effective: NotificationLevel


class NotificationSettingsOut(BaseModel):
    email_mentions: bool
    email_replies: bool
    digest: DigestFrequency
    articles: bool  # a notification and a digest entry when an interview or article is published


class NotificationSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email_mentions: bool | None = None
    email_replies: bool | None = None
    digest: DigestFrequency | None = None
    articles: bool | None = None


class ThreadReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    post_id: Id


class AudienceIn(BaseModel):
    """Who a question to portfolios would reach, asked while writing it."""

    model_config = ConfigDict(extra="forbid")
    channel_id: Id
    portfolio_ids: list[Id] = Field(min_length=1, max_length=20)
    province: Province | None = None
    title: Title | None = None


class AudiencePreview(BaseModel):
    count: int
    needs_approval: bool
    approval_over: int


class AudienceDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool


class UnsubscribeOut(BaseModel):
    email: str
    language: str
    mail_list: str  # mentions | replies | digest
    done: bool
