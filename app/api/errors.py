"""One error shape for everything: {"error": {"code", "message", "field"?}}."""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.limits import BodyTooLarge
from app.db import database_unavailable, is_unique_violation
from app.deps import client_ip
from app.errors import AppError, Forbidden, Moved
from app.i18n import N_, api_language, translate_message
from app.services import audit

log = logging.getLogger(__name__)
# Starlette's own answers (an unknown path or method), in the catalog so they are translated too.
STARLETTE_MESSAGES = (N_("Not Found"), N_("Method Not Allowed"))

_HTTP_CODES = {
    400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
}


def error_response(status: int, code: str, message: str, field: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    # Pydantic puts the validator's name in the path for Annotated/union types; keep the field names.
    parts = [p for p in parts if not p.startswith(("function-", "constrained-")) and "[" not in p]
    return ".".join(parts) or "body"


# (is it a page?, the page for (request, status, code, message)): pages translate by the code.
PageErrors = tuple[Callable[[Request], bool], Callable[[Request, int, str, str], Response]]


def install(app: FastAPI, pages: PageErrors | None = None) -> None:
    """`pages`: which requests are for a web page, and how a page shows an error; the rest get JSON."""

    def respond(request: Request, status: int, code: str, message: str, field: str | None = None,
                headers: dict[str, str] | None = None, params: Mapping[str, object] | None = None) -> Response:
        """`message` is the English sentence (the catalog's id; with `params` still to be filled in)."""
        if pages is not None and pages[0](request):
            english = translate_message(message, params, "en") if params else message
            page = pages[1](request, status, code, english)
            page.headers.update(headers or {})  # a page that says "try again later" says when, too
            return page
        language = api_language(request.headers.get("accept-language")) or "en"
        return error_response(status, code, translate_message(message, params, language), field, headers)

    @app.exception_handler(Moved)
    async def _moved(request: Request, exc: Moved) -> Response:
        return RedirectResponse(exc.location(request.url.path, request.url.query), status_code=308)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if isinstance(exc, Forbidden) and exc.refused:
            # The request's own transaction rolled back; the refusal is written in one of its own.
            await run_in_threadpool(
                audit.record_refusal, request.app.state.db, actor_id=getattr(request.state, "actor_id", None),
                refused=exc.refused, method=request.method, path=request.url.path,
                address=client_ip(request))
        return respond(request, exc.status_code, exc.code, exc.template, exc.field, exc.headers, exc.params)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "Invalid request."}
        field = _field(tuple(first.get("loc", ())))
        message = str(first.get("msg", "Invalid value.")).removeprefix("Value error, ")
        if first.get("type") == "json_invalid":
            return respond(request, 422, "invalid_json", N_("The request body is not valid JSON."), "body")
        if api_language(request.headers.get("accept-language")) in (None, "en"):
            return respond(request, 422, "invalid", f"{field}: {message}", field)
        # Pydantic explains in English only: another language gets which field to check.
        return respond(request, 422, "invalid", N_("Check the field “%(field)s”."), field, params={"field": field})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, BodyTooLarge):
            return exc.__cause__.response()
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return respond(request, exc.status_code, code, message, headers=getattr(exc, "headers", None))

    async def _database(request: Request, exc: Exception) -> Response:
        # Down, restarting, locked or out of connections: what it is (503, Retry-After), not a 500. Nothing
        # was written: the unit of work rolled back before this answer.
        unavailable = database_unavailable(exc)
        if unavailable is None and isinstance(exc, IntegrityError) and is_unique_violation(exc):
            # A safety net: the services let constraints decide (db.constraint_decides, upsert) and answer with
            # a specific code. One that reaches here is a race nobody named yet — still a conflict, not a bug
            # to show as 500; the warning says where to add the specific answer.
            log.warning("unique violation reached the handler for %s %s: %s", request.method, request.url.path,
                        str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__)
            return respond(request, 409, "conflict",
                           N_("Someone else changed this at the same moment. Reload and try again."))
        if unavailable is None:
            return await _unexpected(request, exc)
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return respond(request, unavailable.status_code, unavailable.code, unavailable.template,
                       headers=unavailable.headers, params=unavailable.params)

    app.add_exception_handler(SQLAlchemyError, _database)
    app.add_exception_handler(sqlite3.Error, _database)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return respond(request, 500, "internal", N_("Something went wrong on our side. It has been logged."))
