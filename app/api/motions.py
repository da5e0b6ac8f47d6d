from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentUser, SessionDep
from app.schemas.common import PathId
from app.schemas.motions import LibraryPage, LibraryQuery, MotionCard, ReuseOut
from app.services import motions

router = APIRouter(prefix="/api/v1", tags=["motions"])


@router.get("/motions", response_model=LibraryPage)
def library(params: Annotated[LibraryQuery, Query()], actor: CurrentUser, session: SessionDep) -> LibraryPage:
    return motions.library(session, actor, query=params)


@router.get("/motions/{thread_id}/similar", response_model=list[MotionCard])
def similar(thread_id: PathId, actor: CurrentUser, session: SessionDep,
            limit: Annotated[int, Query(ge=1, le=20)] = 5) -> list[MotionCard]:
    return motions.similar(session, actor, thread_id=thread_id, limit=limit)


@router.get("/motions/{thread_id}/reuse", response_model=ReuseOut)
def reuse(thread_id: PathId, actor: CurrentUser, session: SessionDep) -> ReuseOut:
    return motions.reuse(session, actor, thread_id=thread_id)
