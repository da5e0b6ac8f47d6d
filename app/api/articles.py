from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile, status
from fastapi.responses import FileResponse

from app.deps import CurrentUser, IdempotencyKeyHeader, OptionalAuthDep, SessionDep
from app.models.enums import ArticleStatus
from app.schemas.common import PathId
from app.schemas.posts import PostOut, ReplyCreate
from app.schemas.publishing import (
    ArticleCreate,
    ArticleEditorial,
    ArticleOut,
    ArticleRevisionOut,
    ArticleSummary,
    ArticleUpdate,
    CalendarOut,
    ReactionIn,
    ScheduleIn,
    SeriesCreate,
    SeriesOut,
    SeriesUpdate,
)
from app.services import publishing
from app.services.publishing import feeds, series

router = APIRouter(prefix="/api/v1", tags=["publishing"])
feed_router = APIRouter(tags=["feeds"])
ATOM = "application/atom+xml; charset=utf-8"


@router.get("/articles", response_model=list[ArticleSummary])
def list_articles(actor: CurrentUser, session: SessionDep, series_id: Annotated[int | None, Query(ge=1)] = None,
                  before: datetime | None = None,
                  limit: Annotated[int, Query(ge=1, le=50)] = 20) -> list[ArticleSummary]:
    return publishing.list_published(session, actor, series_id=series_id, before=before, limit=limit)


@router.get("/articles/featured", response_model=ArticleSummary | None)
def featured(actor: CurrentUser, session: SessionDep) -> ArticleSummary | None:
    return publishing.get_featured(session, actor)


@router.get("/editorial/articles", response_model=list[ArticleEditorial])
def list_editorial(actor: CurrentUser, session: SessionDep,
                   status: ArticleStatus | None = None) -> list[ArticleEditorial]:
    return publishing.list_editorial(session, actor, status=status)


@router.post("/articles", response_model=ArticleOut | ArticleEditorial, status_code=status.HTTP_201_CREATED)
def create_article(body: ArticleCreate, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.create_article(session, actor, data=body)


@router.get("/articles/{article_id}", response_model=ArticleOut | ArticleEditorial)
def get_article(article_id: PathId, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.get_article(session, actor, article_id=article_id)


@router.get("/articles/by-slug/{slug}", response_model=ArticleOut | ArticleEditorial)
def get_article_by_slug(slug: str, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.get_article_by_slug(session, actor, slug=slug)


@router.patch("/articles/{article_id}", response_model=ArticleOut | ArticleEditorial)
def update_article(article_id: PathId, body: ArticleUpdate, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.update_article(session, actor, article_id=article_id, data=body)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_article(article_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    publishing.delete_article(session, actor, article_id=article_id)


@router.get("/articles/{article_id}/revisions", response_model=list[ArticleRevisionOut])
def list_revisions(article_id: PathId, actor: CurrentUser, session: SessionDep) -> list[ArticleRevisionOut]:
    return publishing.list_revisions(session, actor, article_id=article_id)


@router.post("/articles/{article_id}/schedule", response_model=ArticleOut | ArticleEditorial)
def schedule(article_id: PathId, body: ScheduleIn, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.schedule_article(session, actor, article_id=article_id, publish_at=body.publish_at)


@router.delete("/articles/{article_id}/schedule", response_model=ArticleOut | ArticleEditorial)
def unschedule(article_id: PathId, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.unschedule_article(session, actor, article_id=article_id)


@router.post("/articles/{article_id}/publish", response_model=ArticleOut | ArticleEditorial)
def publish(article_id: PathId, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.publish_article(session, actor, article_id=article_id)


@router.post("/articles/{article_id}/unpublish", response_model=ArticleOut | ArticleEditorial)
def unpublish(article_id: PathId, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.unpublish_article(session, actor, article_id=article_id)


@router.put("/articles/{article_id}/cover", response_model=ArticleOut | ArticleEditorial)
def set_cover(article_id: PathId, file: UploadFile, actor: CurrentUser, session: SessionDep) -> ArticleOut:
    return publishing.set_cover(session, actor, article_id=article_id, source=file.file)


@router.get("/articles/{article_id}/cover/{width}", response_class=FileResponse)
def get_cover(article_id: PathId, width: str, auth: OptionalAuthDep, session: SessionDep) -> FileResponse:
    path = publishing.cover_path(session, auth.user if auth else None, article_id=article_id, width=width)
    return FileResponse(path, media_type="image/jpeg", headers={
        "Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


@router.post("/articles/{article_id}/comments", response_model=PostOut, status_code=status.HTTP_201_CREATED)
def comment(article_id: PathId, body: ReplyCreate, actor: CurrentUser, session: SessionDep,
            idempotency_key: IdempotencyKeyHeader = None) -> PostOut:
    return publishing.comment(session, actor, article_id=article_id, data=body, idempotency_key=idempotency_key)


@router.post("/articles/{article_id}/reactions", response_model=PostOut)
def react(article_id: PathId, body: ReactionIn, actor: CurrentUser, session: SessionDep) -> PostOut:
    return publishing.react(session, actor, article_id=article_id, emoji=body.emoji, on=body.on, post_id=body.post_id)


@router.get("/series", response_model=list[SeriesOut])
def list_series(actor: CurrentUser, session: SessionDep) -> list[SeriesOut]:
    return series.list_series(session, actor)


@router.post("/series", response_model=SeriesOut, status_code=status.HTTP_201_CREATED)
def create_series(body: SeriesCreate, actor: CurrentUser, session: SessionDep) -> SeriesOut:
    return series.create_series(session, actor, data=body)


@router.get("/series/{series_id}", response_model=SeriesOut)
def get_series(series_id: PathId, actor: CurrentUser, session: SessionDep) -> SeriesOut:
    return series.get_series(session, actor, series_id=series_id)


@router.patch("/series/{series_id}", response_model=SeriesOut)
def update_series(series_id: PathId, body: SeriesUpdate, actor: CurrentUser, session: SessionDep) -> SeriesOut:
    return series.update_series(session, actor, series_id=series_id, data=body)


@router.get("/series/{series_id}/calendar", response_model=CalendarOut)
def calendar(series_id: PathId, actor: CurrentUser, session: SessionDep,
             count: Annotated[int, Query(ge=1, le=52)] = 8) -> CalendarOut:
    return series.get_calendar(session, actor, series_id=series_id, count=count)


@feed_router.get("/feeds/articles.atom", response_class=Response)
def articles_feed(session: SessionDep) -> Response:
    return Response(feeds.atom_feed(session), media_type=ATOM, headers={"Cache-Control": "public, max-age=300"})


@feed_router.get("/feeds/series/{slug}.atom", response_class=Response)
def series_feed(slug: str, session: SessionDep) -> Response:
    return Response(feeds.atom_feed(session, series_slug=slug), media_type=ATOM,
                    headers={"Cache-Control": "public, max-age=300"})
