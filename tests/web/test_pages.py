"""The server-rendered pages: who may see which page, what it shows, in which language, and how safely.

Pages read through the same services as the API, so what a member may not see is a 404 page that looks
exactly like a page that does not exist. A visitor is sent to /login and back. Every page is Dutch unless the
member chose English, carries a strict Content-Security-Policy, and hands its script the websocket topics
it may subscribe to in `<script type="application/json" id="plein-page">`.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.events import channel_topic, group_topic, site_topic, thread_topic
from app.web.pages import safe_next
from app.web.render import _json_script
from tests.api.helpers import API, assert_error

EVIL = "<script>alert(1)</script>"


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of the plein-page JSON block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._in_data = False
        self.data_blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script" and dict(attrs).get("id") == "plein-page":
            self._in_data = True
            self.data_blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data_blocks[-1] += data


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def csp(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy")
    assert header, f"no Content-Security-Policy on {response.url}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_page(response: Any, status: int = 200) -> str:
    """An HTML page with this status, a CSP that forbids inline script, and no inline script in it."""
    assert response.status_code == status, f"{response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
    policy = csp(response)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, policy
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, scripts
    assert "'unsafe-inline'" not in policy.get("default-src", []), policy
    for tag, attrs in parse(response.text).tags:
        if tag == "script":
            # Under that policy an inline script would not run: every script is a file, or data.
            assert attrs.get("src") or attrs.get("type") == "application/json", attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
    return response.text


def page_data(response: Any) -> dict[str, Any]:
    blocks = parse(response.text).data_blocks
    assert len(blocks) == 1, blocks
    return json.loads(blocks[0])


def assert_login_redirect(response: Any, path: str) -> None:
    assert response.status_code == 303, f"{response.status_code} {response.text[:300]}"
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("", "", "/login"), location
    assert parse_qs(location.query) == {"next": [path]}


def assert_not_found_page(response: Any) -> str:
    text = assert_page(response, 404)
    assert "<h1>Niet gevonden" in text
    return text


def links(text: str) -> set[str]:
    return {attrs["href"] for tag, attrs in parse(text).tags if tag == "a" and attrs.get("href")}


def group_link(group: dict[str, Any]) -> str:
    return f"/groups/{group['slug']}"


def thread_link(thread: dict[str, Any]) -> str:
    return f"/threads/{thread['id']}"


# --- the login page and the way there -------------------------------------------------------------------


class TestLoginRequired:
    @pytest.mark.parametrize("path", ["/", "/groups", "/threads/1", "/groups/bestaat-niet"])
    def test_anonymous_is_sent_to_login_and_back(self, anon, path) -> None:
        assert_login_redirect(anon.get(path, follow_redirects=False), path)

    def test_the_query_string_comes_along(self, anon, client_for, member) -> None:
        response = anon.get("/groups?kind=province&q=fries", follow_redirects=False)
        assert_login_redirect(response, "/groups?kind=province&q=fries")
        # After logging in, the login page sends her on to exactly that page.
        again = client_for(member).get(response.headers["location"], follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"] == "/groups?kind=province&q=fries"

    def test_a_secret_group_does_not_show_through_the_redirect(self, anon, member, make_group) -> None:
        secret = make_group("Geheim bestuur", visibility="secret", members=(member,))
        real = anon.get(group_link(secret), follow_redirects=False)
        missing = anon.get("/groups/bestaat-helemaal-niet", follow_redirects=False)
        assert real.status_code == missing.status_code == 303
        assert real.text == missing.text == ""

    def test_the_redirect_carries_the_security_headers(self, anon) -> None:
        response = anon.get("/", follow_redirects=False)
        assert "'unsafe-inline'" not in csp(response)["script-src"]
        assert response.headers["x-frame-options"] == "DENY"


class TestLoginPage:
    def test_a_visitor_gets_the_dutch_login_form(self, anon) -> None:
        response = anon.get("/login?next=/groups")
        text = assert_page(response)
        assert '<html lang="nl">' in text and "Inloggen" in text
        assert response.headers["content-language"] == "nl"
        form = next(attrs for tag, attrs in parse(text).tags if tag == "form" and attrs.get("id") == "login-form")
        assert form["data-next"] == "/groups"
        # A visitor has no account menu, and her page subscribes to nothing.
        assert 'id="logout"' not in text
        data = page_data(response)
        assert (data["viewer"], data["topics"], data["language"]) == (None, [], "nl")

    def test_the_browser_language_picks_english_for_a_visitor(self, anon) -> None:
        text = assert_page(anon.get("/login", headers={"Accept-Language": "fr-FR, en;q=0.8, nl;q=0.5"}))
        assert '<html lang="en">' in text and "Log in to Plein" in text
        # A language we do not have falls back to Dutch.
        assert '<html lang="nl">' in assert_page(anon.get("/login", headers={"Accept-Language": "de-DE"}))

    @pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/x", "/\\evil.example",
                                        "javascript:alert(1)", "evil.example"])
    def test_an_off_site_next_becomes_home(self, anon, target) -> None:
        text = assert_page(anon.get("/login", params={"next": target}))
        form = next(attrs for tag, attrs in parse(text).tags if tag == "form" and attrs.get("id") == "login-form")
        # login.js goes to data-next after logging in: it must be a path on this site.
        assert form["data-next"] == "/", form

    def test_a_logged_in_member_is_sent_on(self, client_for, member) -> None:
        client = client_for(member)
        response = client.get("/login?next=/groups", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/groups")
        response = client.get("/login", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/")

    @pytest.mark.parametrize("target", ["//evil.example", "https://evil.example"])
    def test_a_logged_in_member_is_not_sent_off_site(self, client_for, member, target) -> None:
        response = client_for(member).get("/login", params={"next": target}, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/")


class TestSafeNext:
    @pytest.mark.parametrize("target", [
        None, "", "//evil.example", "https://evil.example", "http://evil.example/login", "//evil.example/groups",
        "javascript:alert(1)", "evil.example", "groups", "/\\evil.example", "\\\\evil.example",
        "/\t/evil.example", "https:evil.example",
    ])
    def test_refuses_anything_that_can_leave_the_site(self, target) -> None:
        # Browsers read a backslash as a slash and drop tabs, so "/\\evil.example" goes to evil.example.
        assert safe_next(target) == "/"

    @pytest.mark.parametrize("target", ["/", "/groups", "/groups?kind=province&q=fries", "/threads/12#post-3"])
    def test_keeps_a_path_on_this_site(self, target) -> None:
        assert safe_next(target) == target


# --- home -----------------------------------------------------------------------------------------------


class TestHome:
    def test_bad_cursor(self, client_for, member) -> None:
        text = assert_page(client_for(member).get("/?cursor=niet-een-cursor"), 422)
        assert '<html lang="nl">' in text

    def test_lists_the_threads_of_her_groups_only(self, client_for, member, manager, make_group,
                                                  make_thread) -> None:
        mine = make_group("Zorg en welzijn", members=(member,))
        other = make_group("Wonen")
        secret = make_group("Geheim bestuur", visibility="secret")
        in_mine = make_thread(manager, mine["channel_id"], title="Wachtlijsten jeugdzorg")
        in_other = make_thread(manager, other["channel_id"], title="Sociale huur in Alkmaar")
        in_secret = make_thread(manager, secret["channel_id"], title="Kandidatenlijst 2026")
        response = client_for(member).get("/")
        text = assert_page(response)
        assert '<html lang="nl">' in text and "Anna de Vries" in text and 'id="logout"' in text
        assert "Wachtlijsten jeugdzorg" in text and thread_link(in_mine) in links(text)
        assert "Sociale huur in Alkmaar" not in text and thread_link(in_other) not in links(text)
        assert "Kandidatenlijst 2026" not in text and thread_link(in_secret) not in links(text)
        assert group_link(mine) in links(text) and group_link(other) not in links(text)
        # Her page listens to her own groups, and to no other.
        assert page_data(response)["topics"] == [site_topic(), group_topic(mine["id"])]
        assert page_data(response)["viewer"] == member.id
        # Her own page is not for shared caches, nor the browser's back-forward store.
        assert response.headers["cache-control"] == "no-store"

    def test_a_member_without_groups(self, client_for, outsider, manager, make_group, make_thread) -> None:
        make_thread(manager, make_group("Wonen")["channel_id"], title="Sociale huur in Alkmaar")
        response = client_for(outsider).get("/")
        text = assert_page(response)
        assert "Sociale huur in Alkmaar" not in text
        assert page_data(response)["topics"] == [site_topic()]  # a published article reaches every home page


# --- the group directory --------------------------------------------------------------------------------


class TestDirectoryPage:
    def test_bad_input(self, client_for, member) -> None:
        client = client_for(member)
        assert_page(client.get("/groups", params={"kind": "party"}), 422)
        assert_page(client.get("/groups", params={"q": "x" * 101}), 422)

    def test_secret_groups_are_not_listed_for_non_members(self, client_for, member, outsider, make_group) -> None:
        open_, closed = make_group("Open overleg"), make_group("Besloten overleg", visibility="closed")
        secret = make_group("Geheim overleg", visibility="secret", members=(member,))
        seen = links(assert_page(client_for(outsider).get("/groups")))
        assert {group_link(open_), group_link(closed)} <= seen and group_link(secret) not in seen
        searched = assert_page(client_for(outsider).get("/groups", params={"q": "geheim"}))
        assert group_link(secret) not in links(searched) and "Geheim overleg" not in searched
        assert group_link(secret) in links(assert_page(client_for(member).get("/groups")))

    def test_filter_by_kind(self, client_for, member, make_group) -> None:
        province = make_group("Fryslân", kind="province")
        faction = make_group("Fractie Leeuwarden", kind="faction")
        theme = make_group("Zorg", kind="theme")
        text = assert_page(client_for(member).get("/groups", params={"kind": "province"}))
        found = links(text)
        assert group_link(province) in found
        assert group_link(faction) not in found and group_link(theme) not in found
        # The form shows the filter that is on.
        radios = {attrs["value"]: "checked" in attrs for tag, attrs in parse(text).tags
                  if tag == "input" and attrs.get("name") == "kind"}
        assert radios == {"": False, "province": True, "faction": False, "theme": False, "other": False}

    def test_search_by_name_ignores_case_and_accents(self, client_for, member, make_group) -> None:
        green = make_group("Duurzaamheid")
        frisian = make_group("Fryslân", kind="province")
        client = client_for(member)
        for q in ("duurzaamheid", "DUURZAAM", " zaamh "):
            found = links(assert_page(client.get("/groups", params={"q": q})))
            assert group_link(green) in found and group_link(frisian) not in found, q
        for q in ("fryslan", "FRYSLÂN"):
            found = links(assert_page(client.get("/groups", params={"q": q})))
            assert group_link(frisian) in found and group_link(green) not in found, q

    def test_the_search_term_is_shown_escaped(self, client_for, member) -> None:
        text = assert_page(client_for(member).get("/groups", params={"q": f'"><{EVIL[1:]}'}))
        assert "<script>alert(1)" not in text
        field = next(attrs for tag, attrs in parse(text).tags if tag == "input" and attrs.get("id") == "q")
        assert field["value"] == f'"><{EVIL[1:]}'

    def test_join_buttons(self, client_for, member, outsider, make_group) -> None:
        open_ = make_group("Open overleg", members=(member,))
        closed = make_group("Besloten overleg", visibility="closed")
        text = assert_page(client_for(outsider).get("/groups"))
        buttons = {attrs["data-group-id"]: attrs["data-visibility"] for tag, attrs in parse(text).tags
                   if tag == "button" and "join-button" in (attrs.get("class") or "")}
        assert buttons[str(open_["id"])] == "open" and buttons[str(closed["id"])] == "closed"
        member_buttons = {attrs["data-group-id"] for tag, attrs in parse(client_for(member).get("/groups").text).tags
                          if tag == "button" and "join-button" in (attrs.get("class") or "")}
        assert str(open_["id"]) not in member_buttons


# --- a group's page -------------------------------------------------------------------------------------


class TestGroupPage:
    def test_missing(self, client_for, member) -> None:
        assert_not_found_page(client_for(member).get("/groups/bestaat-niet"))

    def test_unknown_channel(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        assert_not_found_page(client_for(member).get(group_link(group), params={"channel": "bestaat-niet"}))

    def test_secret_group_is_the_same_404_as_a_missing_one(self, client_for, member, outsider, manager,
                                                           make_group, make_thread) -> None:
        secret = make_group("Geheim bestuur", visibility="secret", members=(member,))
        make_thread(member, secret["channel_id"], title="Kandidatenlijst 2026")
        client = client_for(outsider)
        hidden = client.get(group_link(secret))
        missing = client.get("/groups/bestaat-niet")
        text = assert_not_found_page(hidden)
        assert "Geheim bestuur" not in text and "Kandidatenlijst 2026" not in text
        assert (hidden.status_code, hidden.text) == (missing.status_code, missing.text)
        assert {k: v for k, v in hidden.headers.items() if k != "date"} == \
            {k: v for k, v in missing.headers.items() if k != "date"}
        # Nor with a channel named, or a bad cursor.
        for params in ({"channel": "algemeen"}, {"cursor": "niet-een-cursor"}):
            other = client.get(group_link(secret), params=params)
            assert (other.status_code, other.text) == (404, missing.text), params

    def test_closed_group_shows_a_non_member_the_door_only(self, client_for, member, outsider, make_group,
                                                           make_thread) -> None:
        closed = make_group("Besloten overleg", visibility="closed", members=(member,))
        make_thread(member, closed["channel_id"], title="Vertrouwelijke begroting")
        response = client_for(outsider).get(group_link(closed))
        text = assert_page(response)
        assert "<h1>Besloten overleg</h1>" in text
        assert "Vertrouwelijke begroting" not in text and "/threads/" not in text
        assert "Lidmaatschap aanvragen" in text  # "Request to join"
        button = next(attrs for tag, attrs in parse(text).tags if tag == "button" and attrs.get("data-group-id"))
        assert (button["data-group-id"], button["data-visibility"]) == (str(closed["id"]), "closed")
        assert "Word lid van deze groep om te lezen wat erin geplaatst wordt." in text
        # Her script may not listen to a group she cannot read, nor may she post in it.
        assert page_data(response)["topics"] == []
        assert 'id="thread-form"' not in text and "Anna de Vries" not in text

    def test_open_group_shows_its_threads(self, client_for, member, outsider, make_group, make_thread) -> None:
        group = make_group("Open overleg", members=(member,))
        first = make_thread(member, group["channel_id"], title="Sociale huur in Alkmaar", kind="question")
        second = make_thread(member, group["channel_id"], title="Wachtlijsten jeugdzorg")
        for user, may_post in ((member, True), (outsider, False)):
            response = client_for(user).get(group_link(group))
            text = assert_page(response)
            assert "Sociale huur in Alkmaar" in text and "Wachtlijsten jeugdzorg" in text
            assert {thread_link(first), thread_link(second)} <= links(text)
            # Newest first.
            assert text.index("Wachtlijsten jeugdzorg") < text.index("Sociale huur in Alkmaar")
            assert "Vraag" in text  # the question's kind badge
            assert page_data(response)["topics"] == [group_topic(group["id"])]
            assert ('id="thread-form"' in text) is may_post, user.display_name
            assert ("Lid worden" in text) is not may_post

    def test_one_channel(self, client_for, member, manager, make_group, make_thread) -> None:
        group = make_group("Open overleg", members=(member,))
        client = client_for(member)
        created = client_for(manager).post(f"{API}/groups/{group['id']}/channels", json={"name": "Moties"})
        assert created.status_code == 201, created.text
        other = created.json()
        in_default = make_thread(member, group["channel_id"], title="Algemene vraag")
        in_other = make_thread(member, other["id"], title="Motie over bomen")
        response = client.get(group_link(group), params={"channel": other["slug"]})
        text = assert_page(response)
        assert thread_link(in_other) in links(text) and thread_link(in_default) not in links(text)
        assert page_data(response)["topics"] == [channel_topic(other["id"])]


# --- a thread's page ------------------------------------------------------------------------------------


class TestThreadPage:
    @pytest.mark.parametrize("path", ["/threads/999999", "/threads/0", f"/threads/{2**31}"])
    def test_missing(self, client_for, member, path) -> None:
        assert_not_found_page(client_for(member).get(path))

    def test_bad_id_and_cursor(self, client_for, member, make_group, make_thread) -> None:
        client = client_for(member)
        assert_page(client.get("/threads/abc"), 422)
        thread = make_thread(member, make_group(members=(member,))["channel_id"])
        assert_page(client.get(thread_link(thread), params={"cursor": "niet-een-cursor"}), 422)

    def test_secret_thread_is_the_same_404_as_a_missing_one(self, client_for, member, outsider, make_group,
                                                            make_thread) -> None:
        secret = make_group("Geheim bestuur", visibility="secret", members=(member,))
        thread = make_thread(member, secret["channel_id"], title="Kandidatenlijst 2026", body="Wie staat er op?")
        client = client_for(outsider)
        hidden = client.get(thread_link(thread))
        missing = client.get("/threads/999999")
        text = assert_not_found_page(hidden)
        assert "Kandidatenlijst 2026" not in text and "Geheim bestuur" not in text and "Wie staat er op" not in text
        assert (hidden.status_code, hidden.text) == (missing.status_code, missing.text)
        # A bad cursor does not tell her more than that either.
        with_cursor = client.get(thread_link(thread), params={"cursor": "niet-een-cursor"})
        assert (with_cursor.status_code, with_cursor.text) == (404, missing.text)

    def test_closed_group_thread_is_refused_in_her_language(self, client_for, member, outsider, make_group,
                                                            make_thread) -> None:
        closed = make_group("Besloten overleg", visibility="closed", members=(member,))
        thread = make_thread(member, closed["channel_id"], title="Vertrouwelijke begroting", body="Geheim bedrag")
        response = client_for(outsider).get(thread_link(thread))
        text = assert_page(response, 403)
        assert '<html lang="nl">' in text
        assert "Vertrouwelijke begroting" not in text and "Geheim bedrag" not in text
        # The page is Dutch, so is the reason: not the API's English message.
        assert "Join this group to read what is posted in it." not in text
        assert "Word lid van deze groep om te lezen wat erin geplaatst wordt." in text

    def test_shows_the_opening_post_and_replies(self, client_for, member, outsider, make_group,
                                                make_thread) -> None:
        group = make_group("Zorg en welzijn", members=(member,))
        thread = make_thread(member, group["channel_id"], title="Wachtlijsten jeugdzorg",
                             body="Hoe lang zijn de **wachtlijsten** bij jullie?")
        reply = client_for(member).post(f"{API}/threads/{thread['id']}/replies",
                                        json={"body": "In Alkmaar _drie_ maanden."})
        assert reply.status_code == 201, reply.text
        response = client_for(member).get(thread_link(thread))
        text = assert_page(response)
        assert "<h1>Wachtlijsten jeugdzorg</h1>" in text
        assert "<strong>wachtlijsten</strong>" in text and "<em>drie</em>" in text
        assert f'id="post-{thread["opening_post_id"]}"' in text and f'id="post-{reply.json()["id"]}"' in text
        assert "1 reactie" in text and 'data-count="1"' in text
        assert 'id="reply-form"' in text and group_link(group) in links(text)
        assert page_data(response)["topics"] == [thread_topic(thread["id"])]
        # An outsider of an open group reads along but has no reply form.
        seen = assert_page(client_for(outsider).get(thread_link(thread)))
        assert "In Alkmaar" in seen and 'id="reply-form"' not in seen

    def test_user_text_is_escaped_and_sanitised(self, client_for, member, make_group, make_thread) -> None:
        group = make_group(f"Groep {EVIL}", members=(member,))
        thread = make_thread(member, group["channel_id"], title=EVIL, body=f"Opening {EVIL}")
        reply = client_for(member).post(f"{API}/threads/{thread['id']}/replies", json={
            "body": f'<img src=x onerror="alert(2)"> {EVIL} <a href="javascript:alert(3)">klik</a> **vet**'})
        assert reply.status_code == 201, reply.text
        response = client_for(member).get(thread_link(thread))
        text = assert_page(response)  # no inline script, no on* attribute anywhere
        assert "<script>alert(1)" not in text
        assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in text
        assert "<strong>vet</strong>" in text
        for tag, attrs in parse(text).tags:
            assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)
            if tag == "img":
                assert "onerror" not in attrs
        # The same title in a list of threads and in the page title.
        assert "<script>alert(1)" not in assert_page(client_for(member).get(group_link(group)))
        assert "<script>alert(1)" not in assert_page(client_for(member).get("/"))


# --- language, security headers and the page data ---------------------------------------------------------


class TestLanguage:
    def test_bad_language(self, client_for, member) -> None:
        assert_error(client_for(member).patch(f"{API}/me", json={"language": "fr"}), 422, "invalid", "language")

    def test_dutch_by_default(self, client_for, member) -> None:
        response = client_for(member).get("/", headers={"Accept-Language": "en"})
        text = assert_page(response)
        # A member's own choice counts, not her browser's.
        assert '<html lang="nl">' in text and "Uitloggen" in text and "Log out" not in text
        assert page_data(response)["language"] == "nl"
        assert page_data(response)["strings"]["Question"] == "Vraag"

    def test_a_member_who_chose_english(self, client_for, member, make_group, make_thread) -> None:
        client = client_for(member)
        assert client.patch(f"{API}/me", json={"language": "en"}).status_code == 200
        group = make_group("Zorg en welzijn", members=(member,))
        thread = make_thread(member, group["channel_id"], title="Wachtlijsten jeugdzorg")
        for path in ("/", "/groups", group_link(group), thread_link(thread)):
            response = client.get(path)
            text = assert_page(response)
            assert '<html lang="en">' in text and "Log out" in text and "Uitloggen" not in text, path
            assert response.headers["content-language"] == "en"
            assert page_data(response)["language"] == "en"
            assert page_data(response)["strings"]["Question"] == "Question"
        assert "1 group" in client.get("/groups", params={"q": "zorg en welzijn"}).text

    def test_an_english_member_gets_english_error_pages(self, client_for, member, outsider, make_group,
                                                        make_thread) -> None:
        client = client_for(member)
        assert client.patch(f"{API}/me", json={"language": "en"}).status_code == 200
        text = assert_page(client.get("/threads/999999"), 404)
        assert '<html lang="en">' in text and "<h1>Not found" in text and "Log out" in text
        closed = make_group("Besloten overleg", visibility="closed", members=(outsider,))
        thread = make_thread(outsider, closed["channel_id"], title="Vertrouwelijke begroting")
        text = assert_page(client.get(thread_link(thread)), 403)
        assert '<html lang="en">' in text and "Join this group to read what is posted in it." in text
        assert "Vertrouwelijke begroting" not in text

    def test_an_english_member_gets_an_english_page_for_an_unknown_address(self, client_for, member) -> None:
        client = client_for(member)
        assert client.patch(f"{API}/me", json={"language": "en"}).status_code == 200
        text = assert_page(client.get("/bestaat-niet"), 404)
        assert '<html lang="en">' in text and "<h1>Not found" in text


class TestEveryPage:
    def test_security_headers_and_page_data(self, anon, client_for, member, make_group, make_thread) -> None:
        group = make_group(members=(member,))
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        responses = [anon.get("/login"), client.get("/"), client.get("/groups"), client.get(group_link(group)),
                     client.get(thread_link(thread)), client.get("/threads/999999"), client.get("/bestaat-niet"),
                     anon.get("/invite/een-token"), anon.get("/password-reset/een-token")]
        for response in responses:
            text = assert_page(response, 404 if response.url.path in ("/threads/999999", "/bestaat-niet") else 200)
            policy = csp(response)
            assert policy["script-src"] == ["'self'"], policy
            assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
            assert response.headers["x-content-type-options"] == "nosniff"
            data = page_data(response)
            assert set(data) == {"language", "strings", "topics", "viewer"}
            assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data["strings"].items())
            assert re.search(r'<script type="application/json" id="plein-page">', text)

    @pytest.mark.parametrize("page", ["/invite", "/password-reset"])
    def test_a_token_in_the_address_is_escaped(self, anon, page) -> None:
        text = assert_page(anon.get(f"{page}/{EVIL.replace('/', '%2F')}"), 404)
        assert "<script>alert(1)" not in text
        token = '"><img src=x onerror=alert(1)>'
        text = assert_page(anon.get(f"{page}/{token}"))
        form = next(attrs for tag, attrs in parse(text).tags if tag == "form" and "data-token" in attrs)
        assert form["data-token"] == token

    def test_the_data_block_cannot_be_closed_early(self) -> None:
        value = {"title": "</script><script>alert(1)</script>", "and": "<!-- & -->"}
        out = str(_json_script(value))
        assert "<" not in out and ">" not in out and "&" not in out
        assert json.loads(out) == value


class TestNotFound:
    def test_api_404_stays_json(self, client_for, member) -> None:
        client = client_for(member)
        response = client.get(f"{API}/threads/999999")
        assert response.headers["content-type"].startswith("application/json")
        assert_error(response, 404, "not_found")
        assert_error(client.get(f"{API}/bestaat-niet"), 404, "not_found")
        assert_error(client.get(f"{API}/groups/by-slug/bestaat-niet"), 404, "not_found")

    def test_api_errors_for_a_visitor_stay_json(self, anon) -> None:
        assert_error(anon.get(f"{API}/threads/1"), 401, "unauthenticated")

    def test_page_404s_are_html(self, client_for, member, anon) -> None:
        client = client_for(member)
        assert_not_found_page(client.get("/threads/999999"))
        assert_not_found_page(client.get("/bestaat-niet"))
        # An unknown address is not a secret: a visitor gets the 404 page too, not a login form.
        assert_not_found_page(anon.get("/bestaat-niet"))


# --- the composer's preview -----------------------------------------------------------------------------


class TestMarkdownPreview:
    URL = f"{API}/markdown/preview"

    def test_anonymous_is_refused(self, anon) -> None:
        response = anon.post(self.URL, json={"body": "**x**"})
        assert response.headers["content-type"].startswith("application/json")
        assert_error(response, 401, "unauthenticated")

    def test_without_the_csrf_header(self, client_for, member) -> None:
        client = client_for(member)
        del client.http.headers["X-CSRF-Token"]
        assert_error(client.post(self.URL, json={"body": "**x**"}), 403, "csrf_failed")

    def test_bad_input(self, client_for, member, settings) -> None:
        client = client_for(member)
        assert_error(client.post(self.URL, json={}), 422, "invalid", "body")
        assert_error(client.post(self.URL, json={"body": ""}), 422, "invalid", "body")
        assert_error(client.post(self.URL, json={"body": " \n "}), 422, "invalid", "body")
        too_long = "x" * (settings.max_body_chars + 1)
        assert_error(client.post(self.URL, json={"body": too_long}), 422, "invalid", "body")
        assert_error(client.post(self.URL, json={"body": "**x**", "extra": 1}), 422, "invalid", "extra")
        assert_error(client.post(self.URL, content=b"{", headers={"Content-Type": "application/json"}),
                     422, "invalid_json", "body")

    def test_renders_like_a_post_and_sanitises(self, client_for, member) -> None:
        response = client_for(member).post(self.URL, json={"body": "**x** <script>bad()</script>"})
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"html"}
        html = response.json()["html"]
        assert "<strong>x</strong>" in html and "<script" not in html.lower()
        evil = client_for(member).post(self.URL, json={"body": '<img src=x onerror="alert(1)"> [k](javascript:x)'})
        assert evil.status_code == 200
        for tag, attrs in parse(evil.json()["html"]).tags:
            assert tag != "script" and not any(name.startswith("on") for name in attrs), (tag, attrs)
            assert not (attrs.get("href") or "").lower().startswith("javascript:"), (tag, attrs)

    def test_nothing_is_stored(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        client = client_for(member)
        client.post(self.URL, json={"body": "Alleen een voorbeeld"})
        threads = client.get(f"{API}/groups/{group['id']}/threads").json()["items"]
        assert threads == []
