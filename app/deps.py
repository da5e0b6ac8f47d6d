"""Request dependencies: the unit of work, who is asking, and the CSRF check for cookie writes."""
from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.concurrency import contextmanager_in_threadpool
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from app.db import Database, database_unavailable, unit_of_work
from app.errors import Forbidden, Unauthenticated
from app.models import User
from app.ratelimit import Limiter
from app.security import constant_time_equal, csrf_token_for
from app.services import accounts, audit

log = logging.getLogger(__name__)

SESSION_COOKIE = "plein_session"
CSRF_COOKIE = "plein_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_session(request: Request) -> AsyncIterator[Session]:
    # The turn at the database is awaited here, in the event loop: a request waiting for it holds no thread
    # (app/db.py ADMIT_MAX). The unit of work itself runs in the thread pool, its commit without a limit.
    db = request.app.state.db
    audit.client_address.set(client_ip(request))  # every audit entry of this request says where it came from
    async with db.admit(), contextmanager_in_threadpool(unit_of_work(db, request.app.state.dispatcher)) as session:
        yield session


# scope="function": commit happens when the endpoint returns, before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Auth:
    user: User
    session_id: int | None  # the cookie session, None for API tokens
    csrf_token: str | None = None  # bound to the cookie session; API tokens need none


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The API token of an `Authorization: Bearer …` header, if the request carries one."""
    header = headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def note_seen(db: Database, seen: accounts.Seen | None) -> None:
    """Write what resolving a login noticed, in a short transaction of its own (accounts.Seen says why)."""
    if seen is None:
        return
    try:
        with db.sessionmaker() as session, session.begin():
            session.execute(accounts.seen_statement(seen))
    except Exception as exc:
        if database_unavailable(exc) is None:
            raise
        # A busy or restarting database must not fail a page view for a last-seen time; the next request notes it.
        log.warning("noting a login's use failed: %s", exc)


def get_auth_optional(request: Request, session: SessionDep) -> Auth | None:
    db = request.app.state.db
    api_token = bearer_token(request.headers)
    if api_token is not None:
        by_token, seen = accounts.resolve_api_token(session, token=api_token)
        note_seen(db, seen)
        if by_token is None:
            raise Unauthenticated("This API token is not valid.", code="invalid_token")
        request.state.actor_id = by_token.user.id
        return Auth(user=by_token.user, session_id=None)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    resolved, seen = accounts.resolve_session(session, token=token)
    note_seen(db, seen)
    if resolved is None or resolved.auth_session is None:
        return None
    auth = Auth(user=resolved.user, session_id=resolved.auth_session.id,
                csrf_token=csrf_token_for(request.app.state.settings.secret_key, token))
    request.state.actor_id = auth.user.id  # for the audit entry of a refusal (app/api/errors.py)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        expected = auth.csrf_token
        if not sent or expected is None or not constant_time_equal(sent, expected):
            raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).", code="csrf_failed")
    return auth


OptionalAuthDep = Annotated[Auth | None, Depends(get_auth_optional)]


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` in the thread pool, and every hop
# through it costs a thread switch under the GIL.
async def get_auth(auth: OptionalAuthDep) -> Auth:
    if auth is None:
        raise Unauthenticated("Log in first.")
    return auth


AuthDep = Annotated[Auth, Depends(get_auth)]


async def get_current_user(auth: AuthDep) -> User:
    return auth.user


CurrentUser = Annotated[User, Depends(get_current_user)]
IdempotencyKeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


def client_ip(connection: HTTPConnection) -> str | None:
    """The client's address of a request or a websocket."""
    return connection.client.host if connection.client else None


def limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


def take_limited(request: Request, action: str, actor: User) -> None:
    """Count one `action` of this member (and her address), or refuse it with 429 (app/ratelimit.py)."""
    limiter(request).take(action, account=str(actor.id), address=client_ip(request))


def rate_limited(action: str) -> Any:
    """take_limited as a route's dependency. A plain `def`: with Redis it does I/O, which belongs in the thread
    pool."""

    def take(request: Request, actor: CurrentUser) -> None:
        take_limited(request, action, actor)

    return Depends(take)


def upload_bytes(request: Request, actor: User) -> Callable[[int], None]:
    """Refuse an upload with 429 when her bytes for this hour are used up; else a function that counts the
    stored file's size (and refuses, so that the unit of work rolls back, when it does not fit)."""
    limits, account, address = limiter(request), str(actor.id), client_ip(request)
    limits.check("upload_bytes", account=account, address=address)

    def count(size: int) -> None:
        limits.take("upload_bytes", account=account, address=address, cost=size)

    return count
