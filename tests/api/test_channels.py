"""Channels in a group: list, create, get, rename and archive (group admins only)."""
from __future__ import annotations

from tests.api.helpers import API, assert_error, kinds

THREAD = {"title": "Een nieuwe draad", "body": "Wat vinden jullie?"}


class TestListChannels:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.get(f"{API}/groups/{make_group()['id']}/channels"), 401, "unauthenticated")

    def test_not_allowed(self, client_for, outsider, make_group) -> None:
        closed, secret = make_group(visibility="closed"), make_group(visibility="secret")
        client = client_for(outsider)
        assert_error(client.get(f"{API}/groups/{closed['id']}/channels"), 403, "join_to_read")
        assert_error(client.get(f"{API}/groups/{secret['id']}/channels"), 404, "not_found")
        assert_error(client.get(f"{API}/groups/999999/channels"), 404, "not_found")

    def test_default_first_then_by_name_archived_hidden(self, client_for, member, manager, make_group) -> None:
        group = make_group(members=(member,))
        admin = client_for(manager)
        for name in ("Zorg", "Begroting", "Oud"):
            assert admin.post(f"{API}/groups/{group['id']}/channels", json={"name": name}).status_code == 201
        old = [c for c in admin.get(f"{API}/groups/{group['id']}/channels").json() if c["name"] == "Oud"][0]
        assert admin.patch(f"{API}/channels/{old['id']}", json={"archived": True}).status_code == 200
        client = client_for(member)
        listing = client.get(f"{API}/groups/{group['id']}/channels").json()
        assert [c["name"] for c in listing] == ["Algemeen", "Begroting", "Zorg"]
        everything = client.get(f"{API}/groups/{group['id']}/channels", params={"include_archived": True}).json()
        assert [c["name"] for c in everything] == ["Algemeen", "Begroting", "Oud", "Zorg"]
        # An open group's channels are readable by any logged-in member of the party.
        assert client_for(manager).get(f"{API}/groups/{group['id']}/channels").status_code == 200


class TestCreateChannel:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.post(f"{API}/groups/{make_group()['id']}/channels", json={"name": "Zorg"}),
                     401, "unauthenticated")

    def test_not_allowed(self, client_for, member, outsider, make_group) -> None:
        group = make_group(members=(member,))
        secret = make_group(visibility="secret")
        assert_error(client_for(member).post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}),
                     403, "group_admins_only")
        assert_error(client_for(outsider).post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}),
                     403, "group_admins_only")
        assert_error(client_for(outsider).post(f"{API}/groups/{secret['id']}/channels", json={"name": "Zorg"}),
                     404, "not_found")

    def test_bad_input(self, client_for, member, make_group) -> None:
        group = make_group(admins=(member,))
        client = client_for(member)
        url = f"{API}/groups/{group['id']}/channels"
        assert_error(client.post(url, json={"name": "   "}), 422, "invalid", "name")
        assert_error(client.post(url, json={"name": "x" * 81}), 422, "invalid", "name")
        assert_error(client.post(url, json={"name": "Zorg", "is_default": True}), 422, "invalid", "is_default")
        assert_error(client.post(url, json={"name": "algemeen"}), 409, "channel_name_taken", "name")
        assert client.post(url, json={"name": "Zorg"}).status_code == 201
        assert_error(client.post(url, json={"name": "ZORG"}), 409, "channel_name_taken", "name")

    def test_group_admin_creates(self, client_for, member, make_group, capture_events) -> None:
        group = make_group(admins=(member,))
        capture_events.clear()
        response = client_for(member).post(f"{API}/groups/{group['id']}/channels",
                                           json={"name": "Wonen & Bouwen", "description": "Over woningbouw"})
        assert response.status_code == 201, response.text
        channel = response.json()
        assert (channel["group_id"], channel["name"], channel["slug"], channel["is_default"]) == (
            group["id"], "Wonen & Bouwen", "wonen-bouwen", False)
        assert channel["description"] == "Over woningbouw" and channel["archived_at"] is None
        assert kinds(capture_events) == [("channel.created", f"group:{group['id']}")]
        assert capture_events[0].payload["id"] == channel["id"]

    def test_staff_create_in_any_group(self, client_for, admin, make_group) -> None:
        group = make_group(visibility="secret")
        assert client_for(admin).post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}
                                      ).status_code == 201


class TestGetChannel:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.get(f"{API}/channels/{make_group()['channel_id']}"), 401, "unauthenticated")

    def test_not_allowed(self, client_for, outsider, make_group) -> None:
        closed, secret = make_group(visibility="closed"), make_group(visibility="secret")
        client = client_for(outsider)
        assert_error(client.get(f"{API}/channels/{closed['channel_id']}"), 403, "join_to_read")
        assert_error(client.get(f"{API}/channels/{secret['channel_id']}"), 404, "not_found")
        assert_error(client.get(f"{API}/channels/999999"), 404, "not_found")

    def test_member_reads(self, client_for, member, make_group) -> None:
        group = make_group(visibility="secret", members=(member,))
        response = client_for(member).get(f"{API}/channels/{group['channel_id']}")
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["is_default"]) == ("Algemeen", True)


class TestUpdateChannel:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.patch(f"{API}/channels/{make_group()['channel_id']}", json={"name": "Nieuw"}),
                     401, "unauthenticated")

    def test_not_allowed(self, client_for, member, outsider, make_group) -> None:
        group = make_group(members=(member,))
        secret = make_group(visibility="secret")
        assert_error(client_for(member).patch(f"{API}/channels/{group['channel_id']}", json={"name": "Nieuw"}),
                     403, "group_admins_only")
        assert_error(client_for(outsider).patch(f"{API}/channels/{secret['channel_id']}", json={"name": "Nieuw"}),
                     404, "not_found")

    def test_bad_input(self, client_for, member, make_group) -> None:
        group = make_group(admins=(member,))
        client = client_for(member)
        other = client.post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}).json()
        assert_error(client.patch(f"{API}/channels/{other['id']}", json={"name": "Algemeen"}),
                     409, "channel_name_taken", "name")
        assert_error(client.patch(f"{API}/channels/{other['id']}", json={"name": ""}), 422, "invalid", "name")
        assert_error(client.patch(f"{API}/channels/{other['id']}", json={"archived": "soms"}),
                     422, "invalid", "archived")

    def test_rename_keeps_the_id(self, client_for, member, make_group, make_thread, capture_events) -> None:
        group = make_group(admins=(member,))
        client = client_for(member)
        channel = client.post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}).json()
        thread = make_thread(member, channel["id"])
        capture_events.clear()
        renamed = client.patch(f"{API}/channels/{channel['id']}", json={"name": "Zorg en welzijn"})
        assert renamed.status_code == 200, renamed.text
        assert (renamed.json()["id"], renamed.json()["name"], renamed.json()["slug"]) == (
            channel["id"], "Zorg en welzijn", "zorg-en-welzijn")
        assert kinds(capture_events) == [("channel.updated", f"group:{group['id']}"),
                                         ("channel.updated", f"channel:{channel['id']}")]
        threads = client.get(f"{API}/channels/{channel['id']}/threads").json()["items"]
        assert [t["id"] for t in threads] == [thread["id"]]
        # Changing only the case of its own name is not a conflict with itself.
        assert client.patch(f"{API}/channels/{channel['id']}", json={"name": "ZORG EN WELZIJN"}).status_code == 200

    def test_default_channel_cannot_be_archived(self, client_for, member, make_group) -> None:
        group = make_group(admins=(member,))
        assert_error(client_for(member).patch(f"{API}/channels/{group['channel_id']}", json={"archived": True}),
                     409, "conflict", "archived")
        assert client_for(member).get(f"{API}/channels/{group['channel_id']}").json()["archived_at"] is None

    def test_archived_channel_takes_no_new_posts(self, client_for, member, make_user, make_group,
                                                 make_thread, capture_events) -> None:
        writer = make_user()
        group = make_group(admins=(member,), members=(writer,))
        admin = client_for(member)
        channel = admin.post(f"{API}/groups/{group['id']}/channels", json={"name": "Verkiezingen 2022"}).json()
        thread = make_thread(writer, channel["id"])
        archived = admin.patch(f"{API}/channels/{channel['id']}", json={"archived": True})
        assert archived.status_code == 200 and archived.json()["archived_at"] is not None

        client = client_for(writer)
        capture_events.clear()
        assert_error(client.post(f"{API}/channels/{channel['id']}/threads", json=THREAD), 409, "conflict")
        assert_error(client.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Nog één ding"}),
                     409, "conflict")
        assert capture_events == []
        # What is there stays readable.
        assert client.get(f"{API}/threads/{thread['id']}").status_code == 200
        assert [t["id"] for t in client.get(f"{API}/channels/{channel['id']}/threads").json()["items"]] == [
            thread["id"]]

        assert admin.patch(f"{API}/channels/{channel['id']}", json={"archived": False}).json()["archived_at"] is None
        assert client.post(f"{API}/channels/{channel['id']}/threads", json=THREAD).status_code == 201


class TestReorderChannels:
    def arrange(self, client_for, admin_user, make_group):
        group = make_group(admins=(admin_user,))
        client = client_for(admin_user)
        for name in ("Zorg", "Begroting"):
            assert client.post(f"{API}/groups/{group['id']}/channels", json={"name": name}).status_code == 201
        ids = {c["name"]: c["id"] for c in client.get(f"{API}/groups/{group['id']}/channels").json()}
        return group, client, ids

    def test_anonymous_is_refused(self, anon, make_group) -> None:
        response = anon.put(f"{API}/groups/{make_group()['id']}/channel-order", json={"channel_ids": [1]})
        assert_error(response, 401, "unauthenticated")

    def test_not_allowed(self, client_for, member, outsider, make_group) -> None:
        group, secret = make_group(members=(member,)), make_group(visibility="secret")
        channel = client_for(member).get(f"{API}/groups/{group['id']}/channels").json()[0]["id"]
        assert_error(client_for(member).put(f"{API}/groups/{group['id']}/channel-order",
                                            json={"channel_ids": [channel]}), 403, "group_admins_only")
        assert_error(client_for(outsider).put(f"{API}/groups/{secret['id']}/channel-order",
                                              json={"channel_ids": [channel]}), 404, "not_found")

    def test_bad_input_changes_nothing(self, client_for, member, make_group) -> None:
        group, client, ids = self.arrange(client_for, member, make_group)
        url = f"{API}/groups/{group['id']}/channel-order"
        for body in ({"channel_ids": [ids["Zorg"], ids["Algemeen"]]},  # one left out
                     {"channel_ids": [*ids.values(), ids["Zorg"]]},  # one twice
                     {"channel_ids": [*ids.values(), 999999]}):  # not this group's
            assert_error(client.put(url, json=body), 422, "invalid", "channel_ids")
        assert_error(client.put(url, json={"channel_ids": []}), 422, "invalid", "channel_ids")
        assert_error(client.put(url, json={"channel_ids": "abc"}), 422, "invalid", "channel_ids")
        listing = client.get(f"{API}/groups/{group['id']}/channels").json()
        assert [c["name"] for c in listing] == ["Algemeen", "Begroting", "Zorg"]

    def test_admin_reorders_and_members_see_it(self, client_for, member, other, make_group,
                                              capture_events) -> None:
        group, client, ids = self.arrange(client_for, member, make_group)
        order = [ids["Zorg"], ids["Algemeen"], ids["Begroting"]]
        capture_events.clear()
        response = client.put(f"{API}/groups/{group['id']}/channel-order", json={"channel_ids": order})
        assert response.status_code == 200 and [c["id"] for c in response.json()] == order
        assert [c["position"] for c in response.json()] == [0, 1, 2]
        listing = client_for(other).get(f"{API}/groups/{group['id']}/channels").json()
        assert [c["name"] for c in listing] == ["Zorg", "Algemeen", "Begroting"]
        assert kinds(capture_events) == [("channel.updated", f"group:{group['id']}")] * 3
        # The page lists them in that order too.
        page = client_for(other).get(f"/groups/{group['slug']}").text
        assert page.index("#Zorg") < page.index("#Algemeen") < page.index("#Begroting")


class TestChannelPages:
    def test_a_renamed_channels_old_link_redirects(self, client_for, member, make_group) -> None:
        group = make_group(admins=(member,))
        client = client_for(member)
        channel = client.post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}).json()
        assert client.patch(f"{API}/channels/{channel['id']}", json={"name": "Zorg en welzijn"}).status_code == 200
        response = client.get(f"/groups/{group['slug']}?channel=zorg", follow_redirects=False)
        assert response.status_code == 308
        assert response.headers["location"] == f"/groups/{group['slug']}?channel=zorg-en-welzijn"
        assert client.get(f"/groups/{group['slug']}?channel=bestaat-niet").status_code == 404
        # A new channel may take the old slug: then the link is that channel's.
        newer = client.post(f"{API}/groups/{group['id']}/channels", json={"name": "Zorg"}).json()
        assert newer["slug"] == "zorg"
        assert client.get(f"/groups/{group['slug']}?channel=zorg", follow_redirects=False).status_code == 200
        # Renamed away again, the slug's links follow the latest channel to leave it.
        assert client.patch(f"{API}/channels/{newer['id']}", json={"name": "Jeugdzorg"}).status_code == 200
        response = client.get(f"/groups/{group['slug']}?channel=zorg", follow_redirects=False)
        assert response.headers["location"] == f"/groups/{group['slug']}?channel=jeugdzorg"

    def test_an_archived_channel_opens_read_only(self, client_for, member, other, make_group,
                                                 make_thread) -> None:
        group = make_group(admins=(member,), members=(other,))
        client = client_for(member)
        channel = client.post(f"{API}/groups/{group['id']}/channels", json={"name": "Oud"}).json()
        thread = make_thread(other, channel["id"], title="Een draad van vroeger")
        assert client.patch(f"{API}/channels/{channel['id']}", json={"archived": True}).status_code == 200
        reader = client_for(other)
        page = reader.get(f"/groups/{group['slug']}?channel=oud")
        assert page.status_code == 200
        assert "Een draad van vroeger" in page.text and 'id="channel-archived"' in page.text
        assert 'id="thread-form"' not in page.text
        thread_page = reader.get(f"/threads/{thread['id']}")
        assert 'id="channel-archived"' in thread_page.text and 'id="reply-form"' not in thread_page.text
        # The group's page itself still has its composer (in the default channel).
        assert 'id="thread-form"' in reader.get(f"/groups/{group['slug']}").text

    def test_a_secret_groups_channel_links_are_not_found(self, client_for, member, outsider, make_group) -> None:
        secret = make_group(visibility="secret", admins=(member,))
        client = client_for(member)
        channel = client.post(f"{API}/groups/{secret['id']}/channels", json={"name": "Zorg"}).json()
        client.patch(f"{API}/channels/{channel['id']}", json={"name": "Welzijn"})
        stranger = client_for(outsider)
        for query in ("zorg", "welzijn", "bestaat-niet"):
            assert stranger.get(f"/groups/{secret['slug']}?channel={query}", follow_redirects=False).status_code == 404
