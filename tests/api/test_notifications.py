"""Notifications: levels, who hears of what, folding, visibility, live events, read state, immediate mail,
questions to portfolios (with the community manager's approval), mail settings and moderation notices."""
from __future__ import annotations

from typing import Any

import pytest

from app.config import get_settings
from app.models import Portfolio
from app.services import groups as group_service
from tests.api.helpers import API, assert_error

# --- helpers ---------------------------------------------------------------------------------------


def notes(client, **params: Any) -> list[dict[str, Any]]:
    """Her notification list (newest first)."""
    response = client.get(f"{API}/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def unread(client) -> int:
    response = client.get(f"{API}/notifications/unread")
    assert response.status_code == 200, response.text
    return response.json()["unread"]


def summary(client) -> list[tuple[str, int | None, int]]:
    """(kind, thread id, count) of each line in her list, newest first."""
    return [(n["kind"], n["thread"]["id"] if n["thread"] else None, n["count"]) for n in notes(client)]


def start(client, channel_id: int, title: str = "Bomen in de Dorpsstraat", body: str = "Wie weet dit?",
          **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/channels/{channel_id}/threads", json={"title": title, "body": body} | fields)
    assert response.status_code == 201, response.text
    return response.json()


def reply(client, thread_id: int, body: str = "Bij ons ook.",
          **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/threads/{thread_id}/replies", json={"body": body} | fields)
    assert response.status_code == 201, response.text
    return response.json()


def set_level(client, url: str, level: str | None) -> dict[str, Any]:
    response = client.put(url, json={"level": level})
    assert response.status_code == 200, response.text
    return response.json()


def group_level_url(group: dict[str, Any]) -> str:
    return f"{API}/groups/{group['id']}/notification-level"


def thread_level_url(thread_id: int) -> str:
    return f"{API}/threads/{thread_id}/notification-level"


def created_for(events: list[Any], user) -> list[Any]:
    """The notification.created events on her own topic."""
    return [e for e in events if e.type == "notification.created" and e.topic == f"user:{user.id}"]


def of_type(events: list[Any], type_: str) -> list[Any]:
    return [e for e in events if e.type == type_]


def mails_to(mails, user) -> list[Any]:
    return [m for m in mails if m.user_id == user.id]


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def theme(make_group, member, writer, other):
    """A theme group: its members track it by default."""
    return make_group("Zorg en welzijn", kind="theme", members=(member, writer, other))


@pytest.fixture
def faction(make_group, member, writer, other):
    """A faction: its members watch it by default."""
    return make_group("Fractie Alkmaar", kind="faction", members=(member, writer, other))


@pytest.fixture
def plain(make_group, member, writer, other):
    """A group of kind "other": normal by default (mentions and replies to her only)."""
    return make_group("Leesclub", kind="other", members=(member, writer, other))


@pytest.fixture
def portfolio(make_portfolio) -> Portfolio:
    return make_portfolio("Wonen")


@pytest.fixture
def approval_over(monkeypatch):
    """A question to more than one person waits for the community manager."""
    monkeypatch.setattr(get_settings(), "question_audience_approval_over", 1)
    return 1


# --- levels ------------------------------------------------------------------------------------------


class TestGroupLevel:
    @pytest.mark.parametrize(("method", "url"), [
        ("get", "/groups/1/notification-level"), ("put", "/groups/1/notification-level"),
        ("get", "/threads/1/notification-level"), ("put", "/threads/1/notification-level"),
        ("get", "/notifications"), ("get", "/notifications/unread"), ("post", "/notifications/read"),
        ("post", "/notifications/1/read"), ("post", "/threads/1/read"), ("post", "/questions/audience"),
        ("get", "/questions/pending"), ("post", "/threads/1/audience"),
    ])
    def test_anonymous_is_refused(self, anon, method, url) -> None:
        kwargs = {"json": {}} if method in ("put", "post") else {}
        assert_error(anon.request(method.upper(), f"{API}{url}", **kwargs), 401, "unauthenticated")

    def test_not_a_member(self, client_for, outsider, theme, make_group) -> None:
        client = client_for(outsider)
        assert_error(client.get(group_level_url(theme)), 403, "join_to_choose")
        assert_error(client.put(group_level_url(theme), json={"level": "muted"}), 403, "join_to_choose")
        secret = make_group(visibility="secret")
        assert_error(client.put(group_level_url(secret), json={"level": "muted"}), 404, "not_found")
        assert_error(client.put(f"{API}/groups/999999/notification-level", json={"level": "muted"}),
                     404, "not_found")

    def test_bad_input(self, client_for, member, theme) -> None:
        client = client_for(member)
        url = group_level_url(theme)
        assert_error(client.put(url, json={"level": "loud"}), 422, "invalid", "level")
        assert_error(client.put(url, json={}), 422, "invalid", "level")
        assert_error(client.put(url, json={"level": "muted", "extra": 1}), 422, "invalid", "extra")
        assert client.get(url).json()["level"] is None

    @pytest.mark.parametrize(("kind", "default"), [
        ("faction", "watching"), ("theme", "tracking"), ("province", "normal"), ("other", "normal")])
    def test_default_per_kind(self, client_for, member, make_group, kind, default) -> None:
        group = make_group(kind=kind, members=(member,))
        assert client_for(member).get(group_level_url(group)).json() == {
            "level": None, "default": default, "effective": default}

    def test_choose_and_reset(self, client_for, member, theme) -> None:
        client = client_for(member)
        assert set_level(client, group_level_url(theme), "muted") == {
            "level": "muted", "default": "tracking", "effective": "muted"}
        assert client.get(group_level_url(theme)).json()["effective"] == "muted"
        assert set_level(client, group_level_url(theme), None) == {
            "level": None, "default": "tracking", "effective": "tracking"}


class TestThreadLevel:
    def test_not_allowed(self, client_for, outsider, member, make_group, make_thread) -> None:
        closed = make_group(visibility="closed", members=(member,))
        thread = make_thread(member, closed["channel_id"])
        client = client_for(outsider)
        assert_error(client.get(thread_level_url(thread["id"])), 403, "join_to_read")
        assert_error(client.put(thread_level_url(thread["id"]), json={"level": "watching"}), 403, "join_to_read")
        assert_error(client.get(thread_level_url(999999)), 404, "not_found")

    def test_bad_input(self, client_for, member, theme, make_thread) -> None:
        thread = make_thread(member, theme["channel_id"])
        assert_error(client_for(member).put(thread_level_url(thread["id"]), json={"level": "all"}),
                     422, "invalid", "level")

    def test_defaults(self, client_for, member, writer, plain, faction, make_thread) -> None:
        mine = make_thread(member, plain["channel_id"])
        theirs = make_thread(writer, plain["channel_id"])
        watched = make_thread(writer, faction["channel_id"])
        client = client_for(member)
        # She took part in her own thread: she watches it; elsewhere the group's level applies.
        assert client.get(thread_level_url(mine["id"])).json() == {
            "level": None, "default": "watching", "effective": "watching"}
        assert client.get(thread_level_url(theirs["id"])).json() == {
            "level": None, "default": "normal", "effective": "normal"}
        assert client.get(thread_level_url(watched["id"])).json()["default"] == "watching"
        assert set_level(client, thread_level_url(theirs["id"]), "watching") == {
            "level": "watching", "default": "normal", "effective": "watching"}
        assert set_level(client, thread_level_url(theirs["id"]), None)["effective"] == "normal"

    def test_open_group_read_without_joining(self, client_for, outsider, writer, plain, make_thread) -> None:
        thread = make_thread(writer, plain["channel_id"])
        assert client_for(outsider).get(thread_level_url(thread["id"])).json() == {
            "level": None, "default": "normal", "effective": "normal"}


class TestWhoHears:
    """Which level hears of a new thread, a reply, a mention."""

    def test_muted_group(self, client_for, member, writer, theme, capture_events) -> None:
        me = client_for(member)
        set_level(me, group_level_url(theme), "muted")
        mine = start(me, theme["channel_id"], title="Mijn vraag")
        capture_events.clear()
        author = client_for(writer)
        theirs = start(author, theme["channel_id"], body=f"Wat vind jij, @{member.username}?")
        reply(author, theirs["id"], f"En jij, @{member.username}?")
        # Not a new thread, not even a mention, in a thread she did not start, reply to or follow.
        assert created_for(capture_events, member) == []
        assert notes(me) == [] and unread(me) == 0
        assert me.get(thread_level_url(theirs["id"])).json() == {
            "level": None, "default": "muted", "effective": "muted"}
        # She started this one: taking part beats the muted group.
        assert me.get(thread_level_url(mine["id"])).json()["effective"] == "watching"
        reply(author, mine["id"])
        assert summary(me) == [("reply", mine["id"], 1)]
        # So does a level she chose for a thread.
        set_level(me, thread_level_url(theirs["id"]), "watching")
        reply(author, theirs["id"], "Nog iets")
        assert summary(me) == [("reply", theirs["id"], 1), ("reply", mine["id"], 1)]
        assert len(created_for(capture_events, member)) == 2

    def test_muted_group_after_replying(self, client_for, member, writer, other, theme, make_thread) -> None:
        me = client_for(member)
        set_level(me, group_level_url(theme), "muted")
        thread = make_thread(writer, theme["channel_id"])
        reply(me, thread["id"], "Ik doe mee.")
        reply(client_for(other), thread["id"])
        assert summary(me) == [("reply", thread["id"], 1)]

    @pytest.mark.parametrize("explicit", [False, True])
    def test_watching_hears_threads_and_replies(self, client_for, member, writer, other, faction, theme,
                                                capture_events, explicit) -> None:
        group = theme if explicit else faction
        me = client_for(member)
        if explicit:
            set_level(me, group_level_url(theme), "watching")
        capture_events.clear()
        thread = start(client_for(writer), group["channel_id"])
        assert summary(me) == [("new_thread", thread["id"], 1)]
        assert len(created_for(capture_events, member)) == 1
        reply(client_for(other), thread["id"])
        assert summary(me) == [("reply", thread["id"], 1), ("new_thread", thread["id"], 1)]
        assert unread(me) == 2

    def test_tracking_hears_threads_not_replies(self, client_for, member, writer, other, theme,
                                                capture_events) -> None:
        me = client_for(member)
        thread = start(client_for(writer), theme["channel_id"])
        [line] = notes(me)
        assert (line["kind"], line["thread"], line["actor"]["id"], line["group"]) == (
            "new_thread", {"id": thread["id"], "title": thread["title"]}, writer.id,
            {"id": theme["id"], "slug": theme["slug"], "name": "Zorg en welzijn"})
        assert (line["post_id"], line["url"], line["read"], line["detail"]) == (
            thread["opening_post"]["id"], f"/threads/{thread['id']}#post-{thread['opening_post']['id']}", False, "")
        capture_events.clear()
        reply(client_for(other), thread["id"])
        assert created_for(capture_events, member) == []
        assert summary(me) == [("new_thread", thread["id"], 1)]

    def test_normal_hears_what_concerns_her(self, client_for, member, writer, other, plain,
                                            capture_events) -> None:
        me, author = client_for(member), client_for(writer)
        theirs = start(author, plain["channel_id"])
        reply(client_for(other), theirs["id"])
        assert notes(me) == []
        # A mention.
        mentioned = reply(author, theirs["id"], f"Wat denk jij, @{member.username}?")
        assert [(n["kind"], n["post_id"]) for n in notes(me)] == [("mention", mentioned["id"])]
        # A reply in the thread she started.
        mine = start(me, plain["channel_id"], title="Mijn vraag")
        reply(author, mine["id"])
        assert summary(me)[0] == ("reply", mine["id"], 1)
        # A reply quoting her post, in a thread where she chose "normal" after taking part.
        answer = reply(me, theirs["id"], "Geen idee.")
        set_level(me, thread_level_url(theirs["id"]), "normal")
        reply(client_for(other), theirs["id"], "Iets anders")
        assert len(notes(me)) == 2
        quoting = reply(client_for(other), theirs["id"], "> Geen idee.\n\nJammer", quote_post_id=answer["id"])
        assert (notes(me)[0]["kind"], notes(me)[0]["post_id"]) == ("reply", quoting["id"])
        assert unread(me) == 3

    def test_muted_thread_in_a_watched_group(self, client_for, member, writer, other, faction,
                                             capture_events) -> None:
        me = client_for(member)
        quiet = start(client_for(writer), faction["channel_id"], title="Rooster")
        loud = start(client_for(writer), faction["channel_id"], title="Begroting")
        set_level(me, thread_level_url(quiet["id"]), "muted")
        me.post(f"{API}/notifications/read", json={})
        capture_events.clear()
        reply(client_for(other), quiet["id"], f"Ook @{member.username}?")
        assert created_for(capture_events, member) == []
        reply(client_for(other), loud["id"])
        assert [(n["kind"], n["thread"]["id"]) for n in notes(me, unread=True)] == [("reply", loud["id"])]

    def test_watched_thread_in_a_normal_group(self, client_for, member, writer, other, plain) -> None:
        me = client_for(member)
        thread = start(client_for(writer), plain["channel_id"])
        set_level(me, thread_level_url(thread["id"]), "watching")
        reply(client_for(other), thread["id"])
        reply(client_for(writer), thread["id"])
        assert summary(me) == [("reply", thread["id"], 2)]


class TestOncePerEvent:
    def test_never_for_her_own_action(self, client_for, member, faction, capture_events) -> None:
        me = client_for(member)
        thread = start(me, faction["channel_id"], body=f"Notitie voor mezelf, @{member.username}")
        reply(me, thread["id"], f"En nog een, @{member.username}", quote_post_id=thread["opening_post"]["id"])
        assert created_for(capture_events, member) == []
        assert notes(me) == []

    def test_strongest_reason_wins(self, client_for, member, writer, faction, mails, capture_events) -> None:
        me = client_for(member)
        thread = start(me, faction["channel_id"])
        capture_events.clear()
        # Her thread, her quoted post, a mention, a watched group: one notification, a mention.
        post = reply(client_for(writer), thread["id"], f"> Wie\n\n@{member.username} ik!",
                     quote_post_id=thread["opening_post"]["id"])
        assert [(n["kind"], n["post_id"], n["count"]) for n in notes(me)] == [("mention", post["id"], 1)]
        assert len(created_for(capture_events, member)) == 1
        assert [m.kind for m in mails_to(mails, member)] == ["mention"]

    def test_replies_fold_while_unread(self, client_for, member, writer, other, plain) -> None:
        me = client_for(member)
        thread = start(me, plain["channel_id"])
        reply(client_for(writer), thread["id"], "Een")
        reply(client_for(other), thread["id"], "Twee")
        last = reply(client_for(writer), thread["id"], "Drie")
        [line] = notes(me)
        assert (line["kind"], line["count"], line["actor"]["id"], line["post_id"], line["read"]) == (
            "reply", 3, writer.id, last["id"], False)
        assert line["updated_at"] >= line["created_at"]
        assert unread(me) == 1
        assert me.post(f"{API}/notifications/{line['id']}/read").json() == {"unread": 0}
        # Once read, the next reply starts a new line.
        reply(client_for(other), thread["id"], "Vier")
        newest, older = notes(me)
        assert (newest["count"], newest["read"], newest["actor"]["id"]) == (1, False, other.id)
        assert (older["id"], older["count"], older["read"]) == (line["id"], 3, True)
        assert unread(me) == 1

    def test_one_event_new_line_for_one_folded_line_for_another(self, client_for, member, writer, other, plain,
                                                               mails, capture_events) -> None:
        assert member.id < writer.id  # she comes first among the recipients
        thread = start(client_for(writer), plain["channel_id"])
        reply(client_for(other), thread["id"], "Een")
        capture_events.clear()
        # One reply: a new line for her (mentioned), a folded line for Bert (his thread, count 2).
        post = reply(client_for(other), thread["id"], f"Twee, @{member.username}")
        [hers] = created_for(capture_events, member)
        [his] = created_for(capture_events, writer)
        assert (hers.payload["notification"]["kind"], hers.payload["notification"]["post_id"],
                hers.payload["notification"]["count"]) == ("mention", post["id"], 1)
        assert (his.payload["notification"]["kind"], his.payload["notification"]["count"]) == ("reply", 2)
        assert hers.payload["notification"]["id"] == notes(client_for(member))[0]["id"]
        assert sorted((m.user_id, m.kind) for m in mails) == sorted([(writer.id, "reply"), (member.id, "mention")])


# --- visibility --------------------------------------------------------------------------------------


class TestVisibility:
    def test_no_mention_outside_a_closed_group(self, client_for, member, outsider, make_group,
                                               capture_events) -> None:
        closed = make_group(visibility="closed", members=(member,))
        thread = start(client_for(member), closed["channel_id"], body=f"Wat vindt @{outsider.username}?")
        reply(client_for(member), thread["id"], f"@{outsider.username}?")
        assert created_for(capture_events, outsider) == []
        assert notes(client_for(outsider)) == []

    @pytest.mark.parametrize("how", ["leaves", "removed"])
    def test_leaving_a_closed_group_hides_its_notifications(self, client_for, member, writer, manager,
                                                            make_group, how) -> None:
        closed = make_group(visibility="closed", kind="faction", members=(member, writer))
        open_group = make_group(kind="faction", members=(member, writer))
        thread = start(client_for(writer), closed["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        elsewhere = start(client_for(writer), open_group["channel_id"])
        me = client_for(member)
        assert unread(me) == 3
        remover = me if how == "leaves" else client_for(manager)
        assert remover.delete(f"{API}/groups/{closed['id']}/members/{member.id}").status_code == 204
        assert summary(me) == [("new_thread", elsewhere["id"], 1)]
        assert unread(me) == 1
        assert me.get(f"{API}/notifications", params={"unread": True}).json()["unread"] == 1

    def test_deleted_thread_hides_its_notifications(self, client_for, member, writer, faction) -> None:
        me = client_for(member)
        thread = start(client_for(writer), faction["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        assert unread(me) == 2
        assert client_for(writer).delete(f"{API}/threads/{thread['id']}").status_code == 204
        assert notes(me) == [] and unread(me) == 0

    def test_deleted_mention_hides_its_notification(self, client_for, member, writer, plain,
                                                    make_thread) -> None:
        thread = make_thread(writer, plain["channel_id"])
        post = reply(client_for(writer), thread["id"], f"@{member.username}")
        me = client_for(member)
        assert unread(me) == 1
        assert client_for(writer).delete(f"{API}/posts/{post['id']}").status_code == 204
        assert notes(me) == [] and unread(me) == 0

    def test_deleting_the_last_of_folded_replies_keeps_the_line(self, client_for, member, writer, other,
                                                                plain) -> None:
        me = client_for(member)
        thread = start(me, plain["channel_id"])
        reply(client_for(writer), thread["id"], "Een")
        last = reply(client_for(other), thread["id"], "Twee")
        assert summary(me) == [("reply", thread["id"], 2)]
        assert client_for(other).delete(f"{API}/posts/{last['id']}").status_code == 204
        # Bert's reply is still there to be read; she should still be told of it.
        assert unread(me) == 1
        assert [n["kind"] for n in notes(me)] == ["reply"]

    @pytest.mark.parametrize("approve", [True, False])
    def test_join_request_decided(self, client_for, outsider, manager, make_group, capture_events, mails,
                                  approve) -> None:
        closed = make_group("Besloten groep", visibility="closed")
        asker = client_for(outsider)
        assert asker.post(f"{API}/groups/{closed['id']}/join", json={"message": "Graag"}).json()["status"] == \
            "requested"
        assert notes(asker) == []
        staff = client_for(manager)
        [request] = staff.get(f"{API}/groups/{closed['id']}/join-requests").json()
        capture_events.clear()
        decision = "approve" if approve else "decline"
        assert staff.post(f"{API}/join-requests/{request['id']}/{decision}").status_code == 200
        status = "approved" if approve else "declined"
        # Visible even when declined: a closed group's name may be seen by everyone.
        [line] = notes(asker)
        assert (line["kind"], line["detail"], line["count"], line["thread"], line["post_id"]) == (
            "join_request", status, 1, None, None)
        assert (line["group"]["id"], line["actor"]["id"], line["url"]) == (
            closed["id"], manager.id, f"/groups/{closed['slug']}")
        assert unread(asker) == 1
        [event] = created_for(capture_events, outsider)
        assert event.payload["unread"] == 1 and event.payload["notification"]["id"] == line["id"]
        assert mails_to(mails, outsider) == []  # no mail for this kind: the list is enough


# --- live --------------------------------------------------------------------------------------------


class TestLive:
    def test_created_event_carries_the_unread_count(self, client_for, member, writer, faction,
                                                    capture_events) -> None:
        capture_events.clear()
        thread = start(client_for(writer), faction["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        first, second = created_for(capture_events, member)
        assert (first.payload["unread"], second.payload["unread"]) == (1, 2)
        listed = notes(client_for(member))
        assert second.payload["notification"] == listed[0]
        assert first.payload["notification"]["id"] == listed[1]["id"]
        assert first.payload["notification"]["kind"] == "new_thread"

    def test_marking_read_publishes_the_new_count(self, client_for, member, writer, faction,
                                                  capture_events) -> None:
        thread = start(client_for(writer), faction["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        me = client_for(member)
        newest = notes(me)[0]
        capture_events.clear()
        assert me.post(f"{API}/notifications/{newest['id']}/read").json() == {"unread": 1}
        assert [(e.type, e.topic, e.payload) for e in capture_events] == [
            ("notifications.read", f"user:{member.id}", {"unread": 1})]
        capture_events.clear()
        assert me.post(f"{API}/notifications/read", json={}).json() == {"unread": 0}
        assert [(e.type, e.payload) for e in capture_events] == [("notifications.read", {"unread": 0})]

    def test_nothing_changed_publishes_nothing(self, client_for, member, writer, faction,
                                               capture_events) -> None:
        thread = start(client_for(writer), faction["channel_id"])
        me = client_for(member)
        [line] = notes(me)
        me.post(f"{API}/notifications/read", json={})
        capture_events.clear()
        assert me.post(f"{API}/notifications/{line['id']}/read").json() == {"unread": 0}
        assert me.post(f"{API}/notifications/read", json={}).json() == {"unread": 0}
        assert me.post(f"{API}/threads/{thread['id']}/read",
                       json={"post_id": thread["opening_post"]["id"]}).json() == {"unread": 0}
        assert capture_events == []


# --- read state --------------------------------------------------------------------------------------


class TestReadState:
    def test_thread_read_bad_input(self, client_for, member, writer, outsider, faction, make_group,
                                   make_thread) -> None:
        thread = make_thread(writer, faction["channel_id"])
        elsewhere = make_thread(writer, faction["channel_id"])
        me = client_for(member)
        url = f"{API}/threads/{thread['id']}/read"
        assert_error(me.post(url, json={"post_id": elsewhere["opening_post_id"]}), 422, "invalid", "post_id")
        assert_error(me.post(url, json={"post_id": 999_999}), 422, "invalid", "post_id")
        assert_error(me.post(url, json={}), 422, "invalid", "post_id")
        assert_error(me.post(url, json={"post_id": "eerste"}), 422, "invalid", "post_id")
        assert_error(me.post(f"{API}/threads/999999/read", json={"post_id": 1}), 404, "not_found")
        closed = make_group(visibility="closed", members=(member,))
        hidden = make_thread(member, closed["channel_id"])
        assert_error(client_for(outsider).post(f"{API}/threads/{hidden['id']}/read",
                                               json={"post_id": hidden["opening_post_id"]}), 403, "join_to_read")
        assert unread(me) == 2

    def test_thread_read_clears_that_thread(self, client_for, member, writer, other, faction) -> None:
        author = client_for(writer)
        thread = start(author, faction["channel_id"])
        first = reply(author, thread["id"], f"@{member.username}")
        elsewhere = start(author, faction["channel_id"], title="Iets anders")
        me = client_for(member)
        assert unread(me) == 3  # the new thread and the mention in it; the other new thread
        # Read up to the mention: everything about this thread up to there is read.
        assert me.post(f"{API}/threads/{thread['id']}/read", json={"post_id": first["id"]}).json() == {"unread": 1}
        assert [(n["kind"], n["thread"]["id"]) for n in notes(me, unread=True)] == [("new_thread", elsewhere["id"])]
        # A later reply in the thread is a new line; reading up to an older post leaves it unread.
        later = reply(client_for(other), thread["id"])
        assert me.post(f"{API}/threads/{thread['id']}/read", json={"post_id": first["id"]}).json() == {"unread": 2}
        assert me.post(f"{API}/threads/{thread['id']}/read", json={"post_id": later["id"]}).json() == {"unread": 1}

    def test_mark_one(self, client_for, member, writer, faction) -> None:
        thread = start(client_for(writer), faction["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        me = client_for(member)
        mention, new_thread = notes(me)
        assert me.post(f"{API}/notifications/{new_thread['id']}/read").json() == {"unread": 1}
        assert [(n["id"], n["read"]) for n in notes(me)] == [(mention["id"], False), (new_thread["id"], True)]
        assert [n["id"] for n in notes(me, unread=True)] == [mention["id"]]

    def test_mark_all_up_to(self, client_for, member, writer, faction) -> None:
        author = client_for(writer)
        threads = [start(author, faction["channel_id"], title=f"Onderwerp {n}") for n in range(3)]
        me = client_for(member)
        seen = notes(me)
        assert [n["thread"]["id"] for n in seen] == [t["id"] for t in reversed(threads)]
        # She saw the list up to the second thread; the third arrived later and stays unread.
        assert me.post(f"{API}/notifications/read", json={"up_to_id": seen[1]["id"]}).json() == {"unread": 1}
        assert [n["id"] for n in notes(me, unread=True)] == [seen[0]["id"]]
        assert_error(me.post(f"{API}/notifications/read", json={"up_to_id": 0}), 422, "invalid", "up_to_id")
        assert_error(me.post(f"{API}/notifications/read", json={"all": True}), 422, "invalid", "all")
        assert me.post(f"{API}/notifications/read", json={}).json() == {"unread": 0}

    def test_someone_elses_notification(self, client_for, member, writer, other, faction) -> None:
        start(client_for(writer), faction["channel_id"])
        [hers] = notes(client_for(member))
        assert_error(client_for(other).post(f"{API}/notifications/{hers['id']}/read"), 404, "not_found")
        assert_error(client_for(other).post(f"{API}/notifications/999999/read"), 404, "not_found")
        assert unread(client_for(member)) == 1

    def test_pages(self, client_for, member, writer, faction) -> None:
        author = client_for(writer)
        for n in range(5):
            start(author, faction["channel_id"], title=f"Onderwerp {n}")
        me = client_for(member)
        seen, cursor = [], None
        while True:
            page = me.get(f"{API}/notifications", params={"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
            assert page["unread"] == 5
            seen += [n["id"] for n in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [n["id"] for n in notes(me)] and len(seen) == 5
        assert_error(me.get(f"{API}/notifications", params={"limit": 0}), 422, "invalid", "limit")
        assert_error(me.get(f"{API}/notifications", params={"cursor": "%%%"}), 422, "invalid", "cursor")


# --- immediate mail ----------------------------------------------------------------------------------


class TestImmediateMail:
    def test_a_mention_mails_once(self, client_for, member, writer, plain, make_thread, mails) -> None:
        thread = make_thread(writer, plain["channel_id"], title="Wachtlijsten jeugdzorg")
        post = reply(client_for(writer), thread["id"], f"Wat vind jij, @{member.username}?")
        [mail] = mails
        assert (mail.to, mail.kind, mail.user_id, mail.thread_id, mail.unsubscribe) == (
            member.email, "mention", member.id, thread["id"], "mentions")
        assert f"http://testserver/threads/{thread['id']}#post-{post['id']}" in mail.text
        assert "Wachtlijsten jeugdzorg" in mail.subject + mail.text
        assert mail.html and f"/threads/{thread['id']}" in mail.html

    def test_mentions_mail_can_be_switched_off(self, client_for, member, writer, plain, make_thread,
                                               mails) -> None:
        me = client_for(member)
        assert me.patch(f"{API}/me/notification-settings", json={"email_mentions": False}).status_code == 200
        thread = make_thread(writer, plain["channel_id"])
        reply(client_for(writer), thread["id"], f"@{member.username}")
        assert [n["kind"] for n in notes(me)] == ["mention"]
        assert len(mails) == 0

    def test_folded_replies_mail_once(self, client_for, member, writer, other, plain, mails) -> None:
        thread = start(client_for(member), plain["channel_id"])
        reply(client_for(writer), thread["id"])
        reply(client_for(other), thread["id"])
        reply(client_for(writer), thread["id"])
        assert summary(client_for(member)) == [("reply", thread["id"], 3)]
        [mail] = mails
        assert (mail.to, mail.kind, mail.unsubscribe, mail.thread_id) == (member.email, "reply", "replies",
                                                                          thread["id"])

    def test_replies_mail_can_be_switched_off(self, client_for, member, writer, plain, mails) -> None:
        me = client_for(member)
        me.patch(f"{API}/me/notification-settings", json={"email_replies": False})
        thread = start(me, plain["channel_id"])
        reply(client_for(writer), thread["id"])
        assert summary(me) == [("reply", thread["id"], 1)]
        assert len(mails) == 0

    def test_watching_is_not_mailed(self, client_for, member, writer, other, faction, mails) -> None:
        thread = start(client_for(writer), faction["channel_id"])
        reply(client_for(other), thread["id"])
        assert summary(client_for(member)) == [("reply", thread["id"], 1), ("new_thread", thread["id"], 1)]
        # Only the thread's author is replied to; nobody is mailed about a new thread.
        assert [(m.user_id, m.kind) for m in mails] == [(writer.id, "reply")]


# --- questions to portfolios -------------------------------------------------------------------------


@pytest.fixture
def holders(make_user, hold, portfolio):
    """Three holders of the portfolio in two provinces with two titles, and one member who holds none."""
    people = {
        "utrecht_raadslid": make_user(province="utrecht", title="raadslid"),
        "utrecht_wethouder": make_user(province="utrecht", title="wethouder"),
        "limburg_raadslid": make_user(province="limburg", title="raadslid"),
        "none": make_user(province="utrecht", title="raadslid"),
    }
    for key, user in people.items():
        if key != "none":
            hold(user, portfolio)
    return people


def ask(client, channel_id: int, portfolio, **fields: Any) -> dict[str, Any]:
    return start(client, channel_id, title="Wie heeft ervaring met tiny houses?", kind="question",
                 portfolio_ids=[portfolio.id], **fields)


def question_lines(client) -> list[tuple[str, int]]:
    return [(n["kind"], n["thread"]["id"]) for n in notes(client)]


class TestQuestions:
    def test_a_holder_who_muted_the_group_is_neither_counted_nor_asked(self, client_for, member, writer, other,
                                                                        plain, portfolio, hold) -> None:
        hold(writer, portfolio)
        hold(other, portfolio)
        assert client_for(other).put(f"{API}/groups/{plain['id']}/notification-level",
                                     json={"level": "muted"}).status_code == 200
        asker = client_for(member)
        preview = asker.post(f"{API}/questions/audience", json={
            "channel_id": plain["channel_id"], "portfolio_ids": [portfolio.id]}).json()
        assert preview["count"] == 1
        thread = ask(asker, plain["channel_id"], portfolio)
        assert thread["audience"]["count"] == 1
        assert question_lines(client_for(writer)) == [("question", thread["id"])]
        assert notes(client_for(other)) == []

    def test_bad_input(self, client_for, member, plain, portfolio) -> None:
        client = client_for(member)
        url = f"{API}/channels/{plain['channel_id']}/threads"
        body = {"title": "Vraag", "body": "Wie?", "kind": "question"}
        assert_error(client.post(url, json=body | {"audience_province": "utrecht"}), 422, "invalid", "portfolio_ids")
        assert_error(client.post(url, json=body | {"audience_title": "raadslid"}), 422, "invalid", "portfolio_ids")
        assert_error(client.post(url, json=body | {"portfolio_ids": [portfolio.id], "audience_province": "texel"}),
                     422, "invalid", "audience_province")
        preview = f"{API}/questions/audience"
        assert_error(client.post(preview, json={"channel_id": plain["channel_id"], "portfolio_ids": []}),
                     422, "invalid", "portfolio_ids")
        assert_error(client.post(preview, json={"channel_id": plain["channel_id"], "portfolio_ids": [portfolio.id],
                                                "title": "koning"}), 422, "invalid", "title")

    def test_preview_not_allowed(self, client_for, outsider, member, make_group, portfolio) -> None:
        closed = make_group(visibility="closed", members=(member,))
        assert_error(client_for(outsider).post(f"{API}/questions/audience", json={
            "channel_id": closed["channel_id"], "portfolio_ids": [portfolio.id]}), 403, "join_to_post")

    @pytest.mark.parametrize(("narrow", "reached"), [
        ({}, ["utrecht_raadslid", "utrecht_wethouder", "limburg_raadslid"]),
        ({"province": "utrecht"}, ["utrecht_raadslid", "utrecht_wethouder"]),
        ({"province": "utrecht", "title": "raadslid"}, ["utrecht_raadslid"]),
        ({"title": "raadslid"}, ["utrecht_raadslid", "limburg_raadslid"]),
    ])
    def test_holders_hear_of_it(self, client_for, member, plain, portfolio, hold, holders, mails, narrow,
                                reached) -> None:
        hold(member, portfolio)  # the asker holds it too, and is not asked
        me = client_for(member)
        preview = me.post(f"{API}/questions/audience", json={
            "channel_id": plain["channel_id"], "portfolio_ids": [portfolio.id]} | narrow)
        assert preview.json() == {"count": len(reached), "needs_approval": False, "approval_over": 50}
        thread = ask(me, plain["channel_id"], portfolio, **{f"audience_{k}": v for k, v in narrow.items()})
        assert thread["audience"] == {"province": narrow.get("province"), "title": narrow.get("title"),
                                      "status": "sent", "count": len(reached)}
        for key, user in holders.items():
            expected = [("question", thread["id"])] if key in reached else []
            assert question_lines(client_for(user)) == expected, key
        assert notes(me) == []
        assert sorted((m.user_id, m.kind, m.unsubscribe) for m in mails) == sorted(
            (holders[key].id, "question", "mentions") for key in reached)

    def test_holders_who_cannot_read_are_not_asked(self, client_for, member, make_group, portfolio, holders,
                                                   mails) -> None:
        inside = holders["utrecht_wethouder"]
        closed = make_group(visibility="closed", members=(member, inside))
        me = client_for(member)
        preview = me.post(f"{API}/questions/audience", json={
            "channel_id": closed["channel_id"], "portfolio_ids": [portfolio.id]})
        assert preview.json()["count"] == 1
        thread = ask(me, closed["channel_id"], portfolio)
        assert thread["audience"]["count"] == 1
        assert question_lines(client_for(inside)) == [("question", thread["id"])]
        assert notes(client_for(holders["utrecht_raadslid"])) == []
        assert [m.user_id for m in mails] == [inside.id]

    def test_large_question_waits_for_approval(self, client_for, member, manager, plain, portfolio, holders,
                                               approval_over, mails, capture_events) -> None:
        me = client_for(member)
        preview = me.post(f"{API}/questions/audience", json={
            "channel_id": plain["channel_id"], "portfolio_ids": [portfolio.id]})
        assert preview.json() == {"count": 3, "needs_approval": True, "approval_over": 1}
        capture_events.clear()
        thread = ask(me, plain["channel_id"], portfolio)
        assert thread["audience"] == {"province": None, "title": None, "status": "pending", "count": 3}
        assert of_type(capture_events, "notification.created") == []
        assert len(mails) == 0
        for user in holders.values():
            assert notes(client_for(user)) == []
        assert_error(me.get(f"{API}/questions/pending"), 403, "decide_questions_not_allowed")
        assert_error(me.post(f"{API}/threads/{thread['id']}/audience", json={"approve": True}),
                     403, "decide_questions_not_allowed")
        staff = client_for(manager)
        assert [t["id"] for t in staff.get(f"{API}/questions/pending").json()["items"]] == [thread["id"]]

        decided = staff.post(f"{API}/threads/{thread['id']}/audience", json={"approve": True})
        assert decided.status_code == 200, decided.text
        assert decided.json() == {"province": None, "title": None, "status": "sent", "count": 3}
        assert me.get(f"{API}/threads/{thread['id']}").json()["audience"]["status"] == "sent"
        for key, user in holders.items():
            lines = notes(client_for(user))
            assert [(n["kind"], n["thread"]["id"]) for n in lines] == (
                [] if key == "none" else [("question", thread["id"])]), key
            if lines:
                assert lines[0]["actor"]["id"] == member.id  # from the asker, not the manager
        assert sorted(m.user_id for m in mails) == sorted(u.id for k, u in holders.items() if k != "none")
        assert staff.get(f"{API}/questions/pending").json()["items"] == []
        url = f"{API}/threads/{thread['id']}/audience"
        assert_error(staff.post(url, json={"approve": True}), 409, "already_decided")
        assert_error(staff.post(url, json={"approve": False}), 409, "already_decided")

    def test_declined_question_reaches_nobody(self, client_for, member, manager, plain, portfolio, holders,
                                              approval_over, mails, capture_events) -> None:
        thread = ask(client_for(member), plain["channel_id"], portfolio, audience_province="utrecht")
        assert thread["audience"]["status"] == "pending"
        staff = client_for(manager)
        capture_events.clear()
        decided = staff.post(f"{API}/threads/{thread['id']}/audience", json={"approve": False})
        assert decided.json() == {"province": "utrecht", "title": None, "status": "declined", "count": 2}
        assert of_type(capture_events, "notification.created") == [] and len(mails) == 0
        for user in holders.values():
            assert notes(client_for(user)) == []
        assert staff.get(f"{API}/questions/pending").json()["items"] == []
        url = f"{API}/threads/{thread['id']}/audience"
        assert_error(staff.post(url, json={"approve": True}), 409, "already_decided")
        assert_error(staff.post(url, json={"approve": "ja"}),
                     422, "invalid", "approve")

    def test_not_a_question_waiting(self, client_for, manager, member, plain, make_thread) -> None:
        thread = make_thread(member, plain["channel_id"])
        staff = client_for(manager)
        assert_error(staff.post(f"{API}/threads/{thread['id']}/audience", json={"approve": True}), 409,
                     "not_awaiting_approval")
        assert_error(staff.post(f"{API}/threads/999999/audience", json={"approve": True}), 404, "not_found")

    def test_staff_need_no_approval(self, client_for, manager, plain, portfolio, holders, approval_over) -> None:
        staff = client_for(manager)
        preview = staff.post(f"{API}/questions/audience", json={
            "channel_id": plain["channel_id"], "portfolio_ids": [portfolio.id]})
        assert preview.json() == {"count": 3, "needs_approval": False, "approval_over": 1}
        thread = ask(staff, plain["channel_id"], portfolio)
        assert thread["audience"]["status"] == "sent"
        assert question_lines(client_for(holders["limburg_raadslid"])) == [("question", thread["id"])]

    def test_approved_question_reaches_a_holder_who_follows_the_group(
            self, client_for, member, manager, theme, portfolio, hold, writer, other, approval_over,
            mails) -> None:
        hold(writer, portfolio)
        hold(other, portfolio)
        thread = ask(client_for(member), theme["channel_id"], portfolio)
        assert thread["audience"]["status"] == "pending"
        # Both track the theme group: they hear of the new thread as of any other.
        assert question_lines(client_for(writer)) == [("new_thread", thread["id"])]
        client_for(manager).post(f"{API}/threads/{thread['id']}/audience", json={"approve": True})
        # Now she is asked: a question of its own (newest first), mailed like one.
        assert [n["kind"] for n in notes(client_for(writer), unread=True)] == ["question", "new_thread"]
        assert sorted((m.user_id, m.kind) for m in mails) == sorted([(writer.id, "question"),
                                                                    (other.id, "question")])

    def test_approval_tells_only_the_holders(self, client_for, member, manager, theme, portfolio, hold, writer,
                                             other, make_user, approval_over, capture_events) -> None:
        hold(writer, portfolio)
        hold(make_user(), portfolio)
        thread = ask(client_for(member), theme["channel_id"], portfolio)
        assert thread["audience"]["status"] == "pending"
        capture_events.clear()
        client_for(manager).post(f"{API}/threads/{thread['id']}/audience", json={"approve": True})
        # Carla and the manager follow the group and heard of the thread when it was posted; not again.
        assert created_for(capture_events, other) == []
        assert created_for(capture_events, manager) == []


# --- settings ----------------------------------------------------------------------------------------


SETTINGS = f"{API}/me/notification-settings"


class TestSettings:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.get(SETTINGS), 401, "unauthenticated")
        assert_error(anon.patch(SETTINGS, json={"digest": "off"}), 401, "unauthenticated")

    def test_defaults(self, client_for, member) -> None:
        assert client_for(member).get(SETTINGS).json() == {
            "email_mentions": True, "email_replies": True, "digest": "weekly", "articles": True}

    def test_bad_input(self, client_for, member) -> None:
        client = client_for(member)
        assert_error(client.patch(SETTINGS, json={"digest": "hourly"}), 422, "invalid", "digest")
        assert_error(client.patch(SETTINGS, json={"email_mentions": "soms"}), 422, "invalid", "email_mentions")
        assert_error(client.patch(SETTINGS, json={"email_everything": False}), 422, "invalid", "email_everything")
        assert client.get(SETTINGS).json()["digest"] == "weekly"

    def test_partial_update(self, client_for, member, other) -> None:
        client = client_for(member)
        assert client.patch(SETTINGS, json={"digest": "daily"}).json() == {
            "email_mentions": True, "email_replies": True, "digest": "daily", "articles": True}
        assert client.patch(SETTINGS, json={"email_replies": False, "digest": None, "articles": False}).json() == {
            "email_mentions": True, "email_replies": False, "digest": "daily", "articles": False}
        assert client.patch(SETTINGS, json={}).json() == client.get(SETTINGS).json()
        # Someone else's settings are untouched.
        assert client_for(other).get(SETTINGS).json()["digest"] == "weekly"


# --- moderation ----------------------------------------------------------------------------------------


@pytest.fixture
def moderator(moderator, run, manager, plain):
    """Moderator of the plain group."""
    user = moderator
    invitation = run(group_service.invite_to_group, manager, group_id=plain["id"], user_id=user.id)
    run(group_service.decide_invitation, user, invitation_id=invitation.id, accept=True)
    run(group_service.set_member_role, manager, group_id=plain["id"], user_id=user.id, role="moderator")
    return user


class TestModerationNotice:
    def test_moderator_removal_tells_the_author(self, client_for, member, writer, moderator, plain,
                                                make_thread, capture_events, mails) -> None:
        thread = make_thread(writer, plain["channel_id"], title="Wachtlijsten jeugdzorg")
        post = reply(client_for(member), thread["id"], "Iets ongepasts")
        capture_events.clear()
        removed = client_for(moderator).delete(f"{API}/posts/{post['id']}", params={"reason": "Blijf vriendelijk"})
        assert removed.status_code == 204
        [line] = notes(client_for(member))
        assert (line["kind"], line["detail"], line["actor"]["id"], line["group"]["id"], line["thread"]) == (
            "moderation", "Wachtlijsten jeugdzorg\nBlijf vriendelijk", moderator.id, plain["id"], None)
        [event] = created_for(capture_events, member)
        assert event.payload["unread"] == 1
        assert mails_to(mails, member) == []

    def test_removing_a_thread_tells_its_author(self, client_for, writer, moderator, plain, make_thread) -> None:
        thread = make_thread(writer, plain["channel_id"], title="Reclame")
        assert client_for(moderator).delete(f"{API}/threads/{thread['id']}", params={"reason": "Geen reclame"}
                                            ).status_code == 204
        assert [(n["kind"], n["detail"]) for n in notes(client_for(writer))] == [
            ("moderation", "Reclame\nGeen reclame")]

    def test_own_deletion_is_silent(self, client_for, member, writer, plain, make_thread, capture_events) -> None:
        thread = make_thread(writer, plain["channel_id"])
        me = client_for(member)
        post = reply(me, thread["id"], "Toch niet")
        client_for(writer).post(f"{API}/notifications/read", json={})
        capture_events.clear()
        assert me.delete(f"{API}/posts/{post['id']}", params={"reason": "Vergissing"}).status_code == 204
        assert of_type(capture_events, "notification.created") == []
        assert notes(me) == []

    def test_reason_too_long(self, client_for, member, moderator, plain, make_thread) -> None:
        thread = make_thread(member, plain["channel_id"])
        post = reply(client_for(member), thread["id"])
        assert_error(client_for(moderator).delete(f"{API}/posts/{post['id']}", params={"reason": "x" * 501}),
                     422, "invalid", "reason")
        assert notes(client_for(member)) == []

