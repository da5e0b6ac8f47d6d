"""Search: what a member asks for and what she gets back."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models.enums import GroupKind, MotionStatus, Province, ThreadKind
from app.schemas.common import Id
from app.schemas.groups import GroupRef
from app.schemas.users import UserSummary


class DocumentKind(StrEnum):
    thread = "thread"    # a thread: its title and opening post (a motion, a question, a discussion)
    reply = "reply"
    article = "article"
    group = "group"
    member = "member"


class SearchSort(StrEnum):
    relevance = "relevance"  # the best matches among the newest (see docs/architecture.md)
    newest = "newest"


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: list[DocumentKind] = Field(default_factory=list)
    group_id: Id | None = None
    group_kind: GroupKind | None = None
    thread_kind: ThreadKind | None = Field(default=None, description="discussion, question or motion")
    motion_status: MotionStatus | None = None
    municipality: str | None = Field(default=None, max_length=100)
    province: Province | None = None
    author_id: Id | None = None
    since: date | None = None
    until: date | None = None


class SearchHit(BaseModel):
    kind: DocumentKind
    id: int
    title: str
    title_html: str   # the title with the matched words in <mark> (escaped HTML)
    snippet_html: str  # a piece of the text around the matches, in <mark> (escaped HTML)
    url: str
    group: GroupRef | None
    author: UserSummary | None
    created_at: datetime
    thread_kind: ThreadKind | None
    motion_status: MotionStatus | None
    municipality: str | None


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None
    counts: dict[DocumentKind, int]  # matches she may read, per kind (counted up to `counted_up_to`)
    counted_up_to: int
    words: list[str]  # the words searched for (stop words left out)


class Suggestion(BaseModel):
    kind: DocumentKind
    title: str
    title_html: str
    url: str


class SearchQuery(SearchFilters):
    """GET /api/v1/search: the words, the filters, the order and the page."""

    q: str = Field(min_length=1, max_length=200)
    sort: SearchSort = SearchSort.relevance
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=20, ge=1, le=50)

    def filters(self) -> SearchFilters:
        return SearchFilters.model_validate(self.model_dump(include=set(SearchFilters.model_fields)))


class SuggestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str = Field(min_length=1, max_length=200)
    limit: int = Field(default=8, ge=1, le=20)
