"""Moderation: flags, the review queue (who sees what), posts held before anyone sees them (watched words, a
citizen's personal data, pre-moderated groups, a new member's first posts), the decisions (approve,
edit-and-approve, reject, dismiss), live queue counts, silencing and suspending members, the watched words and
the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.config import get_settings
from app.db import utcnow
from app.i18n import local_datetime
from app.models import ModerationItem, Post
from app.services import groups as group_service
from tests.api.helpers import API, assert_error

# --- helpers ---------------------------------------------------------------------------------------


def start(client, channel_id: int, title: str = "Bomen in de Dorpsstraat", body: str = "Wie weet dit?",
          **fields: Any) -> dict[str, Any]:
    response = client.post(f"{API}/channels/{channel_id}/threads", json={"title": title, "body": body} | fields)
    assert response.status_code == 201, response.text
    return response.json()


def reply(client, thread_id: int, body: str = "Bij ons ook.") -> dict[str, Any]:
    response = client.post(f"{API}/threads/{thread_id}/replies", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def flag(client, post_id: int, reason: str = "spam", text: str = ""):
    return client.post(f"{API}/posts/{post_id}/flags", json={"reason": reason, "text": text})


def flagged(client, post_id: int, reason: str = "spam", text: str = "") -> dict[str, Any]:
    response = flag(client, post_id, reason, text)
    assert response.status_code == 201, response.text
    return response.json()


def queue(client, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/moderation/queue", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def pending(client) -> int:
    response = client.get(f"{API}/moderation/count")
    assert response.status_code == 200, response.text
    return response.json()["pending"]


def item_for(client, post_id: int) -> dict[str, Any]:
    [item] = [i for i in queue(client) if i["post_id"] == post_id]
    return item


def decide(client, item_id: int, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"{API}/moderation/items/{item_id}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def add_word(client, word: str, action: str = "hold") -> dict[str, Any]:
    response = client.post(f"{API}/moderation/watched-words", json={"word": word, "action": action})
    assert response.status_code == 201, response.text
    return response.json()


def notes(client, *, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Her notification lines, newest first, without the kinds in `skip`."""
    response = client.get(f"{API}/notifications")
    assert response.status_code == 200, response.text
    return [n for n in response.json()["items"] if n["kind"] not in skip]


def reply_ids(client, thread_id: int) -> list[int]:
    response = client.get(f"{API}/threads/{thread_id}/replies")
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["items"]]


def thread_ids(client, channel_id: int) -> list[int]:
    response = client.get(f"{API}/channels/{channel_id}/threads")
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


def of_type(events: list[Any], type_: str) -> list[Any]:
    return [e for e in events if e.type == type_]


def content_events(events: list[Any]) -> list[Any]:
    """Events on the topics of a thread, channel or group: what the open pages of other members receive."""
    return [(e.type, e.topic) for e in events if e.topic.split(":")[0] in ("thread", "channel", "group")]


def notified(events: list[Any], user) -> list[str]:
    """The kinds of the notification.created events on her own topic."""
    return [e.payload["notification"]["kind"] for e in events
            if e.type == "notification.created" and e.topic == f"user:{user.id}"]


def audit(client, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def mod(moderator):
    return moderator


@pytest.fixture
def theme(make_group, run, manager, member, writer, other, third, mod):
    """A theme group (its members hear of new threads, not of replies), with a moderator of its own."""
    group = make_group("Zorg en welzijn", kind="theme", members=(member, writer, other, third, mod))
    run(group_service.set_member_role, manager, group_id=group["id"], user_id=mod.id, role="moderator")
    return group


@pytest.fixture
def thread(theme, writer, make_thread) -> dict[str, Any]:
    """Bert's thread in the theme group."""
    return make_thread(writer, theme["channel_id"], title="Wachtlijsten jeugdzorg")


@pytest.fixture
def hold_word(staff) -> str:
    add_word(staff, "Fryslân", "hold")
    return "fryslan"


@pytest.fixture
def first_posts(monkeypatch, thread):
    """A new member's first two posts wait for a moderator (switched on after Bert started his thread)."""
    monkeypatch.setattr(get_settings(), "premoderate_first_posts", 2)
    return 2


# --- anonymous -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url"), [
    ("POST", "/posts/1/flags"), ("GET", "/moderation/queue"), ("GET", "/moderation/count"),
    ("POST", "/moderation/items/1/approve"), ("POST", "/moderation/items/1/reject"),
    ("POST", "/moderation/items/1/dismiss"), ("POST", "/users/1/silence"), ("DELETE", "/users/1/silence"),
    ("POST", "/users/1/suspend"), ("GET", "/moderation/watched-words"), ("POST", "/moderation/watched-words"),
    ("DELETE", "/moderation/watched-words/1"), ("GET", "/audit"),
])
def test_anonymous_is_refused(anon, method: str, url: str) -> None:
    kwargs = {"json": {}} if method == "POST" else {}
    assert_error(anon.request(method, f"{API}{url}", **kwargs), 401, "unauthenticated")


# --- flags -------------------------------------------------------------------------------------------


class TestFlags:
    def test_cannot_flag_what_she_cannot_read(self, client_for, outsider, member, writer, make_group, make_thread,
                                              thread, hold_word) -> None:
        client = client_for(outsider)
        closed = make_group(visibility="closed", members=(member,))
        closed_post = make_thread(member, closed["channel_id"])["opening_post_id"]
        # A closed group is seen but not read: the same answer as reading the post itself.
        assert_error(client.get(f"{API}/posts/{closed_post}"), 403, "join_to_read")
        assert_error(flag(client, closed_post), 403, "join_to_read")
        secret = make_group(visibility="secret", members=(member,))
        secret_post = make_thread(member, secret["channel_id"])["opening_post_id"]
        assert_error(flag(client, secret_post), 404, "not_found")
        assert_error(flag(client, 999999), 404, "not_found")
        # A held post does not exist for others yet.
        held = reply(client_for(member), thread["id"], "Groeten uit Fryslân")
        assert held["held"] is True
        assert_error(flag(client_for(writer), held["id"]), 404, "not_found")
        # Nor does a deleted one.
        gone = reply(client_for(member), thread["id"], "Vergissing")
        assert client_for(member).delete(f"{API}/posts/{gone['id']}").status_code == 204
        assert_error(flag(client_for(writer), gone["id"]), 404, "not_found")

    def test_own_post(self, client_for, writer, thread) -> None:
        assert_error(flag(client_for(writer), thread["opening_post_id"]), 409, "conflict")

    def test_bad_input(self, client_for, member, thread) -> None:
        client = client_for(member)
        url = f"{API}/posts/{thread['opening_post_id']}/flags"
        assert_error(client.post(url, json={"reason": "boos"}), 422, "invalid", "reason")
        assert_error(client.post(url, json={}), 422, "invalid", "reason")
        assert_error(client.post(url, json={"reason": "spam", "text": "x" * 1001}), 422, "invalid", "text")
        assert_error(client.post(url, json={"reason": "spam", "extra": 1}), 422, "invalid", "extra")
        assert_error(client.post(f"{API}/posts/0/flags", json={"reason": "spam"}), 404, "not_found")

    def test_duplicate(self, client_for, member, staff, thread) -> None:
        client = client_for(member)
        flagged(client, thread["opening_post_id"])
        assert_error(flag(client, thread["opening_post_id"], "other", "Nog een keer"), 409, "already_flagged")
        [item] = queue(staff)
        assert len(item["flags"]) == 1

    def test_two_flags_make_one_item(self, client_for, member, other, third, writer, staff, theme, thread) -> None:
        post_id = thread["opening_post_id"]
        first = flagged(client_for(member), post_id, "spam", "  Reclame voor een bedrijf  ")
        assert (first["post_id"], first["reason"], first["text"], first["by"]["id"]) == (
            post_id, "spam", "Reclame voor een bedrijf", member.id)
        flagged(client_for(other), post_id, "personal_data")
        [item] = queue(staff)
        assert (item["post_id"], item["thread_id"], item["thread_title"], item["group"]["id"], item["status"],
                item["reasons"], item["findings"], item["held"], item["is_opening"], item["author"]["id"],
                item["author_removals"]) == (
            post_id, thread["id"], "Wachtlijsten jeugdzorg", theme["id"], "pending", ["flag"], [], False, True,
            writer.id, 0)
        assert [(f["by"]["id"], f["reason"], f["text"]) for f in item["flags"]] == [
            (member.id, "spam", "Reclame voor een bedrijf"), (other.id, "personal_data", "")]
        assert pending(staff) == 1
        # Flagged is not hidden: the post stays where it was, for everyone.
        seen = client_for(third).get(f"{API}/posts/{post_id}")
        assert seen.status_code == 200 and seen.json()["held"] is False
        assert thread["id"] in thread_ids(client_for(third), theme["channel_id"])

    def test_an_outsider_may_flag_in_an_open_group(self, client_for, outsider, staff, thread) -> None:
        flagged(client_for(outsider), thread["opening_post_id"], "off_topic")
        assert [f["by"]["id"] for f in queue(staff)[0]["flags"]] == [outsider.id]


# --- the queue ---------------------------------------------------------------------------------------


class TestQueueAccess:
    def test_a_member_who_moderates_nothing(self, client_for, member, thread) -> None:
        flagged(client_for(member), thread["opening_post_id"])
        client = client_for(member)
        assert_error(client.get(f"{API}/moderation/queue"), 403, "moderators_only")
        assert_error(client.get(f"{API}/moderation/count"), 403, "moderators_only")

    def test_group_moderators_see_their_groups_staff_see_all(self, client_for, make_user, make_group, make_thread,
                                                             member, mod, admin, theme, thread) -> None:
        boss = make_user(display_name="Groepsbeheerder")
        elsewhere = make_group("Fractie Utrecht", kind="faction", visibility="closed", members=(member,),
                               admins=(boss,))
        there = make_thread(member, elsewhere["channel_id"])
        flagged(client_for(member), thread["opening_post_id"])
        flagged(client_for(boss), there["opening_post_id"])
        mine = client_for(mod)
        assert [i["group"]["id"] for i in queue(mine)] == [theme["id"]]
        assert pending(mine) == 1
        assert queue(mine, group_id=elsewhere["id"]) == []
        theirs = client_for(boss)  # a group admin moderates her group
        assert [i["post_id"] for i in queue(theirs)] == [there["opening_post_id"]]
        assert pending(theirs) == 1
        everyone = client_for(admin)
        assert [i["group"]["id"] for i in queue(everyone)] == [theme["id"], elsewhere["id"]]
        assert pending(everyone) == 2
        assert [i["group"]["id"] for i in queue(everyone, group_id=elsewhere["id"])] == [elsewhere["id"]]

    def test_filters_and_order(self, client_for, member, other, writer, staff, session, hold_word, theme,
                               thread) -> None:
        first = reply(client_for(member), thread["id"], "Eerste uit Fryslân")
        second = reply(client_for(member), thread["id"], "Tweede, gewoon")
        third_ = reply(client_for(other), thread["id"], "Derde uit Fryslân")
        flagged(client_for(writer), second["id"])
        # Oldest first: the flagged one joined the queue when it was flagged, last.
        assert [i["post_id"] for i in queue(staff)] == [first["id"], third_["id"], second["id"]]
        assert [i["post_id"] for i in queue(staff, reason="flag")] == [second["id"]]
        assert [i["post_id"] for i in queue(staff, reason="watched_word")] == [first["id"], third_["id"]]
        assert queue(staff, reason="premoderation") == []
        # Waiting for more than a day: only the one from yesterday.
        old = item_for(staff, second["id"])["id"]
        session.execute(update(ModerationItem).where(ModerationItem.id == old)
                        .values(created_at=utcnow() - timedelta(hours=30)))
        session.commit()
        assert [i["post_id"] for i in queue(staff, older_than_hours=24)] == [second["id"]]
        assert [i["post_id"] for i in queue(staff, older_than_hours=24, reason="watched_word")] == []
        assert len(queue(staff, older_than_hours=0)) == 3
        # And now it is the oldest.
        assert [i["post_id"] for i in queue(staff)] == [second["id"], first["id"], third_["id"]]

    def test_paging(self, client_for, member, staff, hold_word, thread) -> None:
        posted = [reply(client_for(member), thread["id"], f"Nummer {n} uit Fryslân")["id"] for n in range(3)]
        seen, cursor = [], None
        while True:
            response = staff.get(f"{API}/moderation/queue", params={"limit": 1} | ({"cursor": cursor} if cursor
                                                                                    else {}))
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) == 1
            seen.append(page["items"][0]["post_id"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == posted

    def test_bad_input(self, staff) -> None:
        assert_error(staff.get(f"{API}/moderation/queue", params={"reason": "boos"}), 422, "invalid", "reason")
        assert_error(staff.get(f"{API}/moderation/queue", params={"older_than_hours": -1}), 422, "invalid",
                     "older_than_hours")
        assert_error(staff.get(f"{API}/moderation/queue", params={"limit": 0}), 422, "invalid", "limit")
        assert_error(staff.get(f"{API}/moderation/queue", params={"group_id": "x"}), 422, "invalid", "group_id")


# --- held for review -------------------------------------------------------------------------------


class TestHeldReply:
    def test_held_by_a_watched_word(self, client_for, member, writer, other, mod, staff, hold_word, theme, thread,
                                    capture_events) -> None:
        me = client_for(member)
        capture_events.clear()
        post = reply(me, thread["id"], "Groeten uit FRYSLÂN")
        assert post["held"] is True
        # Nobody else hears of it, no open page receives it.
        assert content_events(capture_events) == []
        assert of_type(capture_events, "notification.created") == []
        # It does not exist for others.
        for client in (client_for(writer), client_for(other)):
            assert_error(client.get(f"{API}/posts/{post['id']}"), 404, "not_found")
            assert post["id"] not in reply_ids(client, thread["id"])
        assert client_for(other).get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 0
        # Its author sees it, marked held; so do the moderators.
        mine = me.get(f"{API}/posts/{post['id']}")
        assert mine.status_code == 200 and mine.json()["held"] is True
        assert post["id"] in reply_ids(me, thread["id"])
        assert client_for(mod).get(f"{API}/posts/{post['id']}").json()["held"] is True
        [item] = queue(staff)
        assert (item["post_id"], item["reasons"], item["findings"], item["held"], item["body"]) == (
            post["id"], ["watched_word"], ["watched_word: fryslan"], True, "Groeten uit FRYSLÂN")
        assert notes(client_for(writer)) == []

    def test_its_author_is_told_why_it_waits(self, client_for, member, writer, mod, hold_word, thread,
                                             capture_events) -> None:
        me = client_for(member)
        post = reply(me, thread["id"], "Groeten uit Fryslân, BSN 111222333")
        assert sorted(post["held_reasons"]) == ["personal_data", "watched_word"]
        assert sorted(me.get(f"{API}/posts/{post['id']}").json()["held_reasons"]) == ["personal_data", "watched_word"]
        assert sorted(client_for(mod).get(f"{API}/posts/{post['id']}").json()["held_reasons"]) == [
            "personal_data", "watched_word"]
        page = me.get(f"/threads/{thread['id']}").text
        assert "Er staat een woord in dat een moderator eerst wil zien." in page
        assert "Er lijken persoonsgegevens van een inwoner in te staan" in page
        assert "watched_word" not in page.split('id="reply-list"')[1].split("</div>")[0]
        # A post that does not wait has no reasons; what the others receive never carries them.
        assert reply(client_for(writer), thread["id"], "Gewoon een reactie")["held_reasons"] == []
        assert all(not e.payload.get("held_reasons") for e in capture_events if isinstance(e.payload, dict))

    def test_a_moderator_does_not_decide_on_his_own_post(self, client_for, mod, staff, hold_word, thread) -> None:
        own = reply(client_for(mod), thread["id"], "Groeten uit Fryslân van de moderator")
        assert own["held"] is True
        item = item_for(staff, own["id"])
        for action, body in (("approve", {}), ("reject", {"reason": "Te fel"})):
            refused = client_for(mod).post(f"{API}/moderation/items/{item['id']}/{action}", json=body)
            assert_error(refused, 403, "own_post")
        assert item_for(staff, own["id"])["status"] == "pending"
        # Another moderator (here the community manager) decides it.
        assert decide(staff, item["id"], "approve")["status"] == "approved"

    def test_approve_publishes_it(self, client_for, member, writer, mod, staff, hold_word, theme, thread,
                                  capture_events) -> None:
        me = client_for(member)
        post = reply(me, thread["id"], "Groeten uit Fryslân")
        item = item_for(staff, post["id"])
        capture_events.clear()
        decided = decide(client_for(mod), item["id"], "approve")
        assert (decided["id"], decided["status"], decided["post_id"]) == (item["id"], "approved", post["id"])
        assert ("post.created", f"thread:{thread['id']}") in content_events(capture_events)
        [activity] = of_type(capture_events, "thread.activity")
        assert (activity.topic, activity.payload["reply_count"], activity.payload["post_id"]) == (
            f"channel:{theme['channel_id']}", 1, post["id"])
        [created] = of_type(capture_events, "post.created")
        assert (created.payload["id"], created.payload["held"], created.payload["author"]["id"]) == (
            post["id"], False, member.id)
        # Now it counts and others see it.
        bert = client_for(writer)
        assert bert.get(f"{API}/posts/{post['id']}").json()["held"] is False
        assert post["id"] in reply_ids(bert, thread["id"])
        assert bert.get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 1
        # Bert hears of the reply in his thread, from Anna (not from the moderator); Anna hears it was approved.
        assert notified(capture_events, writer) == ["reply"]
        assert [(n["kind"], n["actor"]["id"], n["post_id"]) for n in notes(bert)] == [("reply", member.id, post["id"])]
        [approved] = notes(me, skip=("new_thread",))  # Bert's thread in the fixture
        assert (approved["kind"], approved["actor"]["id"], approved["group"]["id"], approved["detail"]) == (
            "post_approved", mod.id, theme["id"], "Wachtlijsten jeugdzorg")
        assert queue(staff) == [] and pending(staff) == 0

    def test_a_mention_is_heard_after_approval(self, client_for, member, other, staff, hold_word, thread,
                                               capture_events) -> None:
        post = reply(client_for(member), thread["id"], f"@{other.username}, ken jij iemand in Fryslân?")
        assert post["held"] is True and post["mentions"] == [other.username]
        carla = client_for(other)
        assert notes(carla, skip=("new_thread",)) == []
        capture_events.clear()
        decide(staff, item_for(staff, post["id"])["id"], "approve")
        assert notified(capture_events, other) == ["mention"]
        assert [(n["kind"], n["post_id"], n["actor"]["id"]) for n in notes(carla, skip=("new_thread",))] == [
            ("mention", post["id"], member.id)]

    def test_blocked_word(self, client_for, member, staff, session, theme, thread, capture_events) -> None:
        add_word(staff, "tering", "block")
        me = client_for(member)
        before = session.scalar(select(func.count()).select_from(Post))
        capture_events.clear()
        error = assert_error(me.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Wat een TERING zooi"}),
                             422, "invalid", "body")
        assert "tering" in error["message"]
        assert_error(me.post(f"{API}/channels/{theme['channel_id']}/threads",
                             json={"title": "Een vraag", "body": "tering!"}), 422, "invalid", "body")
        assert session.scalar(select(func.count()).select_from(Post)) == before
        assert reply_ids(me, thread["id"]) == []
        assert queue(staff) == []
        assert capture_events == []
        # A word that merely contains it is fine.
        assert reply(me, thread["id"], "Teringlijders zijn uitgestorven")["held"] is False

    def test_personal_data(self, client_for, member, writer, staff, thread) -> None:
        post = reply(client_for(member), thread["id"], "Mevrouw heeft BSN 123456782 en is te bellen op 06-12345678")
        assert post["held"] is True
        assert_error(client_for(writer).get(f"{API}/posts/{post['id']}"), 404, "not_found")
        item = item_for(staff, post["id"])
        assert item["reasons"] == ["personal_data"]
        assert item["findings"] == ["bsn: 123456782", "phone: 06-12345678"]

    def test_a_bsn_before_a_comma_is_held(self, client_for, member, writer, thread) -> None:
        post = reply(client_for(member), thread["id"], "Mevrouw heeft BSN 123456782, kan iemand helpen?")
        assert post["held"] is True
        assert_error(client_for(writer).get(f"{API}/posts/{post['id']}"), 404, "not_found")

    def test_a_clean_reply_is_not_held(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Het budget is € 1.234.567,89 en de vergadering is 2024-11-25")
        assert post["held"] is False
        assert queue(staff) == []

    def test_several_reasons(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "In Fryslân: NL91 ABNA 0417 1643 00.")
        item = item_for(staff, post["id"])
        assert item["reasons"] == ["watched_word", "personal_data"]
        assert item["findings"] == ["watched_word: fryslan", "iban: NL91 ABNA 0417 1643 00"]


class TestHeldThread:
    def test_held_opening_post(self, client_for, member, writer, other, mod, staff, hold_word, theme,
                               capture_events) -> None:
        me = client_for(member)
        capture_events.clear()
        thread = start(me, theme["channel_id"], title="Nieuws uit Fryslân", body="Lees maar")
        assert thread["held"] is True and thread["opening_post"]["held"] is True
        assert content_events(capture_events) == []
        assert of_type(capture_events, "notification.created") == []
        for client in (client_for(writer), client_for(other)):
            assert thread["id"] not in thread_ids(client, theme["channel_id"])
            listed = client.get(f"{API}/groups/{theme['id']}/threads").json()["items"]
            assert thread["id"] not in [t["id"] for t in listed]
            assert_error(client.get(f"{API}/threads/{thread['id']}"), 404, "not_found")
            assert_error(client.get(f"{API}/posts/{thread['opening_post']['id']}"), 404, "not_found")
            assert_error(client.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Hoi"}), 404, "not_found")
            assert notes(client) == []
        # Its author sees it, in the list as well, marked held.
        [listed] = [t for t in me.get(f"{API}/channels/{theme['channel_id']}/threads").json()["items"]
                    if t["id"] == thread["id"]]
        assert listed["held"] is True
        assert me.get(f"{API}/threads/{thread['id']}").json()["held"] is True
        # A moderator opens it from the queue.
        assert client_for(mod).get(f"{API}/threads/{thread['id']}").status_code == 200
        item = item_for(staff, thread["opening_post"]["id"])
        assert (item["is_opening"], item["thread_id"], item["findings"]) == (
            True, thread["id"], ["watched_word: fryslan"])

        capture_events.clear()
        decide(client_for(mod), item["id"], "approve")
        assert sorted(content_events(capture_events)) == sorted([
            ("thread.created", f"channel:{theme['channel_id']}"), ("thread.created", f"group:{theme['id']}")])
        # Members of a theme group hear of new threads.
        assert notified(capture_events, writer) == ["new_thread"]
        assert notified(capture_events, other) == ["new_thread"]
        assert notified(capture_events, member) == ["post_approved"]
        bert = client_for(writer)
        assert thread["id"] in thread_ids(bert, theme["channel_id"])
        shown = bert.get(f"{API}/threads/{thread['id']}").json()
        assert (shown["held"], shown["opening_post"]["held"]) == (False, False)
        assert [(n["kind"], n["thread"]["id"], n["actor"]["id"]) for n in notes(bert)] == [
            ("new_thread", thread["id"], member.id)]

    def test_personal_data_in_the_title(self, client_for, member, staff, theme) -> None:
        thread = start(client_for(member), theme["channel_id"], title="Bel 06-12345678", body="Graag")
        assert thread["held"] is True
        assert item_for(staff, thread["opening_post"]["id"])["findings"] == ["phone: 06-12345678"]


class TestPremoderatedGroup:
    def test_who_may_switch_it_on(self, client_for, make_user, make_group, member) -> None:
        boss = make_user()
        group = make_group(members=(member,), admins=(boss,))
        url = f"{API}/groups/{group['id']}"
        assert_error(client_for(member).patch(url, json={"premoderated": True}), 403, "group_admins_only")
        assert_error(client_for(boss).patch(url, json={"premoderated": "soms"}), 422, "invalid", "premoderated")
        response = client_for(boss).patch(url, json={"premoderated": True})
        assert response.status_code == 200, response.text
        assert response.json()["premoderated"] is True
        assert client_for(member).get(url).json()["premoderated"] is True

    def test_every_member_post_is_held(self, client_for, make_user, make_group, make_thread, member, writer,
                                       manager, staff) -> None:
        boss = make_user()
        group = make_group(members=(member, writer), admins=(boss,))
        earlier = make_thread(writer, group["channel_id"])
        assert client_for(boss).patch(f"{API}/groups/{group['id']}", json={"premoderated": True}).status_code == 200
        anna = client_for(member)
        post = reply(anna, earlier["id"], "Een gewone reactie")
        thread = start(anna, group["channel_id"], title="Een gewone vraag", body="Wie weet het?")
        assert post["held"] is True and thread["held"] is True
        assert [(i["post_id"], i["reasons"], i["findings"]) for i in queue(staff, group_id=group["id"])] == [
            (post["id"], ["premoderation"], []), (thread["opening_post"]["id"], ["premoderation"], [])]
        # Staff are not held.
        assert reply(staff, earlier["id"], "Namens de partij")["held"] is False
        assert start(staff, group["channel_id"], title="Mededeling")["held"] is False
        assert len(queue(staff, group_id=group["id"])) == 2
        # Other groups are not pre-moderated.
        other_group = make_group(members=(member,))
        assert start(anna, other_group["channel_id"])["held"] is False


class TestFirstPosts:
    def test_a_new_members_first_posts_are_held(self, client_for, member, manager, staff, first_posts,
                                                thread) -> None:
        anna = client_for(member)
        first = reply(anna, thread["id"], "Eerste")
        assert first["held"] is True
        assert item_for(staff, first["id"])["reasons"] == ["new_member"]
        # Still none approved: the next one waits too.
        second = reply(anna, thread["id"], "Tweede")
        assert second["held"] is True
        decide(staff, item_for(staff, first["id"])["id"], "approve")
        decide(staff, item_for(staff, second["id"])["id"], "approve")
        third_ = reply(anna, thread["id"], "Derde")
        assert third_["held"] is False
        assert queue(staff) == []
        # Staff are never held.
        assert reply(staff, thread["id"], "Welkom")["held"] is False

    def test_deleted_and_rejected_posts_do_not_count(self, client_for, member, staff, first_posts, thread) -> None:
        anna = client_for(member)
        first = reply(anna, thread["id"], "Eerste")
        decide(staff, item_for(staff, first["id"])["id"], "approve")
        second = reply(anna, thread["id"], "Tweede")
        decide(staff, item_for(staff, second["id"])["id"], "reject", reason="Niet ter zake")
        # Rejected: one approved, so still held.
        third_ = reply(anna, thread["id"], "Derde")
        assert third_["held"] is True
        decide(staff, item_for(staff, third_["id"])["id"], "approve")
        # Two approved; she deletes one of them: one counts.
        assert anna.delete(f"{API}/posts/{first['id']}").status_code == 204
        assert reply(anna, thread["id"], "Vierde")["held"] is True


# --- decisions -------------------------------------------------------------------------------------


class TestReject:
    def test_reject_a_held_post(self, client_for, member, writer, mod, staff, hold_word, theme, thread,
                                capture_events) -> None:
        anna = client_for(member)
        post = reply(anna, thread["id"], "Groeten uit Fryslân")
        item = item_for(staff, post["id"])
        capture_events.clear()
        decided = decide(client_for(mod), item["id"], "reject", reason="  Geen reclame hier  ")
        assert decided["status"] == "rejected"
        # Nobody had seen it: no open page hears of its removal either.
        assert content_events(capture_events) == []
        assert notified(capture_events, member) == ["moderation"]
        [line] = notes(anna, skip=("new_thread",))
        assert (line["kind"], line["actor"]["id"], line["group"]["id"]) == ("moderation", mod.id, theme["id"])
        assert line["detail"] == "Wachtlijsten jeugdzorg\nGeen reclame hier"
        # Gone: for her it shows as deleted; for others it never existed.
        mine = anna.get(f"{API}/posts/{post['id']}").json()
        assert (mine["deleted"], mine["body"]) == (True, "")
        assert_error(client_for(writer).get(f"{API}/posts/{post['id']}"), 404, "not_found")
        assert client_for(writer).get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 0
        assert queue(staff) == []

    def test_reject_a_held_thread(self, client_for, member, staff, hold_word, theme) -> None:
        anna = client_for(member)
        thread = start(anna, theme["channel_id"], title="Fryslân boppe")
        decide(staff, item_for(staff, thread["opening_post"]["id"])["id"], "reject", reason="Dubbel")
        assert_error(anna.get(f"{API}/threads/{thread['id']}"), 404, "not_found")
        assert thread["id"] not in thread_ids(anna, theme["channel_id"])
        assert [(n["kind"], n["detail"]) for n in notes(anna)] == [("moderation", "Fryslân boppe\nDubbel")]

    def test_reject_a_flagged_post(self, client_for, member, writer, other, mod, staff, theme, thread,
                                   capture_events) -> None:
        post = reply(client_for(member), thread["id"], "Koop nu bij mijn winkel")
        flagged(client_for(writer), post["id"], "spam")
        item = item_for(staff, post["id"])
        capture_events.clear()
        decided = decide(client_for(mod), item["id"], "reject", reason="Reclame")
        assert decided["status"] == "rejected"
        assert ("post.deleted", f"thread:{thread['id']}") in content_events(capture_events)
        shown = client_for(other).get(f"{API}/posts/{post['id']}").json()
        assert (shown["deleted"], shown["body"]) == (True, "")
        assert client_for(other).get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 0
        assert [(n["kind"], n["detail"]) for n in notes(client_for(member), skip=("new_thread",))] == [
            ("moderation", "Wachtlijsten jeugdzorg\nReclame")]
        # Her record: one post removed by a moderator.
        later = reply(client_for(member), thread["id"], "Nog een keer")
        flagged(client_for(writer), later["id"])
        assert item_for(staff, later["id"])["author_removals"] == 1

    def test_bad_reason(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Fryslân")
        url = f"{API}/moderation/items/{item_for(staff, post['id'])['id']}/reject"
        assert_error(staff.post(url, json={}), 422, "invalid", "reason")
        assert_error(staff.post(url, json={"reason": " ab "}), 422, "invalid", "reason")
        assert_error(staff.post(url, json={"reason": "x" * 1001}), 422, "invalid", "reason")
        assert len(queue(staff)) == 1


class TestEditAndApprove:
    def test_edit_a_held_post(self, client_for, member, writer, mod, staff, thread) -> None:
        post = reply(client_for(member), thread["id"], "Mevrouw heeft BSN 123456782 en vraagt om hulp")
        item = item_for(staff, post["id"])
        decided = decide(client_for(mod), item["id"], "approve", body="Mevrouw vraagt om hulp")
        assert (decided["status"], decided["body"]) == ("approved", "Mevrouw vraagt om hulp")
        shown = client_for(writer).get(f"{API}/posts/{post['id']}").json()
        assert (shown["body"], shown["held"]) == ("Mevrouw vraagt om hulp", False)
        assert shown["edited_at"] is not None
        assert "123456782" not in shown["body_html"]
        revisions = client_for(writer).get(f"{API}/posts/{post['id']}/revisions").json()
        assert [(r["body"], r["editor"]["id"]) for r in revisions] == [
            ("Mevrouw heeft BSN 123456782 en vraagt om hulp", mod.id)]

    def test_approve_without_a_change_keeps_no_revision(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Fryslân")
        decide(staff, item_for(staff, post["id"])["id"], "approve", body="Fryslân")
        assert client_for(member).get(f"{API}/posts/{post['id']}/revisions").json() == []

    def test_bad_body(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Fryslân")
        url = f"{API}/moderation/items/{item_for(staff, post['id'])['id']}/approve"
        assert_error(staff.post(url, json={"body": "   "}), 422, "invalid", "body")
        assert_error(staff.post(url, json={"reason": "ok"}), 422, "invalid", "reason")
        assert queue(staff)[0]["status"] == "pending"

    def test_a_mention_removed_by_the_moderator_is_not_heard(self, client_for, member, other, staff, hold_word,
                                                             thread) -> None:
        post = reply(client_for(member), thread["id"], f"@{other.username} woont in Fryslân")
        decide(staff, item_for(staff, post["id"])["id"], "approve", body="Iemand woont in het noorden")
        assert notes(client_for(other), skip=("new_thread",)) == []
        assert client_for(member).get(f"{API}/posts/{post['id']}").json()["mentions"] == []

    def test_editing_a_visible_post_updates_open_pages(self, client_for, member, writer, staff, thread,
                                                       capture_events) -> None:
        post = reply(client_for(member), thread["id"], "Bel mevrouw op haar werk")
        flagged(client_for(writer), post["id"], "personal_data")
        capture_events.clear()
        decide(staff, item_for(staff, post["id"])["id"], "approve", body="Neem contact op via de fractie")
        [updated] = of_type(capture_events, "post.updated")
        assert (updated.topic, updated.payload["body"]) == (f"thread:{thread['id']}", "Neem contact op via de fractie")


class TestDismiss:
    def test_dismiss_a_flagged_post(self, client_for, member, other, third, writer, mod, staff, thread,
                                    capture_events) -> None:
        post_id = thread["opening_post_id"]
        flagged(client_for(member), post_id)
        flagged(client_for(other), post_id, "off_topic")
        item = item_for(staff, post_id)
        capture_events.clear()
        decided = decide(client_for(mod), item["id"], "dismiss")
        assert (decided["status"], decided["flags"]) == ("dismissed", [])
        assert content_events(capture_events) == []
        assert notified(capture_events, writer) == []
        assert queue(staff) == [] and pending(staff) == 0
        assert client_for(third).get(f"{API}/posts/{post_id}").json()["deleted"] is False
        # The flags were handled: a new flag opens a new item, with only the new flag on it.
        flagged(client_for(third), post_id, "inappropriate", "Toch niet netjes")
        [again] = queue(staff)
        assert again["id"] != item["id"]
        assert [(f["by"]["id"], f["reason"]) for f in again["flags"]] == [(third.id, "inappropriate")]
        # Who flagged before cannot flag again.
        assert_error(flag(client_for(member), post_id), 409, "already_flagged")

    def test_a_held_post_is_not_dismissed(self, client_for, member, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Fryslân")
        item = item_for(staff, post["id"])
        assert_error(staff.post(f"{API}/moderation/items/{item['id']}/dismiss"), 409, "held_post")
        assert queue(staff)[0]["status"] == "pending"

    def test_flagging_a_held_post_keeps_it_held(self, client_for, member, mod, staff, hold_word, thread) -> None:
        post = reply(client_for(member), thread["id"], "Fryslân")
        flagged(client_for(mod), post["id"], "other")
        [item] = queue(staff)
        assert (item["held"], item["reasons"], len(item["flags"])) == (True, ["flag", "watched_word"], 1)


class TestDecisionAccess:
    def test_deciding_twice(self, client_for, member, writer, staff, hold_word, thread) -> None:
        held = item_for(staff, reply(client_for(member), thread["id"], "Fryslân")["id"])
        decide(staff, held["id"], "approve")
        for action, body in (("approve", {}), ("reject", {"reason": "Toch niet"}), ("dismiss", {})):
            assert_error(staff.post(f"{API}/moderation/items/{held['id']}/{action}", json=body), 409, "already_decided")
        flagged(client_for(writer), reply(client_for(member), thread["id"], "Hallo")["id"])
        [open_] = queue(staff)
        decide(staff, open_["id"], "dismiss")
        assert_error(staff.post(f"{API}/moderation/items/{open_['id']}/dismiss"), 409, "already_decided")

    def test_who_may_decide(self, client_for, make_user, make_group, make_thread, member, writer, mod, staff,
                            thread) -> None:
        flagged(client_for(member), thread["opening_post_id"])
        [item] = queue(staff)
        boss = make_user()
        make_group(members=(member,), admins=(boss,))
        for action, body in (("approve", {}), ("reject", {"reason": "Weg ermee"}), ("dismiss", {})):
            url = f"{API}/moderation/items/{item['id']}/{action}"
            # She moderates another group: this one's items do not exist for her either (not 403, which says
            # that something waits there).
            assert_error(client_for(boss).post(url, json=body), 404, "not_found")
            # She moderates nothing: the item does not exist for her.
            assert_error(client_for(writer).post(url, json=body), 404, "not_found")
        assert_error(staff.post(f"{API}/moderation/items/999999/approve", json={}), 404, "not_found")
        assert queue(client_for(mod))[0]["status"] == "pending"


class TestLiveCounts:
    def test_moderators_hear_when_an_item_opens_and_closes(self, client_for, make_user, make_group, member,
                                                           writer, mod, manager, admin, theme, thread,
                                                           capture_events) -> None:
        boss = make_user()
        make_group(members=(member,), admins=(boss,))
        expected = {f"user:{u.id}" for u in (mod, manager, admin)}
        capture_events.clear()
        flagged(client_for(member), thread["opening_post_id"])
        changed = of_type(capture_events, "moderation.changed")
        assert {e.topic for e in changed} == expected and len(changed) == 3
        assert all(e.payload == {"group_id": theme["id"]} for e in changed)
        capture_events.clear()
        decide(client_for(mod), item_for(client_for(mod), thread["opening_post_id"])["id"], "dismiss")
        changed = of_type(capture_events, "moderation.changed")
        assert {e.topic for e in changed} == expected
        assert all(e.payload == {"group_id": theme["id"]} for e in changed)

    def test_a_held_post_too(self, client_for, member, mod, manager, hold_word, theme, thread,
                             capture_events) -> None:
        capture_events.clear()
        reply(client_for(member), thread["id"], "Fryslân")
        assert {e.topic for e in of_type(capture_events, "moderation.changed")} == {
            f"user:{mod.id}", f"user:{manager.id}"}


# --- bugs around held posts ---------------------------------------------------------------------------


class TestHeldPostsStayHidden:
    def test_a_held_post_its_author_deleted(self, client_for, member, writer, staff, hold_word, thread,
                                            capture_events) -> None:
        anna = client_for(member)
        post = reply(anna, thread["id"], "Fryslân")
        item = item_for(staff, post["id"])
        assert anna.delete(f"{API}/posts/{post['id']}").status_code == 204
        capture_events.clear()
        staff.post(f"{API}/moderation/items/{item['id']}/approve", json={})
        assert client_for(writer).get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 0
        assert notes(client_for(writer)) == []
        assert of_type(capture_events, "post.created") == []

    def test_editing_a_held_post_publishes_nothing(self, client_for, member, other, hold_word, thread,
                                                   capture_events) -> None:
        anna = client_for(member)
        post = reply(anna, thread["id"], "Fryslân")
        capture_events.clear()
        edited = anna.patch(f"{API}/posts/{post['id']}",
                            json={"body": f"Groeten uit Fryslân, @{other.username}: BSN 123456782"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["held"] is True
        assert content_events(capture_events) == []
        # Nor does a mention added to it notify anyone before a moderator approved the post.
        assert notes(client_for(other), skip=("new_thread",)) == []

    def test_replying_in_ones_own_held_thread_tells_nobody(self, client_for, make_group, member, writer, staff,
                                                           hold_word, capture_events) -> None:
        faction = make_group("Fractie Alkmaar", kind="faction", members=(member, writer))  # members watch it
        anna = client_for(member)
        thread = start(anna, faction["channel_id"], title="Fryslân")
        assert thread["held"] is True
        capture_events.clear()
        # Replies wait until the thread is approved: nothing reaches anyone before that.
        assert_error(anna.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Nog een aanvulling"}),
                     409, "conflict")
        assert notes(client_for(writer)) == []
        assert content_events(capture_events) == []


# --- silence and suspend ---------------------------------------------------------------------------


class TestSilence:
    def test_not_allowed(self, client_for, member, writer, mod, thread) -> None:
        for client in (client_for(writer), client_for(mod)):  # a group moderator is not staff
            assert_error(client.post(f"{API}/users/{member.id}/silence", json={"days": 7, "reason": "Te fel"}),
                         403, "silence_members_not_allowed")
            assert_error(client.delete(f"{API}/users/{member.id}/silence"), 403, "silence_members_not_allowed")
        reply(client_for(member), thread["id"])

    def test_bad_input(self, staff, member) -> None:
        url = f"{API}/users/{member.id}/silence"
        for days in (0, 400, -1, "een week"):
            assert_error(staff.post(url, json={"days": days, "reason": "Te fel"}), 422, "invalid", "days")
        assert_error(staff.post(url, json={"days": 7}), 422, "invalid", "reason")
        assert_error(staff.post(url, json={"days": 7, "reason": "x"}), 422, "invalid", "reason")
        assert_error(staff.post(f"{API}/users/999999/silence", json={"days": 7, "reason": "Te fel"}),
                     404, "not_found")
        assert_error(staff.delete(f"{API}/users/999999/silence"), 404, "not_found")

    def test_staff_are_not_silenced(self, staff, manager, admin) -> None:
        for user in (admin, manager):
            assert_error(staff.post(f"{API}/users/{user.id}/silence", json={"days": 7, "reason": "Te fel"}),
                         409, "conflict")

    def test_silence_and_unsilence(self, client_for, member, staff, theme, thread) -> None:
        earliest = utcnow() + timedelta(days=7)
        response = staff.post(f"{API}/users/{member.id}/silence", json={"days": 7, "reason": "Te fel in discussies"})
        assert response.status_code == 200, response.text
        until = response.json()["silenced_until"]
        assert until[:10] in {earliest.date().isoformat(), (utcnow() + timedelta(days=7)).date().isoformat()}
        anna = client_for(member)
        error = assert_error(anna.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Toch!"}),
                             403, "silenced")
        # The moment in words, Amsterdam time (as the page shows it), not ISO or UTC.
        assert error["message"] == \
            f"A moderator silenced you until {local_datetime(datetime.fromisoformat(until), language='en')}."
        assert_error(anna.post(f"{API}/channels/{theme['channel_id']}/threads", json={"title": "Nieuw", "body": "x"}),
                     403, "silenced")
        assert reply_ids(staff, thread["id"]) == []
        # Reading is still allowed.
        assert anna.get(f"{API}/threads/{thread['id']}").status_code == 200
        assert staff.delete(f"{API}/users/{member.id}/silence").status_code == 204
        assert reply(anna, thread["id"], "Weer terug")["held"] is False

    def test_silence_expires(self, client_for, member, staff, session, thread) -> None:
        from app.models import User

        staff.post(f"{API}/users/{member.id}/silence", json={"days": 1, "reason": "Even afkoelen"})
        session.execute(update(User).where(User.id == member.id).values(silenced_until=utcnow() - timedelta(minutes=1)))
        session.commit()
        assert reply(client_for(member), thread["id"])["held"] is False


class TestSuspend:
    def test_not_allowed(self, client_for, member, writer, mod) -> None:
        for client in (client_for(writer), client_for(mod)):
            assert_error(client.post(f"{API}/users/{member.id}/suspend", json={"reason": "Spam"}),
                         403, "silence_members_not_allowed")
        assert client_for(member).get(f"{API}/me").status_code == 200

    def test_bad_input(self, staff, manager, admin, member) -> None:
        assert_error(staff.post(f"{API}/users/{member.id}/suspend", json={}), 422, "invalid", "reason")
        assert_error(staff.post(f"{API}/users/{member.id}/suspend", json={"reason": "x"}), 422, "invalid", "reason")
        assert_error(staff.post(f"{API}/users/999999/suspend", json={"reason": "Spam"}), 404, "not_found")
        assert_error(staff.post(f"{API}/users/{manager.id}/suspend", json={"reason": "Spam"}), 409, "conflict",
                     "is_active")
        # Only admins deactivate staff accounts.
        assert_error(staff.post(f"{API}/users/{admin.id}/suspend", json={"reason": "Spam"}), 403, "admins_only",
                     "is_active")

    def test_suspend(self, client_for, member, manager, staff, capture_events) -> None:
        anna = client_for(member)
        assert anna.get(f"{API}/me").status_code == 200
        capture_events.clear()
        response = staff.post(f"{API}/users/{member.id}/suspend", json={"reason": "Herhaaldelijk spam"})
        assert response.status_code == 204, response.text
        assert ("account.deactivated", f"user:{member.id}") in [(e.type, e.topic) for e in capture_events]
        assert_error(anna.get(f"{API}/me"), 401, "unauthenticated")
        entries = audit(staff, target_type="user", target_id=member.id)
        assert [(e["action"], e["actor"]["id"], e["before"], e["after"]) for e in entries] == [
            ("member.suspended", manager.id, {"is_active": True}, {"is_active": False, "reason": "Herhaaldelijk spam"}),
            ("account.deactivated", manager.id, {"is_active": True}, {"is_active": False}),
        ]

    def test_suspending_twice_logs_the_true_state(self, staff, member) -> None:
        staff.post(f"{API}/users/{member.id}/suspend", json={"reason": "Spam"})
        staff.post(f"{API}/users/{member.id}/suspend", json={"reason": "Nog eens"})
        latest = audit(staff, action="member.suspended", target_id=member.id)[0]
        assert latest["before"] == {"is_active": False}


# --- watched words ------------------------------------------------------------------------------------


WORDS = f"{API}/moderation/watched-words"


class TestWatchedWords:
    def test_not_allowed(self, client_for, member, mod, staff) -> None:
        word = add_word(staff, "tering", "block")
        for client in (client_for(member), client_for(mod)):
            assert_error(client.get(WORDS), 403, "watch_words_not_allowed")
            assert_error(client.post(WORDS, json={"word": "kut", "action": "block"}), 403, "watch_words_not_allowed")
            assert_error(client.delete(f"{WORDS}/{word['id']}"), 403, "watch_words_not_allowed")
        assert [w["word"] for w in staff.get(WORDS).json()] == ["tering"]

    def test_bad_input(self, staff) -> None:
        add_word(staff, "Fryslân", "hold")
        for again in ({"word": "FRYSLAN", "action": "block"}, {"word": "  fryslân ", "action": "hold"}):
            assert_error(staff.post(WORDS, json=again), 409, "watched_word_exists", "word")
        assert_error(staff.post(WORDS, json={"word": "kut", "action": "delete"}), 422, "invalid", "action")
        assert_error(staff.post(WORDS, json={"word": "kut"}), 422, "invalid", "action")
        assert_error(staff.post(WORDS, json={"word": " k ", "action": "hold"}), 422, "invalid", "word")
        assert_error(staff.post(WORDS, json={"word": "x" * 101, "action": "hold"}), 422, "invalid", "word")
        assert_error(staff.post(WORDS, json={"action": "hold"}), 422, "invalid", "word")
        assert [w["word"] for w in staff.get(WORDS).json()] == ["fryslan"]

    def test_add_list_delete(self, staff, client_for, member, thread) -> None:
        added = add_word(staff, "  Fryslân  ", "hold")
        assert (added["word"], added["action"]) == ("fryslan", "hold")
        block = add_word(staff, "Gratis Geld", "block")
        assert block["word"] == "gratis geld"
        assert [(w["id"], w["word"], w["action"]) for w in staff.get(WORDS).json()] == [
            (added["id"], "fryslan", "hold"), (block["id"], "gratis geld", "block")]
        assert_error(client_for(member).post(f"{API}/threads/{thread['id']}/replies",
                                             json={"body": "GRATIS GELD!"}), 422, "invalid", "body")
        assert staff.delete(f"{WORDS}/{block['id']}").status_code == 204
        assert [w["word"] for w in staff.get(WORDS).json()] == ["fryslan"]
        assert reply(client_for(member), thread["id"], "GRATIS GELD!")["held"] is False
        assert_error(staff.delete(f"{WORDS}/{block['id']}"), 404, "not_found")
        assert_error(staff.delete(f"{WORDS}/999999"), 404, "not_found")


# --- the audit log --------------------------------------------------------------------------------------


class TestAudit:
    def test_not_allowed(self, client_for, member, mod, make_user, make_group) -> None:
        boss = make_user()
        make_group(admins=(boss,))
        for client in (client_for(member), client_for(mod), client_for(boss)):
            assert_error(client.get(f"{API}/audit"), 403, "audit_not_allowed")

    def test_no_way_to_change_an_entry(self, staff, member) -> None:
        staff.post(f"{API}/users/{member.id}/silence", json={"days": 1, "reason": "Even afkoelen"})
        [entry] = audit(staff, action="member.silenced")
        for method in ("PUT", "PATCH", "DELETE"):
            response = staff.request(method, f"{API}/audit/{entry['id']}", json={"action": "niets"})
            assert_error(response, 404, "not_found")
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert_error(staff.request(method, f"{API}/audit", json={}), 405, "method_not_allowed")
        assert audit(staff, action="member.silenced") == [entry]

    def test_moderation_is_logged(self, client_for, member, writer, other, mod, manager, staff, theme, thread,
                                  hold_word) -> None:
        anna = client_for(member)
        approved = reply(anna, thread["id"], "Groeten uit Fryslân")
        decide(client_for(mod), item_for(staff, approved["id"])["id"], "approve")
        edited = reply(anna, thread["id"], "Nogmaals Fryslân")
        decide(client_for(mod), item_for(staff, edited["id"])["id"], "approve", body="Nogmaals het noorden")
        rejected = reply(anna, thread["id"], "Fryslân is het mooist")
        decide(staff, item_for(staff, rejected["id"])["id"], "reject", reason="Niet ter zake")
        flagged(client_for(other), thread["opening_post_id"])
        decide(client_for(mod), item_for(staff, thread["opening_post_id"])["id"], "dismiss")
        word = add_word(staff, "tering", "block")
        assert staff.delete(f"{WORDS}/{word['id']}").status_code == 204
        until = staff.post(f"{API}/users/{writer.id}/silence", json={"days": 3, "reason": "Te fel"}
                           ).json()["silenced_until"]
        assert staff.delete(f"{API}/users/{writer.id}/silence").status_code == 204
        assert staff.post(f"{API}/users/{other.id}/suspend", json={"reason": "Spam"}).status_code == 204

        # The fixtures made a group and a moderator.
        entries = [e for e in audit(staff) if e["action"] not in ("member.role_changed", "group.created")]
        assert [(e["action"], e["actor"]["id"], e["target_type"], e["target_id"], e["group_id"]) for e in entries] == [
            ("member.suspended", manager.id, "user", other.id, None),
            ("account.deactivated", manager.id, "user", other.id, None),
            ("member.unsilenced", manager.id, "user", writer.id, None),
            ("member.silenced", manager.id, "user", writer.id, None),
            ("watched_word.removed", manager.id, "watched_word", word["id"], None),
            ("watched_word.added", manager.id, "watched_word", word["id"], None),
            ("flags.dismissed", mod.id, "post", thread["opening_post_id"], theme["id"]),
            ("post.rejected", manager.id, "post", rejected["id"], theme["id"]),
            ("post.edited_and_approved", mod.id, "post", edited["id"], theme["id"]),
            ("post.approved", mod.id, "post", approved["id"], theme["id"]),
            ("watched_word.added", manager.id, "watched_word", entries[-1]["target_id"], None),
        ]
        by_action = {e["action"]: e for e in entries[:-1]}
        assert entries[-1]["after"] == {"word": "fryslan", "action": "hold"}
        assert (by_action["post.approved"]["before"], by_action["post.approved"]["after"]) == (
            {"body": "Groeten uit Fryslân", "held": True, "deleted": False},
            {"body": "Groeten uit Fryslân", "held": False, "deleted": False})
        assert (by_action["post.edited_and_approved"]["before"]["body"],
                by_action["post.edited_and_approved"]["after"]["body"]) == ("Nogmaals Fryslân", "Nogmaals het noorden")
        assert by_action["post.rejected"]["after"] == {"body": "Fryslân is het mooist", "held": True, "deleted": True,
                                                       "reason": "Niet ter zake"}
        assert (by_action["member.silenced"]["before"], by_action["member.silenced"]["after"]["reason"]) == (
            {"silenced_until": None}, "Te fel")
        assert by_action["member.silenced"]["after"]["silenced_until"][:19] == until[:19]
        assert by_action["member.unsilenced"]["after"] == {"silenced_until": None}
        assert (by_action["watched_word.added"]["after"], by_action["watched_word.removed"]["before"]) == (
            {"word": "tering", "action": "block"}, {"word": "tering", "action": "block"})
        assert by_action["member.suspended"]["after"] == {"is_active": False, "reason": "Spam"}
        assert all(e["created_at"] for e in entries)

    def test_group_administration_is_logged(self, client_for, make_user, make_group, member, writer, admin) -> None:
        boss = make_user(display_name="Groepsbeheerder")
        group = make_group("Fractie Haarlem", kind="faction", visibility="closed", members=(member, writer),
                           admins=(boss,))
        gid = group["id"]
        chief = client_for(boss)
        assert chief.patch(f"{API}/groups/{gid}", json={"premoderated": True, "name": "Fractie Haarlem"}
                           ).status_code == 200
        assert chief.patch(f"{API}/groups/{gid}/members/{member.id}", json={"role": "moderator"}).status_code == 200
        assert chief.delete(f"{API}/groups/{gid}/members/{writer.id}").status_code == 204
        joiner, decliner = make_user(), make_user()
        for user in (joiner, decliner):
            assert client_for(user).post(f"{API}/groups/{gid}/join", json={}).json()["status"] == "requested"
        requests = {r["user"]["id"]: r["id"] for r in chief.get(f"{API}/groups/{gid}/join-requests").json()}
        assert chief.post(f"{API}/join-requests/{requests[joiner.id]}/approve").status_code == 200
        assert chief.post(f"{API}/join-requests/{requests[decliner.id]}/decline").status_code == 200

        entries = audit(client_for(admin), actor_id=boss.id)
        assert [(e["action"], e["target_type"], e["target_id"], e["group_id"], e["before"], e["after"])
                for e in entries] == [
            ("join_request.declined", "user", decliner.id, gid, {"status": "pending"}, {"status": "declined"}),
            ("join_request.approved", "user", joiner.id, gid, {"status": "pending"}, {"status": "approved"}),
            ("member.removed", "user", writer.id, gid, {"role": "member"}, {"role": None}),
            ("member.role_changed", "user", member.id, gid, {"role": "member"}, {"role": "moderator"}),
            # Only what changed: the name was sent, but it was the same.
            ("group.updated", "group", gid, gid, {"premoderated": False}, {"premoderated": True}),
        ]
        # Leaving on one's own is not a moderation action; a change that changes nothing is not logged.
        assert client_for(member).delete(f"{API}/groups/{gid}/members/{member.id}").status_code == 204
        assert chief.patch(f"{API}/groups/{gid}", json={"premoderated": True}).status_code == 200
        assert len(audit(client_for(admin), actor_id=boss.id)) == 5
        assert audit(client_for(admin), actor_id=member.id) == []

    def test_filters(self, client_for, make_user, make_group, member, writer, manager, admin, staff) -> None:
        group = make_group(members=(member, writer))
        staff.post(f"{API}/users/{member.id}/silence", json={"days": 1, "reason": "Even afkoelen"})
        client_for(admin).post(f"{API}/users/{writer.id}/silence", json={"days": 2, "reason": "Even afkoelen"})
        word = add_word(staff, "tering", "block")
        assert staff.patch(f"{API}/groups/{group['id']}", json={"premoderated": True}).status_code == 200

        def picked(**params: Any) -> list[tuple[str, int]]:
            return [(e["action"], e["target_id"]) for e in audit(staff, **params)]

        assert picked(action="member.silenced") == [("member.silenced", writer.id), ("member.silenced", member.id)]
        assert picked(actor_id=admin.id) == [("member.silenced", writer.id)]
        assert picked(target_type="watched_word") == [("watched_word.added", word["id"])]
        assert picked(target_type="user", target_id=member.id) == [("member.silenced", member.id)]
        assert picked(group_id=group["id"]) == [("group.updated", group["id"]), ("group.created", group["id"])]
        assert picked(action="member.silenced", actor_id=manager.id) == [("member.silenced", member.id)]
        assert_error(staff.get(f"{API}/audit", params={"action": "niets"}), 422, "invalid", "action")
        assert_error(staff.get(f"{API}/audit", params={"actor_id": "x"}), 422, "invalid", "actor_id")
        assert_error(staff.get(f"{API}/audit", params={"action": "x" * 41}), 422, "invalid", "action")

    def test_newest_first_in_pages(self, staff, make_user) -> None:
        people = [make_user() for _ in range(4)]
        for user in people:
            assert staff.post(f"{API}/users/{user.id}/silence", json={"days": 1, "reason": "Rustig aan"}
                              ).status_code == 200
        seen, cursor = [], None
        for _ in range(10):
            params: dict[str, Any] = {"limit": 1, "action": "member.silenced"}
            if cursor:
                params["cursor"] = cursor
            page = staff.get(f"{API}/audit", params=params).json()
            seen += [e["target_id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [u.id for u in reversed(people)]


class TestEditsAreScreened:
    def test_an_edit_with_a_blocked_word_or_personal_data_is_refused(self, client_for, member, thread,
                                                                      staff) -> None:
        staff.post(f"{API}/moderation/watched-words", json={"word": "sukkel", "action": "block"})
        post = reply(client_for(member), thread["id"], "Een gewone reactie")
        for body, message in (("Wat een sukkel", "sukkel"),
                              ("Mijn buurman, BSN 123456782", "a citizen service number")):
            refused = client_for(member).patch(f"{API}/posts/{post['id']}", json={"body": body})
            assert_error(refused, 422, "invalid", "body")
            assert message in refused.json()["error"]["message"]
        assert client_for(member).get(f"{API}/posts/{post['id']}").json()["body"] == "Een gewone reactie"

    def test_an_edit_with_a_watched_word_goes_before_a_moderator(self, client_for, member, thread, staff) -> None:
        staff.post(f"{API}/moderation/watched-words", json={"word": "geheim dossier", "action": "hold"})
        post = reply(client_for(member), thread["id"], "Een gewone reactie")
        edited = client_for(member).patch(f"{API}/posts/{post['id']}", json={"body": "Zie het geheim dossier"})
        assert edited.status_code == 200 and edited.json()["held"] is False
        [item] = staff.get(f"{API}/moderation/queue").json()["items"]
        assert item["post_id"] == post["id"] and item["reasons"] == ["watched_word"] and item["held"] is False


class TestRestrictions:
    def test_anonymous_and_not_allowed(self, anon, client_for, member) -> None:
        assert_error(anon.get(f"{API}/moderation/restrictions"), 401, "unauthenticated")
        assert_error(client_for(member).get(f"{API}/moderation/restrictions"), 403, "silence_members_not_allowed")

    def test_who_is_silenced_or_suspended_and_why(self, client_for, member, writer, other, staff, manager) -> None:
        assert staff.get(f"{API}/moderation/restrictions").json() == []
        assert staff.post(f"{API}/users/{member.id}/silence", json={"days": 3, "reason": "Te fel"}).status_code == 200
        assert staff.post(f"{API}/users/{writer.id}/suspend", json={"reason": "Spam"}).status_code == 204
        listed = {r["user"]["id"]: r for r in staff.get(f"{API}/moderation/restrictions").json()}
        assert set(listed) == {member.id, writer.id}
        silenced, suspended = listed[member.id], listed[writer.id]
        assert (silenced["suspended"], silenced["reason"], silenced["by"]["id"]) == (False, "Te fel", manager.id)
        assert silenced["silenced_until"] is not None
        assert (suspended["suspended"], suspended["reason"]) == (True, "Spam")
        # Lifted, they are off the list.
        assert staff.delete(f"{API}/users/{member.id}/silence").status_code == 204
        assert staff.patch(f"{API}/admin/users/{writer.id}", json={"is_active": True}).status_code == 200
        assert staff.get(f"{API}/moderation/restrictions").json() == []
        # The profile page shows the staff the form; a member sees none of it.
        page = staff.get(f"/members/{other.username}").text
        assert 'id="silence-form"' in page
        assert 'id="member-moderation"' not in client_for(member).get(f"/members/{other.username}").text
        assert 'id="member-moderation"' not in staff.get(f"/members/{manager.username}").text  # staff: never
