"""A secret group is indistinguishable from one that does not exist through every path, not only GET: slugs
that must be unique, redirects of merged groups and channels (API and pages), moderation by a moderator of
another group, attachment references, and counts. Same status, same body; the websocket topics are in
tests/realtime/test_moved_topics.py. (The endpoints one by one: test_secret_groups.py.)"""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from app.models import Group
from tests.api.helpers import API, assert_error

MISSING = 987_654


@pytest.fixture
def keeper(make_user):
    return make_user(display_name="Geheimhouder")


@pytest.fixture
def secret(make_group, keeper) -> dict[str, Any]:
    return make_group("Integriteitscommissie", visibility="secret", admins=(keeper,))


def same_answer(response, missing) -> None:
    assert_error(response, 404, "not_found")
    assert (response.status_code, response.json()) == (missing.status_code, missing.json())


class CountQueries:
    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _seen(self, *args: Any) -> None:
        self.count += 1

    def __enter__(self) -> CountQueries:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


class TestUniqueSlugs:
    """A group admin renaming her group's slug to one a secret group holds gets the next free slug, as a new
    name does: not `slug_taken`, which would tell her the secret group exists. A slug she can see taken is
    refused as before (she can see why)."""

    def test_a_slug_a_secret_group_holds(self, client_for, make_group, member, secret) -> None:
        mine = make_group("Wijkteam Oost", admins=(member,))
        answer = client_for(member).patch(f"{API}/groups/{mine['id']}", json={"slug": secret["slug"]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["slug"] == f"{secret['slug']}-2"

    def test_a_slug_she_can_see_is_taken(self, client_for, make_group, member) -> None:
        mine, visible = make_group("Wijkteam West", admins=(member,)), make_group("Wijkteam Zuid")
        assert_error(client_for(member).patch(f"{API}/groups/{mine['id']}", json={"slug": visible["slug"]}),
                     409, "slug_taken", "slug")

    def test_a_member_of_the_secret_group_sees_it_taken(self, client_for, make_group, keeper, secret) -> None:
        mine = make_group("Wijkteam Noord", admins=(keeper,))
        assert_error(client_for(keeper).patch(f"{API}/groups/{mine['id']}", json={"slug": secret["slug"]}),
                     409, "slug_taken", "slug")

    def test_the_staff_see_every_group(self, client_for, manager, secret) -> None:
        body = {"name": "Ander", "kind": "theme", "slug": secret["slug"]}
        assert_error(client_for(manager).post(f"{API}/groups", json=body), 409, "slug_taken", "slug")


class TestMergedRedirects:
    @pytest.fixture
    def merged(self, client_for, manager, make_group, keeper, secret) -> dict[str, Any]:
        target = make_group("Integriteit", visibility="open", members=(keeper,))
        assert client_for(manager).post(f"{API}/groups/merge", json={
            "source_id": secret["id"], "target_id": target["id"], "confirm_exposure": True}).status_code == 200
        return {"source": secret, "target": target}

    def paths(self, group: dict[str, Any]) -> list[str]:
        return [f"{API}/groups/{group['id']}", f"{API}/groups/by-slug/{group['slug']}",
                f"{API}/channels/{group['channel_id']}/threads", f"/groups/{group['slug']}"]

    def test_an_outsider_gets_not_found(self, client_for, outsider, merged) -> None:
        client = client_for(outsider)
        gone = {"id": MISSING, "slug": "bestaat-niet", "channel_id": MISSING}
        for old, missing in zip(self.paths(merged["source"]), self.paths(gone), strict=True):
            answer, nothing = client.get(old, follow_redirects=False), client.get(missing, follow_redirects=False)
            if old.startswith(API):
                same_answer(answer, nothing)
            else:  # the page: the same HTML 404 as for a group that never existed, no Location
                assert (answer.status_code, "location" in answer.headers) == (404, False), answer.headers
                assert answer.text.replace("bestaat-niet", old.rsplit("/", 1)[1]) == nothing.text.replace(
                    "bestaat-niet", old.rsplit("/", 1)[1])

    def test_her_members_are_redirected(self, client_for, keeper, merged) -> None:
        client = client_for(keeper)
        for old, new in zip(self.paths(merged["source"]), self.paths(merged["target"]), strict=True):
            moved = client.get(old, follow_redirects=False)
            assert (moved.status_code, moved.headers.get("location")) == (308, new), old

    def test_the_staff_are_redirected(self, client_for, manager, merged) -> None:
        moved = client_for(manager).get(f"{API}/groups/{merged['source']['id']}", follow_redirects=False)
        assert moved.status_code == 308


class TestModeratorOfAnotherGroup:
    """Deciding an item of a group she does not moderate answers like an item that does not exist, with the
    same one query."""

    @pytest.fixture
    def item(self, client_for, make_group, make_thread, make_user, keeper, secret, manager) -> int:
        writer, flagger = make_user(), make_user()
        for person in (writer, flagger):
            assert client_for(keeper).post(f"{API}/groups/{secret['id']}/invitations",
                                           json={"user_id": person.id}).status_code == 201
            [invitation] = client_for(person).get(f"{API}/me/group-invitations").json()
            assert client_for(person).post(f"{API}/group-invitations/{invitation['id']}/accept").status_code == 200
        thread = make_thread(writer, secret["channel_id"], title="Melding")
        assert client_for(flagger).post(f"{API}/posts/{thread['opening_post_id']}/flags",
                                        json={"reason": "spam"}).status_code == 201
        [queued] = client_for(manager).get(f"{API}/moderation/queue").json()["items"]
        return int(queued["id"])

    @pytest.mark.parametrize(("action", "body"), [("approve", {}), ("reject", {"reason": "Weg"}), ("dismiss", {})])
    def test_not_found_like_no_item(self, client_for, make_group, make_user, engine, item, action, body) -> None:
        elsewhere = make_user()
        make_group("Andere groep", admins=(elsewhere,))
        client = client_for(elsewhere)
        client.get(f"{API}/moderation/count")  # warm up her session
        with CountQueries(engine) as real:
            answer = client.post(f"{API}/moderation/items/{item}/{action}", json=body)
        with CountQueries(engine) as none:
            nothing = client.post(f"{API}/moderation/items/{MISSING}/{action}", json=body)
        same_answer(answer, nothing)
        assert real.count == none.count

    def test_her_queue_does_not_count_it(self, client_for, make_group, make_user, item) -> None:
        elsewhere = make_user()
        make_group("Nog een groep", admins=(elsewhere,))
        assert client_for(elsewhere).get(f"{API}/moderation/count").json()["pending"] == 0
        assert client_for(elsewhere).get(f"{API}/moderation/queue").json()["items"] == []


class TestAttachmentReferences:
    def test_someone_elses_upload_is_like_none(self, client_for, make_group, make_thread, member, keeper,
                                               secret) -> None:
        upload = client_for(keeper).post(f"{API}/attachments", files={
            "file": ("notulen.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}).json()
        posted = client_for(keeper).post(f"{API}/channels/{secret['channel_id']}/threads", json={
            "title": "Notulen", "body": "Zie bijlage", "attachment_ids": [upload["id"]]})
        assert posted.status_code == 201, posted.text
        open_group = make_group("Open overleg", members=(member,))
        thread = make_thread(member, open_group["channel_id"], title="Vraag")
        client = client_for(member)

        def refer(attachment_id: int) -> Any:
            return client.post(f"{API}/threads/{thread['id']}/replies",
                               json={"body": "Kijk", "attachment_ids": [attachment_id]})

        answer, nothing = refer(upload["id"]), refer(MISSING)
        assert_error(answer, 422, "invalid", "attachment_ids")
        assert answer.json()["error"]["message"].replace(str(upload["id"]), "#") == \
            nothing.json()["error"]["message"].replace(str(MISSING), "#")


class TestCounts:
    def test_search_counts_leave_secret_content_out(self, client_for, make_thread, outsider, keeper,
                                                    secret) -> None:
        make_thread(keeper, secret["channel_id"], title="Klokkenluidersregeling", body="Klokkenluidersregeling")
        found = client_for(outsider).get(f"{API}/search", params={"q": "klokkenluidersregeling"}).json()
        assert (found["items"], sum(found["counts"].values())) == ([], 0)
        inside = client_for(keeper).get(f"{API}/search", params={"q": "klokkenluidersregeling"}).json()
        assert sum(inside["counts"].values()) >= 1

    def test_the_directory_and_her_profile_leave_it_out(self, client_for, outsider, keeper, secret) -> None:
        directory = client_for(outsider).get(f"{API}/groups").json()
        assert secret["id"] not in [g["id"] for g in directory]
        profile = client_for(outsider).get(f"/members/{keeper.username}")
        assert profile.status_code == 200 and "Integriteitscommissie" not in profile.text
        assert "Integriteitscommissie" in client_for(keeper).get(f"/members/{keeper.username}").text

    def test_unread_count_forgets_what_she_can_no_longer_read(self, client_for, make_thread, make_user, keeper,
                                                              secret, session) -> None:
        insider = make_user()
        assert client_for(keeper).post(f"{API}/groups/{secret['id']}/invitations",
                                       json={"user_id": insider.id}).status_code == 201
        [invitation] = client_for(insider).get(f"{API}/me/group-invitations").json()
        assert client_for(insider).post(f"{API}/group-invitations/{invitation['id']}/accept").status_code == 200
        assert client_for(insider).put(f"{API}/groups/{secret['id']}/notification-level",
                                       json={"level": "watching"}).status_code == 200
        make_thread(keeper, secret["channel_id"], title="Nieuw dossier")
        assert client_for(insider).get(f"{API}/notifications/unread").json()["unread"] >= 1
        assert client_for(keeper).delete(f"{API}/groups/{secret['id']}/members/{insider.id}").status_code == 204
        assert client_for(insider).get(f"{API}/notifications/unread").json()["unread"] == 0
        assert session.get(Group, secret["id"]) is not None


class TestSameWork:
    """A secret group's group, channel, thread, post and attachment cost the same queries as missing ones: one
    lookup of the chain up to her membership, whatever it finds."""

    def test_the_same_number_of_queries(self, client_for, make_thread, outsider, keeper, secret, engine) -> None:
        thread = make_thread(keeper, secret["channel_id"], title="Dossier")
        upload = client_for(keeper).post(f"{API}/attachments", files={
            "file": ("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}).json()
        reply = client_for(keeper).post(f"{API}/threads/{thread['id']}/replies", json={
            "body": "Zie bijlage", "attachment_ids": [upload["id"]]}).json()
        client = client_for(outsider)
        client.get(f"{API}/groups")  # her session is known from here on
        for path, real in (("groups", secret["id"]), ("channels", secret["channel_id"]), ("threads", thread["id"]),
                           ("posts", reply["id"]), ("attachments", upload["id"])):
            with CountQueries(engine) as secret_one:
                answer = client.get(f"{API}/{path}/{real}")
            with CountQueries(engine) as missing_one:
                nothing = client.get(f"{API}/{path}/{MISSING}")
            same_answer(answer, nothing)
            assert secret_one.count == missing_one.count, path
        # Writing to it too: a reply to a secret thread takes no lock before it is refused; nor does joining.
        for path in ("threads/{}/replies", "groups/{}/join"):
            real = thread["id"] if path.startswith("threads") else secret["id"]
            with CountQueries(engine) as secret_one:
                answer = client.post(f"{API}/{path.format(real)}", json={"body": "Hoi"})
            with CountQueries(engine) as missing_one:
                nothing = client.post(f"{API}/{path.format(MISSING)}", json={"body": "Hoi"})
            same_answer(answer, nothing)
            assert secret_one.count == missing_one.count, path
