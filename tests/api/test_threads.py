"""Threads: discussions, questions and motions; lists with keyset paging; edit, delete, answers, idempotency."""
from __future__ import annotations

import base64
import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.models import Portfolio, Thread
from app.services import groups as group_service
from tests.api.helpers import API, assert_error, kinds


def thread_body(**fields):
    return {"title": "Bomen in de Dorpsstraat", "body": "Wie heeft hier ervaring mee?"} | fields


def motion_body(**motion):
    return thread_body(kind="motion", title="Motie groen schoolplein", motion={"municipality": "Ede"} | motion)


@pytest.fixture
def portfolio(make_portfolio) -> Portfolio:
    return make_portfolio("Zorg")


@pytest.fixture
def group(make_group, member, moderator, run, manager):
    made = make_group("Duurzaamheid", members=(member, moderator))
    run(group_service.set_member_role, manager, group_id=made["id"], user_id=moderator.id, role="moderator")
    return made


def walk(client, url: str, **params) -> tuple[list[int], int]:
    """Follow next_cursor to the end: (every id in order, number of pages)."""
    ids: list[int] = []
    cursor = None
    for pages in itertools.count(1):
        response = client.get(url, params=params | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        ids += [t["id"] for t in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids, pages
    raise AssertionError("unreachable")


def cursor_of(*values) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


class TestCreateThread:
    def test_anonymous_is_refused(self, anon, group) -> None:
        assert_error(anon.post(f"{API}/channels/{group['channel_id']}/threads", json=thread_body()),
                     401, "unauthenticated")

    def test_non_members_may_not_post(self, client_for, outsider, group, make_group) -> None:
        closed = make_group(visibility="closed")
        client = client_for(outsider)
        # An open group can be read by everyone, but only its members post in it.
        assert_error(client.post(f"{API}/channels/{group['channel_id']}/threads", json=thread_body()),
                     403, "join_to_post")
        assert_error(client.post(f"{API}/channels/{closed['channel_id']}/threads", json=thread_body()),
                     403, "join_to_post")
        assert_error(client.post(f"{API}/channels/999999/threads", json=thread_body()), 404, "not_found")

    @pytest.mark.parametrize(("fields", "field"), [
        ({"title": "Ja"}, "title"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 60_001}, "body"),
        ({"kind": "poll"}, "kind"),
        ({"kind": "motion"}, "motion"),
        ({"motion": {"municipality": "Ede"}}, "motion"),
        ({"kind": "motion", "motion": {"municipality": ""}}, "motion.municipality"),
        ({"kind": "motion", "motion": {"municipality": "Ede", "status": "lost"}}, "motion.status"),
        ({"kind": "motion", "motion": {"municipality": "Ede", "co_submitter_ids": [999_999]}},
         "motion.co_submitter_ids"),
        ({"kind": "discussion", "portfolio_ids": [1]}, "portfolio_ids"),
        ({"kind": "question", "portfolio_ids": [999_999]}, "portfolio_ids"),
        ({"pinned": True}, "pinned"),
    ])
    def test_bad_input(self, client_for, member, group, capture_events, session, fields, field) -> None:
        before = session.scalar(select(func.count()).select_from(Thread).where(Thread.group_id == group["id"]))
        capture_events.clear()
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads",
                                           json=thread_body(**fields))
        assert_error(response, 422, "invalid", field)
        assert capture_events == []
        assert session.scalar(select(func.count()).select_from(Thread)
                              .where(Thread.group_id == group["id"])) == before

    def test_discussion(self, client_for, member, moderator, manager, group, capture_events) -> None:
        capture_events.clear()
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads",
                                           json=thread_body(body="Wie heeft **ervaring** met bomenkap?"))
        assert response.status_code == 201, response.text
        thread = response.json()
        assert (thread["kind"], thread["title"], thread["author"]["id"]) == ("discussion", "Bomen in de Dorpsstraat",
                                                                            member.id)
        assert (thread["group_id"], thread["channel_id"], thread["reply_count"]) == (group["id"],
                                                                                     group["channel_id"], 0)
        assert thread["motion"] is None and thread["portfolios"] == [] and thread["can_edit"] is True
        assert thread["opening_post"]["is_opening"] is True
        assert thread["opening_post"]["body_html"] == "<p>Wie heeft <strong>ervaring</strong> met bomenkap?</p>\n"
        assert thread["excerpt"] == "Wie heeft ervaring met bomenkap?"
        # A theme group's members track it by default: the other members (the manager made the group) hear of it.
        assert kinds(capture_events)[:2] == [("thread.created", f"channel:{group['channel_id']}"),
                                             ("thread.created", f"group:{group['id']}")]
        assert sorted(kinds(capture_events)[2:]) == sorted([("notification.created", f"user:{moderator.id}"),
                                                            ("notification.created", f"user:{manager.id}")])
        assert capture_events[0].payload["id"] == thread["id"]

    def test_question_to_portfolios(self, client_for, member, group, portfolio) -> None:
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=thread_body(
            kind="question", portfolio_ids=[portfolio.id, portfolio.id]))
        assert response.status_code == 201, response.text
        assert response.json()["portfolios"] == [{"id": portfolio.id, "slug": portfolio.slug, "name": portfolio.name}]

    def test_motion_with_co_submitters(self, client_for, member, moderator, make_user, group) -> None:
        colleague = make_user()
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=motion_body(
            date="2025-03-14", status="submitted",
            co_submitter_ids=[colleague.id, moderator.id, colleague.id, member.id]))
        assert response.status_code == 201, response.text
        motion = response.json()["motion"]
        assert (motion["municipality"], motion["date"], motion["status"], motion["vote_result"]) == (
            "Ede", "2025-03-14", "submitted", None)
        # The author is not her own co-submitter; duplicates count once.
        assert [u["id"] for u in motion["co_submitters"]] == sorted([colleague.id, moderator.id])

    def test_motion_status_defaults_to_draft(self, client_for, member, group) -> None:
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=motion_body())
        assert response.status_code == 201 and response.json()["motion"]["status"] == "draft"


class TestIdempotency:
    def test_same_request_twice_makes_one_thread(self, client_for, member, group, session, capture_events) -> None:
        client = client_for(member)
        url = f"{API}/channels/{group['channel_id']}/threads"
        body = thread_body(title="Precies één keer")
        first = client.post(url, json=body, headers={"Idempotency-Key": "motie-42"})
        assert first.status_code == 201, first.text
        capture_events.clear()
        second = client.post(url, json=body, headers={"Idempotency-Key": "motie-42"})
        assert second.status_code == 201, second.text
        assert second.json()["id"] == first.json()["id"]
        assert second.json()["opening_post"]["id"] == first.json()["opening_post"]["id"]
        assert session.scalar(select(func.count()).select_from(Thread)
                              .where(Thread.group_id == group["id"], Thread.title == "Precies één keer")) == 1
        assert capture_events == []
        # Without the key, the same body is a new thread.
        assert client.post(url, json=body).json()["id"] != first.json()["id"]

    def test_same_key_different_request_is_a_conflict(self, client_for, member, group, make_group) -> None:
        client = client_for(member)
        url = f"{API}/channels/{group['channel_id']}/threads"
        assert client.post(url, json=thread_body(), headers={"Idempotency-Key": "k1"}).status_code == 201
        assert_error(client.post(url, json=thread_body(title="Iets anders"), headers={"Idempotency-Key": "k1"}),
                     409, "idempotency_key_reused", "Idempotency-Key")
        other = make_group(members=(member,))
        assert_error(client.post(f"{API}/channels/{other['channel_id']}/threads", json=thread_body(),
                                 headers={"Idempotency-Key": "k1"}), 409, "idempotency_key_reused", "Idempotency-Key")

    def test_keys_belong_to_one_member(self, client_for, member, moderator, group) -> None:
        url = f"{API}/channels/{group['channel_id']}/threads"
        mine = client_for(member).post(url, json=thread_body(), headers={"Idempotency-Key": "k1"})
        theirs = client_for(moderator).post(url, json=thread_body(), headers={"Idempotency-Key": "k1"})
        assert mine.status_code == theirs.status_code == 201
        assert mine.json()["id"] != theirs.json()["id"]

    def test_bad_key(self, client_for, member, group) -> None:
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=thread_body(),
                                           headers={"Idempotency-Key": "k" * 101})
        assert_error(response, 422, "invalid", "Idempotency-Key")

    def test_a_failed_request_does_not_use_up_its_key(self, client_for, member, group) -> None:
        client = client_for(member)
        url = f"{API}/channels/{group['channel_id']}/threads"
        bad = thread_body(kind="motion")
        assert_error(client.post(url, json=bad, headers={"Idempotency-Key": "k2"}), 422, "invalid", "motion")
        assert_error(client.post(url, json=bad, headers={"Idempotency-Key": "k2"}), 422, "invalid", "motion")
        assert client.post(url, json=motion_body(), headers={"Idempotency-Key": "k2"}).status_code == 201


class TestListThreads:
    def test_anonymous_is_refused(self, anon, group) -> None:
        assert_error(anon.get(f"{API}/channels/{group['channel_id']}/threads"), 401, "unauthenticated")
        assert_error(anon.get(f"{API}/groups/{group['id']}/threads"), 401, "unauthenticated")

    def test_closed_group_is_for_members(self, client_for, outsider, make_group) -> None:
        closed = make_group(visibility="closed")
        client = client_for(outsider)
        assert_error(client.get(f"{API}/channels/{closed['channel_id']}/threads"), 403, "join_to_read")
        assert_error(client.get(f"{API}/groups/{closed['id']}/threads"), 403, "join_to_read")

    def test_bad_input(self, client_for, member, group) -> None:
        client = client_for(member)
        for url in (f"{API}/channels/{group['channel_id']}/threads", f"{API}/groups/{group['id']}/threads"):
            for cursor in ("kapot", cursor_of(1), cursor_of("gisteren", 1), cursor_of(None, 1),
                           cursor_of("2025-01-01T00:00:00+00:00", "x"), cursor_of("2025-01-01T00:00:00+00:00", 1, 2)):
                assert_error(client.get(url, params={"cursor": cursor}), 422, "invalid", "cursor")
            assert_error(client.get(url, params={"limit": 0}), 422, "invalid", "limit")
            assert_error(client.get(url, params={"kind": "poll"}), 422, "invalid", "kind")

    def test_a_cursor_without_a_time_zone_is_invalid_not_a_crash(self, client_for, member, group) -> None:
        response = client_for(member).get(f"{API}/channels/{group['channel_id']}/threads",
                                          params={"cursor": cursor_of("2025-01-01T00:00:00", 1)})
        assert_error(response, 422, "invalid", "cursor")

    def test_newest_activity_first(self, client_for, member, group, make_thread) -> None:
        first = make_thread(member, group["channel_id"], title="Eerste draad")
        second = make_thread(member, group["channel_id"], title="Tweede draad")
        client = client_for(member)
        url = f"{API}/channels/{group['channel_id']}/threads"
        assert [t["id"] for t in client.get(url).json()["items"]] == [second["id"], first["id"]]
        assert client.post(f"{API}/threads/{first['id']}/replies", json={"body": "Een reactie"}).status_code == 201
        items = client.get(url).json()["items"]
        assert [t["id"] for t in items] == [first["id"], second["id"]]
        assert items[0]["reply_count"] == 1

    def test_keyset_pages_have_no_duplicates_and_no_gaps(self, client_for, member, group, make_thread,
                                                         session) -> None:
        ids = [make_thread(member, group["channel_id"], title=f"Draad nummer {n}")["id"] for n in range(35)]
        # Shuffled activity times with ties (same instant) and 1 µs differences: the cursor must keep both.
        base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
        order = ids[:]
        random.Random(7).shuffle(order)
        when = {tid: base + timedelta(seconds=k // 3, microseconds=1 if k % 3 == 2 else 0)
                for k, tid in enumerate(order)}
        for tid, at in when.items():
            session.execute(update(Thread).where(Thread.id == tid).values(last_activity_at=at))
        session.commit()
        expected = sorted(ids, key=lambda tid: (when[tid], tid), reverse=True)

        client = client_for(member)
        url = f"{API}/channels/{group['channel_id']}/threads"
        walked, pages = walk(client, url, limit=4)
        assert walked == expected and pages == 9
        walked, pages = walk(client, url)  # the default page size is 30
        assert walked == expected and pages == 2
        walked, pages = walk(client, f"{API}/groups/{group['id']}/threads", limit=6)
        assert walked == expected and pages == 6

    def test_group_list_spans_channels_and_filters_by_kind(self, client_for, member, manager, group,
                                                           make_thread) -> None:
        other = client_for(manager).post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}).json()
        discussion = make_thread(member, group["channel_id"])
        question = make_thread(member, other["id"], kind="question", title="Een vraag")
        client = client_for(member)
        assert [t["id"] for t in client.get(f"{API}/groups/{group['id']}/threads").json()["items"]] == [
            question["id"], discussion["id"]]
        assert [t["id"] for t in client.get(f"{API}/groups/{group['id']}/threads",
                                            params={"kind": "question"}).json()["items"]] == [question["id"]]
        assert [t["id"] for t in client.get(f"{API}/channels/{group['channel_id']}/threads").json()["items"]] == [
            discussion["id"]]

    def test_deleted_threads_are_not_listed(self, client_for, member, group, make_thread) -> None:
        kept = make_thread(member, group["channel_id"])
        gone = make_thread(member, group["channel_id"])
        client = client_for(member)
        assert client.delete(f"{API}/threads/{gone['id']}").status_code == 204
        assert [t["id"] for t in client.get(f"{API}/channels/{group['channel_id']}/threads").json()["items"]] == [
            kept["id"]]


class TestIdsOutOfRange:
    """An id no row can have is a missing thing (404) in a path, and a bad value (422) in a body."""

    HUGE = 2**63  # past SQLite's INTEGER; PostgreSQL's int4 ids already fail from 2**31

    @pytest.mark.parametrize(("method", "path", "body", "status", "field"), [
        ("GET", "/threads/{huge}", None, 404, None),
        ("GET", "/groups/{huge}", None, 404, None),
        ("GET", "/posts/{huge}", None, 404, None),
        ("GET", "/attachments/{huge}", None, 404, None),
        ("PUT", "/threads/{t}/answer", {"post_id": "huge"}, 422, "post_id"),
        ("POST", "/groups/{g}/invitations", {"user_id": "huge"}, 422, "user_id"),
        ("POST", "/threads/{t}/replies", {"body": "x", "quote_post_id": "huge"}, 422, "quote_post_id"),
    ])
    def test_refused_not_crashed(self, client_for, member, manager, group, make_thread,
                                 method, path, body, status, field) -> None:
        thread = make_thread(member, group["channel_id"], kind="question")
        ids = {"huge": self.HUGE, "t": thread["id"], "g": group["id"]}
        json_body = {k: (self.HUGE if v == "huge" else v) for k, v in body.items()} if body else None
        response = client_for(manager).request(method, API + path.format(**ids), json=json_body)
        assert_error(response, status, "not_found" if status == 404 else "invalid", field)


class TestGetThread:
    def test_anonymous_is_refused(self, anon, member, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        assert_error(anon.get(f"{API}/threads/{thread['id']}"), 401, "unauthenticated")

    def test_not_allowed(self, client_for, member, outsider, make_group, make_thread) -> None:
        closed = make_group(visibility="closed", members=(member,))
        thread = make_thread(member, closed["channel_id"])
        assert_error(client_for(outsider).get(f"{API}/threads/{thread['id']}"), 403, "join_to_read")
        assert_error(client_for(outsider).get(f"{API}/threads/999999"), 404, "not_found")

    def test_members_read_with_their_own_rights(self, client_for, member, moderator, make_user, group,
                                                make_thread) -> None:
        thread = make_thread(member, group["channel_id"], title="Een draad", body="De tekst")
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        rights = {}
        for user in (member, moderator, other):
            response = client_for(user).get(f"{API}/threads/{thread['id']}")
            assert response.status_code == 200
            assert response.json()["opening_post"]["body"] == "De tekst"
            rights[user.id] = (response.json()["can_edit"], response.json()["opening_post"]["can_delete"])
        assert rights == {member.id: (True, True), moderator.id: (True, True), other.id: (False, False)}


class TestUpdateThread:
    def test_anonymous_is_refused(self, anon, member, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        assert_error(anon.patch(f"{API}/threads/{thread['id']}", json={"title": "Nieuwe titel"}),
                     401, "unauthenticated")

    def test_another_member_may_not(self, client_for, member, make_user, outsider, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        assert_error(client_for(other).patch(f"{API}/threads/{thread['id']}", json={"title": "Van mij"}),
                     403, "not_your_thread")
        assert_error(client_for(outsider).patch(f"{API}/threads/{thread['id']}", json={"title": "Van mij"}),
                     403, "not_your_thread")

    def test_an_author_who_left_may_not(self, client_for, member, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        assert client.delete(f"{API}/groups/{group['id']}/members/{member.id}").status_code == 204
        assert_error(client.patch(f"{API}/threads/{thread['id']}", json={"title": "Nieuwe titel"}),
                     403, "not_your_thread")

    def test_bad_input(self, client_for, member, group, make_thread) -> None:
        discussion = make_thread(member, group["channel_id"])
        client = client_for(member)
        url = f"{API}/threads/{discussion['id']}"
        assert_error(client.patch(url, json={"title": "Ja"}), 422, "invalid", "title")
        assert_error(client.patch(url, json={"motion": {"status": "adopted"}}), 422, "invalid", "motion")
        assert_error(client.patch(url, json={"portfolio_ids": []}), 422, "invalid", "portfolio_ids")
        assert_error(client.patch(url, json={"kind": "question"}), 422, "invalid", "kind")
        motion = client.post(f"{API}/channels/{group['channel_id']}/threads", json=motion_body()).json()
        assert_error(client.patch(f"{API}/threads/{motion['id']}", json={"motion": {"status": "won"}}),
                     422, "invalid", "motion.status")
        assert client.get(url).json()["title"] == "Een vraag over de WMO"

    def test_author_updates_title_and_motion_status(self, client_for, member, group, capture_events) -> None:
        client = client_for(member)
        motion = client.post(f"{API}/channels/{group['channel_id']}/threads",
                             json=motion_body(date="2025-01-30", status="submitted")).json()
        capture_events.clear()
        response = client.patch(f"{API}/threads/{motion['id']}", json={
            "title": "Motie groen schoolplein (aangenomen)",
            "motion": {"status": "adopted", "vote_result": "21 voor, 8 tegen"}})
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Motie groen schoolplein (aangenomen)"
        assert response.json()["motion"] == {"municipality": "Ede", "date": "2025-01-30", "status": "adopted",
                                             "vote_result": "21 voor, 8 tegen", "co_submitters": []}
        assert kinds(capture_events) == [("thread.updated", f"thread:{motion['id']}"),
                                         ("thread.updated", f"channel:{group['channel_id']}")]
        # Fields left out stay as they were; an explicit null clears.
        cleared = client.patch(f"{API}/threads/{motion['id']}", json={"motion": {"date": None}}).json()["motion"]
        assert (cleared["date"], cleared["status"], cleared["vote_result"]) == (None, "adopted", "21 voor, 8 tegen")

    def test_moderator_updates(self, client_for, member, moderator, group, make_thread, portfolio) -> None:
        question = make_thread(member, group["channel_id"], kind="question")
        response = client_for(moderator).patch(f"{API}/threads/{question['id']}", json={
            "title": "Vraag over de WMO-indicatie", "portfolio_ids": [portfolio.id]})
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Vraag over de WMO-indicatie"
        assert [p["id"] for p in response.json()["portfolios"]] == [portfolio.id]
        assert response.json()["author"]["id"] == member.id


class TestDeleteThread:
    def test_anonymous_is_refused(self, anon, member, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        assert_error(anon.delete(f"{API}/threads/{thread['id']}"), 401, "unauthenticated")

    def test_another_member_may_not(self, client_for, member, make_user, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        assert_error(client_for(other).delete(f"{API}/threads/{thread['id']}"), 403, "not_your_thread")
        assert client_for(member).get(f"{API}/threads/{thread['id']}").status_code == 200

    def test_author_soft_deletes(self, client_for, member, moderator, make_user, group, make_thread,
                                 capture_events, session) -> None:
        thread = make_thread(member, group["channel_id"], body="Geheime plannen")
        reader = make_user()
        client_for(reader).post(f"{API}/groups/{group['id']}/join")
        capture_events.clear()
        assert client_for(member).delete(f"{API}/threads/{thread['id']}").status_code == 204
        assert kinds(capture_events) == [("thread.deleted", f"thread:{thread['id']}"),
                                         ("thread.deleted", f"channel:{group['channel_id']}"),
                                         ("thread.deleted", f"group:{group['id']}")]
        for user in (member, reader):
            client = client_for(user)
            assert_error(client.get(f"{API}/threads/{thread['id']}"), 404, "not_found")
            assert_error(client.get(f"{API}/posts/{thread['opening_post_id']}"), 404, "not_found")
            assert_error(client.get(f"{API}/threads/{thread['id']}/replies"), 404, "not_found")
        assert_error(client_for(member).delete(f"{API}/threads/{thread['id']}"), 404, "not_found")
        # Moderators still see that it was there, but not what it said.
        seen = client_for(moderator).get(f"{API}/threads/{thread['id']}").json()
        assert seen["deleted"] is True and seen["excerpt"] == ""
        assert seen["opening_post"]["deleted"] is True and seen["opening_post"]["body"] == ""
        # The row stays: a soft delete.
        assert session.get(Thread, thread["id"]) is not None

    def test_moderator_deletes(self, client_for, member, moderator, group, make_thread) -> None:
        thread = make_thread(member, group["channel_id"])
        assert client_for(moderator).delete(f"{API}/threads/{thread['id']}").status_code == 204
        assert_error(client_for(member).get(f"{API}/threads/{thread['id']}"), 404, "not_found")


class TestMarkAnswer:
    @pytest.fixture
    def question(self, client_for, member, moderator, group, make_thread):
        made = make_thread(member, group["channel_id"], kind="question", title="Hoe zit het met de WMO?")
        reply = client_for(moderator).post(f"{API}/threads/{made['id']}/replies", json={"body": "Zo zit het."})
        assert reply.status_code == 201
        return made | {"reply_id": reply.json()["id"]}

    def test_anonymous_is_refused(self, anon, question) -> None:
        assert_error(anon.put(f"{API}/threads/{question['id']}/answer", json={"post_id": question["reply_id"]}),
                     401, "unauthenticated")

    def test_another_member_may_not(self, client_for, make_user, group, question) -> None:
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        assert_error(client_for(other).put(f"{API}/threads/{question['id']}/answer",
                                           json={"post_id": question["reply_id"]}), 403, "not_your_question")

    def test_bad_input(self, client_for, member, group, make_thread, question) -> None:
        client = client_for(member)
        url = f"{API}/threads/{question['id']}/answer"
        elsewhere = make_thread(member, group["channel_id"], kind="question")
        elsewhere_reply = client.post(f"{API}/threads/{elsewhere['id']}/replies", json={"body": "Hier"}).json()
        assert_error(client.put(url, json={"post_id": elsewhere_reply["id"]}), 422, "invalid", "post_id")
        assert_error(client.put(url, json={"post_id": question["opening_post_id"]}), 422, "invalid", "post_id")
        assert_error(client.put(url, json={"post_id": 999_999}), 422, "invalid", "post_id")
        assert_error(client.put(url, json={}), 422, "invalid", "post_id")
        discussion = make_thread(member, group["channel_id"])
        reply = client.post(f"{API}/threads/{discussion['id']}/replies", json={"body": "Hier"}).json()
        assert_error(client.put(f"{API}/threads/{discussion['id']}/answer", json={"post_id": reply["id"]}),
                     409, "conflict")

    def test_a_deleted_reply_cannot_be_the_answer(self, client_for, member, moderator, question) -> None:
        assert client_for(moderator).delete(f"{API}/posts/{question['reply_id']}").status_code == 204
        assert_error(client_for(member).put(f"{API}/threads/{question['id']}/answer",
                                            json={"post_id": question["reply_id"]}), 422, "invalid", "post_id")

    def test_asker_marks_and_clears(self, client_for, member, question, capture_events) -> None:
        client = client_for(member)
        capture_events.clear()
        marked = client.put(f"{API}/threads/{question['id']}/answer", json={"post_id": question["reply_id"]})
        assert marked.status_code == 200, marked.text
        assert marked.json()["answer_post_id"] == question["reply_id"]
        assert kinds(capture_events) == [("thread.answered", f"thread:{question['id']}")]
        [reply] = client.get(f"{API}/threads/{question['id']}/replies").json()["items"]
        assert reply["is_answer"] is True
        cleared = client.delete(f"{API}/threads/{question['id']}/answer")
        assert cleared.status_code == 200 and cleared.json()["answer_post_id"] is None

    def test_moderator_marks(self, client_for, moderator, question) -> None:
        marked = client_for(moderator).put(f"{API}/threads/{question['id']}/answer",
                                           json={"post_id": question["reply_id"]})
        assert marked.status_code == 200 and marked.json()["answer_post_id"] == question["reply_id"]

    def test_deleting_the_answer_clears_it(self, client_for, member, moderator, question) -> None:
        client_for(member).put(f"{API}/threads/{question['id']}/answer", json={"post_id": question["reply_id"]})
        assert client_for(moderator).delete(f"{API}/posts/{question['reply_id']}").status_code == 204
        assert client_for(member).get(f"{API}/threads/{question['id']}").json()["answer_post_id"] is None


class TestCanMarkAnswer:
    def test_the_asker_and_moderators_may_others_not(self, client_for, member, moderator, make_user, group,
                                                    make_thread) -> None:
        question = make_thread(member, group["channel_id"], kind="question")
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        seen = {who: client_for(user).get(f"{API}/threads/{question['id']}").json()["can_mark_answer"]
                for who, user in (("asker", member), ("moderator", moderator), ("other", other))}
        assert seen == {"asker": True, "moderator": True, "other": False}
        discussion = make_thread(member, group["channel_id"])
        assert client_for(member).get(f"{API}/threads/{discussion['id']}").json()["can_mark_answer"] is False


class TestMotionCourse:
    def test_each_outcome_joins_its_course(self, client_for, member, moderator, group) -> None:
        client = client_for(member)
        made = client.post(f"{API}/channels/{group['channel_id']}/threads",
                           json=motion_body(status="submitted", date="2026-12-17")).json()
        assert [(s["status"], s["date"]) for s in made["motion_history"]] == [("submitted", "2026-12-17")]
        url = f"{API}/threads/{made['id']}"
        held = client.patch(url, json={"motion": {"status": "held"}})
        assert held.status_code == 200 and held.json()["motion"]["status"] == "held"
        # A moderator records the vote a month later.
        adopted = client_for(moderator).patch(url, json={"motion": {
            "status": "adopted", "vote_result": "24 voor, 11 tegen", "date": "2027-01-21"}}).json()
        course = [(s["status"], s["vote_result"], s["date"], s["changed_by"]["id"]) for s in adopted["motion_history"]]
        assert course == [("submitted", None, "2026-12-17", member.id), ("held", None, "2026-12-17", member.id),
                          ("adopted", "24 voor, 11 tegen", "2027-01-21", moderator.id)]
        # What does not change the outcome (its title, the co-submitters) adds no step.
        client.patch(url, json={"title": "Motie groen schoolplein (aangenomen)", "motion": {"co_submitter_ids": []}})
        assert len(client.get(url).json()["motion_history"]) == 3

    def test_bad_input_changes_nothing(self, client_for, member, group) -> None:
        client = client_for(member)
        made = client.post(f"{API}/channels/{group['channel_id']}/threads", json=motion_body()).json()
        url = f"{API}/threads/{made['id']}"
        assert_error(client.patch(url, json={"motion": {"status": "lost"}}), 422, "invalid", "motion.status")
        assert_error(client.patch(url, json={"motion": {"date": "17-12-2026"}}), 422, "invalid", "motion.date")
        assert_error(client.patch(url, json={"motion": {"vote_result": "x" * 201}}), 422, "invalid",
                     "motion.vote_result")
        assert [s["status"] for s in client.get(url).json()["motion_history"]] == ["draft"]

    def test_only_who_may_edit_records_it(self, client_for, member, make_user, group) -> None:
        made = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=motion_body()).json()
        other = make_user()
        client_for(other).post(f"{API}/groups/{group['id']}/join")
        response = client_for(other).patch(f"{API}/threads/{made['id']}", json={"motion": {"status": "adopted"}})
        assert response.status_code == 403
        assert [s["status"] for s in client_for(member).get(f"{API}/threads/{made['id']}").json()["motion_history"]] \
            == ["draft"]
