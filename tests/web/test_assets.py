"""Static files: `/static/<file>?v=<hash of what is served>` is cached for a year; anything else revalidates.

A JavaScript module's imports of our other modules are rewritten to carry their versions, so changing one
module changes the URL of every module that imports it. Nothing outside frontend/static is ever served.
"""
from __future__ import annotations

import asyncio
import hashlib
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from app.config import ROOT
from app.errors import NotFound
from app.web.assets import YEAR, Assets
from app.web.render import assets
from tests.api.helpers import NOT_FOUND_PAGE, assert_error

STATIC = ROOT / "frontend" / "static"
IMPORT = re.compile(r"""(?:\bfrom\s+|\bimport\s*\(?\s*)["'](\.{1,2}/[^"']+)["']""")
VERSIONED = re.compile(r"^(?P<path>/static/[^?#]+)\?v=(?P<v>[0-9a-f]{12})$")


def version(path: str) -> str:
    return assets.get(path).version


class StaticRefs(HTMLParser):
    """Every src/href of a page that points into /static/."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value and "/static/" in value:
                self.refs.append(value)


def static_refs(html: str) -> list[str]:
    parser = StaticRefs()
    parser.feed(html)
    return parser.refs


def raw_get(app: Any, path: str) -> tuple[int, bytes]:
    """A GET with exactly this path, as a server passes it on (an HTTP client would clean up the dots)."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in messages if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


class TestCaching:
    def test_missing_file(self, anon) -> None:
        response = anon.get("/static/bestaat-niet.css")
        assert_error(response, 404, "not_found")
        assert "max-age" not in response.headers.get("cache-control", "")

    def test_current_version_is_cached_for_a_year(self, anon) -> None:
        v = version("plein.css")
        response = anon.get(f"/static/plein.css?v={v}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable" == YEAR
        assert response.headers["etag"] == f'"{v}"'
        assert response.headers["content-type"] == "text/css; charset=utf-8"
        assert response.content == (STATIC / "plein.css").read_bytes()
        # The version is the hash of what is served.
        assert hashlib.sha256(response.content).hexdigest()[:12] == v

    @pytest.mark.parametrize("query", ["", "?v=", "?v=000000000000", "?version=x"])
    def test_without_the_current_version_the_browser_revalidates(self, anon, query) -> None:
        response = anon.get(f"/static/plein.css{query}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["etag"] == f'"{version("plein.css")}"'

    def test_if_none_match(self, anon) -> None:
        v = version("plein.css")
        response = anon.get(f"/static/plein.css?v={v}", headers={"If-None-Match": f'"{v}"'})
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == f'"{v}"' and response.headers["cache-control"] == YEAR
        unversioned = anon.get("/static/plein.css", headers={"If-None-Match": f'"{v}"'})
        assert (unversioned.status_code, unversioned.headers["cache-control"]) == (304, "no-cache")
        stale = anon.get("/static/plein.css", headers={"If-None-Match": '"000000000000"'})
        assert stale.status_code == 200 and stale.content == (STATIC / "plein.css").read_bytes()

    def test_javascript_is_served_as_javascript(self, anon) -> None:
        response = anon.get(f"/static/js/page.js?v={version('js/page.js')}")
        assert response.status_code == 200
        # Browsers refuse a module script with any other type.
        assert re.fullmatch(r"(text|application)/javascript; charset=utf-8", response.headers["content-type"])
        assert response.headers["x-content-type-options"] == "nosniff"


class TestOutsideTheStaticFolder:
    @pytest.mark.parametrize("path", [
        "/static/%2e%2e/app/config.py", "/static/..%2fapp%2fconfig.py", "/static/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/static//etc/passwd",
    ])
    def test_encoded_traversal_is_404(self, anon, path) -> None:
        response = anon.get(path)
        assert_error(response, 404, "not_found")
        assert b"SECRET_KEY" not in response.content and b"root:" not in response.content

    def test_dot_segments_leave_the_static_folder_before_the_request_is_sent(self, anon) -> None:
        response = anon.get("/static/js/../../../app/config.py")  # the client asks for /app/config.py: a page
        assert response.status_code == 404 and NOT_FOUND_PAGE in response.text
        assert b"SECRET_KEY" not in response.content

    @pytest.mark.parametrize("path", [
        "/static/../app/config.py", "/static/js/../../app/config.py", "/static/../../etc/passwd",
        "/static/%2e%2e/app/config.py", "/static//etc/passwd",
    ])
    def test_raw_traversal_is_404(self, app, path) -> None:
        assert raw_get(app, "/static/plein.css")[0] == 200  # the same way in does reach the files
        status, body = raw_get(app, path)
        assert status == 404, path
        assert b"SECRET_KEY" not in body and b"root:" not in body

    def test_the_folder_itself_and_a_link_out_of_it(self, tmp_path) -> None:
        root = tmp_path / "static"
        (root / "js").mkdir(parents=True)
        (tmp_path / "secret.txt").write_text("geheim")
        (root / "out.txt").symlink_to(tmp_path / "secret.txt")
        served = Assets(root, recheck_seconds=0)
        for path in ("../secret.txt", "js/../../secret.txt", "out.txt", "", "js", str(tmp_path / "secret.txt")):
            with pytest.raises(NotFound):
                served.get(path)


class TestModuleImports:
    def test_imports_carry_the_imported_files_version(self, anon) -> None:
        response = anon.get(f"/static/js/thread.js?v={version('js/thread.js')}")
        assert response.status_code == 200
        body = response.text
        assert f'from "./api.js?v={version("js/api.js")}"' in body
        assert f'from "./composer.js?v={version("js/composer.js")}"' in body
        assert f'from "./page.js?v={version("js/page.js")}"' in body
        assert hashlib.sha256(response.content).hexdigest()[:12] == version("js/thread.js")

    def test_every_module_import_is_versioned(self, anon) -> None:
        modules = sorted(p.relative_to(STATIC).as_posix() for p in (STATIC / "js").glob("*.js"))
        assert "js/api.js" in modules
        for module in modules:
            body = anon.get(f"/static/{module}?v={version(module)}").text
            for specifier in IMPORT.findall(body):
                target, _, v = specifier.partition("?v=")
                imported = posixpath.normpath(posixpath.join(posixpath.dirname(module), target))
                assert v == version(imported), f"{module} imports {specifier}, current is {version(imported)}"

    def test_a_change_reaches_every_importer(self, tmp_path) -> None:
        root = tmp_path / "static"
        (root / "js" / "lib").mkdir(parents=True)
        (root / "js" / "lib" / "b.js").write_text("export const b = 1;\n")
        (root / "js" / "a.js").write_text('import { b } from "./lib/b.js";\nconst later = import("./lib/b.js");\n')
        (root / "js" / "lib" / "c.js").write_text("import { a } from '../a.js';\n")
        served = Assets(root, recheck_seconds=0)
        b1, a1, c1 = (served.get(p).version for p in ("js/lib/b.js", "js/a.js", "js/lib/c.js"))
        assert served.get("js/a.js").content.decode() == (
            f'import {{ b }} from "./lib/b.js?v={b1}";\nconst later = import("./lib/b.js?v={b1}");\n')
        assert served.get("js/lib/c.js").content.decode() == f"import {{ a }} from '../a.js?v={a1}';\n"
        (root / "js" / "lib" / "b.js").write_text("export const b = 2;\n")
        b2, a2, c2 = (served.get(p).version for p in ("js/lib/b.js", "js/a.js", "js/lib/c.js"))
        assert b2 != b1 and a2 != a1 and c2 != c1
        assert f"./lib/b.js?v={b2}" in served.get("js/a.js").content.decode()

    def test_a_render_reads_nothing_while_the_files_are_trusted(self, tmp_path, monkeypatch) -> None:
        root = tmp_path / "static"
        root.mkdir()
        (root / "b.js").write_text("export const b = 1;\n")
        (root / "a.js").write_text('import { b } from "./b.js";\n')
        served = Assets(root, recheck_seconds=3600)
        first = served.url("a.js")
        reads: list[str] = []
        original = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or original(self))
        (root / "b.js").write_text("export const b = 2;\n")
        assert [served.url("a.js") for _ in range(100)] == [first] * 100 and reads == []
        served.recheck_seconds = 0  # the interval is over: the change is seen, in the importer too
        assert served.url("a.js") != first and sorted(reads) == ["a.js", "b.js"]

    def test_an_import_cycle_does_not_loop(self, tmp_path) -> None:
        root = tmp_path / "static"
        root.mkdir()
        (root / "a.js").write_text('import "./b.js";\n')
        (root / "b.js").write_text('import "./a.js";\n')
        served = Assets(root, recheck_seconds=0)
        assert served.get("a.js").version and served.get("b.js").version
        assert "./b.js?v=" in served.get("a.js").content.decode()


class TestPagesUseVersionedUrls:
    def check(self, anon, html: str) -> list[str]:
        refs = static_refs(html)
        for ref in refs:
            match = VERSIONED.match(ref)
            assert match, f"unversioned static URL {ref}"
            path = match["path"].removeprefix("/static/")
            assert match["v"] == version(path), ref
            response = anon.get(ref)
            assert response.status_code == 200 and response.headers["cache-control"] == YEAR, ref
        # No static URL hides anywhere else in the page either.
        for found in re.findall(r"/static/[^\"'\s<>]+", html):
            assert VERSIONED.match(found), found
        return refs

    def test_every_page(self, anon, client_for, member, make_group, make_thread) -> None:
        group = make_group(members=(member,))
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        pages = [anon.get("/login"), client.get("/"), client.get("/groups"), client.get(f"/groups/{group['slug']}"),
                 client.get(f"/threads/{thread['id']}"), client.get("/threads/999999"),
                 anon.get("/invite/een-token"), anon.get("/password-reset/een-token")]
        for page in pages:
            refs = self.check(anon, page.text)
            assert any(r.startswith("/static/plein.css?v=") for r in refs), page.url
            assert any(r.startswith("/static/js/page.js?v=") for r in refs), page.url
        assert any(r.startswith("/static/js/thread.js?v=") for r in static_refs(pages[4].text))

    def test_api_docs_page(self, anon) -> None:
        response = anon.get("/api/docs")
        assert response.status_code == 200
        self.check(anon, response.text)


def test_the_favicon_is_there(anon, client_for, member) -> None:
    """Every page links its icon; /favicon.ico, which browsers ask for on their own, leads to it (no 404)."""
    page = client_for(member).get("/").text
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None
    served = anon.get(icon.group(1))
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")
    asked = anon.get("/favicon.ico", follow_redirects=False)
    assert asked.status_code == 301 and asked.headers["location"] == icon.group(1)
    assert anon.get("/favicon.ico").content == served.content
