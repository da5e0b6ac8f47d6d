"""The key security promise: a secret group, and everything in it, does not exist for an outsider.

Every read and write on anything inside a secret group answers an outsider exactly as it answers for an id
that does not exist: 404, the same body, never 403, and nothing published. The same holds for a former
member. A closed group is different: it can be seen (200), its content is refused (403) until one joins.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.models import JoinRequest, Membership, Post, Thread
from tests.api.helpers import API, assert_error

MISSING = 987_654
THUMBS = quote("👍")


@pytest.fixture
def world(client_for, make_group, make_user, keeper, member, session) -> dict[str, Any]:
    """A secret group with one of everything in it; `member` wrote the reply, `keeper` is its group admin."""
    group = make_group("Vertrouwenscommissie Noord", visibility="secret", members=(member,), admins=(keeper,))
    insider = client_for(member)
    thread = insider.post(f"{API}/channels/{group['channel_id']}/threads", json={
        "kind": "question", "title": "Kandidaat wethouder", "body": "Wat weten we over haar?"}).json()
    upload = insider.post(f"{API}/attachments", files={"file": ("cv.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    reply = insider.post(f"{API}/threads/{thread['id']}/replies", json={
        "body": "Zie haar cv", "attachment_ids": [upload.json()["id"]]}).json()
    assert insider.patch(f"{API}/posts/{reply['id']}", json={"body": "Zie haar cv (bijgewerkt)"}).status_code == 200
    assert insider.put(f"{API}/posts/{reply['id']}/reactions/{THUMBS}").status_code == 200
    # A request left from when the group was still closed.
    request = JoinRequest(group_id=group["id"], user_id=make_user().id)
    session.add(request)
    session.commit()
    return {"g": group["id"], "slug": group["slug"], "c": group["channel_id"], "t": thread["id"],
            "p": reply["id"], "a": upload.json()["id"], "r": request.id, "u": member.id}


# (method, path, json body, what the group admin gets: proof that the path is real)
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, int]] = [
    ("GET", "/groups/{g}", None, 200),
    ("GET", "/groups/by-slug/{slug}", None, 200),
    ("GET", "/groups/{g}/channels", None, 200),
    ("GET", "/channels/{c}", None, 200),
    ("GET", "/channels/{c}/threads", None, 200),
    ("GET", "/groups/{g}/threads", None, 200),
    ("GET", "/threads/{t}", None, 200),
    ("GET", "/threads/{t}/replies", None, 200),
    ("GET", "/posts/{p}", None, 200),
    ("GET", "/posts/{p}/revisions", None, 200),
    ("GET", "/attachments/{a}", None, 200),
    ("GET", "/attachments/{a}/content", None, 200),
    ("GET", "/groups/{g}/members", None, 200),
    ("GET", "/groups/{g}/join-requests", None, 200),
    ("POST", "/groups/{g}/join", None, 200),  # she is a member already: joining is idempotent
    ("DELETE", "/groups/{g}/join-request", None, 404),
    ("PATCH", "/groups/{g}", {"name": "Overgenomen"}, 200),
    ("POST", "/groups/{g}/invitations", {"user_id": "{outsider}"}, 201),
    ("PATCH", "/groups/{g}/members/{u}", {"role": "admin"}, 200),
    ("DELETE", "/groups/{g}/members/{u}", None, 204),
    ("POST", "/join-requests/{r}/approve", None, 200),
    ("POST", "/join-requests/{r}/decline", None, 200),
    ("POST", "/groups/{g}/channels", {"name": "Lekken"}, 201),
    ("PATCH", "/channels/{c}", {"name": "Lekken"}, 200),
    ("POST", "/channels/{c}/threads", {"title": "Ik ben binnen", "body": "Hallo"}, 201),
    ("PATCH", "/threads/{t}", {"title": "Overgenomen"}, 200),
    ("DELETE", "/threads/{t}", None, 204),
    ("PUT", "/threads/{t}/answer", {"post_id": "{p}"}, 200),
    ("DELETE", "/threads/{t}/answer", None, 200),
    ("POST", "/threads/{t}/replies", {"body": "Hallo"}, 201),
    ("PATCH", "/posts/{p}", {"body": "Overgenomen"}, 200),
    ("DELETE", "/posts/{p}", None, 204),
    ("PUT", "/posts/{p}/reactions/" + THUMBS, None, 200),
    ("DELETE", "/posts/{p}/reactions/" + THUMBS, None, 200),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]


def fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def call(client, method: str, path: str, body: dict[str, Any] | None, ids: dict[str, Any]):
    url = API + path.format(**ids)
    if body is None:
        return client.request(method, url)
    return client.request(method, url, json=fill(body, ids))


def missing(ids: dict[str, Any]) -> dict[str, Any]:
    return {k: (f"bestaat-niet-{MISSING}" if k == "slug" else MISSING) for k in ids}


def assert_does_not_exist(client, method, path, body, ids, events) -> None:
    """The answer for the secret thing is exactly the answer for a thing that never existed."""
    events.clear()
    response = call(client, method, path, body, ids)
    assert_error(response, 404, "not_found")
    assert response.json() == call(client, method, path, body, missing(ids)).json()
    assert events == []


class TestOutsider:
    @pytest.mark.parametrize(("method", "path", "body", "insider_status"), ENDPOINTS, ids=IDS)
    def test_every_endpoint_is_404(self, client_for, world, outsider, keeper, capture_events, session,
                                   method, path, body, insider_status) -> None:
        ids = world | {"outsider": outsider.id}
        counts = (session.scalar(select(func.count()).select_from(Thread)),
                  session.scalar(select(func.count()).select_from(Post)))
        assert_does_not_exist(client_for(outsider), method, path, body, ids, capture_events)
        assert (session.scalar(select(func.count()).select_from(Thread)),
                session.scalar(select(func.count()).select_from(Post))) == counts
        # The same request from the group's admin reaches the real thing.
        response = call(client_for(keeper), method, path, body, ids)
        assert response.status_code == insider_status, response.text
        if insider_status == 404:
            assert response.json() != call(client_for(keeper), method, path, body, missing(ids)).json()

    def test_staff_are_not_outsiders(self, client_for, world, admin, manager) -> None:
        for user in (admin, manager):
            client = client_for(user)
            assert client.get(f"{API}/groups/{world['g']}").status_code == 200
            assert client.get(f"{API}/threads/{world['t']}").status_code == 200
            assert client.get(f"{API}/attachments/{world['a']}/content").status_code == 200

    def test_not_in_the_directory_nor_in_search(self, client_for, world, outsider) -> None:
        client = client_for(outsider)
        for params in ({}, {"q": "vertrouwen"}, {"kind": "theme"}, {"include_archived": True}):
            assert world["g"] not in [g["id"] for g in client.get(f"{API}/groups", params=params).json()]

    def test_nor_as_a_parent(self, client_for, world, outsider, make_group) -> None:
        child = make_group("Open werkgroep", parent_id=world["g"])
        seen = client_for(outsider).get(f"{API}/groups/{child['id']}").json()
        assert (seen["parent_id"], seen["ancestors"]) == (None, [])

    def test_an_invited_outsider_sees_only_the_invitation(self, client_for, world, outsider, keeper) -> None:
        invitation = client_for(keeper).post(f"{API}/groups/{world['g']}/invitations", json={"user_id": outsider.id})
        assert invitation.status_code == 201
        client = client_for(outsider)
        [mine] = client.get(f"{API}/me/group-invitations").json()
        assert mine["group"]["id"] == world["g"]
        # Until she accepts, the content is still not there for her.
        assert_error(client.get(f"{API}/threads/{world['t']}"), 404, "not_found")
        assert client.post(f"{API}/group-invitations/{mine['id']}/accept").status_code == 200
        assert client.get(f"{API}/threads/{world['t']}").status_code == 200


class TestFormerMember:
    @pytest.fixture
    def former(self, client_for, world, member, keeper, session):
        assert client_for(keeper).delete(f"{API}/groups/{world['g']}/members/{member.id}").status_code == 204
        assert session.scalar(select(Membership).where(Membership.group_id == world["g"],
                                                       Membership.user_id == member.id)) is None
        return member

    @pytest.mark.parametrize(("method", "path", "body", "insider_status"), ENDPOINTS, ids=IDS)
    def test_every_endpoint_is_404(self, client_for, world, former, outsider, capture_events,
                                   method, path, body, insider_status) -> None:
        # Her own reply and her own upload included: they are inside the group.
        assert_does_not_exist(client_for(former), method, path, body, world | {"outsider": outsider.id},
                              capture_events)


class TestClosedGroup:
    def test_visible_but_content_refused_until_approved(self, client_for, make_group, make_user, outsider,
                                                        member) -> None:
        group = make_group("Fractie Utrecht", visibility="closed", admins=(member,))
        insider = client_for(member)
        thread = insider.post(f"{API}/channels/{group['channel_id']}/threads",
                              json={"title": "Begroting 2026", "body": "Eerste versie"}).json()
        reply = insider.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Akkoord"}).json()

        client = client_for(outsider)
        seen = client.get(f"{API}/groups/{group['id']}")
        assert seen.status_code == 200 and seen.json()["name"] == "Fractie Utrecht"
        assert client.get(f"{API}/groups/by-slug/{group['slug']}").status_code == 200
        assert group["id"] in [g["id"] for g in client.get(f"{API}/groups").json()]
        reads = [f"/groups/{group['id']}/channels", f"/channels/{group['channel_id']}",
                 f"/channels/{group['channel_id']}/threads", f"/groups/{group['id']}/threads",
                 f"/threads/{thread['id']}", f"/threads/{thread['id']}/replies", f"/posts/{reply['id']}",
                 f"/posts/{reply['id']}/revisions", f"/groups/{group['id']}/members"]
        for path in reads:
            assert_error(client.get(API + path), 403, "join_to_read")
        assert_error(client.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Mag ik?"}),
                     403, "join_to_post")

        assert client.post(f"{API}/groups/{group['id']}/join").json()["status"] == "requested"
        for path in reads:
            assert_error(client.get(API + path), 403, "join_to_read")
        [request] = insider.get(f"{API}/groups/{group['id']}/join-requests").json()
        assert insider.post(f"{API}/join-requests/{request['id']}/approve").status_code == 200

        for path in reads:
            assert client.get(API + path).status_code == 200, path
        assert client.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Dank!"}).status_code == 201

    def test_a_closed_group_becoming_secret_disappears(self, client_for, make_group, outsider, manager) -> None:
        group = make_group(visibility="closed")
        client = client_for(outsider)
        assert client.get(f"{API}/groups/{group['id']}").status_code == 200
        assert client_for(manager).patch(f"{API}/groups/{group['id']}", json={"visibility": "secret"}
                                         ).status_code == 200
        assert_error(client.get(f"{API}/groups/{group['id']}"), 404, "not_found")
        assert_error(client.post(f"{API}/groups/{group['id']}/join"), 404, "not_found")
