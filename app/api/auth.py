from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from app.config import Settings
from app.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthDep,
    CurrentUser,
    SessionDep,
    client_ip,
    limiter,
)
from app.schemas.common import PathId
from app.schemas.users import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    AuthSessionOut,
    InviteAccept,
    InvitePreview,
    LoginIn,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    SessionInfo,
    SessionsEndedOut,
)
from app.security import csrf_token_for
from app.services import accounts
from app.services.profiles import me_out

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _settings(request: Request) -> Settings:
    # The app's own settings, not the process-wide ones: an app built for https must send Secure cookies.
    settings: Settings = request.app.state.settings
    return settings


def _set_session_cookies(request: Request, response: Response, token: str) -> str:
    settings = _settings(request)
    csrf = csrf_token_for(settings.secret_key, token)
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, path="/")
    # Readable by our own scripts, which echo it in X-CSRF-Token; useless to another site.
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="lax",
                        secure=settings.secure_cookies, path="/")
    return csrf


def _clear_session_cookies(request: Request, response: Response) -> None:
    secure = _settings(request).secure_cookies
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, path="/", secure=secure, samesite="lax")


@router.post("/auth/login", response_model=SessionInfo)
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> SessionInfo:
    result = accounts.login(
        session, request.app.state.limiter, email=body.email, password=body.password,
        ip_address=client_ip(request), user_agent=request.headers.get("user-agent"),
    )
    csrf = _set_session_cookies(request, response, result.token)
    return SessionInfo(user=me_out(result.user), csrf_token=csrf)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(auth: AuthDep, session: SessionDep, request: Request, response: Response) -> None:
    if auth.session_id is not None:
        accounts.logout(session, auth_session_id=auth.session_id)
    _clear_session_cookies(request, response)


@router.get("/auth/session", response_model=SessionInfo)
def current_session(auth: AuthDep) -> SessionInfo:
    return SessionInfo(user=me_out(auth.user), csrf_token=auth.csrf_token)


@router.get("/auth/sessions", response_model=list[AuthSessionOut])
def my_sessions(auth: AuthDep, session: SessionDep) -> list[AuthSessionOut]:
    return [
        AuthSessionOut.model_validate(s).model_copy(update={"current": s.id == auth.session_id})
        for s in accounts.list_sessions(session, auth.user)
    ]


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_session(session_id: PathId, auth: AuthDep, session: SessionDep, request: Request,
                response: Response) -> None:
    accounts.end_session(session, auth.user, auth_session_id=session_id)
    if session_id == auth.session_id:
        _clear_session_cookies(request, response)


@router.post("/auth/sessions/end-others", response_model=SessionsEndedOut)
def end_other_sessions(auth: AuthDep, session: SessionDep) -> SessionsEndedOut:
    """Every session of hers but this one ends (with a token: every session ends)."""
    return SessionsEndedOut(ended=accounts.end_other_sessions(session, auth.user, keep_id=auth.session_id))


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(body: PasswordChange, auth: AuthDep, session: SessionDep) -> None:
    accounts.change_password(session, auth.user, current_password=body.current_password,
                             new_password=body.new_password, keep_session_id=auth.session_id)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(body: PasswordResetRequest, request: Request, session: SessionDep) -> dict[str, str]:
    # Counted whether or not the address has an account: a refusal says nothing about who is a member.
    limiter(request).take("password_reset", account=accounts.normalise_email(body.email), address=client_ip(request))
    accounts.request_password_reset(session, email=body.email)
    return {"message": "If this address has an account, a reset link is on its way."}


@router.post("/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep) -> None:
    accounts.confirm_password_reset(session, token=body.token, new_password=body.new_password)


@router.get("/invites/{token}", response_model=InvitePreview)
def preview_invite(token: str, session: SessionDep) -> InvitePreview:
    invite = accounts.get_open_invite(session, token=token)
    return InvitePreview(email=invite.email, expires_at=invite.expires_at)


@router.post("/invites/{token}/accept", response_model=SessionInfo, status_code=status.HTTP_201_CREATED)
def accept_invite(token: str, body: InviteAccept, request: Request, response: Response,
                  session: SessionDep) -> SessionInfo:
    limiter(request).take("invite_accept", account=token, address=client_ip(request))
    user = accounts.accept_invite(session, token=token, display_name=body.display_name, username=body.username,
                                  password=body.password)
    result = accounts.start_session(session, user, ip_address=client_ip(request),
                                    user_agent=request.headers.get("user-agent"))
    csrf = _set_session_cookies(request, response, result.token)
    return SessionInfo(user=me_out(user), csrf_token=csrf)


@router.get("/auth/tokens", response_model=list[ApiTokenOut])
def list_tokens(actor: CurrentUser, session: SessionDep) -> list[ApiTokenOut]:
    return [ApiTokenOut.model_validate(t) for t in accounts.list_api_tokens(session, actor)]


@router.post("/auth/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(body: ApiTokenCreate, actor: CurrentUser, session: SessionDep) -> ApiTokenCreated:
    api_token, secret = accounts.create_api_token(session, actor, name=body.name)
    return ApiTokenCreated(**ApiTokenOut.model_validate(api_token).model_dump(), token=secret)


@router.delete("/auth/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: PathId, actor: CurrentUser, session: SessionDep) -> None:
    accounts.revoke_api_token(session, actor, token_id=token_id)
