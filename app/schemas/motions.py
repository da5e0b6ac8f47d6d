"""The motion library: every motion she may read, with facets; similar motions; reusing one."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from app.models.enums import MotionStatus, Province
from app.schemas.common import Id
from app.schemas.groups import GroupRef
from app.schemas.users import UserSummary


class LibraryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str | None = Field(default=None, max_length=200)
    theme_id: Id | None = None
    municipality: str | None = Field(default=None, max_length=100)
    province: Province | None = None
    status: MotionStatus | None = None
    year: int | None = Field(default=None, ge=1990, le=2100)
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=50)


class MotionCard(BaseModel):
    id: int
    title: str
    excerpt: str
    municipality: str | None
    province: Province | None
    status: MotionStatus | None
    date: dt.date | None
    group: GroupRef
    author: UserSummary | None
    url: str


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class Facets(BaseModel):
    theme: list[FacetValue]
    municipality: list[FacetValue]
    province: list[FacetValue]
    status: list[FacetValue]
    year: list[FacetValue]


class LibraryPage(BaseModel):
    items: list[MotionCard]
    next_cursor: str | None
    total: int
    facets: Facets


class MotionRef(BaseModel):
    id: int
    title: str
    municipality: str | None
    authors: list[UserSummary]
    url: str


class ReuseOut(BaseModel):
    """What the composer starts from: the motion's text and a visible link to the original and its authors."""

    based_on: MotionRef
    title: str
    body: str
    municipality_hint: str | None
