"""Accounts: invites, login sessions, API tokens, passwords, site roles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access import SiteAction, require
from app.config import get_settings
from app.db import constraint_decides, is_unique_violation, rows_changed, utcnow
from app.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Unauthenticated
from app.events import (
    AccountDeactivated,
    AccountRef,
    AccountRoleChanged,
    ApiTokenRevoked,
    RoleChange,
    SessionEnded,
    SessionsEnded,
    TokenRevoked,
    record_event,
    user_topic,
)
from app.jobs import Mail
from app.models import ApiToken, AuthSession, Invite, PasswordReset, User
from app.models.enums import AuditAction, SiteRole
from app.ratelimit import Limiter
from app.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_hash,
    verify_password,
)
from app.services import audit, search
from app.services.mail import compose, record_mail

# Writing the session's last_seen_at on every request would turn reads into writes.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def normalise_email(email: str) -> str:
    return email.strip().lower()


# --- invites -------------------------------------------------------------------------------------


def create_invite(session: Session, actor: User, *, email: str, role: SiteRole) -> tuple[Invite, str]:
    require(actor, SiteAction.invite)
    if role != SiteRole.member and actor.role != SiteRole.admin:
        raise Forbidden("Only admins can invite a community manager or an admin.", field="role", code="admins_only",
                        refused="site.invite_staff")
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("Someone with this email address already has an account.", field="email")
    now = utcnow()
    # A new invite replaces any earlier open one for the same address.
    session.execute(
        update(Invite)
        .where(Invite.email == email, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = new_token()
    settings = get_settings()
    invite = Invite(
        email=email, token_hash=token_hash(token), role=role.value, invited_by_id=actor.id,
        created_at=now, expires_at=now + timedelta(hours=settings.invite_ttl_hours),
    )
    # Two staff inviting this address at once: the index on open invites decides, the second hears it.
    with constraint_decides(session, Conflict("An invite to this address was sent just now.", field="email",
                                              code="invite_just_sent")):
        session.add(invite)
    url = invite_url(token)
    # A new member's language is not known yet: the invite is in Dutch, the site's language.
    subject, text, html = compose("invite", language="nl", inviter=actor.display_name, url=url,
                                  expires_at=invite.expires_at)
    record_mail(session, Mail(to=email, kind="invite", subject=subject, text=text, html=html))
    audit.record(session, actor, AuditAction.invite_created, target_type="invite", target_id=invite.id,
                 after={"email": email, "role": role.value})
    return invite, url


def invite_url(token: str) -> str:
    return f"{get_settings().base_url}/invite/{token}"


def list_invites(session: Session, actor: User) -> list[Invite]:
    require(actor, SiteAction.invite)
    return list(session.scalars(select(Invite).order_by(Invite.id.desc()).limit(200)))


def revoke_invite(session: Session, actor: User, *, invite_id: int) -> None:
    require(actor, SiteAction.invite)
    invite = session.get(Invite, invite_id)
    if invite is None:
        raise NotFound("Invite not found.")
    if invite.accepted_at is not None:
        raise Conflict("This invite was already accepted.")
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        audit.record(session, actor, AuditAction.invite_revoked, target_type="invite", target_id=invite.id,
                     before={"email": invite.email})


def get_open_invite(session: Session, *, token: str) -> Invite:
    invite = session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
    if invite is None or invite.revoked_at is not None:
        raise NotFound("This invite link is not valid.")
    if invite.accepted_at is not None:
        raise Gone("This invite was already used. Log in instead.", code="invite_used")
    if invite.expires_at <= utcnow():
        raise Gone("This invite has expired. Ask for a new one.", code="invite_expired")
    return invite


def accept_invite(session: Session, *, token: str, display_name: str, username: str, password: str) -> User:
    invite = get_open_invite(session, token=token)

    def taken() -> Conflict | None:
        if session.scalar(select(User.id).where(User.email == invite.email)) is not None:
            return Conflict("Someone with this email address already has an account.", field="email",
                            code="email_taken")
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            return Conflict("This username is taken.", field="username", code="username_taken")
        return None

    if (refused := taken()) is not None:
        raise refused
    password_hash = hash_password(password)  # slow on purpose: before the invite is claimed (and rows locked)
    # Claimed with one conditional UPDATE: the form sent twice at once (a double click) makes one account.
    if not rows_changed(session,
            update(Invite).where(Invite.id == invite.id, Invite.accepted_at.is_(None), Invite.revoked_at.is_(None))
            .values(accepted_at=utcnow()).execution_options(synchronize_session=False)):
        raise Gone("This invite was already used. Log in instead.", code="invite_used")
    user = User(email=invite.email, username=username, display_name=display_name, password_hash=password_hash,
                role=invite.role)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        # Someone took the username (or the address) since the check above.
        if not is_unique_violation(exc) or (refused := taken()) is None:
            raise
        raise refused from None
    search.index_member(session, user)
    session.refresh(invite)
    invite.user_id = user.id
    audit.record(session, user, AuditAction.invite_accepted, target_type="invite", target_id=invite.id,
                 after={"user_id": user.id, "role": user.role})
    return user


# --- sessions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    user: User
    token: str
    auth_session: AuthSession


def login(
    session: Session, limiter: Limiter, *, email: str, password: str,
    ip_address: str | None, user_agent: str | None,
) -> Login:
    account = normalise_email(email)
    limiter.check("login", account=account, address=ip_address)
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        limiter.hit("login", account=account, address=ip_address)
        # Who tried is kept only for an account that exists (the target); an unknown address is not stored.
        why = "unknown address" if user is None else "wrong password" if not ok else "account deactivated"
        audit.record_failure(session, None, AuditAction.login_failed, target_type="user",
                             target_id=user.id if user else 0, after={"reason": why}, address=ip_address)
        # One answer for an unknown address, a wrong password and a deactivated account.
        raise Unauthenticated("Email address or password is incorrect.", code="invalid_credentials")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    login = start_session(session, user, ip_address=ip_address, user_agent=user_agent)
    audit.record(session, user, AuditAction.login, target_type="user", target_id=user.id,
                 after={"session_id": login.auth_session.id}, address=ip_address)
    return login


def start_session(session: Session, user: User, *, ip_address: str | None, user_agent: str | None) -> Login:
    """Always a new session id: a login never adopts a cookie the browser already had."""
    token = new_token()
    now = utcnow()
    auth_session = AuthSession(
        token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=get_settings().session_absolute_hours),
        ip_address=ip_address, user_agent=(user_agent or "")[:300] or None,
    )
    session.add(auth_session)
    session.flush()
    return Login(user=user, token=token, auth_session=auth_session)


@dataclass(frozen=True)
class Seen:
    """What resolving a login noticed: it was used (`at`), or it has expired (`ended`).

    Resolving is a read. What it noticed is written afterwards by `seen_statement`, in a short transaction of its
    own (app/deps.py), never in the request's: a later 401 or 404 would roll it back, and on SQLite every page
    view would queue for the write lock."""

    at: datetime
    session_id: int | None = None
    token_id: int | None = None
    ended: bool = False


@dataclass(frozen=True)
class ResolvedLogin:
    user: User
    auth_session: AuthSession | None  # the cookie's session; None for an API token
    api_token: ApiToken | None


def resolve_session(session: Session, *, token: str) -> tuple[ResolvedLogin | None, Seen | None]:
    """The cookie's session and its member, if it is still valid; and what to note about it (see Seen)."""
    # Every request asks this: the session and its user come back in one query.
    found = session.execute(
        select(AuthSession, User).join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None, None
    auth_session, user = found
    now = utcnow()
    idle_limit = auth_session.last_seen_at + timedelta(minutes=get_settings().session_idle_minutes)
    if now >= auth_session.expires_at or now >= idle_limit:
        return None, Seen(at=now, session_id=auth_session.id, ended=True)
    if not user.is_active:
        return None, None
    seen = Seen(at=now, session_id=auth_session.id) if now - auth_session.last_seen_at >= LAST_SEEN_GRANULARITY \
        else None
    return ResolvedLogin(user=user, auth_session=auth_session, api_token=None), seen


def seen_statement(seen: Seen) -> Update:
    """The write that notes a login's use (at most once per LAST_SEEN_GRANULARITY) or its end. Conditional, so
    that two requests noting the same minute, or a logout in between, change nothing twice."""
    if seen.token_id is not None:
        return (update(ApiToken).where(ApiToken.id == seen.token_id, or_(
            ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= seen.at - LAST_SEEN_GRANULARITY))
            .values(last_used_at=seen.at))
    if seen.ended:
        return (update(AuthSession).where(AuthSession.id == seen.session_id, AuthSession.ended_at.is_(None))
                .values(ended_at=seen.at))
    return (update(AuthSession).where(AuthSession.id == seen.session_id, AuthSession.ended_at.is_(None),
                                      AuthSession.last_seen_at <= seen.at - LAST_SEEN_GRANULARITY)
            .values(last_seen_at=seen.at))


def _sessions_ended(session: Session, *, user_id: int, session_ids: list[int] | None = None) -> None:
    """Open websockets of ended sessions are closed by the hub when this event passes."""
    record_event(session, SessionEnded(topic=user_topic(user_id), payload=SessionsEnded(
        user_id=user_id, session_ids=session_ids or [], all=session_ids is None)))


def logout(session: Session, *, auth_session_id: int) -> None:
    auth_session = session.get(AuthSession, auth_session_id)
    if auth_session is not None and auth_session.ended_at is None:
        auth_session.ended_at = utcnow()
        _sessions_ended(session, user_id=auth_session.user_id, session_ids=[auth_session.id])
        audit.record(session, session.get(User, auth_session.user_id), AuditAction.logout, target_type="user",
                     target_id=auth_session.user_id, after={"session_id": auth_session.id})


def list_sessions(session: Session, actor: User) -> list[AuthSession]:
    now = utcnow()
    # Only sessions that still work: an idle one is dead even though nobody wrote its ended_at yet.
    idle_since = now - timedelta(minutes=get_settings().session_idle_minutes)
    return list(session.scalars(
        select(AuthSession)
        .where(AuthSession.user_id == actor.id, AuthSession.ended_at.is_(None), AuthSession.expires_at > now,
               AuthSession.last_seen_at > idle_since)
        .order_by(AuthSession.last_seen_at.desc())
    ))


def end_session(session: Session, actor: User, *, auth_session_id: int) -> None:
    auth_session = session.get(AuthSession, auth_session_id)
    if auth_session is None or auth_session.user_id != actor.id or auth_session.ended_at is not None:
        raise NotFound("Session not found.")
    auth_session.ended_at = utcnow()
    _sessions_ended(session, user_id=actor.id, session_ids=[auth_session.id])
    audit.record(session, actor, AuditAction.session_ended, target_type="user", target_id=actor.id,
                 after={"session_id": auth_session.id})


def end_all_sessions(session: Session, *, user_id: int, keep_id: int | None = None) -> list[int]:
    stmt = select(AuthSession.id).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(AuthSession.id != keep_id)
    ended = list(session.scalars(stmt))
    if ended:
        session.execute(update(AuthSession).where(AuthSession.id.in_(ended)).values(ended_at=utcnow()))
        _sessions_ended(session, user_id=user_id, session_ids=ended)
    return ended


def end_other_sessions(session: Session, actor: User, *, keep_id: int | None) -> int:
    """'Log out everywhere else': every session of hers but the one she asks from. How many were ended."""
    ended = end_all_sessions(session, user_id=actor.id, keep_id=keep_id)
    if ended:
        audit.record(session, actor, AuditAction.session_ended, target_type="user", target_id=actor.id,
                     after={"session_ids": ended})
    return len(ended)


# --- passwords -----------------------------------------------------------------------------------


def change_password(
    session: Session, actor: User, *, current_password: str, new_password: str, keep_session_id: int | None
) -> None:
    if not verify_password(actor.password_hash, current_password):
        audit.record_failure(session, actor, AuditAction.password_change_failed, target_type="user",
                             target_id=actor.id, after={"reason": "wrong current password"})
        raise Invalid("The current password is not correct.", field="current_password")
    actor.password_hash = hash_password(new_password)
    # Anyone who knew the old password is signed out everywhere else.
    end_all_sessions(session, user_id=actor.id, keep_id=keep_session_id)
    audit.record(session, actor, AuditAction.password_changed, target_type="user", target_id=actor.id)


def request_password_reset(session: Session, *, email: str) -> None:
    """Same outcome for every address, so the form cannot tell who has an account."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        return
    token = new_token()
    now = utcnow()
    ttl = get_settings().password_reset_ttl_minutes
    session.add(PasswordReset(
        user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=now + timedelta(minutes=ttl)
    ))
    url = f"{get_settings().base_url}/password-reset/{token}"
    subject, text, html = compose("password_reset", language=user.language, name=user.display_name, url=url,
                                  minutes=ttl)
    record_mail(session, Mail(to=user.email, kind="password_reset", subject=subject, text=text, html=html,
                              user_id=user.id))
    audit.record(session, None, AuditAction.password_reset_requested, target_type="user", target_id=user.id)


def confirm_password_reset(session: Session, *, token: str, new_password: str) -> User:
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    user = session.get(User, reset.user_id) if reset is not None else None
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow() or user is None \
            or not user.is_active:
        if reset is not None:  # a real link, used up or expired (a made-up one is nobody's to record)
            audit.record_failure(session, None, AuditAction.password_reset_failed, target_type="user",
                                 target_id=reset.user_id, after={"reason": "link used or expired"})
        raise Invalid("This reset link is not valid or has expired. Ask for a new one.", field="token")
    now = utcnow()
    user.password_hash = hash_password(new_password)
    session.execute(
        update(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    end_all_sessions(session, user_id=user.id)
    audit.record(session, user, AuditAction.password_reset, target_type="user", target_id=user.id)
    return user


# --- API tokens ----------------------------------------------------------------------------------

API_TOKEN_PREFIX = "plein_"


def create_api_token(session: Session, actor: User, *, name: str) -> tuple[ApiToken, str]:
    active = session.scalar(
        select(func.count()).select_from(ApiToken)
        .where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
    )
    if (active or 0) >= 20:
        raise Conflict("You have 20 active tokens; revoke one first.")
    token = new_token(API_TOKEN_PREFIX)
    api_token = ApiToken(user_id=actor.id, name=name, token_hash=token_hash(token), prefix=token[:12])
    session.add(api_token)
    session.flush()
    audit.record(session, actor, AuditAction.token_created, target_type="api_token", target_id=api_token.id,
                 after={"name": name, "prefix": api_token.prefix})
    return api_token, token


def list_api_tokens(session: Session, actor: User) -> list[ApiToken]:
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    ))


def revoke_api_token(session: Session, actor: User, *, token_id: int) -> None:
    api_token = session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != actor.id or api_token.revoked_at is not None:
        raise NotFound("Token not found.")
    api_token.revoked_at = utcnow()
    audit.record(session, actor, AuditAction.token_revoked, target_type="api_token", target_id=api_token.id,
                 before={"name": api_token.name, "prefix": api_token.prefix})
    # Websockets opened with this token are closed by the hub when this event passes.
    record_event(session, ApiTokenRevoked(topic=user_topic(actor.id),
                                          payload=TokenRevoked(user_id=actor.id, token_id=api_token.id)))


def resolve_api_token(session: Session, *, token: str) -> tuple[ResolvedLogin | None, Seen | None]:
    api_token = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
    )
    if api_token is None:
        return None, None
    user = session.get(User, api_token.user_id)
    if user is None or not user.is_active:
        return None, None
    now = utcnow()
    seen = Seen(at=now, token_id=api_token.id) \
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_SEEN_GRANULARITY else None
    return ResolvedLogin(user=user, auth_session=None, api_token=api_token), seen


# --- administration ------------------------------------------------------------------------------


def update_user_admin(
    session: Session, actor: User, *, user_id: int, role: SiteRole | None, is_active: bool | None,
    is_editor: bool | None = None,
) -> User:
    require(actor, SiteAction.manage_users)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Member not found.")
    before = {"role": user.role, "is_active": user.is_active, "is_editor": user.is_editor}
    _apply_admin_change(session, actor, user, role=role, is_active=is_active)
    search.index_member(session, user)  # a deactivated member is no longer found
    if is_editor is not None:
        user.is_editor = is_editor  # the editor role: writes and publishes articles
    after = {"role": user.role, "is_active": user.is_active, "is_editor": user.is_editor}
    # One entry per kind of change, so that "who changed roles" or "who was deactivated" is one filter.
    for key, action in (("role", AuditAction.account_role_changed), ("is_editor", AuditAction.account_updated),
                        ("is_active", AuditAction.account_reactivated if user.is_active
                         else AuditAction.account_deactivated)):
        if after[key] != before[key]:
            audit.record(session, actor, action, target_type="user", target_id=user.id, before={key: before[key]},
                         after={key: after[key]})
    return user


def _apply_admin_change(session: Session, actor: User, user: User, *, role: SiteRole | None,
                        is_active: bool | None) -> None:
    if role is not None and role.value != user.role:
        if actor.role != SiteRole.admin:
            raise Forbidden("Only admins change site roles.", field="role", code="admins_only",
                            refused="site.change_roles")
        if user.id == actor.id:
            raise Conflict("You cannot change your own role.", field="role")
        user.role = role
        # Open websockets re-check what she may follow with her new role.
        record_event(session, AccountRoleChanged(topic=user_topic(user.id),
                                                 payload=RoleChange(user_id=user.id, role=user.role)))
    if is_active is not None and is_active != user.is_active:
        if user.id == actor.id:
            raise Conflict("You cannot deactivate your own account.", field="is_active")
        if user.role != SiteRole.member and actor.role != SiteRole.admin:
            raise Forbidden("Only admins deactivate staff accounts.", field="is_active", code="admins_only",
                            refused="site.deactivate_staff")
        user.is_active = is_active
        user.deactivated_at = None if is_active else utcnow()
        if not is_active:
            # Deactivation signs the member out everywhere at once: sessions and tokens.
            end_all_sessions(session, user_id=user.id)
            record_event(session, AccountDeactivated(topic=user_topic(user.id), payload=AccountRef(user_id=user.id)))
            session.execute(
                update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
