"""The member's own pages, server-rendered: the unread badge in the header, her notifications, her settings,
profiles, the community manager's questions to approve, a thread's and a group's notification level, and
the unsubscribe page a mail links to. No JavaScript runs here: what is checked is the HTML the server sends.
"""
from __future__ import annotations

import functools
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

from app.config import get_settings
from app.models import Portfolio, User
from app.models.enums import Province, Title
from app.services.mail import unsubscribe_token
from tests.api.helpers import API
from tests.web.test_pages import (
    EVIL,
    assert_login_redirect,
    assert_not_found_page,
    assert_page,
    group_link,
    links,
    page_data,
    thread_link,
)

BREAKOUT = "</script><script>alert(1)</script>"
_portfolios = itertools.count(1)


# --- reading a page -------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None]
    parents: tuple[Element, ...] = field(repr=False)
    raw: str = field(default="", repr=False)  # the text inside it, entities decoded (script content as sent)

    @property
    def text(self) -> str:
        return " ".join(self.raw.split())

    def within(self, ancestor: Element) -> bool:
        return any(p is ancestor for p in self.parents)


class Elements(HTMLParser):
    """Every element of a page with its attributes, ancestors and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.all: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), tuple(self._open))
        self.all.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.raw += data


@functools.lru_cache(maxsize=16)
def elements(html: str) -> tuple[Element, ...]:
    """Parsed once per page, so elements found by different helpers can be compared by identity."""
    parser = Elements()
    parser.feed(html)
    parser.close()
    return tuple(parser.all)


def by_id(html: str, id_: str) -> Element | None:
    found = [e for e in elements(html) if e.attrs.get("id") == id_]
    assert len(found) <= 1, f"{len(found)} elements with id {id_!r}"
    return found[0] if found else None


def json_block(html: str, id_: str) -> Any:
    """The data of a `<script type="application/json">` block, exactly as the page's script reads it."""
    block = by_id(html, id_)
    assert block is not None and block.tag == "script" and block.attrs.get("type") == "application/json", block
    return json.loads(block.raw)


@dataclass(frozen=True)
class Option:
    value: str
    selected: bool
    text: str


def options(html: str, select_id: str) -> list[Option]:
    page = elements(html)
    select = next((e for e in page if e.tag == "select" and e.attrs.get("id") == select_id), None)
    assert select is not None, f"no <select id={select_id!r}>"
    return [Option(e.attrs.get("value") or "", "selected" in e.attrs, e.text)
            for e in page if e.tag == "option" and e.within(select)]


def selected(html: str, select_id: str) -> Option:
    chosen = [o for o in options(html, select_id) if o.selected]
    assert len(chosen) == 1, chosen
    return chosen[0]


def checks(html: str, name: str) -> dict[str, bool]:
    """value → checked, for the checkboxes or radios with this name."""
    return {e.attrs.get("value") or "": "checked" in e.attrs for e in elements(html)
            if e.tag == "input" and e.attrs.get("name") == name}


def label_for(html: str, id_: str) -> str:
    found = [e.text for e in elements(html) if e.tag == "label" and e.attrs.get("for") == id_]
    assert len(found) == 1, found
    return found[0]


def with_class(html: str, tag: str, cls: str) -> list[Element]:
    return [e for e in elements(html) if e.tag == tag and cls in (e.attrs.get("class") or "").split()]


def level_selects(html: str) -> dict[str, tuple[str, Option]]:
    """The notification-level selects of a page: id → (its label, the option chosen)."""
    ids = [e.attrs["id"] for e in with_class(html, "select", "level-select")]
    return {id_: (label_for(html, id_), selected(html, id_)) for id_ in ids if id_}


def asked_of(html: str) -> str:
    """The meta line of a question to portfolios on its thread page."""
    [line] = [e.text for e in elements(html) if e.tag == "p" and e.text.startswith(("Gevraagd aan", "Asked of"))]
    return line


# --- arranging ------------------------------------------------------------------------------------------


@pytest.fixture
def plain(make_group, member, writer, other) -> dict[str, Any]:
    """A group of kind "other": members hear of mentions and replies to them only (normal by default)."""
    return make_group("Leesclub", kind="other", members=(member, writer, other))


@pytest.fixture
def portfolio_named(session) -> Callable[[str], Portfolio]:
    """A portfolio with exactly this name (the pages show it as it is)."""
    def _make(name: str) -> Portfolio:
        found = Portfolio(slug=f"p-{next(_portfolios)}-{random.randrange(10**9)}", name=name)
        session.add(found)
        session.commit()
        return found

    return _make


@pytest.fixture
def approval_over(monkeypatch) -> int:
    """A question to more than one person waits for the community manager."""
    monkeypatch.setattr(get_settings(), "question_audience_approval_over", 1)
    return 1


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text[:500]}"
    return response.json() if response.content else None


def reply(client, thread_id: int, body: str = "Bij ons ook.") -> dict[str, Any]:
    return ok(client.post(f"{API}/threads/{thread_id}/replies", json={"body": body}), 201)


def ask(client, channel_id: int, *portfolios: Portfolio, **fields: Any) -> dict[str, Any]:
    """A question to the holders of these portfolios, through the API as the composer sends it."""
    return ok(client.post(f"{API}/channels/{channel_id}/threads", json={
        "kind": "question", "title": "Wie heeft ervaring met tiny houses?", "body": "Graag jullie ervaringen.",
        "portfolio_ids": [p.id for p in portfolios]} | fields), 201)


def english(client) -> None:
    ok(client.patch(f"{API}/me", json={"language": "en"}))


def badge(html: str) -> tuple[str | None, str, bool, str | None]:
    """(data-count, text, hidden, the notifications link's aria-label) of the header."""
    found = by_id(html, "unread-badge")
    link = by_id(html, "notifications-link")
    assert found is not None and link is not None and found.within(link)
    return found.attrs.get("data-count"), found.text, "hidden" in found.attrs, link.attrs.get("aria-label")


# --- the header -----------------------------------------------------------------------------------------


class TestHeader:
    def test_the_badge_counts_her_unread_notifications(self, client_for, member, writer, plain, make_thread) -> None:
        me = client_for(member)
        assert badge(assert_page(me.get("/"))) == ("0", "0", True, "Meldingen")
        first = make_thread(member, plain["channel_id"], title="Bomen in de Dorpsstraat")
        second = make_thread(member, plain["channel_id"], title="Wachtlijsten jeugdzorg")
        reply(client_for(writer), first["id"])
        assert badge(assert_page(me.get("/"))) == ("1", "1", False, "Meldingen, 1 ongelezen")
        reply(client_for(writer), second["id"])
        # A second reply in the first thread folds into its line: still two lines unread.
        reply(client_for(writer), first["id"], body="En nog iets.")
        for path in ("/", "/groups", "/notifications", thread_link(first), "/settings/notifications"):
            assert badge(assert_page(me.get(path))) == ("2", "2", False, "Meldingen, 2 ongelezen"), path
        # Only hers: the one who replied has nothing unread.
        assert badge(assert_page(client_for(writer).get("/"))) == ("0", "0", True, "Meldingen")
        ok(me.post(f"{API}/notifications/read", json={}))
        assert badge(assert_page(me.get("/"))) == ("0", "0", True, "Meldingen")

    def test_in_english(self, client_for, member, writer, plain, make_thread) -> None:
        me = client_for(member)
        english(me)
        reply(client_for(writer), make_thread(member, plain["channel_id"])["id"])
        assert badge(assert_page(me.get("/"))) == ("1", "1", False, "Notifications, 1 unread")

    def test_on_an_error_page_too(self, client_for, member, writer, plain, make_thread) -> None:
        reply(client_for(writer), make_thread(member, plain["channel_id"])["id"])
        text = assert_not_found_page(client_for(member).get("/threads/999999"))
        assert badge(text) == ("1", "1", False, "Meldingen, 1 ongelezen")

    def test_staff_have_a_link_to_the_questions_to_approve(self, client_for, member, manager, admin) -> None:
        for user in (manager, admin):
            text = assert_page(client_for(user).get("/"))
            link = [e for e in elements(text) if e.tag == "a" and e.attrs.get("href") == "/manage/questions"]
            assert [e.text for e in link] == ["Vragen om goed te keuren"], user.role
        text = assert_page(client_for(member).get("/"))
        assert "/manage/questions" not in links(text) and "Vragen om goed te keuren" not in text


# --- /notifications -------------------------------------------------------------------------------------


class TestNotificationsPage:
    def test_a_visitor_is_sent_to_login(self, anon) -> None:
        assert_login_redirect(anon.get("/notifications", follow_redirects=False), "/notifications")

    def test_embeds_exactly_her_notifications(self, client_for, member, writer, other, plain, make_thread) -> None:
        mine = make_thread(member, plain["channel_id"], title="Bomen in de Dorpsstraat")
        theirs = make_thread(other, plain["channel_id"], title="Sociale huur")
        answer = reply(client_for(writer), mine["id"])
        reply(client_for(writer), theirs["id"])
        me = client_for(member)
        response = me.get("/notifications")
        text = assert_page(response)
        assert "<h1>Meldingen</h1>" in text and 'id="notification-list"' in text
        data = json_block(text, "notification-data")
        assert data == ok(me.get(f"{API}/notifications", params={"limit": 50}))
        assert data["unread"] == 1 and data["next_cursor"] is None
        [line] = data["items"]
        assert (line["kind"], line["thread"], line["read"], line["count"]) == (
            "reply", {"id": mine["id"], "title": "Bomen in de Dorpsstraat"}, False, 1)
        assert line["actor"]["id"] == writer.id
        assert line["url"] == f"/threads/{mine['id']}#post-{answer['id']}"
        assert "Sociale huur" not in text  # Carla's line is not on her page
        # Read: the line stays, marked read.
        ok(me.post(f"{API}/notifications/{line['id']}/read"))
        again = json_block(assert_page(me.get("/notifications")), "notification-data")
        assert again["unread"] == 0 and [(n["id"], n["read"]) for n in again["items"]] == [(line["id"], True)]

    def test_nothing_yet(self, client_for, member) -> None:
        text = assert_page(client_for(member).get("/notifications"))
        assert json_block(text, "notification-data") == {"items": [], "next_cursor": None, "unread": 0}

    def test_a_thread_she_can_no_longer_read_drops_out(self, client_for, member, writer, make_group,
                                                       make_thread) -> None:
        closed = make_group("Besloten overleg", kind="other", visibility="closed", members=(member, writer))
        thread = make_thread(member, closed["channel_id"], title="Vertrouwelijke begroting")
        reply(client_for(writer), thread["id"])
        me = client_for(member)
        assert len(json_block(assert_page(me.get("/notifications")), "notification-data")["items"]) == 1
        ok(me.delete(f"{API}/groups/{closed['id']}/members/{member.id}"), 204)
        text = assert_page(me.get("/notifications"))
        assert json_block(text, "notification-data") == {"items": [], "next_cursor": None, "unread": 0}
        assert "Vertrouwelijke begroting" not in text and badge(text)[0] == "0"

    def test_a_title_cannot_break_out_of_the_data_block(self, client_for, member, writer, plain,
                                                        make_thread) -> None:
        thread = make_thread(member, plain["channel_id"], title=BREAKOUT)
        reply(client_for(writer), thread["id"])
        text = assert_page(client_for(member).get("/notifications"))  # no script but files and data
        assert "<script>alert(1)" not in text and "</script><script>alert" not in text
        data = json_block(text, "notification-data")
        assert data["items"][0]["thread"]["title"] == BREAKOUT


# --- /settings/notifications ----------------------------------------------------------------------------


class TestNotificationSettingsPage:
    def test_a_visitor_is_sent_to_login(self, anon) -> None:
        assert_login_redirect(anon.get("/settings/notifications", follow_redirects=False), "/settings/notifications")

    def test_her_mail_choices(self, client_for, member) -> None:
        me = client_for(member)
        text = assert_page(me.get("/settings/notifications"))
        assert checks(text, "email_mentions") == {"": True} and checks(text, "email_replies") == {"": True}
        assert checks(text, "digest") == {"daily": False, "weekly": True, "off": False}
        assert checks(text, "language") == {"nl": True, "en": False}
        ok(me.patch(f"{API}/me/notification-settings", json={"email_replies": False, "digest": "daily"}))
        text = assert_page(me.get("/settings/notifications"))
        assert checks(text, "email_mentions") == {"": True} and checks(text, "email_replies") == {"": False}
        assert checks(text, "digest") == {"daily": True, "weekly": False, "off": False}
        ok(me.patch(f"{API}/me/notification-settings", json={"email_mentions": False, "digest": "off"}))
        text = assert_page(me.get("/settings/notifications"))
        assert checks(text, "email_mentions") == {"": False}
        assert checks(text, "digest") == {"daily": False, "weekly": False, "off": True}

    def test_one_level_per_group_she_is_in(self, client_for, member, outsider, make_group) -> None:
        theme = make_group("Zorg en welzijn", kind="theme", members=(member,))
        faction = make_group("Fractie Alkmaar", kind="faction", members=(member,))
        secret = make_group("Geheim bestuur", kind="other", visibility="secret", members=(member,))
        elsewhere = make_group("Wonen", kind="theme", members=(outsider,))
        me = client_for(member)
        ok(me.put(f"{API}/groups/{faction['id']}/notification-level", json={"level": "muted"}))
        text = assert_page(me.get("/settings/notifications"))
        found = level_selects(text)
        assert found == {
            f"level-{theme['id']}": ("Zorg en welzijn", Option("", True, "Standaard (Bijhouden)")),
            f"level-{faction['id']}": ("Fractie Alkmaar", Option("muted", True, "Gedempt: niets")),
            f"level-{secret['id']}": ("Geheim bestuur", Option("", True, "Standaard (Normaal)")),
        }
        assert "Wonen" not in text and f"level-{elsewhere['id']}" not in text
        # The default option names the group kind's default; each select saves to its own group.
        assert options(text, f"level-{faction['id']}")[0] == Option("", False, "Standaard (Volgen)")
        assert [o.value for o in options(text, f"level-{theme['id']}")] == [
            "", "watching", "tracking", "normal", "muted"]
        select = by_id(text, f"level-{secret['id']}")
        assert select is not None and select.attrs["data-url"] == f"{API}/groups/{secret['id']}/notification-level"

    def test_a_member_without_groups(self, client_for, outsider) -> None:
        text = assert_page(client_for(outsider).get("/settings/notifications"))
        assert level_selects(text) == {} and "Je bent nog geen lid van een groep." in text

    def test_group_names_are_escaped(self, client_for, member, make_group) -> None:
        group = make_group(f"Groep {EVIL}", members=(member,))
        text = assert_page(client_for(member).get("/settings/notifications"))
        assert "<script>alert(1)" not in text
        assert level_selects(text)[f"level-{group['id']}"][0] == f"Groep {EVIL}"


# --- /settings/profile ----------------------------------------------------------------------------------


class TestProfileSettingsPage:
    def test_a_visitor_is_sent_to_login(self, anon) -> None:
        assert_login_redirect(anon.get("/settings/profile", follow_redirects=False), "/settings/profile")

    def test_her_fields_are_filled_in(self, client_for, member, portfolio_named) -> None:
        housing, care, climate = portfolio_named("Wonen"), portfolio_named("Zorg"), portfolio_named("Klimaat")
        me = client_for(member)
        ok(me.patch(f"{API}/me", json={
            "display_name": "Anna de Vries-Bakker", "title": "wethouder", "municipality": "Heerhugowaard",
            "province": "noord-holland", "portfolio_ids": [housing.id, climate.id], "bio": f"Over mij {EVIL}"}))
        text = assert_page(me.get("/settings/profile"))
        fields = {e.attrs.get("id"): e for e in elements(text) if e.tag in ("input", "textarea")}
        assert fields["display_name"].attrs["value"] == "Anna de Vries-Bakker"
        assert fields["municipality"].attrs["value"] == "Heerhugowaard"
        assert selected(text, "title") == Option("wethouder", True, "Wethouder")
        assert selected(text, "province") == Option("noord-holland", True, "Noord-Holland")
        assert [o.value for o in options(text, "title")] == ["", *[t.value for t in Title]]
        assert [o.value for o in options(text, "province")] == ["", *[p.value for p in Province]]
        assert checks(text, "portfolio_ids") == {str(housing.id): True, str(care.id): False, str(climate.id): True}
        assert fields["bio"].raw == f"Over mij {EVIL}"
        assert "<script>alert(1)" not in text and "Over mij &lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert checks(text, "language") == {"nl": True, "en": False}
        assert f"/members/{member.username}" in links(text)

    def test_empty_fields_and_english(self, client_for, make_user) -> None:
        bare = make_user(display_name="Kees")
        me = client_for(bare)
        text = assert_page(me.get("/settings/profile"))
        # Nothing chosen: no option is marked, so the browser shows the first, "Geen".
        for select in ("title", "province"):
            assert not any(o.selected for o in options(text, select)), select
            assert options(text, select)[0] == Option("", False, "Geen")
        assert by_id(text, "municipality").attrs["value"] == ""  # type: ignore[union-attr]
        assert by_id(text, "bio").raw == ""  # type: ignore[union-attr]
        english(me)
        text = assert_page(me.get("/settings/profile"))
        assert '<html lang="en">' in text and checks(text, "language") == {"nl": False, "en": True}
        assert options(text, "title")[0] == Option("", False, "None") and "Your profile" in text
        assert label_for(text, "title") == "Job title"


# --- /members/{username} --------------------------------------------------------------------------------


class TestProfilePage:
    @pytest.fixture
    def anna(self, client_for, member, portfolio_named) -> User:
        housing, climate = portfolio_named("Wonen"), portfolio_named("Klimaat")
        ok(client_for(member).patch(f"{API}/me", json={
            "province": "noord-holland", "portfolio_ids": [housing.id, climate.id], "bio": f"Groen {EVIL}"}))
        return member

    def test_a_visitor_is_sent_to_login(self, anon, member) -> None:
        path = f"/members/{member.username}"
        assert_login_redirect(anon.get(path, follow_redirects=False), path)

    def test_shows_who_she_is(self, client_for, anna, writer) -> None:
        text = assert_page(client_for(writer).get(f"/members/{anna.username}"))
        assert "<h1>Anna de Vries</h1>" in text and f"@{anna.username}" in text
        terms = {e.text: e for e in elements(text) if e.tag == "dt"}
        facts = [e for e in elements(text) if e.tag == "dd"]
        assert list(terms) == ["Functie", "Gemeente", "Provincie", "Portefeuilles"]
        assert [d.text for d in facts] == ["Raadslid", "Alkmaar", "Noord-Holland", "Klimaat Wonen"]
        assert "<script>alert(1)" not in text and "Groen &lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "Je profiel bewerken" not in text

    def test_in_the_viewers_language(self, client_for, anna, writer) -> None:
        viewer = client_for(writer)
        english(viewer)
        text = assert_page(viewer.get(f"/members/{anna.username}"))
        assert '<html lang="en">' in text
        assert [d.text for d in elements(text) if d.tag == "dd"][:3] == ["Councillor", "Alkmaar", "Noord-Holland"]
        assert "Raadslid" not in text

    def test_her_own_profile_has_an_edit_link(self, client_for, anna) -> None:
        text = assert_page(client_for(anna).get(f"/members/{anna.username}"))
        edit = [e for e in elements(text) if e.tag == "a" and e.text == "Je profiel bewerken"]
        assert [e.attrs["href"] for e in edit] == ["/settings/profile"]

    def test_unknown_member(self, client_for, member) -> None:
        assert_not_found_page(client_for(member).get("/members/bestaat-niet"))

    def test_a_former_member(self, client_for, session, member, make_user, manager) -> None:
        gone = make_user(display_name="Oud Lid")
        gone.is_active = False
        session.commit()
        assert_not_found_page(client_for(member).get(f"/members/{gone.username}"))
        text = assert_page(client_for(manager).get(f"/members/{gone.username}"))
        assert "<h1>Oud Lid</h1>" in text and "niet meer actief" in text

    def test_a_name_is_escaped(self, client_for, member, make_user) -> None:
        odd = make_user(display_name=EVIL, municipality=f'"><{EVIL[1:]}')
        text = assert_page(client_for(member).get(f"/members/{odd.username}"))
        assert "<script>alert(1)" not in text
        assert [e.text for e in elements(text) if e.tag == "h1"] == [EVIL]
        assert [e.text for e in elements(text) if e.tag == "dd"] == [f'"><{EVIL[1:]}']

    def test_thread_pages_link_authors_to_their_profiles(self, client_for, anna, writer, plain,
                                                         make_thread) -> None:
        thread = make_thread(anna, plain["channel_id"])
        reply(client_for(writer), thread["id"])
        client = client_for(writer)
        text = assert_page(client.get(thread_link(thread)))
        authors = with_class(text, "a", "author")
        assert {(e.attrs["href"], e.text) for e in authors} == {
            (f"/members/{anna.username}", "Anna de Vries"), (f"/members/{writer.username}", "Bert Jansen")}
        assert "<h1>Bert Jansen</h1>" in assert_page(client.get(f"/members/{writer.username}"))


# --- /manage/questions ----------------------------------------------------------------------------------


class TestPendingQuestionsPage:
    @pytest.fixture
    def housing(self, portfolio_named, hold, writer, other, make_user) -> Portfolio:
        """Held by Bert and Carla, and by a councillor in Noord-Holland."""
        portfolio = portfolio_named("Wonen")
        for user in (writer, other, make_user(title="raadslid", province="noord-holland")):
            hold(user, portfolio)
        return portfolio

    def test_a_visitor_is_sent_to_login(self, anon) -> None:
        assert_login_redirect(anon.get("/manage/questions", follow_redirects=False), "/manage/questions")

    def test_a_member_may_not(self, client_for, member) -> None:
        text = assert_page(client_for(member).get("/manage/questions"), 403)
        assert '<html lang="nl">' in text
        assert "Alleen de communitymanager en beheerders beslissen over grote vragen." in text
        client = client_for(member)
        english(client)
        text = assert_page(client.get("/manage/questions"), 403)
        assert "Only the community manager and admins decide on large questions." in text

    def test_none_waiting(self, client_for, manager) -> None:
        text = assert_page(client_for(manager).get("/manage/questions"))
        assert "<h1>Vragen om goed te keuren</h1>" in text and "Er wachten geen vragen." in text

    def test_lists_the_questions_that_wait(self, client_for, member, manager, plain, housing, approval_over,
                                           make_thread) -> None:
        waiting = ask(client_for(member), plain["channel_id"], housing)
        narrowed = ask(client_for(member), plain["channel_id"], housing, audience_province="noord-holland",
                       audience_title="raadslid", title="Tiny houses in Noord-Holland")
        sent = ask(client_for(member), plain["channel_id"], housing, audience_province="utrecht")  # nobody: no wait
        make_thread(member, plain["channel_id"], title="Gewoon een gesprek")
        assert [t["audience"]["status"] for t in (waiting, narrowed, sent)] == ["pending", "sent", "sent"]
        staff = client_for(manager)
        text = assert_page(staff.get("/manage/questions"))
        items = with_class(text, "li", "audience-decision")
        assert [e.attrs["data-thread-id"] for e in items] == [str(waiting["id"])]
        buttons = [(e.attrs["data-approve"], e.text) for e in elements(text)
                   if e.tag == "button" and e.within(items[0])]
        assert buttons == [("true", "Versturen naar 3 leden"), ("false", "Niet versturen")]
        assert thread_link(waiting) in links(text) and "Wie heeft ervaring met tiny houses?" in text
        assert "Anna de Vries · Wonen" in items[0].text and "Gewoon een gesprek" not in text
        assert "Er wachten geen vragen." not in text
        ok(staff.post(f"{API}/threads/{waiting['id']}/audience", json={"approve": True}))
        assert "Er wachten geen vragen." in assert_page(staff.get("/manage/questions"))

    def test_a_narrowed_question_shows_its_audience(self, client_for, member, manager, plain, housing, make_user,
                                                    hold, approval_over) -> None:
        hold(make_user(title="raadslid", province="noord-holland"), housing)
        waiting = ask(client_for(member), plain["channel_id"], housing, audience_province="noord-holland",
                      audience_title="raadslid")
        assert waiting["audience"] == {"province": "noord-holland", "title": "raadslid", "status": "pending",
                                       "count": 2}
        text = assert_page(client_for(manager).get("/manage/questions"))
        assert "Anna de Vries · Wonen · Raadslid · Noord-Holland" in " ".join(text.split())
        assert "Versturen naar 2 leden" in text


# --- /threads/{id} --------------------------------------------------------------------------------------


class TestThreadPage:
    def test_her_level_for_the_thread(self, client_for, member, manager, make_group, make_thread) -> None:
        theme = make_group("Zorg en welzijn", kind="theme", members=(member,))
        theirs = make_thread(manager, theme["channel_id"], title="Wachtlijsten")
        mine = make_thread(member, theme["channel_id"], title="Mijn vraag")
        me = client_for(member)
        text = assert_page(me.get(thread_link(theirs)))
        # The theme group's level (tracking) for a thread she only reads; watching for one she wrote in.
        assert level_selects(text) == {
            "thread-level": ("Meldingen over dit onderwerp", Option("", True, "Standaard (Bijhouden)"))}
        select = by_id(text, "thread-level")
        assert select is not None and select.attrs["data-url"] == f"{API}/threads/{theirs['id']}/notification-level"
        assert level_selects(assert_page(me.get(thread_link(mine))))["thread-level"][1] == Option(
            "", True, "Standaard (Volgen)")
        ok(me.put(f"{API}/threads/{theirs['id']}/notification-level", json={"level": "muted"}))
        text = assert_page(me.get(thread_link(theirs)))
        assert selected(text, "thread-level") == Option("muted", True, "Gedempt: niets")
        assert options(text, "thread-level")[0] == Option("", False, "Standaard (Bijhouden)")
        # A muted group is the default for a thread she did not take part in.
        ok(me.put(f"{API}/groups/{theme['id']}/notification-level", json={"level": "muted"}))
        ok(me.put(f"{API}/threads/{theirs['id']}/notification-level", json={"level": None}))
        assert selected(assert_page(me.get(thread_link(theirs))), "thread-level") == Option(
            "", True, "Standaard (Gedempt)")

    def test_in_english(self, client_for, member, plain, make_thread) -> None:
        me = client_for(member)
        english(me)
        text = assert_page(me.get(thread_link(make_thread(member, plain["channel_id"]))))
        assert level_selects(text) == {"thread-level": ("Notifications for this thread",
                                                        Option("", True, "Default (Watching)"))}

    @pytest.fixture
    def waiting(self, client_for, member, writer, other, plain, portfolio_named, hold,
                approval_over) -> dict[str, Any]:
        """Anna's question to the two holders of "Wonen", waiting for the community manager."""
        housing = portfolio_named("Wonen")
        hold(writer, housing)
        hold(other, housing)
        question = ask(client_for(member), plain["channel_id"], housing)
        assert question["audience"]["status"] == "pending"
        return question

    def test_a_waiting_question(self, client_for, member, manager, writer, waiting) -> None:
        staff = assert_page(client_for(manager).get(thread_link(waiting)))
        [decision] = with_class(staff, "div", "audience-decision")
        assert decision.attrs["data-thread-id"] == str(waiting["id"])
        buttons = [(e.attrs["data-approve"], e.text) for e in elements(staff) if e.tag == "button"
                   and e.within(decision)]
        assert buttons == [("true", "Versturen naar 2 leden"), ("false", "Niet versturen")]
        assert asked_of(staff) == "Gevraagd aan: Wonen · wacht op goedkeuring van de communitymanager (2 leden)"
        for user in (member, writer):
            text = assert_page(client_for(user).get(thread_link(waiting)))
            assert "audience-decision" not in text and "data-approve" not in text, user.display_name
            assert "Versturen naar" not in text and asked_of(text) == asked_of(staff)

    def test_a_declined_question(self, client_for, member, manager, waiting) -> None:
        ok(client_for(manager).post(f"{API}/threads/{waiting['id']}/audience", json={"approve": False}))
        for user in (member, manager):
            text = assert_page(client_for(user).get(thread_link(waiting)))
            assert asked_of(text) == "Gevraagd aan: Wonen · niet verstuurd: de communitymanager heeft hem afgewezen"
            assert "data-approve" not in text

    @pytest.mark.parametrize(("holders", "line"), [(1, "1 lid bereikt"), (2, "2 leden bereikt")])
    def test_a_sent_question_says_how_many_it_reached(self, client_for, member, manager, writer, other, plain,
                                                      portfolio_named, hold, holders, line) -> None:
        housing = portfolio_named("Wonen")
        for user in (writer, other)[:holders]:
            hold(user, housing)
        sent = ask(client_for(member), plain["channel_id"], housing)
        for user in (member, manager):
            text = assert_page(client_for(user).get(thread_link(sent)))
            assert asked_of(text) == f"Gevraagd aan: Wonen · {line}"
            assert "data-approve" not in text


# --- /groups/{slug} -------------------------------------------------------------------------------------


class TestGroupPage:
    def test_a_member_chooses_what_she_hears(self, client_for, member, outsider, make_group) -> None:
        faction = make_group("Fractie Alkmaar", kind="faction", members=(member,))
        me = client_for(member)
        text = assert_page(me.get(group_link(faction)))
        assert level_selects(text) == {
            "group-level": ("Meldingen uit deze groep", Option("", True, "Standaard (Volgen)"))}
        ok(me.put(f"{API}/groups/{faction['id']}/notification-level", json={"level": "normal"}))
        assert selected(assert_page(me.get(group_link(faction))), "group-level").value == "normal"
        # She reads the open group without being in it: nothing to choose.
        seen = assert_page(client_for(outsider).get(group_link(faction)))
        assert level_selects(seen) == {} and "Meldingen uit deze groep" not in seen

    def test_the_composer_asks_portfolios(self, client_for, member, outsider, make_group, portfolio_named) -> None:
        group = make_group("Zorg en welzijn", members=(member,))
        portfolios = [portfolio_named("Zorg"), portfolio_named("Wonen"), portfolio_named("Afval")]
        text = assert_page(client_for(member).get(group_link(group)))
        form = by_id(text, "thread-form")
        assert form is not None
        boxes = [e for e in elements(text) if e.tag == "input" and e.attrs.get("name") == "portfolio_ids"]
        assert all(e.within(form) and e.attrs["type"] == "checkbox" for e in boxes)
        by_name = sorted(portfolios, key=lambda p: p.name)
        assert [e.attrs["value"] for e in boxes] == [str(p.id) for p in by_name]
        assert checks(text, "portfolio_ids") == {str(p.id): False for p in portfolios}
        assert "Afval" in form.text and "Zorg" in form.text
        province = options(text, "thread-form-province")
        assert [o.value for o in province] == ["", *[p.value for p in Province]]
        assert (province[0].text, province[8].text) == ("Alle provincies", "Noord-Holland")
        title = options(text, "thread-form-audience-title")
        assert [o.value for o in title] == ["", *[t.value for t in Title]]
        assert (title[0].text, title[1].text) == ("Elke functie", "Raadslid")
        names = {e.attrs.get("id"): e.attrs.get("name") for e in elements(text) if e.tag == "select"}
        assert names["thread-form-province"] == "audience_province"
        assert names["thread-form-audience-title"] == "audience_title"
        # Who may not post has no composer at all.
        seen = assert_page(client_for(outsider).get(group_link(group)))
        assert by_id(seen, "thread-form") is None and checks(seen, "portfolio_ids") == {}

    def test_no_portfolios_no_question_fields(self, client_for, member, make_group) -> None:
        text = assert_page(client_for(member).get(group_link(make_group(members=(member,)))))
        assert by_id(text, "thread-form") is not None
        assert checks(text, "portfolio_ids") == {} and 'name="audience_province"' not in text


# --- /unsubscribe/{token} -------------------------------------------------------------------------------


class TestUnsubscribePage:
    @staticmethod
    def state(session, user: User) -> tuple[bool, bool, str]:
        session.expire_all()
        found = session.get(User, user.id)
        return found.email_mentions, found.email_replies, found.digest

    def test_the_link_asks_first(self, anon, session, member) -> None:
        before = self.state(session, member)
        response = anon.get(f"/unsubscribe/{unsubscribe_token(member.id, 'digest')}")
        text = assert_page(response)
        assert '<html lang="nl">' in text and member.email in text
        assert f"{member.email} afmelden voor het dagelijkse of wekelijkse overzicht?" in text
        forms = [e for e in elements(text) if e.tag == "form" and e.attrs.get("method") == "post"]
        assert len(forms) == 1 and "action" not in forms[0].attrs  # posts back to this very address
        assert [e.text for e in elements(text) if e.tag == "button" and e.within(forms[0])] == ["Afmelden"]
        # Opening the link (as a mail scanner does) changes nothing.
        assert self.state(session, member) == before == (True, True, "weekly")
        assert response.headers["cache-control"] == "no-cache" and 'id="logout"' not in text

    @pytest.mark.parametrize(("mail_list", "after", "what"), [
        ("mentions", (False, True, "weekly"), "mails als iemand je noemt of je iets vraagt"),
        ("replies", (True, False, "weekly"), "mails als iemand op je reageert"),
        ("digest", (True, True, "off"), "het dagelijkse of wekelijkse overzicht"),
    ])
    def test_the_button_unsubscribes(self, anon, session, member, mail_list, after, what) -> None:
        url = f"/unsubscribe/{unsubscribe_token(member.id, mail_list)}"
        text = assert_page(anon.post(url))
        assert f"Gelukt: {member.email} is afgemeld voor {what}." in text and "/settings/notifications" in links(text)
        assert self.state(session, member) == after
        # Twice is the same as once.
        assert f"Gelukt: {member.email} is afgemeld" in assert_page(anon.post(url))
        assert self.state(session, member) == after

    def test_the_link_in_a_real_mail(self, anon, session, client_for, member, writer, plain, make_thread,
                                     mails) -> None:
        reply(client_for(writer), make_thread(member, plain["channel_id"])["id"])
        [mail] = [m for m in mails if m.user_id == member.id]
        assert mail.unsubscribe == "replies"
        url = next(word for word in mail.text.split() if "/unsubscribe/" in word)
        path = url.removeprefix("http://testserver")
        assert f"{member.email} afmelden voor" in assert_page(anon.get(path))
        assert_page(anon.post(path))
        assert self.state(session, member) == (True, False, "weekly")

    def test_in_her_language(self, anon, session, client_for, member) -> None:
        english(client_for(member))
        url = f"/unsubscribe/{unsubscribe_token(member.id, 'replies')}"
        # Her language, not the browser's.
        text = assert_page(anon.get(url, headers={"accept-language": "nl"}))
        assert '<html lang="en">' in text and f"Unsubscribe {member.email} from mails when someone replies" in text
        text = assert_page(anon.post(url))
        assert f"Done: {member.email} is unsubscribed from mails when someone replies to you." in text

    @staticmethod
    def bad_token(kind: str, member: User) -> str:
        from app.services.mail import _signer

        good = unsubscribe_token(member.id, "digest")
        return {"niet-een-token": "niet-een-token", "tampered": good[:-2] + ("AA" if good[-2:] != "AA" else "BB"),
                "unknown list": str(_signer().dumps([member.id, "everything"])),
                "unknown member": unsubscribe_token(2**31 - 1, "digest")}[kind]

    @pytest.mark.parametrize("kind", ["niet-een-token", "tampered", "unknown list", "unknown member"])
    def test_a_bad_link_is_a_dutch_404_and_changes_nothing(self, anon, session, member, kind) -> None:
        bad = self.bad_token(kind, member)
        for response in (anon.get(f"/unsubscribe/{bad}"), anon.post(f"/unsubscribe/{bad}")):
            text = assert_not_found_page(response)
            assert '<html lang="nl">' in text and member.email not in text and "Afmelden" not in text
        assert self.state(session, member) == (True, True, "weekly")
        english_page = assert_page(anon.get(f"/unsubscribe/{bad}", headers={"accept-language": "en"}), 404)
        assert '<html lang="en">' in english_page and "<h1>Not found" in english_page

    def test_a_bad_link_says_why(self, anon, member) -> None:
        bad = self.bad_token("tampered", member)
        text = assert_page(anon.get(f"/unsubscribe/{bad}"), 404)
        assert "Deze afmeldlink is niet geldig. Wijzig je mailinstellingen nadat je bent ingelogd." in text
        english_page = assert_page(anon.get(f"/unsubscribe/{bad}", headers={"accept-language": "en"}), 404)
        assert "This unsubscribe link is not valid." in english_page


# --- visitors' pages in English -------------------------------------------------------------------------


class TestVisitorPagesInEnglish:
    INVITE_GONE = "This invitation link does not work (any more). Ask the community manager for a new one."

    def test_the_invite_page(self, anon) -> None:
        response = anon.get("/invite/x", headers={"accept-language": "en"})
        text = assert_page(response)
        assert '<html lang="en">' in text and "Welcome to Plein" in text and "Create account" in text
        assert "Welkom" not in text and "Account aanmaken" not in text
        # Its script's message for a dead link comes from the page, in her language.
        assert page_data(response)["strings"][self.INVITE_GONE] == self.INVITE_GONE
        dutch = anon.get("/invite/x")
        assert "Welkom bij Plein" in assert_page(dutch)
        assert page_data(dutch)["strings"][self.INVITE_GONE] == (
            "Deze uitnodigingslink werkt niet (meer). Vraag de communitymanager om een nieuwe.")

    def test_the_password_reset_page(self, anon) -> None:
        text = assert_page(anon.get("/password-reset/x", headers={"accept-language": "en-GB,en;q=0.9"}))
        assert '<html lang="en">' in text and "Choose a new password" in text
        assert "Kies een nieuw wachtwoord" not in text and "wachtwoord" not in text.lower()
        assert "Kies een nieuw wachtwoord" in assert_page(anon.get("/password-reset/x"))


# --- odd addresses --------------------------------------------------------------------------------------


class TestOddAddresses:
    @pytest.mark.parametrize("path", ["/members/anna%00", "/groups/leesclub%00", "/api/v1/users/by-username/a%00b",
                                      "/api/v1/groups/by-slug/a%00b"])
    def test_a_nul_byte_names_nothing(self, client_for, member, plain, path) -> None:
        # PostgreSQL cannot even compare text with NUL in it; it is refused before any query, on both backends.
        response = client_for(member).get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_provinces_by_their_own_names(client_for, member, make_user, run, session) -> None:
    """As the provinces' groups are called: "Fryslân", not "Friesland"; "Noord-Holland" with its capitals."""
    frisian = make_user(display_name="Sjoukje Hoekstra", province="friesland", municipality="Leeuwarden")
    text = assert_page(client_for(member).get(f"/members/{frisian.username}"))
    assert "Fryslân" in text and "Friesland" not in text
    settings = assert_page(client_for(member).get("/settings/profile"))
    assert ">Fryslân</option>" in settings and ">Noord-Holland</option>" in settings
