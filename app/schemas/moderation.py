from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.enums import AuditOutcome
from app.schemas.groups import GroupRef
from app.schemas.posts import Body
from app.schemas.users import UserSummary


class FlagReason(StrEnum):
    spam = "spam"
    off_topic = "off_topic"
    inappropriate = "inappropriate"
    personal_data = "personal_data"
    other = "other"


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: FlagReason
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class FlagOut(BaseModel):
    id: int
    post_id: int
    reason: FlagReason
    text: str
    by: UserSummary | None
    created_at: datetime


class QueueReason(StrEnum):
    flag = "flag"
    new_member = "new_member"
    premoderation = "premoderation"
    watched_word = "watched_word"
    personal_data = "personal_data"


class QueueItemOut(BaseModel):
    id: int
    status: str
    reasons: list[QueueReason]
    findings: list[str]
    held: bool  # nobody but the author and the moderators has seen the post
    group: GroupRef
    thread_id: int
    thread_title: str
    post_id: int
    is_opening: bool
    body: str
    body_html: str
    author: UserSummary | None
    author_removals: int  # earlier posts of hers that moderators removed
    flags: list[FlagOut]
    created_at: datetime


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class ApproveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body | None = Field(default=None, description="edit the post before approving it")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class QueueCount(BaseModel):
    pending: int


class WatchedWordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    word: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    action: Annotated[str, Field(pattern="^(block|hold)$")]


class WatchedWordOut(BaseModel):
    id: int
    word: str
    action: str
    created_at: datetime


class SilenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: Annotated[int, Field(ge=1, le=365)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class SuspendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class AuditEntryOut(BaseModel):
    id: int
    actor: UserSummary | None
    action: str
    outcome: AuditOutcome
    ip_address: str | None
    target_type: str
    target_id: int
    group_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class RestrictionOut(BaseModel):
    """A member who is silenced (reads, cannot post) or whose account is suspended, and why."""

    user: UserSummary
    silenced_until: datetime | None
    suspended: bool
    reason: str | None  # the moderator's, when the audit log still holds it
    by: UserSummary | None
    since: datetime | None
