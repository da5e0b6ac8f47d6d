"""The websocket hub's behaviour, the same for the in-process and the Redis bus (every test is run once per
bus through the `app` fixture of tests/realtime/conftest.py).

Absence is never proven by waiting: after the action that must publish nothing (or must not reach this
socket), a MARKER action is done on a topic the socket follows, and the very next message must be the
marker's.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from starlette.websockets import WebSocketDisconnect

from app.deps import SESSION_COOKIE
from app.events import event_id_key
from app.services import accounts, groups, posts
from tests.api.helpers import assert_error
from tests.realtime.conftest import LiveSocket, is_notification

ORIGIN = "http://testserver"
NOT_FOUND = {"type": "error", "code": "not_found", "message": "Topic not found.", "field": "topics"}
RESYNC_MESSAGE = "Some events are older than the replay window; fetch the page again."


# --- helpers -------------------------------------------------------------------------------------


def reply(client: Any, thread_id: int, body: str) -> dict[str, Any]:
    response = client.post(f"/api/v1/threads/{thread_id}/replies", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def closed_with(socket: LiveSocket) -> tuple[int, list[dict[str, Any]]]:
    """Read until the server closes the socket: (close code, the messages that came before)."""
    before: list[dict[str, Any]] = []
    with pytest.raises(WebSocketDisconnect) as closed:
        for _ in range(10):
            before.append(socket.receive())
    return closed.value.code, before


def hang_up(socket: LiveSocket) -> None:
    """Close from the client side and wait until the server has finished with the socket."""
    socket.session.__exit__(None, None, None)


def event_of(message: dict[str, Any]) -> tuple[str, str, Any]:
    assert message["type"] == "event", message
    return message["event"], message["topic"], message["payload"].get("id", message["payload"].get("post_id"))


def assert_pong(socket: LiveSocket) -> None:
    """The connection still works."""
    socket.send({"type": "ping"})
    assert socket.receive() == {"type": "pong"}


@pytest.fixture
def open_socket(anon) -> Iterator[Callable[..., LiveSocket]]:
    """A socket with exactly the given headers (no cookie, no Origin unless given)."""
    opened: list[Any] = []

    def _open(headers: dict[str, str], query: str = "") -> LiveSocket:
        session = anon.websocket_connect("/api/v1/ws" + query, headers=headers)
        session.__enter__()
        opened.append(LiveSocket(session))
        return opened[-1]

    yield _open
    for socket in opened:
        socket.close()


@pytest.fixture
def open_thread(member, other, make_group, make_thread) -> dict[str, Any]:
    """An open group with member and other in it, and a thread there."""
    group = make_group(members=(member, other))
    thread = make_thread(other, group["channel_id"], title="Bomenkap in het park")
    return {**thread, "group_id": group["id"], "channel_id": group["channel_id"], "topic": f"thread:{thread['id']}"}


# --- 1. authentication ---------------------------------------------------------------------------


class TestAuthentication:
    def test_without_a_session_the_socket_is_closed_4401(self, open_socket) -> None:
        socket = open_socket({"origin": ORIGIN})
        assert closed_with(socket) == (4401, [])

    def test_an_unknown_session_cookie_is_closed_4401(self, open_socket) -> None:
        socket = open_socket({"origin": ORIGIN, "cookie": f"{SESSION_COOKIE}=not-a-session-token"})
        assert closed_with(socket) == (4401, [])

    @pytest.mark.parametrize("origin", ["http://evil.example", "https://testserver", "http://testserver.evil.example",
                                        "null"])
    def test_a_cookie_sent_from_another_origin_is_refused_4403(self, connect, member, origin) -> None:
        socket = connect(member, headers={"origin": origin}, expect_hello=False)
        assert closed_with(socket) == (4403, [])

    def test_a_cookie_without_origin_is_refused_4403(self, open_socket, run, member) -> None:
        login = run(accounts.start_session, member, ip_address="testclient", user_agent="pytest")
        socket = open_socket({"cookie": f"{SESSION_COOKIE}={login.token}"})
        assert closed_with(socket) == (4403, [])

    def test_an_api_token_works_without_origin(self, open_socket, run, client_for, member, other,
                                               open_thread) -> None:
        _, token = run(accounts.create_api_token, member, name="Koppeling")
        socket = open_socket({"authorization": f"Bearer {token}"}, f"?topics={open_thread['topic']}")
        hello = socket.receive_type("hello")
        assert set(hello) == {"type", "user_id", "last_event_id"} and hello["user_id"] == member.id
        assert socket.receive() == {"type": "subscribed", "topics": [open_thread["topic"]]}
        posted = reply(client_for(other), open_thread["id"], "Gezien via de koppeling")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], posted["id"])

    def test_a_wrong_api_token_is_closed_4401(self, open_socket) -> None:
        socket = open_socket({"authorization": "Bearer plein_not-a-real-token"})
        assert closed_with(socket) == (4401, [])

    def test_logging_out_closes_the_socket_of_that_session_only(self, connect, client_for, session,
                                                                member) -> None:
        from sqlalchemy import select

        from app.models import AuthSession
        from app.security import token_hash

        browser = client_for(member)
        token = browser.http.cookies.get(SESSION_COOKIE)
        socket = connect(member, headers={"cookie": f"{SESSION_COOKIE}={token}"})
        elsewhere = connect(member)  # her phone: another session
        session_id = session.scalar(select(AuthSession.id).where(AuthSession.token_hash == token_hash(token)))

        assert browser.post("/api/v1/auth/logout").status_code == 204

        code, before = closed_with(socket)
        assert code == 4401
        assert [m.get("event") for m in before] in ([], ["session.ended"])
        ended = elsewhere.receive_type("event")
        assert (ended["event"], ended["topic"]) == ("session.ended", f"user:{member.id}")
        assert ended["payload"] == {"user_id": member.id, "session_ids": [session_id], "all": False}
        assert_pong(elsewhere)

    def test_deactivating_the_account_closes_all_her_sockets(self, connect, open_socket, client_for, run,
                                                             admin, member) -> None:
        _, token = run(accounts.create_api_token, member, name="Koppeling")
        browser_socket = connect(member)
        token_socket = open_socket({"authorization": f"Bearer {token}"})
        token_socket.receive_type("hello")

        response = client_for(admin).patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False})
        assert response.status_code == 200, response.text

        for socket in (browser_socket, token_socket):
            code, before = closed_with(socket)
            assert code == 4401
            assert {m["type"] for m in before} <= {"event"}
            assert {m["event"] for m in before} <= {"session.ended", "account.deactivated"}
        # The token was revoked with the account: it opens nothing any more.
        assert closed_with(open_socket({"authorization": f"Bearer {token}"})) == (4401, [])

    def test_revoking_an_api_token_closes_its_socket(self, open_socket, run, client_for, manager, make_group,
                                                     member) -> None:
        api_token, token = run(accounts.create_api_token, member, name="Koppeling")
        socket = open_socket({"authorization": f"Bearer {token}"})
        socket.receive_type("hello")
        assert client_for(member).delete(f"/api/v1/auth/tokens/{api_token.id}").status_code == 204
        # Marker on her own topic: a socket still open receives it.
        group = make_group()
        assert client_for(manager).post(f"/api/v1/groups/{group['id']}/invitations",
                                        json={"user_id": member.id}).status_code == 201
        with pytest.raises(WebSocketDisconnect) as closed:
            while socket.receive().get("event") != "group_invitation.created":
                pass
        assert closed.value.code == 4401


class TestConnectionLimit:
    def test_too_many_new_sockets_of_one_member_are_closed_4429(self, app, connect, member, other) -> None:
        from app.ratelimit import rule

        app.state.limiter.rules["ws_connect"] = rule("live connections", "2/minute", "100/minute")
        kept = [connect(member), connect(member)]
        third = connect(member, expect_hello=False)
        with pytest.raises(WebSocketDisconnect) as closed:
            third.receive()
        assert closed.value.code == 4429
        assert closed.value.reason.startswith("Too many live connections. Try again in")
        for socket in kept:  # the ones she has keep working
            assert_pong(socket)
        assert_pong(connect(other))  # and someone else connects as usual


# --- 2. subscribing ------------------------------------------------------------------------------


class TestSubscribing:
    def test_topics_she_may_read_are_subscribed(self, connect, member, make_group, make_thread) -> None:
        mine = make_group(members=(member,))
        thread = make_thread(member, mine["channel_id"])
        not_mine = make_group()  # open: readable by every member of the party
        closed = make_group(visibility="closed", members=(member,))
        secret = make_group(visibility="secret", members=(member,))
        secret_thread = make_thread(member, secret["channel_id"])
        topics = [f"group:{mine['id']}", f"channel:{mine['channel_id']}", f"thread:{thread['id']}",
                  f"group:{not_mine['id']}", f"channel:{not_mine['channel_id']}", f"group:{closed['id']}",
                  f"channel:{closed['channel_id']}", f"group:{secret['id']}", f"thread:{secret_thread['id']}",
                  f"user:{member.id}"]
        socket = connect(member)
        socket.send({"type": "subscribe", "topics": topics})
        assert socket.receive() == {"type": "subscribed", "topics": topics}

    def test_topics_given_when_connecting_are_subscribed(self, connect, member, open_thread) -> None:
        topics = [open_thread["topic"], f"group:{open_thread['group_id']}"]
        socket = connect(member, topics=topics)
        assert socket.receive() == {"type": "subscribed", "topics": topics}

    def test_what_she_may_not_see_is_not_found_exactly_like_what_does_not_exist(
            self, connect, outsider, member, make_group, make_thread) -> None:
        secret = make_group(visibility="secret", members=(member,))
        secret_thread = make_thread(member, secret["channel_id"])
        visible = make_group()
        refused = [
            f"group:{secret['id']}", f"channel:{secret['channel_id']}", f"thread:{secret_thread['id']}",
            "thread:2147483647", "group:2147483647", "channel:2147483647", "thread:2147483648",
            "thread:99999999999999999999", f"user:{member.id}",
            "thread:abc", "planet:1", "thread:", "thread:0", "thread:-1", "thread:+1", "thread: 1", "thread:1.0",
            f"thread:0{secret_thread['id']}", "thread:²", "thread:١", "thread:" + "9" * 5000, "Thread:1", "",
            f"group:{visible['id']}:x",
        ]
        socket = connect(outsider)
        socket.send({"type": "subscribe", "topics": [*refused, f"group:{visible['id']}"]})
        errors = [socket.receive() for _ in refused]
        assert [error.pop("topic") for error in errors] == refused
        assert errors == [NOT_FOUND] * len(refused)
        assert socket.receive() == {"type": "subscribed", "topics": [f"group:{visible['id']}"]}

    def test_a_closed_groups_content_is_not_found_for_a_non_member(self, connect, outsider, member, make_group,
                                                                   make_thread) -> None:
        closed = make_group(visibility="closed", members=(member,))
        thread = make_thread(member, closed["channel_id"])
        topics = [f"group:{closed['id']}", f"channel:{closed['channel_id']}", f"thread:{thread['id']}"]
        socket = connect(outsider, topics=topics)
        assert [socket.receive() for _ in topics] == [{**NOT_FOUND, "topic": t} for t in topics]
        assert socket.receive() == {"type": "subscribed", "topics": []}
        # ... and readable for its member.
        assert connect(member, topics=topics).receive() == {"type": "subscribed", "topics": topics}

    def test_site_staff_may_follow_a_secret_group(self, connect, admin, make_group, make_thread, make_user) -> None:
        insider = make_user()
        secret = make_group(visibility="secret", members=(insider,))
        thread = make_thread(insider, secret["channel_id"])
        topics = [f"group:{secret['id']}", f"thread:{thread['id']}"]
        assert connect(admin, topics=topics).receive() == {"type": "subscribed", "topics": topics}

    def test_too_many_topics(self, app, connect, member, make_group, monkeypatch) -> None:
        monkeypatch.setattr(app.state.hub, "max_topics", 3)  # her own user topic counts
        created = [make_group() for _ in range(3)]
        topics = [f"group:{g['id']}" for g in created]
        socket = connect(member)
        socket.send({"type": "subscribe", "topics": topics})
        too_many = {"type": "error", "code": "too_many_topics", "message": "At most 3 topics per connection.",
                    "field": "topics"}
        assert socket.receive() == too_many
        socket.send({"type": "subscribe", "topics": topics[:2]})
        assert socket.receive() == {"type": "subscribed", "topics": topics[:2]}
        socket.send({"type": "subscribe", "topics": topics[:2]})  # already subscribed: no new topic
        assert socket.receive() == {"type": "subscribed", "topics": topics[:2]}
        socket.send({"type": "subscribe", "topics": topics[2:]})
        assert socket.receive() == too_many
        socket.send({"type": "unsubscribe", "topics": topics[:1]})
        assert socket.receive() == {"type": "unsubscribed", "topics": topics[:1]}
        socket.send({"type": "subscribe", "topics": topics[2:]})
        assert socket.receive() == {"type": "subscribed", "topics": topics[2:]}

    def test_too_many_topics_when_connecting(self, app, connect, member, make_group, monkeypatch) -> None:
        monkeypatch.setattr(app.state.hub, "max_topics", 2)
        topics = [f"group:{make_group()['id']}" for _ in range(2)]
        socket = connect(member, topics=topics)
        assert socket.receive() == {"type": "error", "code": "too_many_topics",
                                    "message": "At most 2 topics per connection.", "field": "topics"}
        assert_pong(socket)  # nothing subscribed, and the connection goes on

    def test_after_unsubscribing_nothing_more_arrives(self, connect, client_for, member, other, open_thread,
                                                      make_thread) -> None:
        second = make_thread(other, open_thread["channel_id"], title="Tweede draad")
        socket = connect(member, topics=[open_thread["topic"], f"thread:{second['id']}"])
        socket.receive_type("subscribed")
        # Her own topic cannot be unsubscribed: it carries what is addressed to her.
        socket.send({"type": "unsubscribe", "topics": [open_thread["topic"], f"user:{member.id}"]})
        assert socket.receive() == {"type": "unsubscribed", "topics": [open_thread["topic"], f"user:{member.id}"]}
        writer = client_for(other)
        reply(writer, open_thread["id"], "Niet meer voor haar")
        marker = reply(writer, second["id"], "Wel voor haar")
        assert event_of(socket.receive()) == ("post.created", f"thread:{second['id']}", marker["id"])


# --- 3. events delivered live --------------------------------------------------------------------


class TestEvents:
    def test_a_new_thread_arrives_on_its_channel_and_group(self, connect, client_for, member, other,
                                                           open_thread) -> None:
        topics = [f"group:{open_thread['group_id']}", f"channel:{open_thread['channel_id']}"]
        socket = connect(member, topics=topics)
        socket.receive_type("subscribed")
        response = client_for(other).post(f"/api/v1/channels/{open_thread['channel_id']}/threads", json={
            "title": "Wie gaat er mee naar het congres?", "body": "We rijden samen vanaf **Alkmaar** met de bus"})
        assert response.status_code == 201, response.text
        created = response.json()
        # The detail adds what only the viewer gets (her rights, links she may follow); the event is the summary.
        summary = {k: v for k, v in created.items()
                   if k not in ("opening_post", "can_edit", "can_mark_answer", "based_on", "reused_in", "answered_by",
                                "motion_history")}
        on_channel, on_group = socket.receive(), socket.receive()
        assert (on_channel["event"], on_channel["topic"]) == ("thread.created", topics[1])
        assert (on_group["event"], on_group["topic"]) == ("thread.created", topics[0])
        for message in (on_channel, on_group):
            assert set(message) == {"type", "id", "topic", "event", "payload", "at"}
            assert message["payload"] == summary
        payload = on_channel["payload"]
        assert payload["title"] == "Wie gaat er mee naar het congres?"
        assert payload["author"]["display_name"] == other.display_name
        assert payload["excerpt"] == "We rijden samen vanaf Alkmaar met de bus"
        assert event_id_key(on_channel["id"]) < event_id_key(on_group["id"])

    def test_replies_edits_deletions_and_reactions_arrive_on_the_thread(self, connect, client_for, member,
                                                                        other, open_thread) -> None:
        topic = open_thread["topic"]
        socket = connect(member, topics=[topic, f"channel:{open_thread['channel_id']}"])
        socket.receive_type("subscribed")
        writer = client_for(other)

        posted = reply(writer, open_thread["id"], "Ik kom ook, @" + member.username)
        created, activity = socket.receive(), socket.receive()
        assert (created["event"], created["topic"]) == ("post.created", topic)
        # Everyone receives the same payload: nothing that depends on who is looking.
        assert created["payload"] == {**posted, "can_edit": False, "can_delete": False}
        assert created["payload"]["author"]["display_name"] == other.display_name
        assert created["payload"]["mentions"] == [member.username]
        assert (activity["event"], activity["topic"]) == ("thread.activity", f"channel:{open_thread['channel_id']}")
        assert activity["payload"] == {"thread_id": open_thread["id"], "reply_count": 1,
                                       "last_activity_at": activity["payload"]["last_activity_at"],
                                       "post_id": posted["id"]}

        edited = writer.patch(f"/api/v1/posts/{posted['id']}", json={"body": "Ik kom toch niet."})
        assert edited.status_code == 200, edited.text
        updated = socket.receive()
        assert (updated["event"], updated["topic"]) == ("post.updated", topic)
        assert updated["payload"] == {**edited.json(), "can_edit": False, "can_delete": False}
        assert updated["payload"]["body"] == "Ik kom toch niet." and updated["payload"]["edited_at"]

        reacted = client_for(member).put(f"/api/v1/posts/{posted['id']}/reactions/👍")
        assert reacted.status_code == 200, reacted.text
        reaction = socket.receive()
        assert (reaction["event"], reaction["topic"]) == ("reaction.changed", topic)
        assert reaction["payload"] == {"post_id": posted["id"], "thread_id": open_thread["id"],
                                       "reactions": [{"emoji": "👍", "count": 1, "mine": False}]}

        assert writer.delete(f"/api/v1/posts/{posted['id']}").status_code == 204
        deleted = socket.receive()
        assert (deleted["event"], deleted["topic"]) == ("post.deleted", topic)
        assert deleted["payload"] == {"post_id": posted["id"], "thread_id": open_thread["id"]}
        ids = [event_id_key(m["id"]) for m in (created, activity, updated, reaction, deleted)]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)

    def test_membership_rename_and_channels_arrive_on_the_group(self, connect, client_for, member, outsider,
                                                                manager, open_thread) -> None:
        group_id, channel_id = open_thread["group_id"], open_thread["channel_id"]
        group_topic = f"group:{group_id}"
        socket = connect(member, topics=[group_topic, f"channel:{channel_id}"])
        socket.receive_type("subscribed")

        joined = client_for(outsider).post(f"/api/v1/groups/{group_id}/join")
        assert joined.status_code == 200, joined.text
        membership = socket.receive()
        assert (membership["event"], membership["topic"]) == ("membership.changed", group_topic)
        assert membership["payload"] == {"group_id": group_id, "user_id": outsider.id, "role": "member"}

        group_admin = client_for(manager)
        renamed = group_admin.patch(f"/api/v1/groups/{group_id}", json={"name": "Groen Alkmaar"})
        assert renamed.status_code == 200, renamed.text
        updated = socket.receive()
        assert (updated["event"], updated["topic"]) == ("group.updated", group_topic)
        # Everyone's view of the group: no role, and only what a non-member may do.
        assert updated["payload"] == {**renamed.json(), "my_role": None, "can_post": False, "can_administer": False}
        assert updated["payload"]["name"] == "Groen Alkmaar"

        channel = group_admin.post(f"/api/v1/groups/{group_id}/channels", json={"name": "Campagne"})
        assert channel.status_code == 201, channel.text
        created = socket.receive()
        assert (created["event"], created["topic"], created["payload"]) == ("channel.created", group_topic,
                                                                             channel.json())
        changed = group_admin.patch(f"/api/v1/channels/{channel_id}", json={"description": "Alles over bomen"})
        assert changed.status_code == 200, changed.text
        on_group, on_channel = socket.receive(), socket.receive()
        assert (on_group["event"], on_group["topic"], on_group["payload"]) == ("channel.updated", group_topic,
                                                                               changed.json())
        assert (on_channel["event"], on_channel["topic"], on_channel["payload"]) == (
            "channel.updated", f"channel:{channel_id}", changed.json())

    def test_replies_arrive_in_the_order_they_were_posted(self, connect, client_for, member, other,
                                                          open_thread) -> None:
        socket = connect(member, topics=[open_thread["topic"]])
        socket.receive_type("subscribed")
        writers = [client_for(other), client_for(member)]
        posted = [reply(writers[i % 2], open_thread["id"], f"Reactie {i}")["id"] for i in range(6)]
        received = [socket.receive_type("event") for _ in posted]
        assert [m["payload"]["id"] for m in received] == posted
        keys = [event_id_key(m["id"]) for m in received]
        assert all(a < b for a, b in zip(keys, keys[1:], strict=False)), keys


# --- 4. a rolled-back write publishes nothing ----------------------------------------------------


class TestRollback:
    def test_an_action_that_fails_after_recording_its_events_publishes_nothing(
            self, connect, run, client_for, capture_events, member, other, open_thread) -> None:
        from app.db import effects
        from app.schemas.posts import ReplyCreate

        socket = connect(member, topics=[open_thread["topic"], f"channel:{open_thread['channel_id']}"])
        socket.receive_type("subscribed")
        del capture_events[:]  # what the fixtures published

        def reply_then_fail(session, actor, *, thread_id):
            posts.create_reply(session, actor, thread_id=thread_id, data=ReplyCreate(body="Dit komt er nooit"))
            assert [e.type for e in effects(session).events] == ["post.created", "thread.activity"]
            raise RuntimeError("the action failed after recording its events")

        with pytest.raises(RuntimeError):
            run(reply_then_fail, other, thread_id=open_thread["id"])
        writer = client_for(other)
        # A reply the API refuses publishes nothing either.
        assert_error(writer.post(f"/api/v1/threads/{open_thread['id']}/replies", json={"body": ""}),
                     422, "invalid", "body")
        assert_error(writer.post(f"/api/v1/threads/{open_thread['id']}/replies",
                                 json={"body": "Citaat", "quote_post_id": 2147483647}), 422, "invalid", "quote_post_id")
        assert capture_events == []

        marker = reply(writer, open_thread["id"], "Deze wel")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], marker["id"])
        assert socket.receive()["payload"] == {
            "thread_id": open_thread["id"], "reply_count": 1, "post_id": marker["id"],
            "last_activity_at": capture_events[1].payload["last_activity_at"]}
        assert [e.type for e in capture_events] == ["post.created", "thread.activity"]


# --- 5. access revoked ---------------------------------------------------------------------------


class TestAccessRevoked:
    @pytest.mark.parametrize("visibility", ["secret", "closed"])
    def test_a_removed_member_stops_receiving_at_once(self, connect, client_for, make_user, make_group,
                                                      make_thread, member, other, open_thread,
                                                      visibility) -> None:
        group_admin = make_user(display_name="Groepsbeheerder")
        private = make_group(visibility=visibility, members=(member, other), admins=(group_admin,))
        private_thread = make_thread(other, private["channel_id"], title="Kandidatenlijst")
        private_topics = [f"group:{private['id']}", f"channel:{private['channel_id']}",
                          f"thread:{private_thread['id']}"]
        socket = connect(member, topics=[*private_topics, open_thread["topic"]])
        socket.receive_type("subscribed")
        stays = connect(other, topics=[private_topics[2]])
        stays.receive_type("subscribed")

        removed = client_for(group_admin).delete(f"/api/v1/groups/{private['id']}/members/{member.id}")
        assert removed.status_code == 204, removed.text

        assert [socket.receive() for _ in private_topics] == [
            {"type": "unsubscribed", "topic": t, "reason": "access_revoked"} for t in private_topics]
        own = socket.receive()
        assert (own["event"], own["topic"], own["payload"]) == (
            "membership.changed", f"user:{member.id}", {"group_id": private["id"], "user_id": member.id, "role": None})

        secret_reply = reply(client_for(other), private_thread["id"], "Alleen voor de leden")
        assert event_of(stays.receive()) == ("post.created", private_topics[2], secret_reply["id"])
        marker = reply(client_for(other), open_thread["id"], "Voor iedereen")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], marker["id"])
        # ... and she cannot follow it again.
        socket.send({"type": "subscribe", "topics": [private_topics[2]]})
        assert socket.receive() == {**NOT_FOUND, "topic": private_topics[2]}

    def test_a_member_removed_from_an_open_group_keeps_receiving(self, connect, client_for, manager, member,
                                                                 other, open_thread) -> None:
        socket = connect(member, topics=[open_thread["topic"], f"group:{open_thread['group_id']}"])
        socket.receive_type("subscribed")
        removed = client_for(manager).delete(f"/api/v1/groups/{open_thread['group_id']}/members/{member.id}")
        assert removed.status_code == 204, removed.text
        payload = {"group_id": open_thread["group_id"], "user_id": member.id, "role": None}
        on_group, own = socket.receive(), socket.receive()
        assert (on_group["event"], on_group["topic"], on_group["payload"]) == (
            "membership.changed", f"group:{open_thread['group_id']}", payload)
        assert (own["event"], own["topic"], own["payload"]) == ("membership.changed", f"user:{member.id}", payload)
        posted = reply(client_for(other), open_thread["id"], "Open voor iedereen")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], posted["id"])

    def test_a_group_made_secret_stops_its_non_members_at_once(self, connect, client_for, manager, member,
                                                               outsider, other, open_thread, make_group,
                                                               make_thread) -> None:
        elsewhere = make_group(members=(other,))
        marker_thread = make_thread(other, elsewhere["channel_id"])
        socket = connect(outsider, topics=[open_thread["topic"], f"thread:{marker_thread['id']}"])
        socket.receive_type("subscribed")
        insider = connect(member, topics=[open_thread["topic"]])
        insider.receive_type("subscribed")

        changed = client_for(manager).patch(f"/api/v1/groups/{open_thread['group_id']}",
                                            json={"visibility": "secret"})
        assert changed.status_code == 200, changed.text
        assert socket.receive() == {"type": "unsubscribed", "topic": open_thread["topic"],
                                    "reason": "access_revoked"}
        hidden = reply(client_for(other), open_thread["id"], "Nu geheim")
        assert event_of(insider.receive()) == ("post.created", open_thread["topic"], hidden["id"])
        marker = reply(client_for(other), marker_thread["id"], "Elders")
        assert event_of(socket.receive()) == ("post.created", f"thread:{marker_thread['id']}", marker["id"])

    @pytest.mark.parametrize("resuming", [False, True], ids=["live", "resuming"])
    def test_access_lost_while_the_subscription_is_checked_is_enforced_at_delivery(
            self, app, connect, run, client_for, monkeypatch, make_user, make_group, make_thread, member, other,
            open_thread, resuming) -> None:
        """The database said yes, then her removal passed the bus before the subscription was in place: neither
        live events nor (when she resumes) replayed ones may reach her."""
        from app.realtime import ws

        group_admin = make_user()
        secret = make_group(visibility="secret", members=(member, other), admins=(group_admin,))
        secret_thread = make_thread(other, secret["channel_id"])
        socket = connect(member, topics=[open_thread["topic"]], expect_hello=False)
        since = socket.receive_type("hello")["last_event_id"]
        socket.receive_type("subscribed")
        hidden = [reply(client_for(other), secret_thread["id"], "Van voor haar verwijdering")] if resuming else []
        hub = app.state.hub
        authorize = ws._authorize

        def authorize_then_removed(websocket, user_id, topics):
            answer = authorize(websocket, user_id, topics)
            run(groups.remove_member, group_admin, group_id=secret["id"], user_id=member.id)
            deadline = time.monotonic() + 5
            while any(secret["id"] in c.memberships for c in hub._by_user[member.id]):
                assert time.monotonic() < deadline, "the hub never saw her removal"
                time.sleep(0.005)
            return answer

        monkeypatch.setattr(ws, "_authorize", authorize_then_removed)
        secret_topic = f"thread:{secret_thread['id']}"
        socket.send({"type": "subscribe", "topics": [secret_topic], **({"last_event_id": since} if resuming else {})})
        messages = [socket.receive()]
        while messages[-1]["type"] != "subscribed":  # the test's database connection is free again
            messages.append(socket.receive())
        hidden.append(reply(client_for(other), secret_thread["id"], "Na haar verwijdering"))
        marker = reply(client_for(other), open_thread["id"], "Wel voor haar")
        while messages[-1].get("topic") != open_thread["topic"]:
            messages.append(socket.receive())
        assert event_of(messages.pop()) == ("post.created", open_thread["topic"], marker["id"])
        assert not [m for m in messages if m.get("topic") == secret_topic and m["type"] == "event"]
        # Around the reply to her request comes her own topic's event; whether the subscription is then also
        # revoked out loud depends on when the bus brings the second of the removal's two events.
        described = sorted((m["type"], m.get("event") or m.get("reason")) for m in messages)
        both = [("event", "membership.changed"), ("subscribed", None)]
        assert described in (both, [*both, ("unsubscribed", "access_revoked")])
        assert {"type": "subscribed", "topics": [secret_topic]} in messages

    def test_a_community_manager_who_is_demoted_stops_receiving_secret_groups(
            self, connect, client_for, make_user, make_group, make_thread, admin, other,
            open_thread) -> None:
        staff = make_user("community_manager")
        secret = make_group(visibility="secret", members=(other,))
        secret_thread = make_thread(other, secret["channel_id"])
        socket = connect(staff, topics=[f"thread:{secret_thread['id']}", open_thread["topic"]])
        socket.receive_type("subscribed")
        demoted = client_for(admin).patch(f"/api/v1/admin/users/{staff.id}", json={"role": "member"})
        assert demoted.status_code == 200, demoted.text
        reply(client_for(other), secret_thread["id"], "Niet meer voor haar")
        marker = reply(client_for(other), open_thread["id"], "Voor iedereen")
        messages = [socket.receive()]
        while messages[-1].get("topic") != open_thread["topic"]:
            messages.append(socket.receive())
        assert event_of(messages[-1]) == ("post.created", open_thread["topic"], marker["id"])
        # Her own topic tells her about the new role; the secret thread tells her nothing more.
        assert [m["event"] for m in messages if m["type"] == "event" and m["topic"] == f"user:{staff.id}"] == [
            "account.role_changed"]
        assert not [m for m in messages if m["type"] == "event"
                    and m["topic"] not in (open_thread["topic"], f"user:{staff.id}")]


# --- 6. resume -----------------------------------------------------------------------------------


class TestResume:
    def test_missed_replies_arrive_once_in_order_then_live_ones(self, connect, client_for, capture_events,
                                                                member, other, open_thread) -> None:
        topic = open_thread["topic"]
        socket = connect(member, topics=[topic])
        socket.receive_type("subscribed")
        writer = client_for(other)
        seen = reply(writer, open_thread["id"], "Gezien")
        last = socket.receive()
        assert event_of(last) == ("post.created", topic, seen["id"])
        hang_up(socket)

        missed = [reply(writer, open_thread["id"], f"Gemist {i}")["id"] for i in range(3)]
        socket = connect(member, topics=[topic], last_event_id=last["id"])
        assert socket.receive() == {"type": "subscribed", "topics": [topic]}
        replayed = [socket.receive() for _ in missed]
        assert [event_of(m) for m in replayed] == [("post.created", topic, i) for i in missed]
        expected_ids = [e.id for e in capture_events if e.topic == topic and e.payload["id"] in missed]
        assert [m["id"] for m in replayed] == expected_ids
        live = reply(writer, open_thread["id"], "Live")
        assert event_of(socket.receive()) == ("post.created", topic, live["id"])

    def test_a_reply_posted_while_reconnecting_arrives_once(self, app, connect, client_for, monkeypatch, member,
                                                            other, open_thread) -> None:
        topic = open_thread["topic"]
        socket = connect(member, topics=[topic])
        socket.receive_type("subscribed")
        writer = client_for(other)
        reply(writer, open_thread["id"], "Gezien")
        last = socket.receive_type("event")["id"]
        hang_up(socket)
        missed = [reply(writer, open_thread["id"], "Gemist")["id"]]

        bus = app.state.bus
        replay = bus.replay

        async def replay_while_others_post(after_id, topics):
            # Subscribed already, so these are delivered live too while the replay is read.
            missed.append((await anyio.to_thread.run_sync(reply, writer, open_thread["id"], "Tijdens"))["id"])
            answer = await replay(after_id, topics)
            missed.append((await anyio.to_thread.run_sync(reply, writer, open_thread["id"], "Erna"))["id"])
            return answer

        monkeypatch.setattr(bus, "replay", replay_while_others_post)
        socket = connect(member, topics=[topic], last_event_id=last)
        assert socket.receive() == {"type": "subscribed", "topics": [topic]}
        received = [socket.receive() for _ in missed]
        assert [event_of(m) for m in received] == [("post.created", topic, i) for i in missed]
        monkeypatch.setattr(bus, "replay", replay)
        live = reply(writer, open_thread["id"], "Live")
        assert event_of(socket.receive()) == ("post.created", topic, live["id"])

    @pytest.mark.parametrize("published_before", [False, True], ids=["nothing-published-yet", "after-events"])
    def test_resuming_from_the_hellos_id_when_no_event_was_seen(self, connect, client_for, capture_events,
                                                                make_group, make_thread, member, other,
                                                                published_before) -> None:
        if published_before:
            make_group(members=(member,))
        socket = connect(member, expect_hello=False)
        since = socket.receive_type("hello")["last_event_id"]
        hang_up(socket)
        # While she is away she is invited and added to a group (on her own topic), and a thread gets replies.
        group = make_group(members=(member, other))
        thread = make_thread(other, group["channel_id"])
        writer = client_for(other)
        replies = [reply(writer, thread["id"], f"Reactie {i}")["id"] for i in range(2)]
        topics = {f"thread:{thread['id']}", f"user:{member.id}"}
        expected = [(e.type, e.topic, e.id) for e in capture_events if e.topic in topics
                    and event_id_key(e.id) > event_id_key(since) and not is_notification(e.type)]
        assert [t for t, _, _ in expected] == ["group_invitation.created", "post.created", "post.created"]

        socket = connect(member, topics=[f"thread:{thread['id']}"], last_event_id=since)
        assert socket.receive() == {"type": "subscribed", "topics": [f"thread:{thread['id']}"]}
        replayed = [socket.receive() for _ in expected]
        assert [(m["event"], m["topic"], m["id"]) for m in replayed] == expected
        assert [m["payload"]["id"] for m in replayed[1:]] == replies
        live = reply(writer, thread["id"], "Live")
        assert event_of(socket.receive()) == ("post.created", f"thread:{thread['id']}", live["id"])

    def test_subscribing_later_with_an_id_replays_only_the_new_topics(self, connect, client_for, manager,
                                                                      make_group, member, other,
                                                                      open_thread) -> None:
        socket = connect(member, expect_hello=False)
        page_rendered_at = socket.receive_type("hello")["last_event_id"]
        invited_to = make_group()
        invitation = client_for(manager).post(f"/api/v1/groups/{invited_to['id']}/invitations",
                                              json={"user_id": member.id})
        assert invitation.status_code == 201, invitation.text
        own = socket.receive()  # live, on her own topic
        assert (own["event"], own["topic"]) == ("group_invitation.created", f"user:{member.id}")
        writer = client_for(other)
        missed = reply(writer, open_thread["id"], "Voor ze de draad volgde")

        socket.send({"type": "subscribe", "topics": [open_thread["topic"]], "last_event_id": page_rendered_at})
        assert socket.receive() == {"type": "subscribed", "topics": [open_thread["topic"]]}
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], missed["id"])
        live = reply(writer, open_thread["id"], "Live")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], live["id"])

    def test_resuming_with_too_many_topics_still_delivers_her_own_topic(self, app, connect, client_for, manager,
                                                                        make_group, member, monkeypatch) -> None:
        monkeypatch.setattr(app.state.hub, "max_topics", 2)
        socket = connect(member, expect_hello=False)
        since = socket.receive_type("hello")["last_event_id"]
        hang_up(socket)
        topics = [f"group:{make_group()['id']}" for _ in range(2)]
        socket = connect(member, topics=topics, last_event_id=since)
        assert socket.receive()["code"] == "too_many_topics"
        assert socket.receive() == {"type": "subscribed", "topics": []}
        invited_to = make_group()
        assert client_for(manager).post(f"/api/v1/groups/{invited_to['id']}/invitations",
                                        json={"user_id": member.id}).status_code == 201
        own = socket.receive()
        assert (own["event"], own["topic"]) == ("group_invitation.created", f"user:{member.id}")

    @pytest.mark.parametrize("app_overrides", [{"event_replay_max": 10}], ids=["replay-window-10"])
    @pytest.mark.parametrize(("replies_missed", "expected"), [(4, "replay"), (6, "resync")])
    def test_a_gap_older_than_the_replay_window_asks_for_a_resync(self, connect, client_for, member, other,
                                                                  open_thread, replies_missed, expected) -> None:
        topic = open_thread["topic"]
        socket = connect(member, topics=[topic])
        socket.receive_type("subscribed")
        writer = client_for(other)
        reply(writer, open_thread["id"], "Gezien")
        first = socket.receive_type("event")["id"]
        hang_up(socket)
        # Each reply publishes two events (post.created and thread.activity).
        missed = [reply(writer, open_thread["id"], f"Gemist {i}")["id"] for i in range(replies_missed)]

        socket = connect(member, topics=[topic], last_event_id=first)
        assert socket.receive() == {"type": "subscribed", "topics": [topic]}
        if expected == "replay":
            assert [event_of(socket.receive()) for _ in missed] == [("post.created", topic, i) for i in missed]
        else:
            assert socket.receive() == {"type": "resync", "topics": sorted([topic, f"user:{member.id}"]),
                                        "message": RESYNC_MESSAGE}
        live = reply(writer, open_thread["id"], "Live")
        assert event_of(socket.receive()) == ("post.created", topic, live["id"])

    @pytest.mark.parametrize("foreign_id", ["1-1", "99999999999999-0", "18446744073709551615-18446744073709551615"])
    def test_an_id_this_bus_never_gave_asks_for_a_resync(self, connect, member, open_thread, foreign_id) -> None:
        socket = connect(member, topics=[open_thread["topic"]], last_event_id=foreign_id)
        assert socket.receive() == {"type": "subscribed", "topics": [open_thread["topic"]]}
        assert socket.receive() == {"type": "resync", "topics": sorted([open_thread["topic"], f"user:{member.id}"]),
                                    "message": RESYNC_MESSAGE}

    # Out of range for every bus (a Redis stream's id parts are 64-bit): a clear answer, not a bus error.
    @pytest.mark.parametrize("bad_id", ["abc", "1-2-3", "-1", "1.5", "1-", "1-" + "9" * 21, "9" * 20 + "-0",
                                        "1-18446744073709551616", "١-٢"])
    def test_a_malformed_last_event_id(self, connect, client_for, member, other, open_thread, bad_id) -> None:
        topic = open_thread["topic"]
        error = {"type": "error", "code": "bad_last_event_id", "message": "last_event_id is not an event id.",
                 "field": "last_event_id"}
        socket = connect(member, topics=[topic], last_event_id=bad_id, expect_hello=False)
        assert socket.receive() == error
        socket.receive_type("hello")
        assert socket.receive() == {"type": "subscribed", "topics": [topic]}  # live, without a replay

        other_socket = connect(member)
        other_socket.send({"type": "subscribe", "topics": [topic], "last_event_id": bad_id})
        assert other_socket.receive() == error
        other_socket.send({"type": "subscribe", "topics": [topic], "last_event_id": 12})
        assert other_socket.receive() == error
        other_socket.send({"type": "subscribe", "topics": [topic]})
        assert other_socket.receive() == {"type": "subscribed", "topics": [topic]}

        posted = reply(client_for(other), open_thread["id"], "Nog steeds live")
        for live in (socket, other_socket):
            assert event_of(live.receive()) == ("post.created", topic, posted["id"])


# --- 7. bad frames -------------------------------------------------------------------------------


class TestFrames:
    def test_ping(self, connect, member) -> None:
        assert_pong(connect(member))

    @pytest.mark.parametrize(("frame", "error"), [
        ("{not json", {"type": "error", "code": "bad_json", "message": "The frame is not valid JSON."}),
        ("[1, 2]", {"type": "error", "code": "bad_frame", "message": "A frame is a JSON object with a type."}),
        ('"ping"', {"type": "error", "code": "bad_frame", "message": "A frame is a JSON object with a type."}),
        ('{"type": "shout"}', {"type": "error", "code": "unknown_type", "field": "type",
                               "message": "Unknown message type; use subscribe, unsubscribe or ping."}),
        ("{}", {"type": "error", "code": "unknown_type", "field": "type",
                "message": "Unknown message type; use subscribe, unsubscribe or ping."}),
        *[(frame, {"type": "error", "code": "invalid", "field": "topics",
                   "message": "topics must be a list of 1 to 100 topic names."}) for frame in (
            '{"type": "subscribe"}', '{"type": "subscribe", "topics": "thread:1"}',
            '{"type": "subscribe", "topics": []}', '{"type": "subscribe", "topics": [1]}',
            '{"type": "unsubscribe", "topics": null}',
            '{"type": "subscribe", "topics": [' + ",".join(['"thread:1"'] * 101) + "]}")],
    ], ids=["bad-json", "array", "string", "unknown-type", "no-type", "no-topics", "topics-string", "topics-empty",
            "topics-numbers", "unsubscribe-null", "topics-101"])
    def test_a_bad_frame_gets_an_error_and_the_connection_goes_on(self, connect, client_for, member, other,
                                                                  open_thread, frame, error) -> None:
        socket = connect(member, topics=[open_thread["topic"]])
        socket.receive_type("subscribed")
        socket.send_text(frame)
        assert socket.receive() == error
        assert_pong(socket)
        posted = reply(client_for(other), open_thread["id"], "Nog steeds live")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], posted["id"])

    def test_a_binary_frame_is_refused(self, connect, member) -> None:
        socket = connect(member)
        socket.session.send_bytes(b'{"type": "ping"}')
        assert socket.receive() == {"type": "error", "code": "bad_frame", "message": "Send JSON text frames."}
        assert_pong(socket)

    def test_a_frame_of_16_kib_is_read(self, connect, member) -> None:
        socket = connect(member)
        frame = '{"type": "ping"}'
        socket.send_text(frame + " " * (16 * 1024 - len(frame)))
        assert socket.receive() == {"type": "pong"}

    def test_a_frame_over_16_kib_gets_an_error_and_the_socket_stays(self, connect, member) -> None:
        socket = connect(member)
        frame = '{"type": "ping"}'
        socket.send_text(frame + " " * (16 * 1024 + 1 - len(frame)))
        assert socket.receive() == {"type": "error", "code": "too_large",
                                    "message": "A frame has at most 16384 characters."}
        assert_pong(socket)

    @pytest.mark.parametrize(("frame", "code", "field"), [
        ("[" * 8_000 + "]" * 8_000, "too_deep", None),
        ('{"type": "ping", "x": ' + "[" * 5_000 + "]" * 5_000 + "}", "too_deep", None),
        ('{"type": "ping", "id": 7}', "invalid", "id"),
        ('{"type": "subscribe", "topics": ["site"], "resume": "1-1"}', "invalid", "resume"),
        ('{"type": "unsubscribe", "topics": ["site"], "last_event_id": "1-1"}', "invalid", "last_event_id"),
        ('{"type": ["ping"]}', "unknown_type", "type"),
        ('{"type": {"a": 1}}', "unknown_type", "type"),
        ('{"type": "ping", "type": "shout"}', "unknown_type", "type"),
        ('{"type": "subscribe", "topics": ["thread:1"], "last_event_id": "1-18446744073709551616"}',
         "bad_last_event_id", "last_event_id"),
        ('{"type": "subscribe", "topics": ["thread:1"], "last_event_id": ["1-1"]}', "bad_last_event_id",
         "last_event_id"),
        ('{"type": "ping", "n": 1e999999}', "invalid", "n"),
        ('{"type": "ping", "n": ' + "9" * 5000 + "}", "bad_json", None),
    ], ids=["deep-array", "deep-field", "ping-extra", "subscribe-extra", "unsubscribe-resume", "type-list",
            "type-object", "type-repeated", "id-out-of-range", "id-list", "huge-float", "huge-int"])
    def test_any_shape_gets_an_error_frame_and_nothing_breaks(self, connect, client_for, member, other,
                                                              open_thread, caplog, frame, code, field) -> None:
        socket = connect(member, topics=[open_thread["topic"]])
        socket.receive_type("subscribed")
        with caplog.at_level("WARNING"):
            socket.send_text(frame)
            error = socket.receive()
            assert_pong(socket)
        assert (error["type"], error["code"], error.get("field")) == ("error", code, field), error
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text
        posted = reply(client_for(other), open_thread["id"], "Nog steeds live")
        assert event_of(socket.receive()) == ("post.created", open_thread["topic"], posted["id"])

    @pytest.mark.parametrize("topic", ["thread:1\u0000", "gro\u0000up:1", "thread:\ud800", "\udfff",
                                       "thread:99999999999999999999", "thread:-1", "thread:0x10"])
    def test_a_topic_no_database_could_hold_names_nothing(self, connect, member, caplog, topic) -> None:
        socket = connect(member)
        with caplog.at_level("WARNING"):
            socket.send({"type": "subscribe", "topics": [topic]})
            error = socket.receive()
            assert (error["code"], error["field"]) == ("not_found", "topics")
            assert socket.receive() == {"type": "subscribed", "topics": []}
            assert_pong(socket)
        assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text

    def test_a_failure_handling_one_frame_is_answered_and_the_socket_goes_on(self, app, connect, member,
                                                                             monkeypatch, caplog) -> None:
        socket = connect(member)

        def broken(*_: Any) -> None:
            raise RuntimeError("a bug in handling unsubscribe")

        monkeypatch.setattr(app.state.hub, "unsubscribe", broken)
        with caplog.at_level("ERROR"):
            socket.send({"type": "unsubscribe", "topics": ["site"]})
            assert socket.receive() == {"type": "error", "code": "internal",
                                        "message": "This frame could not be handled; the connection stays open."}
            assert_pong(socket)
        # Logged once by Plein, with what failed — not as an ASGI application's crash.
        assert "websocket frame of user" in caplog.text and "a bug in handling unsubscribe" in caplog.text
        assert "Exception in ASGI application" not in caplog.text
