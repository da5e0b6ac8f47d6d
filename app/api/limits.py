"""Refuse requests at the edge: bodies over the limit before they are read into memory (413), and text no
database can store — NUL, lone surrogates — (404 in a path, 422 in a query or a JSON body)."""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.deps import SAFE_METHODS
from app.i18n import N_, api_language, translate_message


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


def parsed_as_json(content_type: bytes | None) -> bool:
    """Could FastAPI parse a body of this type as JSON? Its rule: application/json or application/<anything>+json,
    in any casing and with any parameters — or no content type at all, on a route that is not strict about it."""
    if not content_type:
        return True
    message = EmailMessage()
    message["content-type"] = content_type.decode("latin-1")
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def bad_text(text: str) -> str | None:
    """Why this text cannot be stored, or None. NUL: PostgreSQL refuses it (SQLite would keep it, and every
    page after would carry it). A lone surrogate is not Unicode at all: neither database can encode it."""
    if "\x00" in text:
        return "text may not contain the NUL character"
    if _SURROGATE.search(text):
        return "text must be valid Unicode (it holds a lone surrogate)"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_string_in(document: object) -> tuple[str, str] | None:
    """(field, reason) of the first string in a parsed JSON document — a key or a value — that cannot be stored.
    Walked without recursion, so a deeply nested document costs no stack."""
    pending: list[tuple[tuple[str, ...], object]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if reason := bad_text(value):
                return ".".join(path) or "body", reason
        elif isinstance(value, dict):
            for key, item in value.items():
                if reason := bad_text(key):
                    return ".".join(path) or "body", reason
                pending.append(((*path, key), item))
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), item) for index, item in enumerate(value))
    return None


class RefuseBadText:
    """Refuse text no database can store — NUL and lone surrogates — before any code sees it, the same on every
    backend: 404 in the path (it names nothing), 422 naming the parameter in the query, 422 naming the field in a
    body FastAPI parses as JSON. It runs inside BodySizeLimit, so the body it reads whole is a bounded one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await refuse(send, scope, 404, "not_found", N_("Not found."), None)
            return
        query = scope.get("query_string", b"")
        if b"\x00" in query or b"%00" in query:
            name = next((name for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True)
                         if "\x00" in name + value), "")
            field = name if name and not bad_text(name) else "query"
            await refuse(send, scope, 422, "invalid", f"{field}: {bad_text(chr(0))}.", field)
            return
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        if not parsed_as_json(dict(scope.get("headers", [])).get(b"content-type")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away; let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        refusal = _refusal_for(body)
        if refusal is not None:
            await refuse(send, scope, 422, *refusal)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive), send)


def _refusal_for(body: bytes) -> tuple[str, str, str] | None:
    """(code, message, field) for a JSON body that holds text no database can store. A body that is not JSON at
    all is left to the app, which answers that in its own words."""
    if not body.strip():
        return None
    try:
        document = json.loads(body)
    except UnicodeDecodeError:
        return "invalid_json", "The request body is not valid UTF-8 text.", "body"
    except (ValueError, RecursionError):
        return None
    found = _bad_string_in(document)
    if found is None:
        return None
    field, reason = found
    return "invalid", f"{field}: {reason}.", field


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that first gives back what was already read, then carries on with the real one."""
    queued = list(messages)

    async def replay() -> Message:
        return queued.pop(0) if queued else await receive()

    return replay


async def refuse(send: Send, scope: Scope, status: int, code: str, message: str, field: str | None) -> None:
    """Answer with the one error shape before the app runs (a websocket is closed with 1008 instead)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    asked = next((value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"accept-language"),
                 None)
    error: dict[str, str] = {"code": code, "message": translate_message(message, None, api_language(asked) or "en")}
    if field:
        error["field"] = field
    await _send_error(send, status, json.dumps({"error": error}).encode())
