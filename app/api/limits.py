"""Refuse requests at the edge: bodies over the limit before they are read into memory (413), and the NUL
character, which PostgreSQL cannot store (404 in a path, 422 in a query or a JSON body)."""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit

    def message(self) -> str:
        # Decimal units throughout: 1,000,000 bytes is "1 MB", 26,214,400 is "26.2 MB".
        size = f"{self.limit / 1e6:.3g} MB" if self.limit >= 1_000_000 else f"{self.limit / 1e3:.3g} kB"
        return f"The request body is too large; the limit is {size}."

    def body(self) -> bytes:
        return json.dumps({"error": {"code": "too_large", "field": "body", "message": self.message()}}).encode()

    def response(self) -> JSONResponse:
        return JSONResponse(json.loads(self.body()), status_code=413)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, default: int, overrides: dict[str | re.Pattern[str], int]) -> None:
        self.app = app
        self.default = default
        self.overrides = overrides

    def _limit(self, path: str) -> int:
        for where, limit in self.overrides.items():  # a path prefix, or a pattern for paths with an id in them
            if path.startswith(where) if isinstance(where, str) else where.fullmatch(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(send, limit)
                return
        received = 0

        def count(body: bytes) -> None:
            nonlocal received
            received += len(body)
            if received > limit:
                raise BodyTooLarge(limit)

        await guard_body(self.app, scope, receive, send, inspect=count, refused=BodyTooLarge,
                         refuse=lambda: self._refuse(send, limit))

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        await _send_error(send, 413, BodyTooLarge(limit).body())


async def guard_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, inspect: Callable[[bytes], None],
                     refused: type[Exception], refuse: Callable[[], Awaitable[None]]) -> None:
    """Run the app, showing it every chunk of the body first; `inspect` raises `refused` to stop the request,
    which is then answered with `refuse()` unless the app already started its response."""
    started = False

    async def inspecting_receive() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            inspect(message.get("body", b""))
        return message

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, inspecting_receive, tracking_send)
    except refused:
        if not started:
            await refuse()


async def _send_error(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class HasNul(Exception):
    """A request carried the NUL character, which PostgreSQL cannot store in text (SQLite would)."""


def _escaped_nul(data: bytes) -> bool:
    """Does this JSON text hold the escape for NUL (\\u0000), not an escaped backslash followed by "u0000"?"""
    start = 0
    while (at := data.find(b"u0000", start)) != -1:
        slashes = 0
        while at - slashes - 1 >= 0 and data[at - slashes - 1] == 0x5C:
            slashes += 1
        if slashes % 2 == 1:
            return True
        start = at + 1
    return False


class RefuseNul:
    """Refuse NUL in the path (404: it names nothing), the query or a JSON body (422), on every database alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await _refuse(send, scope, 404, "not_found", "Not found.", None)
            return
        if b"%00" in scope.get("query_string", b"") or b"\x00" in scope.get("query_string", b""):
            await _refuse(send, scope, 422, "invalid", "query: text may not contain the NUL character.", "query")
            return
        headers = dict(scope.get("headers", []))
        if scope["type"] != "http" or not headers.get(b"content-type", b"").startswith(b"application/json"):
            await self.app(scope, receive, send)
            return
        tail = b""

        def check(body: bytes) -> None:
            nonlocal tail
            chunk = tail + body  # the escape may be split across two chunks
            if _escaped_nul(chunk):
                raise HasNul()
            tail = chunk[-16:]

        await guard_body(self.app, scope, receive, send, inspect=check, refused=HasNul, refuse=lambda: _refuse(
            send, scope, 422, "invalid", "body: text may not contain the NUL character.", "body"))


async def _refuse(send: Send, scope: Scope, status: int, code: str, message: str, field: str | None) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    error: dict[str, str] = {"code": code, "message": message}
    if field:
        error["field"] = field
    await _send_error(send, status, json.dumps({"error": error}).encode())
