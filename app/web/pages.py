"""Server-rendered pages. They read through the same services as the API; their scripts write through the API.

A page needs a logged-in member (else a redirect to /login), and what she may not see is the same 404 as
in the API. Each page names the websocket topics its script subscribes to.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app import i18n
from app.access import GroupAction, SiteAction, access_group, allowed, is_staff_role, require
from app.db import unit_of_work
from app.deps import SESSION_COOKIE, Auth, SessionDep
from app.errors import AppError, NotFound
from app.events import channel_topic, group_topic, site_topic, thread_topic
from app.i18n import N_
from app.models.enums import AuditAction, AuditOutcome, GroupKind, GroupRole, Province, Title, Visibility
from app.schemas.common import PathId
from app.schemas.moderation import QueueReason
from app.services import (
    accounts,
    audit,
    community,
    duplicates,
    groups,
    moderation,
    motions,
    notifications,
    posts,
    profiles,
    publishing,
    search,
)
from app.web import assets as static_assets
from app.web import devices, finding_pages, publishing_pages
from app.web.deps import LoginRequired, MaybeViewer, SignedIn, page_viewer
from app.web.render import assets, render

SWAGGER = "vendor/swagger-ui-5.35.0"


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
def home(request: Request, me: SignedIn, session: SessionDep,
         cursor: str | None = None) -> Response:
    mine = groups.list_groups(session, me.user, mine=True)
    activity = posts.list_my_activity(session, me.user, cursor=cursor, limit=25)
    topics = [site_topic(), *[group_topic(g.id) for g in mine][:40]]
    unread = notifications.list_notifications(session, me.user, unread_only=True, limit=HOME_UNREAD)
    featured = publishing.get_featured(session, me.user)
    return render(request, "home.html", {"groups": mine, "activity": activity, "topics": topics,
                                         "unread": unread.model_dump(mode="json"),
                                         "featured": featured},
                  viewer=me.viewer)


@router.get("/groups")
def directory(request: Request, me: SignedIn, session: SessionDep,
              kind: GroupKind | None = None, q: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    found = groups.list_groups(session, me.user, kind=kind, q=q)
    return render(request, "directory.html", {"groups": found, "kind": kind.value if kind else "", "q": q or "",
                                              "kinds": [k.value for k in GroupKind]}, viewer=me.viewer)


@router.get("/groups/{slug}")
def group_page(request: Request, slug: str, me: SignedIn, session: SessionDep,
               channel: str | None = None, cursor: str | None = None) -> Response:
    group = groups.get_group_by_slug(session, me.user, slug=slug)
    readable = group.can_read
    channels = groups.list_channels(session, me.user, group_id=group.id) if readable else []
    selected = None
    if channel is not None:
        if not readable:
            raise NotFound("Channel not found.")
        # An archived channel opens read-only; a renamed one's old link leads to it as it is called now.
        selected = next((c for c in channels if c.slug == channel), None) \
            or groups.get_channel_by_slug(session, me.user, group_id=group.id, slug=channel)
        if selected.slug != channel:
            return RedirectResponse(f"/groups/{quote(group.slug)}?channel={quote(selected.slug)}", status_code=308)
    threads = None
    if readable:
        threads = (posts.list_channel_threads(session, me.user, channel_id=selected.id, cursor=cursor)
                   if selected else posts.list_group_threads(session, me.user, group_id=group.id, cursor=cursor))
    members = groups.list_members(session, me.user, group_id=group.id, cursor=None, limit=12) if readable else None
    may_post = group.can_post and not (selected and selected.archived_at)
    default_channel = selected or next((c for c in channels if c.is_default), channels[0] if channels else None)
    topics = ([channel_topic(selected.id)] if selected else [group_topic(group.id)]) if readable else []
    level = notifications.get_group_level(session, me.user, group_id=group.id) if group.my_role else None
    return render(request, "group.html", {
        "group": group, "channels": channels, "selected": selected, "threads": threads, "members": members,
        "may_post": may_post and default_channel is not None, "default_channel": default_channel, "topics": topics,
        "level": level, "portfolios": profiles.list_portfolios(session) if may_post else [],
        "provinces": [p.value for p in Province], "titles": [t.value for t in Title],
    }, viewer=me.viewer)


@router.get("/groups/{slug}/settings")
def group_settings_page(request: Request, slug: str, me: SignedIn, session: SessionDep) -> Response:
    """Its admins change the group and its channels; staff also move it under another group or archive it."""
    group = groups.get_group_by_slug(session, me.user, slug=slug)
    access_group(session, me.user, group.id, GroupAction.administer)  # anyone else: refused (and audited)
    organise = allowed(me.user, SiteAction.organise_groups)
    parents = [g for g in groups.list_groups(session, me.user) if g.id != group.id] if organise else []
    return render(request, "group_settings.html", {
        "group": group, "channels": groups.list_channels(session, me.user, group_id=group.id, include_archived=True),
        "organise": organise, "parents": parents, "visibilities": [v.value for v in Visibility],
    }, viewer=me.viewer)


@router.get("/groups/{slug}/members")
def group_members_page(request: Request, slug: str, me: SignedIn, session: SessionDep,
                       cursor: str | None = None) -> Response:
    """Who is in the group and with which role; its admins change roles, remove, invite and answer requests."""
    group = groups.get_group_by_slug(session, me.user, slug=slug)
    members = groups.list_members(session, me.user, group_id=group.id, cursor=cursor, limit=100)
    admin = group.can_administer
    return render(request, "group_members.html", {
        "group": group, "members": members, "roles": [r.value for r in GroupRole],
        "requests": groups.list_join_requests(session, me.user, group_id=group.id) if admin else [],
        "invitations": groups.list_group_invitations(session, me.user, group_id=group.id) if admin else [],
        "topics": [group_topic(group.id)],
    }, viewer=me.viewer)


@router.get("/notifications")
def notifications_page(request: Request, me: SignedIn, session: SessionDep,
                       cursor: str | None = None) -> Response:
    found = notifications.list_notifications(session, me.user, cursor=cursor, limit=50)
    return render(request, "notifications.html", {
        "notifications": found.model_dump(mode="json"), "next_cursor": found.next_cursor}, viewer=me.viewer)


@router.get("/settings/notifications")
def notification_settings_page(request: Request, me: SignedIn,
                               session: SessionDep) -> Response:
    mine = groups.list_groups(session, me.user, mine=True)
    levels = {g.id: notifications.get_group_level(session, me.user, group_id=g.id) for g in mine}
    return render(request, "settings_notifications.html", {
        "settings": notifications.get_notification_settings(session, me.user), "groups": mine, "levels": levels,
    }, viewer=me.viewer)


@router.get("/members/{username}")
def profile_page(request: Request, username: str, me: SignedIn,
                 session: SessionDep) -> Response:
    profile = profiles.get_profile_by_username(session, me.user, username=username)
    about = publishing.list_published(session, me.user, subject_id=profile.id, limit=10)
    # Staff silence or suspend a member from her profile (never another of the staff, nor themselves).
    restrictable = allowed(me.user, SiteAction.silence_members) and profile.id != me.user.id \
        and not is_staff_role(profile.role)
    return render(request, "profile.html", {
        "profile": profile, "articles": about, "restrictable": restrictable,
        "restriction": moderation.restriction_of(session, me.user, user_id=profile.id) if restrictable else None,
        "groups": groups.list_member_groups(session, me.user, user_id=profile.id),
        "recent": search.recent_by(session, me.user, author_id=profile.id, limit=10)}, viewer=me.viewer)


@router.get("/settings/profile")
def profile_settings_page(request: Request, me: SignedIn,
                          session: SessionDep) -> Response:
    return render(request, "settings_profile.html", {
        "me": profiles.me_out(me.user), "portfolios": profiles.list_portfolios(session),
        "provinces": [p.value for p in Province], "titles": [t.value for t in Title],
    }, viewer=me.viewer)


@router.get("/settings/account")
def account_settings_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    logins = [{"id": s.id, "device": devices.describe(s.user_agent), "ip_address": s.ip_address,
               "created_at": s.created_at, "last_seen_at": s.last_seen_at, "current": s.id == me.session_id}
              for s in accounts.list_sessions(session, me.user)]
    logins.sort(key=lambda login: not login["current"])  # this device first
    return render(request, "settings_account.html", {
        "email": me.user.email, "logins": logins, "tokens": accounts.list_api_tokens(session, me.user),
    }, viewer=me.viewer)


@router.get("/moderation")
def moderation_page(request: Request, me: SignedIn, session: SessionDep,
                    reason: QueueReason | None = None, group_id: Annotated[int | None, Query(ge=1)] = None,
                    older_than_hours: Annotated[int | None, Query(ge=0, le=24 * 365)] = None,
                    cursor: str | None = None) -> Response:
    queue = moderation.list_queue(session, me.user, reason=reason, group_id=group_id,
                                  older_than_hours=older_than_hours, cursor=cursor)
    words = moderation.list_watched_words(session, me.user) if me.viewer.staff else []
    restricted = moderation.list_restrictions(session, me.user) if allowed(me.user, SiteAction.silence_members) else []
    moderated = [g for g in groups.list_groups(session, me.user) if me.viewer.staff or g.my_role in ("moderator",
                                                                                                    "admin")]
    return render(request, "moderation.html", {
        "queue": queue, "reason": reason.value if reason else "", "reasons": [r.value for r in QueueReason],
        "words": words, "groups": moderated, "group_id": group_id, "older_than_hours": older_than_hours,
        "restricted": restricted,
    }, viewer=me.viewer)


AUDIT_LABELS = {
    AuditAction.login: N_("Logged in"),
    AuditAction.login_failed: N_("Login failed"),
    AuditAction.logout: N_("Logged out"),
    AuditAction.password_changed: N_("Password changed"),
    AuditAction.password_change_failed: N_("Password change failed"),
    AuditAction.password_reset_requested: N_("New password requested"),
    AuditAction.password_reset: N_("New password set"),
    AuditAction.password_reset_failed: N_("New password link refused"),
    AuditAction.token_created: N_("API token created"),
    AuditAction.token_revoked: N_("API token revoked"),
    AuditAction.session_ended: N_("Session ended"),
    AuditAction.invite_created: N_("Invitation sent"),
    AuditAction.invite_revoked: N_("Invitation withdrawn"),
    AuditAction.invite_accepted: N_("Invitation accepted"),
    AuditAction.account_updated: N_("Account changed"),
    AuditAction.account_role_changed: N_("Site role changed"),
    AuditAction.account_deactivated: N_("Account deactivated"),
    AuditAction.account_reactivated: N_("Account reactivated"),
    AuditAction.group_created: N_("Group created"),
    AuditAction.group_updated: N_("Group settings changed"),
    AuditAction.group_visibility_changed: N_("Group visibility changed"),
    AuditAction.group_merged: N_("Groups merged"),
    AuditAction.member_role_changed: N_("Role in group changed"),
    AuditAction.member_removed: N_("Removed from group"),
    AuditAction.join_request_approved: N_("Join request approved"),
    AuditAction.join_request_declined: N_("Join request declined"),
    AuditAction.post_approved: N_("Post approved"),
    AuditAction.post_edited_and_approved: N_("Post edited and approved"),
    AuditAction.post_rejected: N_("Post rejected"),
    AuditAction.post_removed: N_("Post removed"),
    AuditAction.thread_removed: N_("Thread removed"),
    AuditAction.flags_dismissed: N_("Reports dismissed"),
    AuditAction.member_silenced: N_("Member silenced"),
    AuditAction.member_unsilenced: N_("Silence lifted"),
    AuditAction.member_suspended: N_("Member suspended"),
    AuditAction.watched_word_added: N_("Watched word added"),
    AuditAction.watched_word_removed: N_("Watched word removed"),
    AuditAction.article_created: N_("Article created"),
    AuditAction.article_deleted: N_("Article deleted"),
    AuditAction.article_scheduled: N_("Article scheduled"),
    AuditAction.article_unscheduled: N_("Article no longer scheduled"),
    AuditAction.article_published: N_("Article published"),
    AuditAction.article_unpublished: N_("Article unpublished"),
    AuditAction.series_created: N_("Series created"),
    AuditAction.series_updated: N_("Series changed"),
    AuditAction.access_refused: N_("Refused: not allowed"),
    AuditAction.audit_purged: N_("Old entries removed"),
}
# Entries no signed-in member made (a failed login, a reset link asked for, the retention purge): their empty actor
# is not a member who has since left.
NOBODY_SIGNED_IN = {a.value for a in (AuditAction.login_failed, AuditAction.password_reset_requested,
                                      AuditAction.password_reset_failed, AuditAction.audit_purged)}
AUDIT_OUTCOMES = {
    AuditOutcome.success: N_("Succeeded"),
    AuditOutcome.refused: N_("Refused"),
    AuditOutcome.failed: N_("Failed"),
}


@router.get("/manage/audit")
def audit_page(request: Request, me: SignedIn, session: SessionDep, action: str = "", outcome: str = "",
               cursor: str | None = None) -> Response:
    # A choice that is no longer (or never was) in the lists filters nothing, as an empty one.
    chosen_action = AuditAction(action) if action in AuditAction._value2member_map_ else None
    chosen_outcome = AuditOutcome(outcome) if outcome in AuditOutcome._value2member_map_ else None
    entries = audit.list_entries(session, me.user, action=chosen_action, outcome=chosen_outcome, cursor=cursor)
    labels = {a.value: i18n.gettext(label) for a, label in AUDIT_LABELS.items()}
    return render(request, "audit.html", {
        "entries": entries, "action": chosen_action.value if chosen_action else "",
        "outcome": chosen_outcome.value if chosen_outcome else "", "labels": labels,
        "outcomes": {o.value: i18n.gettext(label) for o, label in AUDIT_OUTCOMES.items()},
        "actions": sorted(labels.items(), key=lambda item: item[1]),
        "nobody_signed_in": NOBODY_SIGNED_IN,
    }, viewer=me.viewer)


@router.get("/manage/duplicates")
def duplicates_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    return render(request, "duplicates.html", {"pairs": duplicates.duplicate_pairs(session, me.user)},
                  viewer=me.viewer)


@router.get("/manage/community")
def community_page(request: Request, me: SignedIn, session: SessionDep) -> Response:
    return render(request, "community.html", {
        "unanswered": community.unanswered_questions(session, me.user, limit=20),
        "drifting": community.drifting_members(session, me.user, limit=20),
        "activity": community.group_activity(session, me.user),
    }, viewer=me.viewer)


@router.get("/manage/merge")
def merge_page(request: Request, me: SignedIn, session: SessionDep,
               source: int | None = None, target: int | None = None) -> Response:
    """The merge tool: choose two groups, see the dry run, then merge."""
    require(me.user, SiteAction.merge)
    return render(request, "merge.html", {"groups": groups.list_groups(session, me.user),
                                          "source": source, "target": target}, viewer=me.viewer)


@router.get("/manage/questions")
def pending_questions_page(request: Request, me: SignedIn, session: SessionDep,
                           cursor: str | None = None) -> Response:
    """The community manager's list of questions to portfolios that wait for her approval."""
    pending = posts.list_pending_questions(session, me.user, cursor=cursor)
    return render(request, "pending_questions.html", {"pending": pending}, viewer=me.viewer)


@router.get("/threads/{thread_id}")
def thread_page(request: Request, thread_id: PathId, me: SignedIn,
                session: SessionDep, cursor: str | None = None) -> Response:
    thread = posts.get_thread(session, me.user, thread_id=thread_id)
    group = groups.get_group(session, me.user, group_id=thread.group_id)
    replies = posts.list_replies(session, me.user, thread_id=thread_id, cursor=cursor, limit=100)
    channel = groups.get_channel(session, me.user, channel_id=thread.channel_id)
    may_reply = group.can_post and channel.archived_at is None
    similar = motions.similar(session, me.user, thread_id=thread.id) if thread.kind == "motion" else []
    return render(request, "thread.html", {
        "thread": thread, "group": group, "channel": channel, "replies": replies, "may_reply": may_reply,
        "similar": similar,
        "topics": [thread_topic(thread.id)], "level": notifications.get_thread_level(session, me.user,
                                                                                       thread_id=thread.id),
    }, viewer=me.viewer)


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


# The services answer in English (the API's language); a page shows these refusals in the member's language,
# found by the error's stable code — never by its English text, which may be reworded.
PAGE_REASONS = {
    "join_to_read": N_("Join this group to read what is posted in it."),
    "join_to_post": N_("Join this group to post in it."),
    "group_moderators_only": N_("Only the group's moderators can do this."),
    "group_admins_only": N_("Only the group's admins can do this."),
    "moderators_only": N_("Only moderators see the moderation queue."),
    "decide_questions_not_allowed": N_("Only the community manager and admins decide on large questions."),
    "audit_not_allowed": N_("Only the community manager and admins read the audit log."),
    "find_duplicates_not_allowed": N_("Only the community manager and admins see possible duplicates."),
    "community_health_not_allowed": N_("Only the community manager and admins see the community's health."),
    "merge_not_allowed": N_("Only the community manager and admins merge groups."),
    "edit_articles_not_allowed": N_(
        "Only editors (the community manager, admins and members with the editor role) do this."),
    # 503: the database is down, restarting, locked or out of connections (app/db.py database_unavailable).
    "unavailable": N_("The database is not reachable right now. Try again in a few seconds."),
    "busy": N_("The site is very busy right now. Try again in a moment."),
    # 429: an abuse limit (app/ratelimit.py); the response says when in Retry-After.
    "rate_limited": N_("You are doing this very often. Wait a moment and try again."),
}


def error_page(request: Request, status_code: int, code: str, message: str) -> Response:
    """What a page shows when the service said no; the API keeps its JSON answer."""
    viewer = getattr(request.state, "viewer", None)
    token = request.cookies.get(SESSION_COOKIE)
    # No page route ran (an unknown address): still her language and header. Not when the database is
    # unavailable (503): asking it who she is would only fail again.
    if viewer is None and token and status_code != 503:
        with unit_of_work(request.app.state.db, None) as session:
            resolved, _seen = accounts.resolve_session(session, token=token)  # the page's request noted it
            if resolved is not None and resolved.auth_session is not None:
                viewer = page_viewer(request, Auth(user=resolved.user, session_id=resolved.auth_session.id,
                                                   csrf_token=None), session)
    i18n.set_language(viewer.language if viewer else i18n.pick_language(None, request.headers.get("accept-language")))
    shown = i18n.gettext(PAGE_REASONS[code]) if code in PAGE_REASONS else (
        i18n.gettext("You may not do this here.") if status_code == 403 else message)
    return render(request, "error.html", {"status_code": status_code, "message": shown},
                  viewer=viewer, status_code=status_code)


def wants_page(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not request.url.path.startswith(("/api/", "/static/")) \
        or request.url.path == "/api/docs"


def install(app: FastAPI) -> None:
    static_assets.install(app, assets)
    app.include_router(router)
    app.include_router(publishing_pages.router)
    app.include_router(finding_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


__all__ = ["AppError", "error_page", "install", "wants_page"]
