"""Markdown in posts is rendered to HTML that cannot run script; plain-text fields stay plain text in JSON.

What is checked in body_html: no element outside the allowed set (so no script, style, iframe, svg…), no
event-handler or style attribute, and no link or image whose URL is not http(s), mailto or relative. The
words "javascript:" may still appear as escaped *text*; a refused link keeps only its text.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from app.services.markdown import ALLOWED_TAGS
from tests.api.helpers import API

CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">klik</p>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"&#x6A;avascript:alert(1)\">x</a>",
    "<a href=\"https://example.org\" onmouseover=\"alert(1)\">x</a>",
    "<base href=\"javascript:/\">",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    "[klik](&#106;avascript:alert(1))",
    "[klik](javascript&colon;alert(1))",
    "[klik](%6Aavascript:alert(1))",
    "[klik]( javascript:alert(1) )",
    "[klik](<javascript:alert(1)>)",
    "[klik](vbscript:msgbox(1))",
    "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![plaatje](javascript:alert(1))",
    "![plaatje](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![plaatje](data:image/png;base64,iVBORw0KGgo=)",
    "![a](x\" onerror=\"alert(1))",
    "[x](https://example.org \"titel\\\" onmouseover=alert(1) x=\\\"\")",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "@lid1<script>alert(1)</script> en @lid1\" onmouseover=\"alert(1)",
    "> <img src=x onerror=alert(1)>\n> [x](javascript:alert(1))",
]

SAFE_SCHEMES = ("http://", "https://", "mailto:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"}


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def assert_safe(body_html: str) -> None:
    assert "<script" not in body_html.lower()
    # Text is escaped, so a raw "<" opens a real tag; with its quoted values left out, no handler in it.
    for tag in re.findall(r"<[^>]*>", body_html):
        assert not re.search(r"\son\w+\s*=", re.sub(r"\"[^\"]*\"|'[^']*'", "", tag), re.IGNORECASE), tag
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|vbscript|data):""", tag, re.IGNORECASE), tag
    parser = Elements()
    parser.feed(body_html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, body_html)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name, body_html)
            if name in URL_ATTRIBUTES and value:
                url = re.sub(r"[\x00-\x20]+", "", html.unescape(value)).lower()
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", url)
                assert scheme is None or url.startswith(SAFE_SCHEMES), (tag, name, value, body_html)


@pytest.fixture
def thread(make_group, make_thread, member):
    group = make_group(members=(member,))
    return make_thread(member, group["channel_id"]) | {"channel_id": group["channel_id"]}


class TestPostBodies:
    @pytest.mark.parametrize("body", CORPUS)
    def test_reply_edit_and_opening_post_are_safe(self, client_for, member, make_user, thread, body) -> None:
        # @lid1 in the corpus may or may not be a user; either way the mention span must stay harmless.
        client = client_for(member)
        reply = client.post(f"{API}/threads/{thread['id']}/replies", json={"body": body})
        assert reply.status_code == 201, reply.text
        assert reply.json()["body"] == body
        assert_safe(reply.json()["body_html"])
        edited = client.patch(f"{API}/posts/{reply.json()['id']}", json={"body": "Eerst\n\n" + body})
        assert edited.status_code == 200
        assert_safe(edited.json()["body_html"])
        opened = client.post(f"{API}/channels/{thread['channel_id']}/threads",
                             json={"title": "Een test", "body": body})
        assert opened.status_code == 201
        assert_safe(opened.json()["opening_post"]["body_html"])

    def test_the_checker_is_not_vacuous(self) -> None:
        assert_safe('<p><a href="https://example.org" rel="nofollow">x</a><img src="/x.png" alt=""></p>')
        for unsafe in ('<p onclick="x()">a</p>', '<a href="javascript:alert(1)">a</a>', "<script>x</script>",
                       '<a href=" &#106;avascript:alert(1)">a</a>', '<img src="data:image/png;base64,AA">',
                       '<iframe src="https://example.org"></iframe>', '<span style="color:red">a</span>'):
            with pytest.raises(AssertionError):
                assert_safe(unsafe)

    def test_ordinary_markdown_still_renders(self, client_for, member, thread) -> None:
        body = "**vet** en _schuin_, [Plein](https://example.org) en ![kaart](https://example.org/k.png)"
        reply = client_for(member).post(f"{API}/threads/{thread['id']}/replies", json={"body": body}).json()
        assert reply["body_html"] == (
            '<p><strong>vet</strong> en <em>schuin</em>, '
            '<a href="https://example.org" rel="nofollow noopener noreferrer ugc">Plein</a> en '
            '<img src="https://example.org/k.png" alt="kaart"></p>\n')

    def test_a_refused_link_keeps_only_its_text(self, client_for, member, thread) -> None:
        reply = client_for(member).post(f"{API}/threads/{thread['id']}/replies",
                                        json={"body": "[klik](javascript:alert(1)) en ![foto](data:text/html,x)"})
        assert reply.json()["body_html"] == "<p>klik en </p>\n"

    def test_raw_html_is_shown_as_typed(self, client_for, member, thread) -> None:
        # A placeholder in a motion ("<datum>") or a tag someone typed stays visible text, not dropped.
        reply = client_for(member).post(f"{API}/threads/{thread['id']}/replies",
                                        json={"body": "Verzoekt het college vóór <datum> te <b>besluiten</b>"})
        assert reply.json()["body_html"] == (
            "<p>Verzoekt het college vóór &lt;datum&gt; te &lt;b&gt;besluiten&lt;/b&gt;</p>\n")


PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)>"


class TestPlainTextFields:
    def test_group_name_and_description_come_back_literally(self, client_for, manager, member) -> None:
        client = client_for(manager)
        created = client.post(f"{API}/groups", json={"name": PAYLOAD, "kind": "theme", "description": PAYLOAD})
        assert created.status_code == 201, created.text
        assert created.headers["content-type"] == "application/json"
        fetched = client_for(member).get(f"{API}/groups/{created.json()['id']}").json()
        assert (fetched["name"], fetched["description"]) == (PAYLOAD, PAYLOAD)
        assert fetched["slug"] == "script-alert-x-script-img-src-x-onerror-alert-1"

    def test_thread_title_and_channel_name_come_back_literally(self, client_for, member, make_group) -> None:
        group = make_group(admins=(member,))
        client = client_for(member)
        channel = client.post(f"{API}/groups/{group['id']}/channels", json={"name": PAYLOAD[:80]}).json()
        assert channel["name"] == PAYLOAD[:80]
        thread = client.post(f"{API}/channels/{channel['id']}/threads", json={"title": PAYLOAD, "body": PAYLOAD})
        assert thread.status_code == 201
        listed = client.get(f"{API}/channels/{channel['id']}/threads").json()["items"][0]
        assert listed["title"] == PAYLOAD
        assert_safe(thread.json()["opening_post"]["body_html"])
