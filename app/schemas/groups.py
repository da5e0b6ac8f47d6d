from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.enums import GroupKind, GroupRole, RequestStatus, Visibility
from app.schemas.common import Id
from app.schemas.users import UserSummary

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                        max_length=80)]
Description = Annotated[str, Field(max_length=5000)]


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    slug: Slug | None = None
    description: Description = ""
    kind: GroupKind
    visibility: Visibility = Visibility.open
    parent_id: Id | None = None


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    slug: Slug | None = None
    description: Description | None = None
    visibility: Visibility | None = None
    parent_id: Id | None = None
    archived: bool | None = None
    premoderated: bool | None = None  # every post waits for a moderator


class GroupRef(BaseModel):
    id: int
    slug: str
    name: str


class GroupOut(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    kind: GroupKind
    visibility: Visibility
    parent_id: Id | None
    ancestors: list[GroupRef] = []
    member_count: int
    created_at: datetime
    archived: bool
    premoderated: bool = False
    my_role: GroupRole | None = None
    my_request: RequestStatus | None = None
    my_invitation_id: int | None = None
    # What the viewer may do here, so a client need not re-derive the rules.
    can_read: bool = False
    can_post: bool = False
    can_administer: bool = False


class JoinIn(BaseModel):
    message: Annotated[str, Field(max_length=1000)] = ""


class JoinOut(BaseModel):
    status: str  # "member" | "requested"
    group: GroupOut


class MemberOut(BaseModel):
    user: UserSummary
    role: GroupRole
    joined_at: datetime


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: GroupRole


class JoinRequestOut(BaseModel):
    id: int
    group_id: int
    user: UserSummary
    message: str
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None


class InvitationCreate(BaseModel):
    user_id: Id


class InvitationOut(BaseModel):
    id: int
    group: GroupOut
    user: UserSummary
    invited_by: UserSummary | None
    status: RequestStatus
    created_at: datetime


ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ChannelName
    description: Description = ""


class ChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: ChannelName | None = None
    description: Description | None = None
    archived: bool | None = None


class ChannelOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    group_id: int
    slug: str
    name: str
    description: str
    is_default: bool
    position: int = 0
    created_at: datetime
    archived_at: datetime | None


class SimilarGroup(BaseModel):
    id: int
    slug: str
    name: str
    kind: GroupKind
    member_count: int
    score: int  # 0–100


class DuplicatePair(BaseModel):
    first: SimilarGroup
    second: SimilarGroup
    name_similarity: int
    shared_members: int
    score: int
