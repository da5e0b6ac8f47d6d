from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.deps import CurrentUser, SessionDep, rate_limited
from app.schemas.search import SearchHit, SearchPage, SearchQuery, Suggestion, SuggestQuery
from app.services import search

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search", response_model=SearchPage, dependencies=[rate_limited("search")])
def find(params: Annotated[SearchQuery, Query()], actor: CurrentUser, session: SessionDep) -> SearchPage:
    return search.search(session, actor, q=params.q, filters=params.filters(), sort=params.sort,
                         cursor=params.cursor, limit=params.limit)


@router.get("/questions/similar", response_model=list[SearchHit], dependencies=[rate_limited("suggest")])
def similar_questions(actor: CurrentUser, session: SessionDep, q: Annotated[str, Query(min_length=1, max_length=300)],
                      limit: Annotated[int, Query(ge=1, le=10)] = 5) -> list[SearchHit]:
    """Questions already answered that look like the one she is writing."""
    return search.similar_answered_questions(session, actor, text=q, limit=limit)


@router.get("/search/suggest", response_model=list[Suggestion], dependencies=[rate_limited("suggest")])
def suggest(params: Annotated[SuggestQuery, Query()], actor: CurrentUser, session: SessionDep) -> list[Suggestion]:
    return search.suggest(session, actor, q=params.q, limit=params.limit)
