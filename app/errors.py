"""Domain errors. Every error leaves the API as {"error": {"code", "message", "field"?}}.

A message is an English sentence that is also its catalog id (app/i18n.py extracts the literal first argument
of these classes): the API answers in the language the request asks for, English without Accept-Language.
What varies goes in `params` ("%(name)s" in the message), never into the text itself.
"""
from __future__ import annotations

from collections.abc import Mapping

from app.i18n import translate_message


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None, params: Mapping[str, object] | None = None) -> None:
        self.template = message
        self.params = params
        self.message = translate_message(message, params, "en") if params else message
        super().__init__(self.message)
        self.field = field
        self.headers = headers
        if code is not None:
            self.code = code


class Unauthenticated(AppError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 refused: str | None = None, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message, field=field, code=code, params=params)
        # A staff or moderation action asked for by someone who may not do it ("site.merge",
        # "group.moderate"): the error handler writes it in the audit log (app/services/audit.py).
        self.refused = refused


class NotFound(AppError):
    """Also what an outsider gets for anything secret: it does not exist for her."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Gone(AppError):
    status_code = 410
    code = "gone"


class TooLarge(AppError):
    status_code = 413
    code = "too_large"


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class TooManyRequests(AppError):
    status_code = 429
    code = "rate_limited"


class Unavailable(AppError):
    """The database (or another service a request cannot do without) is down, locked or out of connections:
    nothing was changed, and the same request can simply be sent again after Retry-After seconds."""

    status_code = 503
    code = "unavailable"


class Moved(AppError):
    """The thing was merged into another: the request is redirected (308 keeps the method and the body, so a
    post written to the old address still lands). `old` and `new` are the path segment to swap (id or slug)."""

    status_code = 308
    code = "moved"

    def __init__(self, old: str, new: str) -> None:
        super().__init__("This was merged into another; follow the Location header.")
        self.old, self.new = old, new

    def location(self, path: str, query: str) -> str:
        parts = path.split("/")
        for i, part in enumerate(parts):
            if part == self.old:
                parts[i] = self.new
                break
        return "/".join(parts) + (f"?{query}" if query else "")
