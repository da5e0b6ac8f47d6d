"""Server-rendered pages. They read through the same services as the API; their scripts write through the API.

A page needs a logged-in member (else a redirect to /login), and what she may not see is the same 404 as
in the API. Each page names the websocket topics its script subscribes to.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.deps import SESSION_COOKIE, Auth, OptionalAuthDep, SessionDep
from app.db import unit_of_work
from app.errors import AppError, Forbidden, NotFound
from app.events import channel_topic, group_topic, site_topic, thread_topic
from app.models.enums import GroupKind, Province, Title
from app.schemas.common import PathId
from app.schemas.moderation import QueueReason
from app.services import (
    accounts,
    articles,
    audit,
    community,
    duplicates,
    groups,
    moderation,
    motions,
    notifications,
    posts,
    profiles,
    roles,
    search,
)
from app.web import assets as static_assets
from app.web import i18n
from app.web.render import Viewer, assets, render

SWAGGER = "vendor/swagger-ui-5.35.0"


class LoginRequired(Exception):
    """A page that needs a member was asked for by a visitor: send her to the login page and back."""


def _viewer(request: Request, auth: OptionalAuthDep, session: SessionDep) -> Viewer | None:
    if auth is None:
        return None
    user = auth.user
    viewer = Viewer(id=user.id, username=user.username, display_name=user.display_name, language=user.language,
                    staff=roles.is_staff(user), editor=roles.is_editor(user), csrf_token=auth.csrf_token or "",
                    unread=notifications.get_unread(session, user).unread,
                    queue=moderation.queue_size(session, user))
    request.state.viewer = viewer  # an error page later in this request speaks her language too
    return viewer


MaybeViewer = Annotated[Viewer | None, Depends(_viewer)]


def _member(request: Request, auth: OptionalAuthDep, session: SessionDep) -> Viewer:
    viewer = _viewer(request, auth, session)
    if viewer is None:
        raise LoginRequired()
    return viewer


PageViewer = Annotated[Viewer, Depends(_member)]


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return "/"
    parts = urlsplit(target)
    # Browsers read a backslash as a slash: "/\\evil.example" would leave the site.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
HOME_UNREAD = 5  # unread notifications shown on the home page


@router.get("/login")
def login_page(request: Request, viewer: MaybeViewer, next: str | None = None) -> Response:
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next)}, viewer=None)


@router.get("/")
def home(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
         cursor: str | None = None) -> Response:
    assert auth is not None
    mine = groups.list_groups(session, auth.user, mine=True)
    activity = posts.list_my_activity(session, auth.user, cursor=cursor, limit=25)
    topics = [site_topic(), *[group_topic(g.id) for g in mine][:40]]
    unread = notifications.list_notifications(session, auth.user, unread_only=True, limit=HOME_UNREAD)
    featured = articles.get_featured(session, auth.user)
    return render(request, "home.html", {"groups": mine, "activity": activity, "topics": topics,
                                         "unread": unread.model_dump(mode="json"),
                                         "featured": featured},
                  viewer=viewer)


@router.get("/groups")
def directory(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
              kind: GroupKind | None = None, q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    assert auth is not None
    found = groups.list_groups(session, auth.user, kind=kind, q=q)
    return render(request, "directory.html", {"groups": found, "kind": kind.value if kind else "", "q": q or "",
                                              "kinds": [k.value for k in GroupKind]}, viewer=viewer)


@router.get("/groups/{slug}")
def group_page(request: Request, slug: str, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
               channel: str | None = None, cursor: str | None = None) -> Response:
    assert auth is not None
    group = groups.get_group_by_slug(session, auth.user, slug=slug)
    readable = group.can_read
    channels = groups.list_channels(session, auth.user, group_id=group.id) if readable else []
    selected = next((c for c in channels if c.slug == channel), None)
    if channel is not None and selected is None:
        raise NotFound("Channel not found.")
    threads = None
    if readable:
        threads = (posts.list_channel_threads(session, auth.user, channel_id=selected.id, cursor=cursor)
                   if selected else posts.list_group_threads(session, auth.user, group_id=group.id, cursor=cursor))
    members = groups.list_members(session, auth.user, group_id=group.id, cursor=None, limit=12) if readable else None
    may_post = group.can_post
    default_channel = selected or next((c for c in channels if c.is_default), channels[0] if channels else None)
    topics = ([channel_topic(selected.id)] if selected else [group_topic(group.id)]) if readable else []
    level = notifications.get_group_level(session, auth.user, group_id=group.id) if group.my_role else None
    return render(request, "group.html", {
        "group": group, "channels": channels, "selected": selected, "threads": threads, "members": members,
        "may_post": may_post and default_channel is not None, "default_channel": default_channel, "topics": topics,
        "level": level, "portfolios": profiles.list_portfolios(session) if may_post else [],
        "provinces": [p.value for p in Province], "titles": [t.value for t in Title],
    }, viewer=viewer)


@router.get("/notifications")
def notifications_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
                       cursor: str | None = None) -> Response:
    assert auth is not None
    found = notifications.list_notifications(session, auth.user, cursor=cursor, limit=50)
    return render(request, "notifications.html", {
        "notifications": found.model_dump(mode="json"), "next_cursor": found.next_cursor}, viewer=viewer)


@router.get("/settings/notifications")
def notification_settings_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep,
                               session: SessionDep) -> Response:
    assert auth is not None
    mine = groups.list_groups(session, auth.user, mine=True)
    levels = {g.id: notifications.get_group_level(session, auth.user, group_id=g.id) for g in mine}
    return render(request, "settings_notifications.html", {
        "settings": notifications.get_notification_settings(session, auth.user), "groups": mine, "levels": levels,
    }, viewer=viewer)


@router.get("/members/{username}")
def profile_page(request: Request, username: str, viewer: PageViewer, auth: OptionalAuthDep,
                 session: SessionDep) -> Response:
    assert auth is not None
    profile = profiles.get_profile_by_username(session, auth.user, username=username)
    about = articles.list_published(session, auth.user, subject_id=profile.id, limit=10)
    return render(request, "profile.html", {
        "profile": profile, "articles": about,
        "groups": groups.list_member_groups(session, auth.user, user_id=profile.id),
        "recent": search.recent_by(session, auth.user, author_id=profile.id, limit=10)}, viewer=viewer)


@router.get("/settings/profile")
def profile_settings_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep,
                          session: SessionDep) -> Response:
    assert auth is not None
    return render(request, "settings_profile.html", {
        "me": profiles.me_out(auth.user), "portfolios": profiles.list_portfolios(session),
        "provinces": [p.value for p in Province], "titles": [t.value for t in Title],
    }, viewer=viewer)


@router.get("/moderation")
def moderation_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
                    reason: QueueReason | None = None, group_id: Annotated[int | None, Query(ge=1)] = None,
                    older_than_hours: Annotated[int | None, Query(ge=0, le=24 * 365)] = None,
                    cursor: str | None = None) -> Response:
    assert auth is not None
    queue = moderation.list_queue(session, auth.user, reason=reason, group_id=group_id,
                                  older_than_hours=older_than_hours, cursor=cursor)
    words = moderation.list_watched_words(session, auth.user) if viewer.staff else []
    moderated = [g for g in groups.list_groups(session, auth.user) if viewer.staff or g.my_role in ("moderator",
                                                                                                    "admin")]
    return render(request, "moderation.html", {
        "queue": queue, "reason": reason.value if reason else "", "reasons": [r.value for r in QueueReason],
        "words": words, "groups": moderated, "group_id": group_id, "older_than_hours": older_than_hours,
    }, viewer=viewer)


@router.get("/manage/audit")
def audit_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
               action: Annotated[str | None, Query(max_length=40)] = None, cursor: str | None = None) -> Response:
    assert auth is not None
    entries = audit.list_entries(session, auth.user, action=action or None, cursor=cursor)
    return render(request, "audit.html", {"entries": entries, "action": action or ""}, viewer=viewer)


@router.get("/manage/duplicates")
def duplicates_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep) -> Response:
    assert auth is not None
    return render(request, "duplicates.html", {"pairs": duplicates.duplicate_pairs(session, auth.user)},
                  viewer=viewer)


@router.get("/manage/community")
def community_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep) -> Response:
    assert auth is not None
    return render(request, "community.html", {
        "unanswered": community.unanswered_questions(session, auth.user, limit=20),
        "drifting": community.drifting_members(session, auth.user, limit=20),
        "activity": community.group_activity(session, auth.user),
    }, viewer=viewer)


@router.get("/manage/merge")
def merge_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
               source: int | None = None, target: int | None = None) -> Response:
    """The merge tool: choose two groups, see the dry run, then merge."""
    assert auth is not None
    if not viewer.staff:
        raise Forbidden("Only the community manager and admins merge groups.")
    return render(request, "merge.html", {"groups": groups.list_groups(session, auth.user),
                                          "source": source, "target": target}, viewer=viewer)


@router.get("/manage/questions")
def pending_questions_page(request: Request, viewer: PageViewer, auth: OptionalAuthDep, session: SessionDep,
                           cursor: str | None = None) -> Response:
    """The community manager's list of questions to portfolios that wait for her approval."""
    assert auth is not None
    pending = posts.list_pending_questions(session, auth.user, cursor=cursor)
    return render(request, "pending_questions.html", {"pending": pending}, viewer=viewer)


@router.get("/threads/{thread_id}")
def thread_page(request: Request, thread_id: PathId, viewer: PageViewer, auth: OptionalAuthDep,
                session: SessionDep, cursor: str | None = None) -> Response:
    assert auth is not None
    thread = posts.get_thread(session, auth.user, thread_id=thread_id)
    group = groups.get_group(session, auth.user, group_id=thread.group_id)
    replies = posts.list_replies(session, auth.user, thread_id=thread_id, cursor=cursor, limit=100)
    may_reply = group.can_post
    similar = motions.similar(session, auth.user, thread_id=thread.id) if thread.kind == "motion" else []
    return render(request, "thread.html", {
        "thread": thread, "group": group, "replies": replies, "may_reply": may_reply, "similar": similar,
        "topics": [thread_topic(thread.id)], "level": notifications.get_thread_level(session, auth.user,
                                                                                       thread_id=thread.id),
    }, viewer=viewer)


@router.get("/invite/{token}")
def invite_page(request: Request, token: str, viewer: MaybeViewer) -> Response:
    return render(request, "invite.html", {"token": token}, viewer=viewer)


@router.get("/password-reset/{token}")
def reset_page(request: Request, token: str, viewer: MaybeViewer) -> Response:
    return render(request, "password_reset.html", {"token": token}, viewer=viewer)


@router.get("/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: str, session: SessionDep) -> Response:
    """What a mail's unsubscribe link opens: a button, not an action (mail scanners follow links)."""
    return _unsubscribe(request, session, token, confirm=False)


@router.post("/unsubscribe/{token}")
def unsubscribe(request: Request, token: str, session: SessionDep) -> Response:
    """The page's button, and RFC 8058 one-click (the mail client POSTs List-Unsubscribe=One-Click): no login."""
    return _unsubscribe(request, session, token, confirm=True)


def _unsubscribe(request: Request, session: SessionDep, token: str, *, confirm: bool) -> Response:
    found = notifications.unsubscribe(session, token=token, confirm=confirm)
    if found is None:
        i18n.set_language(i18n.pick_language(None, request.headers.get("accept-language")))
        return render(request, "error.html", {"status_code": 404, "message": "", "detail": i18n.gettext(
            "This unsubscribe link is not valid. Change your mail settings after logging in.")},
            viewer=None, status_code=404)
    return render(request, "unsubscribe.html", {"unsubscribe": found}, viewer=None, language=found.language)


@router.get("/api/docs")
def api_docs(request: Request, viewer: MaybeViewer) -> Response:
    return render(request, "api_docs.html", {"swagger": SWAGGER}, viewer=viewer)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marked for the catalog, translated later
    return message


# The services answer in English (the API's language); these reasons a page shows in the member's language.
PAGE_REASONS = {message: message for message in (
    N_("Join this group to read what is posted in it."),
    N_("Join this group to post in it."),
    N_("Only the group's moderators can do this."),
    N_("Only the group's admins can do this."),
    N_("Only the community manager and admins decide on large questions."),
    N_("Only moderators see the moderation queue."),
    N_("Only the community manager and admins read the audit log."),
    N_("Only the community manager and admins see possible duplicates."),
    N_("Only the community manager and admins see the community's health."),
    N_("Only the community manager and admins merge groups."),
    N_("Only editors (the community manager, admins and members with the editor role) do this."),
    # 503: the database is down, restarting, locked or out of connections (app/db.py database_unavailable).
    N_("The database is not reachable right now. Try again in a few seconds."),
    N_("The site is very busy right now. Try again in a moment."),
)}


def error_page(request: Request, status_code: int, message: str) -> Response:
    """What a page shows when the service said no; the API keeps its JSON answer."""
    viewer = getattr(request.state, "viewer", None)
    token = request.cookies.get(SESSION_COOKIE)
    # No page route ran (an unknown address): still her language and header. Not when the database is
    # unavailable (503): asking it who she is would only fail again.
    if viewer is None and token and status_code != 503:
        with unit_of_work(request.app.state.db, None) as session:
            resolved = accounts.resolve_session(session, token=token)
            if resolved is not None:
                viewer = _viewer(request, Auth(user=resolved[0], session_id=resolved[1].id, csrf_token=None),
                                 session)
    i18n.set_language(viewer.language if viewer else i18n.pick_language(None, request.headers.get("accept-language")))
    shown = i18n.gettext(PAGE_REASONS[message]) if message in PAGE_REASONS else (
        i18n.gettext("You may not do this here.") if status_code == 403 else message)
    return render(request, "error.html", {"status_code": status_code, "message": shown},
                  viewer=viewer, status_code=status_code)


def wants_page(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not request.url.path.startswith(("/api/", "/static/")) \
        or request.url.path == "/api/docs"


def install(app: FastAPI) -> None:
    from app.web import finding_pages, publishing_pages  # they build on this module's page dependencies

    static_assets.install(app, assets)
    app.include_router(router)
    app.include_router(publishing_pages.router)
    app.include_router(finding_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


__all__ = ["AppError", "error_page", "install", "wants_page"]
