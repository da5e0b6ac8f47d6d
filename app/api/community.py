from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentUser, SessionDep
from app.pagination import Page
from app.schemas.health import DriftingMember, GroupActivity, UnansweredQuestion
from app.services import community

router = APIRouter(prefix="/api/v1/community", tags=["community health"])
Limit = Annotated[int | None, Query(ge=1, le=100)]


@router.get("/unanswered", response_model=Page[UnansweredQuestion])
def unanswered(actor: CurrentUser, session: SessionDep,
               older_than_hours: Annotated[int | None, Query(ge=0, le=24 * 365)] = None,
               cursor: str | None = None, limit: Limit = None) -> Page[UnansweredQuestion]:
    return community.unanswered_questions(session, actor, older_than_hours=older_than_hours, cursor=cursor,
                                          limit=limit)


@router.get("/drifting", response_model=Page[DriftingMember])
def drifting(actor: CurrentUser, session: SessionDep, silent_weeks: Annotated[int | None, Query(ge=1, le=52)] = None,
             cursor: str | None = None, limit: Limit = None) -> Page[DriftingMember]:
    return community.drifting_members(session, actor, silent_weeks=silent_weeks, cursor=cursor, limit=limit)


@router.get("/groups", response_model=list[GroupActivity])
def groups(actor: CurrentUser, session: SessionDep) -> list[GroupActivity]:
    return community.group_activity(session, actor)
