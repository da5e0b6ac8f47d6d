"""Security headers on every response: a strict CSP (no inline script), no sniffing, no framing; and writes from
another site refused by their Origin."""
from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.limits import refuse
from app.deps import SAFE_METHODS, bearer_token
from app.i18n import N_

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# The API docs page loads FastAPI's Swagger UI bundle; it needs a looser policy on that one path.
DOCS_PATHS = ("/api/docs",)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if not scope["path"].startswith(DOCS_PATHS):
                    headers.setdefault("Content-Security-Policy", CSP)
                if self.secure:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, add_headers)


# Authorised by a token in the address, not by a cookie: one-click unsubscribing (RFC 8058) is posted by mail
# providers' servers, whatever origin they would name.
NO_ORIGIN_CHECK = ("/unsubscribe/",)


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of an absolute URL, lower-cased; None for anything else ("null", garbage)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class SameOrigin:
    """Defence in depth besides the CSRF token (OWASP's CSRF cheat sheet, "verifying origin with standard
    headers"; ASVS asks for both): a write sent by a browser names where its page
    came from — `Origin`, or `Referer` when a browser leaves Origin out — and a write from another site is refused
    with 403 `bad_origin` before any code runs. Requests with an API token (`Authorization: Bearer`) are not
    browsers' and are left alone; so are requests that name no origin at all (scripts with a cookie), which the
    CSRF token still guards."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.base_origin = origin_of(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or scope["path"].startswith(NO_ORIGIN_CHECK):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        named = headers.get("origin") or headers.get("referer")
        if bearer_token(headers) is not None or named is None or self._ours(origin_of(named), scope, headers):
            await self.app(scope, receive, send)
            return
        await refuse(send, scope, 403, "bad_origin", N_("This request comes from another site: its Origin is not "
                                                       "this site's."), None)

    def _ours(self, origin: str | None, scope: Scope, headers: Headers) -> bool:
        if origin is None:
            return False
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()  # as the browser addressed us
        return origin in (self.base_origin, own)
