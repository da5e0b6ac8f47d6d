"""Pages for finding what others did: the search page (the header's search box leads here), the motion
library and reusing a motion, the member directory."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from app import i18n
from app.deps import SessionDep, take_limited
from app.errors import Invalid
from app.i18n import N_
from app.models.enums import GroupKind, MotionStatus, Province, ThreadKind, Title
from app.schemas.common import PathId
from app.schemas.motions import LibraryQuery
from app.schemas.search import DocumentKind, SearchQuery, SearchSort
from app.services import groups, motions, profiles, search
from app.web.deps import SignedIn
from app.web.render import render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
FIELD_LABELS = {"since": N_("From"), "until": N_("To"), "municipality": N_("Municipality"), "q": N_("Search for")}
KIND_TABS = [None, DocumentKind.thread, DocumentKind.reply, DocumentKind.article, DocumentKind.group,
             DocumentKind.member]


@router.get("/search")
def search_page(request: Request, me: SignedIn, session: SessionDep,
                q: Annotated[str, Query(max_length=200)] = "", kind: DocumentKind | None = None,
                group_kind: GroupKind | None = None, thread_kind: ThreadKind | None = None,
                motion_status: MotionStatus | None = None,
                municipality: Annotated[str, Query(max_length=100)] = "", province: Province | None = None,
                since: str = "", until: str = "", sort: SearchSort = SearchSort.relevance,
                group_id: Annotated[int | None, Query(ge=1)] = None, author: Annotated[str, Query(max_length=40)] = "",
                cursor: str | None = None) -> Response:
    # By username, as a profile page links here ("her posts"); someone who does not exist simply finds nothing.
    author_id = profiles.user_id_by_username(session, author) if author else None
    chosen = {"q": q, "kind": kind.value if kind else "", "group_kind": group_kind.value if group_kind else "",
              "group_id": str(group_id or ""), "author": author,
              "thread_kind": thread_kind.value if thread_kind else "",
              "motion_status": motion_status.value if motion_status else "", "municipality": municipality,
              "province": province.value if province else "", "since": since, "until": until, "sort": sort.value}
    page = error = None
    if q.strip():
        take_limited(request, "search", me.user)
        try:
            params = SearchQuery.model_validate({
                "q": q, "kind": [kind] if kind else [], "group_kind": group_kind, "thread_kind": thread_kind,
                "motion_status": motion_status, "municipality": municipality or None, "province": province,
                "since": since or None, "until": until or None, "sort": sort, "cursor": cursor,
                "group_id": group_id, "author_id": author_id})
        except ValidationError as exc:
            # The page again, with the field named in her language (the API would answer 422 with JSON).
            field = str(exc.errors()[0]["loc"][0])
            error = i18n.gettext("Please check “%(field)s”.") % {"field": i18n.gettext(FIELD_LABELS.get(field, field))}
        else:
            try:
                page = search.search(session, me.user, q=params.q, filters=params.filters(), sort=params.sort,
                                     cursor=params.cursor)
                if author and author_id is None:  # nobody by that name: nothing she wrote
                    page = page.model_copy(update={"items": [], "next_cursor": None, "counts": {}})
            except Invalid as exc:  # a cursor that is not ours
                error = i18n.gettext("Please check “%(field)s”.") % {"field": exc.field or "cursor"}
    def link(**overrides: str) -> str:
        """This search with some choices changed (and from the first page)."""
        return "/search?" + urlencode({k: v for k, v in {**chosen, **overrides}.items() if v})

    return render(request, "search.html", {
        "page": page, "chosen": chosen, "link": link, "error": error, "tabs": KIND_TABS,
        "my_groups": groups.list_groups(session, me.user, mine=True),
        "group_kinds": [k.value for k in GroupKind],
        "thread_kinds": [k.value for k in ThreadKind], "statuses": [s.value for s in MotionStatus],
        "provinces": [p.value for p in Province],
    }, viewer=me.viewer, status_code=422 if error else 200)


@router.get("/motions")
def motions_page(request: Request, me: SignedIn, session: SessionDep,
                 q: Annotated[str, Query(max_length=200)] = "", theme_id: Annotated[int | None, Query(ge=1)] = None,
                 municipality: Annotated[str, Query(max_length=100)] = "", province: Province | None = None,
                 status: MotionStatus | None = None, year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
                 cursor: str | None = None) -> Response:
    """The motion library: every motion she may read, with facets that narrow it."""
    query = LibraryQuery(q=q or None, theme_id=theme_id, municipality=municipality or None, province=province,
                         status=status, year=year, cursor=cursor)
    page = motions.library(session, me.user, query=query)
    chosen = {"q": q, "theme_id": str(theme_id or ""), "municipality": municipality,
              "province": province.value if province else "", "status": status.value if status else "",
              "year": str(year or "")}

    def link(**overrides: str) -> str:
        return "/motions?" + urlencode({k: v for k, v in {**chosen, **overrides}.items() if v})

    return render(request, "motions.html", {"page": page, "chosen": chosen, "link": link}, viewer=me.viewer)


@router.get("/motions/{thread_id}/reuse")
def reuse_page(request: Request, thread_id: PathId, me: SignedIn,
               session: SessionDep) -> Response:
    """Her own motion, starting from this one: its text in the composer, the original linked."""
    start = motions.reuse(session, me.user, thread_id=thread_id)
    places = []
    for group in groups.list_groups(session, me.user, mine=True):
        if group.can_post:
            channels = groups.list_channels(session, me.user, group_id=group.id)
            default = next((c for c in channels if c.is_default), channels[0] if channels else None)
            if default is not None:
                places.append({"name": group.name, "channel_id": default.id})
    return render(request, "reuse.html", {"start": start, "places": places,
                                          "statuses": [s.value for s in MotionStatus]}, viewer=me.viewer)


@router.get("/members")
def members_page(request: Request, me: SignedIn, session: SessionDep,
                 q: Annotated[str, Query(max_length=100)] = "", title: Title | None = None,
                 municipality: Annotated[str, Query(max_length=100)] = "", province: Province | None = None,
                 portfolio_id: Annotated[int | None, Query(ge=1)] = None, cursor: str | None = None) -> Response:
    """The member directory: who holds which portfolio where."""
    found = profiles.list_members(session, me.user, q=q or None, title=title, municipality=municipality or None,
                                  province=province, portfolio_id=portfolio_id, cursor=cursor, limit=30)
    chosen = {"q": q, "title": title.value if title else "", "municipality": municipality,
              "province": province.value if province else "", "portfolio_id": str(portfolio_id or "")}

    def link(**overrides: str) -> str:
        return "/members?" + urlencode({k: v for k, v in {**chosen, **overrides}.items() if v})

    return render(request, "members.html", {
        "found": found, "chosen": chosen, "link": link, "titles": [t.value for t in Title],
        "provinces": [p.value for p in Province], "portfolios": profiles.list_portfolios(session)}, viewer=me.viewer)
