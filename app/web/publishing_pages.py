"""Pages for articles and series: reading (the list, an article with its comments) and the editors' desk
(the editorial list, the article editor with preview and scheduling, the series calendar)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.deps import SessionDep
from app.events import site_topic, thread_topic
from app.models.enums import ArticleStatus
from app.schemas.common import PathId
from app.services import groups, posts, publishing
from app.services.publishing import series as series_service
from app.web.deps import SignedIn
from app.web.render import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/articles")
def articles_page(request: Request, me: SignedIn, session: SessionDep,
                  series: str | None = None) -> Response:
    chosen = None
    if series is not None:
        chosen = series_service.get_series(session, me.user,
                                           series_id=series_service.series_id_by_slug(session, series))
    found = publishing.list_published(session, me.user, series_id=chosen.id if chosen else None, limit=50)
    return render(request, "articles.html", {"articles": found, "series": chosen,
                                             "all_series": series_service.list_series(session, me.user),
                                             "topics": [site_topic()]}, viewer=me.viewer)


@router.get("/articles/{slug}")
def article_page(request: Request, slug: str, me: SignedIn,
                 session: SessionDep) -> Response:
    article = publishing.get_article_by_slug(session, me.user, slug=slug)
    comments = opening = group = None
    if article.status == ArticleStatus.published and article.thread_id:
        opening = publishing.get_reactions(session, me.user, article_id=article.id)
        comments = posts.list_replies(session, me.user, thread_id=article.thread_id, limit=100)
        thread = posts.get_thread(session, me.user, thread_id=article.thread_id)
        group = groups.get_group(session, me.user, group_id=thread.group_id)
    return render(request, "article.html", {
        "article": article, "opening": opening, "comments": comments, "group": group,
        "topics": [thread_topic(article.thread_id)] if article.thread_id and comments is not None else [],
    }, viewer=me.viewer)


@router.get("/manage/articles")
def editorial_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    return render(request, "editorial.html", {
        "articles": publishing.list_editorial(session, me.user),
        "all_series": series_service.list_series(session, me.user)}, viewer=me.viewer)


def _editor(request: Request, me: SignedIn, session: SessionDep,
            article_id: int | None) -> Response:
    article = publishing.get_article(session, me.user, article_id=article_id) if article_id else None
    publishing.require_editor(me.user)
    revisions = publishing.list_revisions(session, me.user, article_id=article_id) if article_id else []
    return render(request, "article_editor.html", {
        "article": article.model_dump(mode="json") if article else None, "revisions": revisions,
        "all_series": [s.model_dump(mode="json") for s in series_service.list_series(session, me.user)],
    }, viewer=me.viewer)


@router.get("/manage/articles/new")
def new_article_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    return _editor(request, me, session, None)


@router.get("/manage/articles/{article_id}")
def edit_article_page(request: Request, article_id: PathId, me: SignedIn,
                      session: SessionDep) -> Response:
    return _editor(request, me, session, article_id)


@router.get("/manage/series")
def series_list_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    publishing.require_editor(me.user)
    return render(request, "series_list.html", {"all_series": series_service.list_series(session, me.user)},
                  viewer=me.viewer)


@router.get("/manage/series/{slug}")
def series_calendar_page(request: Request, slug: str, me: SignedIn,
                         session: SessionDep) -> Response:
    series_id = series_service.series_id_by_slug(session, slug)
    calendar = series_service.get_calendar(session, me.user, series_id=series_id, count=10)
    return render(request, "series_calendar.html", {"calendar": calendar}, viewer=me.viewer)

