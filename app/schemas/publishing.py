"""Articles and series: what editors send and what members and feeds get back."""
from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.enums import ArticleStatus
from app.schemas.common import Id
from app.schemas.users import UserSummary

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class SlotState(StrEnum):
    published = "published"
    scheduled = "scheduled"
    empty = "empty"


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    lead: str = Field(default="", max_length=1000)
    body: str = Field(default="", max_length=100_000)
    series_id: Id | None = None
    subject_id: Id | None = Field(default=None, description="the member the article is about")
    in_public_feed: bool = True
    cover_alt: str = Field(default="", max_length=300)


class ArticleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    lead: str | None = Field(default=None, max_length=1000)
    body: str | None = Field(default=None, max_length=100_000)
    series_id: Id | None = None
    subject_id: Id | None = None
    in_public_feed: bool | None = None
    cover_alt: str | None = Field(default=None, max_length=300)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    publish_at: datetime = Field(description="with an offset, or local time in Europe/Amsterdam")


class SeriesRef(BaseModel):
    id: int
    slug: str
    name: str


class ArticleSummary(BaseModel):
    """A published article in a list, the feed, the featured spot and the live event."""

    id: int
    slug: str
    title: str
    lead: str
    series: SeriesRef | None
    author: UserSummary | None
    subject: UserSummary | None
    published_at: datetime | None
    cover: dict[str, str] | None  # width → url
    cover_alt: str
    url: str
    comment_count: int


class ArticleOut(ArticleSummary):
    body: str
    body_html: str
    thread_id: int | None
    # Only editors ever receive a draft or a scheduled article, with its editorial fields.
    status: ArticleStatus
    scheduled_at: datetime | None
    in_public_feed: bool
    editable: bool


class ArticleEditorial(ArticleOut):
    """The editors' view: also when it was made and last changed."""

    created_at: datetime
    updated_at: datetime
    revision_count: int


class ArticleRevisionOut(BaseModel):
    id: int
    title: str
    lead: str
    body: str
    editor: UserSummary | None
    created_at: datetime


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    emoji: str = Field(min_length=1, max_length=16)
    on: bool = True
    post_id: Id | None = Field(default=None, description="a comment; without it, the article itself")


class SeriesCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: str = Field(default="", max_length=2000)
    cadence_days: int = Field(default=14, ge=1, le=366)
    first_slot: date
    publish_time: time = time(9, 0)
    reminder_days: int = Field(default=5, ge=0, le=60)


class SeriesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    cadence_days: int | None = Field(default=None, ge=1, le=366)
    first_slot: date | None = None
    publish_time: time | None = None
    reminder_days: int | None = Field(default=None, ge=0, le=60)


class SeriesOut(SeriesRef):
    description: str
    cadence_days: int
    first_slot: date
    publish_time: time
    reminder_days: int
    feed_url: str


class SlotArticle(BaseModel):
    id: int
    slug: str
    title: str
    status: ArticleStatus
    at: datetime


class SlotOut(BaseModel):
    date: date
    publish_at: datetime  # the slot's moment, UTC
    state: SlotState
    articles: list[SlotArticle]
    remind_at: datetime | None  # when the editors hear of it if it is still empty (None: already past)


class CalendarOut(BaseModel):
    series: SeriesOut
    slots: list[SlotOut]
