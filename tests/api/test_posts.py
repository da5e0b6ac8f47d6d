"""Replies and posts: quoting, mentions, edits with revisions, soft delete, reactions, paging, events."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.models import Post
from app.services import groups as group_service
from tests.api.helpers import API, assert_error, kinds

THUMBS, HEART = "👍", "❤️"


@pytest.fixture
def group(make_group, member, writer, moderator, run, manager):
    made = make_group("Zorg en welzijn", members=(member, writer, moderator))
    run(group_service.set_member_role, manager, group_id=made["id"], user_id=moderator.id, role="moderator")
    return made


@pytest.fixture
def thread(make_thread, member, group):
    return make_thread(member, group["channel_id"], title="Wachtlijsten jeugdzorg", body="Hoe lang wachten jullie?")


def reply(client, thread_id: int, body: str = "Bij ons drie maanden.", **fields):
    response = client.post(f"{API}/threads/{thread_id}/replies", json={"body": body} | fields)
    assert response.status_code == 201, response.text
    return response.json()


def reaction_url(post_id: int, emoji: str) -> str:
    return f"{API}/posts/{post_id}/reactions/{quote(emoji)}"


class TestCreateReply:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Hallo"}),
                     401, "unauthenticated")

    def test_not_allowed(self, client_for, outsider, member, make_group, make_thread, thread) -> None:
        closed = make_group(visibility="closed", members=(member,))
        closed_thread = make_thread(member, closed["channel_id"])
        client = client_for(outsider)
        assert_error(client.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Hallo"}), 403, "join_to_post")
        assert_error(client.post(f"{API}/threads/{closed_thread['id']}/replies", json={"body": "Hallo"}),
                     403, "join_to_post")
        assert_error(client.post(f"{API}/threads/999999/replies", json={"body": "Hallo"}), 404, "not_found")

    def test_not_in_a_deleted_thread(self, client_for, member, writer, thread) -> None:
        assert client_for(member).delete(f"{API}/threads/{thread['id']}").status_code == 204
        assert_error(client_for(writer).post(f"{API}/threads/{thread['id']}/replies", json={"body": "Hallo"}),
                     404, "not_found")

    def test_bad_input(self, client_for, member, writer, group, make_thread, thread, session,
                       capture_events) -> None:
        elsewhere = make_thread(member, group["channel_id"])
        client = client_for(writer)
        deleted = reply(client, thread["id"], "Weg ermee")
        assert client.delete(f"{API}/posts/{deleted['id']}").status_code == 204
        url = f"{API}/threads/{thread['id']}/replies"
        capture_events.clear()
        before = session.scalar(select(func.count()).select_from(Post))
        assert_error(client.post(url, json={"body": "  \n "}), 422, "invalid", "body")
        assert_error(client.post(url, json={}), 422, "invalid", "body")
        assert_error(client.post(url, json={"body": "x", "quote_post_id": elsewhere["opening_post_id"]}),
                     422, "invalid", "quote_post_id")
        assert_error(client.post(url, json={"body": "x", "quote_post_id": deleted["id"]}),
                     422, "invalid", "quote_post_id")
        assert_error(client.post(url, json={"body": "x", "quote_post_id": 999_999}), 422, "invalid", "quote_post_id")
        assert_error(client.post(url, json={"body": "x", "attachment_ids": [999_999]}),
                     422, "invalid", "attachment_ids")
        assert_error(client.post(url, json={"body": "x", "sticky": True}), 422, "invalid", "sticky")
        # A request that fails stores nothing and publishes nothing.
        assert session.scalar(select(func.count()).select_from(Post)) == before
        assert capture_events == []

    def test_reply_with_quote(self, client_for, member, writer, thread) -> None:
        response = client_for(writer).post(f"{API}/threads/{thread['id']}/replies", json={
            "body": "> Hoe lang\n\nDrie maanden.", "quote_post_id": thread["opening_post_id"]})
        assert response.status_code == 201, response.text
        post = response.json()
        assert (post["thread_id"], post["is_opening"], post["author"]["id"]) == (thread["id"], False, writer.id)
        assert post["quote"] == {"post_id": thread["opening_post_id"], "author": post["quote"]["author"],
                                 "excerpt": "Hoe lang wachten jullie?"}
        assert post["quote"]["author"]["id"] == member.id
        assert post["can_edit"] is True and post["can_delete"] is True and post["deleted"] is False
        detail = client_for(member).get(f"{API}/threads/{thread['id']}").json()
        assert detail["reply_count"] == 1 and detail["last_activity_at"] >= detail["created_at"]

    def test_mentions_are_parsed(self, client_for, member, writer, make_user, thread) -> None:
        gone = make_user(username="oud.lid", is_active=False)
        body = (f"Dank @{member.username} en @Bert.Jansen! Niet @niemand, niet @{gone.username}, "
                f"niet `@{member.username}` in code, niet mail@{writer.username}.nl")
        post = reply(client_for(writer), thread["id"], body)
        assert post["mentions"] == sorted([member.username, "bert.jansen"])
        assert f'<span class="mention" data-user="{member.username}">@{member.username}</span>' in post["body_html"]
        assert '<span class="mention" data-user="bert.jansen">@Bert.Jansen</span>' in post["body_html"]
        assert f"<code>@{member.username}</code>" in post["body_html"]

    def test_events_after_a_reply(self, client_for, writer, member, group, thread, capture_events) -> None:
        capture_events.clear()
        post = reply(client_for(writer), thread["id"])
        # The thread's author hears of the reply on her own topic (see test_notifications.py).
        assert kinds(capture_events) == [("post.created", f"thread:{thread['id']}"),
                                         ("thread.activity", f"channel:{group['channel_id']}"),
                                         ("notification.created", f"user:{member.id}")]
        created, activity, _ = capture_events
        assert created.payload["id"] == post["id"] and created.payload["body"] == "Bij ons drie maanden."
        # Every subscriber receives the same event: nothing in it depends on who wrote it.
        assert (created.payload["can_edit"], created.payload["can_delete"]) == (False, False)
        assert activity.payload == {"thread_id": thread["id"], "reply_count": 1, "post_id": post["id"],
                                    "last_activity_at": activity.payload["last_activity_at"]}

    def test_failed_reply_publishes_nothing(self, client_for, writer, outsider, thread, capture_events) -> None:
        capture_events.clear()
        client_for(writer).post(f"{API}/threads/{thread['id']}/replies", json={"body": ""})
        client_for(writer).post(f"{API}/threads/{thread['id']}/replies", json={"body": "x", "quote_post_id": 0})
        client_for(outsider).post(f"{API}/threads/{thread['id']}/replies", json={"body": "Hallo"})
        assert capture_events == []

    def test_idempotent_reply(self, client_for, writer, thread, session) -> None:
        client = client_for(writer)
        url = f"{API}/threads/{thread['id']}/replies"
        first = client.post(url, json={"body": "Eén keer"}, headers={"Idempotency-Key": "r-1"})
        second = client.post(url, json={"body": "Eén keer"}, headers={"Idempotency-Key": "r-1"})
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread["id"],
                                                                           Post.body == "Eén keer")) == 1
        assert_error(client.post(url, json={"body": "Twee keer"}, headers={"Idempotency-Key": "r-1"}),
                     409, "idempotency_key_reused", "Idempotency-Key")


class TestListReplies:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.get(f"{API}/threads/{thread['id']}/replies"), 401, "unauthenticated")

    def test_closed_group_is_for_members(self, client_for, outsider, member, make_group, make_thread) -> None:
        closed = make_group(visibility="closed", members=(member,))
        closed_thread = make_thread(member, closed["channel_id"])
        assert_error(client_for(outsider).get(f"{API}/threads/{closed_thread['id']}/replies"), 403, "join_to_read")

    def test_bad_input(self, client_for, member, thread) -> None:
        client = client_for(member)
        assert_error(client.get(f"{API}/threads/{thread['id']}/replies", params={"cursor": "%%%"}),
                     422, "invalid", "cursor")
        assert_error(client.get(f"{API}/threads/{thread['id']}/replies", params={"limit": 500}),
                     422, "invalid", "limit")

    def test_pages_oldest_first(self, client_for, member, writer, outsider, thread) -> None:
        client = client_for(writer)
        ids = [reply(client, thread["id"], f"Reactie {n}")["id"] for n in range(7)]
        client.delete(f"{API}/posts/{ids[3]}")
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            page = client_for(member).get(f"{API}/threads/{thread['id']}/replies",
                                          params={"limit": 3} | ({"cursor": cursor} if cursor else {})).json()
            seen += [p["id"] for p in page["items"]]
            for post in page["items"]:
                # A deleted reply keeps its place in the conversation, without its text.
                assert (post["deleted"], post["body"] == "") == ((True, True) if post["id"] == ids[3]
                                                                  else (False, False))
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids and pages == 3
        # An open group's conversation can be read by members who have not joined it.
        assert [p["id"] for p in client_for(outsider).get(f"{API}/threads/{thread['id']}/replies").json()[
            "items"]] == ids


class TestGetPost:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.get(f"{API}/posts/{thread['opening_post_id']}"), 401, "unauthenticated")

    def test_missing(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"{API}/posts/999999"), 404, "not_found")

    def test_reads_with_own_rights(self, client_for, member, writer, thread) -> None:
        post = reply(client_for(writer), thread["id"])
        theirs = client_for(member).get(f"{API}/posts/{post['id']}").json()
        mine = client_for(writer).get(f"{API}/posts/{post['id']}").json()
        assert theirs["body"] == mine["body"] == "Bij ons drie maanden."
        assert (theirs["can_edit"], theirs["can_delete"]) == (False, False)
        assert (mine["can_edit"], mine["can_delete"]) == (True, True)


class TestEditPost:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.patch(f"{API}/posts/{thread['opening_post_id']}", json={"body": "Nieuw"}),
                     401, "unauthenticated")

    def test_only_author_or_moderator(self, client_for, writer, outsider, member, thread) -> None:
        post = reply(client_for(writer), thread["id"])
        for user in (member, outsider):
            assert_error(client_for(user).patch(f"{API}/posts/{post['id']}", json={"body": "Overgenomen"}),
                         403, "not_your_post")
        assert client_for(member).get(f"{API}/posts/{post['id']}").json()["body"] == "Bij ons drie maanden."

    def test_an_author_who_left_may_not(self, client_for, writer, group, thread) -> None:
        client = client_for(writer)
        post = reply(client, thread["id"])
        assert client.delete(f"{API}/groups/{group['id']}/members/{writer.id}").status_code == 204
        assert_error(client.patch(f"{API}/posts/{post['id']}", json={"body": "Toch anders"}), 403, "no_longer_member")

    def test_bad_input(self, client_for, writer, thread) -> None:
        client = client_for(writer)
        post = reply(client, thread["id"])
        assert_error(client.patch(f"{API}/posts/{post['id']}", json={"body": ""}), 422, "invalid", "body")
        assert_error(client.patch(f"{API}/posts/{post['id']}", json={"body": "x", "author_id": 1}),
                     422, "invalid", "author_id")
        assert_error(client.patch(f"{API}/posts/999999", json={"body": "x"}), 404, "not_found")

    def test_edits_keep_revisions(self, client_for, writer, member, moderator, thread, capture_events) -> None:
        client = client_for(writer)
        post = reply(client, thread["id"], "Versie één")
        capture_events.clear()
        edited = client.patch(f"{API}/posts/{post['id']}", json={"body": f"Versie twee, @{member.username}"})
        assert edited.status_code == 200, edited.text
        assert edited.json()["body"] == f"Versie twee, @{member.username}"
        assert edited.json()["edited_at"] is not None and edited.json()["mentions"] == [member.username]
        # Mentioned by the edit: she is told, as if the post had just been written.
        assert kinds(capture_events) == [("post.updated", f"thread:{thread['id']}"),
                                         ("notification.created", f"user:{member.id}")]
        assert capture_events[0].payload["can_edit"] is False
        by_moderator = client_for(moderator).patch(f"{API}/posts/{post['id']}", json={"body": "Versie drie"})
        assert by_moderator.status_code == 200 and by_moderator.json()["mentions"] == []
        # Saving the same text again is no new revision and no event.
        capture_events.clear()
        assert client_for(moderator).patch(f"{API}/posts/{post['id']}", json={"body": "Versie drie"}
                                           ).status_code == 200
        assert capture_events == []

        revisions = client_for(member).get(f"{API}/posts/{post['id']}/revisions")
        assert revisions.status_code == 200
        assert [(r["body"], r["editor"]["id"]) for r in revisions.json()] == [
            (f"Versie twee, @{member.username}", moderator.id), ("Versie één", writer.id)]
        assert client_for(member).get(f"{API}/posts/{post['id']}").json()["body"] == "Versie drie"

    def test_revisions_of_an_unedited_post(self, client_for, member, thread) -> None:
        assert client_for(member).get(f"{API}/posts/{thread['opening_post_id']}/revisions").json() == []

    def test_revisions_anonymous_and_missing(self, anon, client_for, member, thread) -> None:
        assert_error(anon.get(f"{API}/posts/{thread['opening_post_id']}/revisions"), 401, "unauthenticated")
        assert_error(client_for(member).get(f"{API}/posts/999999/revisions"), 404, "not_found")


class TestDeletePost:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.delete(f"{API}/posts/{thread['opening_post_id']}"), 401, "unauthenticated")

    def test_only_author_or_moderator(self, client_for, writer, member, outsider, thread) -> None:
        post = reply(client_for(writer), thread["id"])
        for user in (member, outsider):
            assert_error(client_for(user).delete(f"{API}/posts/{post['id']}"), 403, "not_your_post")
        assert client_for(member).get(f"{API}/posts/{post['id']}").json()["deleted"] is False

    def test_soft_delete_hides_the_body(self, client_for, writer, member, thread, capture_events) -> None:
        client = client_for(writer)
        post = reply(client, thread["id"], "Iets wat ik **niet** had moeten zeggen")
        client.put(reaction_url(post["id"], THUMBS))
        client.patch(f"{API}/posts/{post['id']}", json={"body": "Iets anders"})
        capture_events.clear()
        assert client.delete(f"{API}/posts/{post['id']}").status_code == 204
        assert kinds(capture_events) == [("post.deleted", f"thread:{thread['id']}")]
        seen = client_for(member).get(f"{API}/posts/{post['id']}")
        assert seen.status_code == 200
        assert {k: seen.json()[k] for k in ("deleted", "body", "body_html", "reactions", "attachments",
                                             "can_edit", "can_delete")} == {
            "deleted": True, "body": "", "body_html": "", "reactions": [], "attachments": [],
            "can_edit": False, "can_delete": False}
        # Nor can the old text be read through its revisions.
        assert_error(client_for(member).get(f"{API}/posts/{post['id']}/revisions"), 404, "not_found")
        assert client_for(member).get(f"{API}/threads/{thread['id']}").json()["reply_count"] == 0
        assert_error(client.delete(f"{API}/posts/{post['id']}"), 404, "not_found")
        assert_error(client.patch(f"{API}/posts/{post['id']}", json={"body": "Terug"}), 404, "not_found")

    def test_moderator_deletes(self, client_for, writer, moderator, thread) -> None:
        post = reply(client_for(writer), thread["id"])
        assert client_for(moderator).delete(f"{API}/posts/{post['id']}").status_code == 204
        assert client_for(writer).get(f"{API}/posts/{post['id']}").json()["deleted"] is True

    def test_deleting_the_opening_post_deletes_the_thread(self, client_for, member, writer, thread) -> None:
        assert client_for(member).delete(f"{API}/posts/{thread['opening_post_id']}").status_code == 204
        assert_error(client_for(writer).get(f"{API}/threads/{thread['id']}"), 404, "not_found")


class TestReactions:
    def test_anonymous_is_refused(self, anon, thread) -> None:
        assert_error(anon.put(reaction_url(thread["opening_post_id"], THUMBS)), 401, "unauthenticated")
        assert_error(anon.delete(reaction_url(thread["opening_post_id"], THUMBS)), 401, "unauthenticated")

    def test_non_members_may_not_react(self, client_for, outsider, thread) -> None:
        assert_error(client_for(outsider).put(reaction_url(thread["opening_post_id"], THUMBS)), 403, "join_to_post")

    @pytest.mark.parametrize("emoji", ["💩", "x", "👍👍", "❤", "thumbsup"])
    def test_unknown_emoji(self, client_for, writer, thread, emoji) -> None:
        assert_error(client_for(writer).put(reaction_url(thread["opening_post_id"], emoji)), 422, "invalid", "emoji")

    def test_not_on_a_deleted_post(self, client_for, writer, thread) -> None:
        client = client_for(writer)
        post = reply(client, thread["id"])
        client.delete(f"{API}/posts/{post['id']}")
        assert_error(client.put(reaction_url(post["id"], THUMBS)), 404, "not_found")

    def test_counts_and_mine(self, client_for, writer, member, moderator, thread, capture_events) -> None:
        post_id = thread["opening_post_id"]
        capture_events.clear()
        first = client_for(writer).put(reaction_url(post_id, THUMBS))
        assert first.status_code == 200, first.text
        assert first.json()["reactions"] == [{"emoji": THUMBS, "count": 1, "mine": True}]
        assert kinds(capture_events) == [("reaction.changed", f"thread:{thread['id']}")]
        assert capture_events[0].payload["reactions"] == [{"emoji": THUMBS, "count": 1, "mine": False}]

        assert client_for(moderator).put(reaction_url(post_id, HEART)).status_code == 200
        both = client_for(member).put(reaction_url(post_id, THUMBS)).json()["reactions"]
        assert both == [{"emoji": THUMBS, "count": 2, "mine": True}, {"emoji": HEART, "count": 1, "mine": False}]
        assert client_for(moderator).get(f"{API}/posts/{post_id}").json()["reactions"] == [
            {"emoji": THUMBS, "count": 2, "mine": False}, {"emoji": HEART, "count": 1, "mine": True}]

        # Reacting twice is once; removing what is not there changes nothing. Neither publishes.
        capture_events.clear()
        assert client_for(writer).put(reaction_url(post_id, THUMBS)).json()["reactions"][0]["count"] == 2
        assert client_for(writer).delete(reaction_url(post_id, HEART)).status_code == 200
        assert capture_events == []

        removed = client_for(writer).delete(reaction_url(post_id, THUMBS))
        assert removed.status_code == 200
        # Reactions are in the order they were first given: the remaining 👍 came after the ❤️.
        assert removed.json()["reactions"] == [{"emoji": HEART, "count": 1, "mine": False},
                                               {"emoji": THUMBS, "count": 1, "mine": False}]
        assert kinds(capture_events) == [("reaction.changed", f"thread:{thread['id']}")]
