from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.config import get_settings
from app.models.enums import AudienceStatus, MotionStatus, Province, ThreadKind
from app.models.enums import Title as UserTitle
from app.schemas.common import Id
from app.schemas.motions import MotionRef
from app.schemas.users import PortfolioOut, UserSummary


def _body_length(value: str) -> str:
    limit = get_settings().max_body_chars
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; the limit is {limit:,}")
    if not value.strip():
        raise ValueError("may not be empty")
    return value


Body = Annotated[str, AfterValidator(_body_length)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
AttachmentIds = Annotated[list[Id], Field(max_length=10)]


class MotionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    municipality: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    date: dt.date | None = None
    status: MotionStatus = MotionStatus.draft
    vote_result: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    co_submitter_ids: Annotated[list[Id], Field(max_length=50)] = []


class MotionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    municipality: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    date: dt.date | None = None
    status: MotionStatus | None = None
    vote_result: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    co_submitter_ids: Annotated[list[Id], Field(max_length=50)] | None = None


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ThreadKind = ThreadKind.discussion
    title: Title
    body: Body
    motion: MotionIn | None = None
    portfolio_ids: Annotated[list[Id], Field(max_length=20)] = []
    # A question to portfolios can be narrowed: only holders in this province, only with this title.
    audience_province: Province | None = None
    audience_title: UserTitle | None = None
    attachment_ids: AttachmentIds = []
    # A motion written with another as its starting point (see /api/v1/motions/{id}/reuse).
    based_on_id: Id | None = None


class ThreadUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    motion: MotionUpdate | None = None
    portfolio_ids: Annotated[list[Id], Field(max_length=20)] | None = None


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body
    quote_post_id: Id | None = None
    attachment_ids: AttachmentIds = []


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body


class PreviewOut(BaseModel):
    html: str


class PostUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body


class AnswerIn(BaseModel):
    post_id: Id


class MotionOut(BaseModel):
    municipality: str | None
    date: dt.date | None
    status: MotionStatus | None
    vote_result: str | None
    co_submitters: list[UserSummary]


class MotionChangeOut(BaseModel):
    """One step of a motion's course."""

    status: MotionStatus
    vote_result: str | None
    date: dt.date | None
    changed_by: UserSummary | None
    changed_at: dt.datetime


class ReactionCount(BaseModel):
    emoji: str
    count: int
    mine: bool


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str
    # Shown in the browser (pictures within the pixel budget, PDFs); anything else is a download.
    inline: bool
    # A picture's size in pixels, when known (lets a page reserve its space).
    width: int | None = None
    height: int | None = None
    created_at: dt.datetime


class QuoteOut(BaseModel):
    post_id: Id
    author: UserSummary | None
    excerpt: str


class PostOut(BaseModel):
    id: int
    thread_id: int
    is_opening: bool
    author: UserSummary | None
    body: str
    body_html: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool
    quote: QuoteOut | None
    reactions: list[ReactionCount]
    attachments: list[AttachmentOut]
    mentions: list[str]
    is_answer: bool
    held: bool = False  # waits for a moderator: only its author and the moderators see it
    held_reasons: list[str] = []  # why (watched_word, personal_data, premoderation, new_member), for them
    # What she may do with it, decided by the server (app/access/rules.py); pages never derive it themselves.
    # False in live events, which every subscriber receives alike: the page fetches the post for her view.
    can_edit: bool
    can_delete: bool
    can_moderate: bool = False
    can_flag: bool = False


class RevisionOut(BaseModel):
    id: int
    body: str
    editor: UserSummary | None
    created_at: dt.datetime


class AudienceOut(BaseModel):
    """Whom a question to portfolios reaches: how many, and whether it went out or waits for approval."""

    province: Province | None
    title: UserTitle | None
    status: AudienceStatus
    count: int


class ThreadOut(BaseModel):
    id: int
    group_id: int
    channel_id: int
    kind: ThreadKind
    title: str
    author: UserSummary | None
    created_at: dt.datetime
    last_activity_at: dt.datetime
    reply_count: int
    deleted: bool
    answer_post_id: int | None
    motion: MotionOut | None
    portfolios: list[PortfolioOut]
    audience: AudienceOut | None = None
    held: bool = False
    excerpt: str


class ThreadDetail(ThreadOut):
    opening_post: PostOut
    can_edit: bool
    can_mark_answer: bool = False  # a question: she may mark a reply as its answer (the asker, moderators)
    motion_history: list[MotionChangeOut] = []  # a motion: its course, first step first
    # A motion: the one it was based on and the ones based on it, as far as she may read them.
    based_on: MotionRef | None = None
    reused_in: list[MotionRef] = []
    # A question: who replied (the asker left out), first reply first.
    answered_by: list[UserSummary] = []
