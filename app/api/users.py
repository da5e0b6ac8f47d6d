from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from fastapi.responses import FileResponse

from app.deps import CurrentUser, SessionDep, rate_limited
from app.models.enums import Province, Title
from app.pagination import Page
from app.schemas.common import Id, PathId
from app.schemas.users import (
    MeOut,
    PortfolioCreate,
    PortfolioOut,
    ProfileOut,
    ProfileUpdate,
    UserSummary,
)
from app.services import profiles

router = APIRouter(prefix="/api/v1", tags=["members"])


@router.get("/me", response_model=MeOut)
def me(actor: CurrentUser) -> MeOut:
    return profiles.me_out(actor)


@router.patch("/me", response_model=MeOut)
def update_me(body: ProfileUpdate, actor: CurrentUser, session: SessionDep) -> MeOut:
    return profiles.update_me(session, actor, data=body)


@router.put("/me/avatar", response_model=MeOut, dependencies=[rate_limited("upload")])
def set_avatar(file: UploadFile, actor: CurrentUser, session: SessionDep) -> MeOut:
    return profiles.set_avatar(session, actor, source=file.file)


@router.get("/users", response_model=Page[UserSummary])
def list_users(
    actor: CurrentUser, session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    province: Province | None = None, portfolio_id: Id | None = None, title: Title | None = None,
    municipality: Annotated[str | None, Query(max_length=100)] = None,
    cursor: str | None = None, limit: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> Page[UserSummary]:
    return profiles.list_members(session, actor, q=q, province=province, portfolio_id=portfolio_id, title=title,
                                 municipality=municipality, cursor=cursor, limit=limit)


@router.get("/users/by-username/{username}", response_model=ProfileOut)
def get_user_by_username(username: str, actor: CurrentUser, session: SessionDep) -> ProfileOut:
    return profiles.get_profile_by_username(session, actor, username=username)


@router.get("/users/{user_id}", response_model=ProfileOut)
def get_user(user_id: PathId, actor: CurrentUser, session: SessionDep) -> ProfileOut:
    return profiles.get_profile(session, actor, user_id=user_id)


@router.get("/users/{user_id}/avatar", response_class=FileResponse)
def get_avatar(user_id: PathId, actor: CurrentUser, session: SessionDep) -> FileResponse:
    path = profiles.avatar_path(session, actor, user_id=user_id)
    return FileResponse(path, media_type="image/png", headers={
        "Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})


@router.get("/portfolios", response_model=list[PortfolioOut])
def list_portfolios(actor: CurrentUser, session: SessionDep) -> list[PortfolioOut]:
    return profiles.list_portfolios(session)


@router.post("/portfolios", response_model=PortfolioOut, status_code=status.HTTP_201_CREATED)
def create_portfolio(body: PortfolioCreate, actor: CurrentUser, session: SessionDep) -> PortfolioOut:
    return profiles.create_portfolio(session, actor, name=body.name)
