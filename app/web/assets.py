"""Static files with cache-busting URLs: `/static/js/thread.js?v=<hash>` is cached for a year.

A file's version is the hash of what is served. Our JavaScript modules import each other by relative
path; those specifiers are rewritten to carry the imported file's version, so a changed module changes
the URL of every module that imports it, and nothing stale survives a deploy. A request without the
current version is answered too, but the browser must revalidate it (`no-cache` + ETag).
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from app.errors import NotFound

IMPORT = re.compile(r"""(\bfrom\s+|\bimport\s*\(?\s*)(["'])(\.{1,2}/[^"'?]+\.js)\2""")
YEAR = "public, max-age=31536000, immutable"


@dataclass
class Asset:
    content: bytes
    version: str
    media_type: str
    mtime: float
    deps: tuple[tuple[str, str], ...] = ()  # the modules it imports, with the versions written into it
    checked_at: float = 0.0  # time.monotonic() when the file (and its imports) were last found unchanged


class Assets:
    """`recheck_seconds`: how long a file is trusted unchanged before it is looked at again — every page
    renders a dozen asset URLs, and reading, rewriting and hashing the modules on each render cost an eighth
    of a page's CPU. Changes still show within a second (a deploy, or editing a file in development)."""

    def __init__(self, root: Path, *, recheck_seconds: float = 1.0) -> None:
        self.root = root.resolve()
        self.recheck_seconds = recheck_seconds
        self._cache: dict[str, Asset] = {}

    def _file(self, path: str) -> Path:
        full = (self.root / path).resolve()
        if not full.is_relative_to(self.root) or not full.is_file():
            raise NotFound("No such file.")
        return full

    def get(self, path: str, _seen: frozenset[str] = frozenset()) -> Asset:
        now = time.monotonic()
        cached = self._cache.get(path)
        if cached is not None and now - cached.checked_at < self.recheck_seconds:
            return cached
        full = self._file(path)
        mtime = full.stat().st_mtime
        seen = _seen | {path}
        if cached is not None and cached.mtime == mtime and all(
                self.get(dep, seen).version == version for dep, version in cached.deps):
            cached.checked_at = now
            return cached
        content = full.read_bytes()
        deps: list[tuple[str, str]] = []
        if path.endswith(".js"):
            content = self._versioned_imports(path, content, seen, deps)
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if media_type.startswith("text/") or path.endswith(".js"):
            media_type += "; charset=utf-8"
        asset = Asset(content=content, version=hashlib.sha256(content).hexdigest()[:12], media_type=media_type,
                      mtime=mtime, deps=tuple(deps), checked_at=now)
        self._cache[path] = asset
        return asset

    def _versioned_imports(self, path: str, content: bytes, seen: frozenset[str],
                           deps: list[tuple[str, str]]) -> bytes:
        base = Path(path).parent

        def rewrite(match: re.Match[str]) -> str:
            target = _normalise(f"{base.as_posix()}/{match.group(3)}")
            if target in seen:  # an import cycle: leave this edge unversioned
                return match.group(0)
            version = self.get(target, seen).version
            deps.append((target, version))
            return f"{match.group(1)}{match.group(2)}{match.group(3)}?v={version}{match.group(2)}"

        return IMPORT.sub(rewrite, content.decode()).encode()

    def url(self, path: str) -> str:
        return f"/static/{path}?v={self.get(path).version}"

    def response(self, request: Request, path: str) -> Response:
        asset = self.get(path)
        etag = f'"{asset.version}"'
        cache = YEAR if request.query_params.get("v") == asset.version else "no-cache"
        headers = {"ETag": etag, "Cache-Control": cache}
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(asset.content, media_type=asset.media_type, headers=headers)


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def install(app: FastAPI, assets: Assets) -> None:
    @app.get("/static/{path:path}", include_in_schema=False)
    def static(request: Request, path: str) -> Response:
        return assets.response(request, path)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """Browsers and feed readers ask for it without reading the page's <link rel="icon">."""
        return RedirectResponse(assets.url("favicon.svg"), status_code=301)
