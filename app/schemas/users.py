from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.models.enums import Language, Province, SiteRole, Title
from app.schemas.common import Id

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# The pattern is checked before to_lower applies, so it admits capitals; usernames are stored lower-case.
Username = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True,
                           pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9_]$")
]
Password = Annotated[str, Field(min_length=10, max_length=256)]
Municipality = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class PortfolioOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    slug: str
    name: str


class PortfolioCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=80)]


class UserSummary(BaseModel):
    """What others see next to a post."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    title: Title | None
    municipality: str | None
    avatar_url: str | None = None


class ProfileOut(UserSummary):
    province: Province | None
    bio: str
    portfolios: list[PortfolioOut]
    role: SiteRole
    created_at: datetime
    is_active: bool
    is_editor: bool = False


class MeOut(ProfileOut):
    email: str
    language: Language
    storage_used: int
    storage_quota: int


class ProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    display_name: DisplayName | None = None
    title: Title | None = None
    municipality: Municipality | None = None
    province: Province | None = None
    bio: Annotated[str, Field(max_length=2000)] | None = None
    language: Language | None = None
    portfolio_ids: Annotated[list[Id], Field(max_length=20)] | None = None


class InviteCreate(BaseModel):
    email: EmailStr
    role: SiteRole = SiteRole.member


class InviteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    role: SiteRole
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InviteCreated(InviteOut):
    url: str


class InvitePreview(BaseModel):
    email: str
    expires_at: datetime


class InviteAccept(BaseModel):
    display_name: DisplayName
    username: Username
    password: Password


class AdminCreate(BaseModel):
    """`plein create-admin`: the same rules as an invited member's account."""

    email: EmailStr
    username: Username
    display_name: DisplayName
    password: Password


class LoginIn(BaseModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class SessionInfo(BaseModel):
    user: MeOut
    csrf_token: str | None


class PasswordChange(BaseModel):
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


class PasswordResetRequest(BaseModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]


class PasswordResetConfirm(BaseModel):
    token: Annotated[str, Field(min_length=10, max_length=200)]
    new_password: Password


class AuthSessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ip_address: str | None
    user_agent: str | None
    current: bool = False


class SessionsEndedOut(BaseModel):
    ended: int


class ApiTokenCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str


class UserAdminUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: SiteRole | None = None
    is_active: bool | None = None
    is_editor: bool | None = None
