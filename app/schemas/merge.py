from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from app.schemas.common import Id
from app.schemas.users import UserSummary


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_id: Id
    target_id: Id
    # Needed when the merge makes the source's content readable to people who cannot read it now.
    confirm_exposure: bool = False


class ChannelMove(BaseModel):
    id: int
    name: str
    threads: int
    merged_into_id: int | None  # the target's channel of the same name, or None: the channel moves as it is


class MergePreview(BaseModel):
    source_id: int
    target_id: int
    source_name: str
    target_name: str
    channels: list[ChannelMove]
    threads: int
    posts: int
    members_moving: int
    members_in_both: int
    pending_requests: int
    exposes: bool
    gaining_access: int
    gaining_access_examples: list[UserSummary]


class MergeResult(MergePreview):
    merged_at: datetime
