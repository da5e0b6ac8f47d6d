from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from app.schemas.groups import GroupRef
from app.schemas.posts import ThreadOut
from app.schemas.users import UserSummary


class UnansweredQuestion(BaseModel):
    thread: ThreadOut
    group: GroupRef
    waiting_hours: int


class DriftingMember(BaseModel):
    member: UserSummary
    last_posted_at: datetime
    silent_days: int
    earlier_posts: int  # posts in the weeks she was active


class GroupActivity(BaseModel):
    group: GroupRef
    kind: str
    members: int
    threads_per_week: float  # new threads, over the last four weeks
    last_activity_at: datetime | None
    quiet: bool  # no activity for QUIET_GROUP_DAYS: a candidate to archive or merge
