"""Groups: the directory, creating and changing groups, joining (open, closed, secret), leaving, members."""
from __future__ import annotations

from app.models import GroupInvitation, JoinRequest, Membership
from tests.api.helpers import API, assert_error, kinds


def listed(client, *groups: dict, **params) -> list[str]:
    """Names in the directory, in its order, of the groups this test made (other rows are not ours)."""
    ids = {g["id"] for g in groups}
    response = client.get(f"{API}/groups", params=params)
    assert response.status_code == 200, response.text
    return [g["name"] for g in response.json() if g["id"] in ids]


class TestDirectory:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.get(f"{API}/groups"), 401, "unauthenticated")

    def test_secret_groups_are_invisible_to_non_members(self, client_for, member, outsider, make_group) -> None:
        made = (make_group("Open overleg", visibility="open"), make_group("Besloten overleg", visibility="closed"),
                make_group("Geheim overleg", visibility="secret", members=(member,)))
        client = client_for(outsider)
        assert listed(client, *made) == ["Besloten overleg", "Open overleg"]
        # Nor can she find it by searching for it.
        assert listed(client, *made, q="geheim") == []
        assert listed(client, *made, include_archived=True, kind="theme") == ["Besloten overleg", "Open overleg"]

    def test_secret_groups_are_visible_to_members_and_staff(self, client_for, member, admin, manager,
                                                            make_group) -> None:
        made = (make_group("Open overleg"), make_group("Geheim overleg", visibility="secret", members=(member,)))
        for user in (member, admin, manager):
            assert listed(client_for(user), *made) == ["Geheim overleg", "Open overleg"], user.role
        mine = {g["id"]: g["my_role"] for g in client_for(member).get(f"{API}/groups").json()}
        assert [mine[g["id"]] for g in made] == [None, "member"]

    def test_filter_by_kind(self, client_for, member, make_group) -> None:
        made = (make_group("Fryslân", kind="province"), make_group("Fractie Leeuwarden", kind="faction"),
                make_group("Zorg", kind="theme"))
        client = client_for(member)
        assert listed(client, *made, kind="province") == ["Fryslân"]
        assert listed(client, *made, kind="faction") == ["Fractie Leeuwarden"]
        assert_error(client.get(f"{API}/groups", params={"kind": "party"}), 422, "invalid", "kind")

    def test_search_ignores_accents_and_case(self, client_for, member, make_group) -> None:
        made = (make_group("Fryslân", kind="province"), make_group("Groningen", kind="province"))
        client = client_for(member)
        assert listed(client, *made, q="fryslan") == ["Fryslân"]
        assert listed(client, *made, q="FRYSLÂN") == ["Fryslân"]
        assert listed(client, *made, q=" ysl ") == ["Fryslân"]
        assert listed(client, *made, q="utrecht") == []
        assert_error(client.get(f"{API}/groups", params={"q": "x" * 101}), 422, "invalid", "q")

    def test_mine_and_archived_filters(self, client_for, member, manager, make_group) -> None:
        made = (make_group("Mijn groep", members=(member,)), make_group("Andere groep"),
                make_group("Oude groep", members=(member,)))
        assert client_for(manager).patch(f"{API}/groups/{made[2]['id']}", json={"archived": True}).status_code == 200
        client = client_for(member)
        assert listed(client, *made, mine=True) == ["Mijn groep"]
        assert listed(client, *made) == ["Andere groep", "Mijn groep"]
        assert listed(client, *made, include_archived=True) == ["Andere groep", "Mijn groep", "Oude groep"]
        archived = [g["archived"] for g in client.get(f"{API}/groups", params={"include_archived": True}).json()
                    if g["id"] == made[2]["id"]]
        assert archived == [True]

    def test_tree_lists_parents_before_children_with_ancestors(self, client_for, member, make_group) -> None:
        holland = make_group("Noord-Holland", kind="province")
        alkmaar = make_group("Alkmaar", kind="faction", parent_id=holland["id"])
        zorg = make_group("Alkmaar Zorg", kind="theme", parent_id=alkmaar["id"])
        made = (holland, alkmaar, zorg, make_group("Amsterdam", kind="faction"), make_group("Zeeland", kind="province"))
        client = client_for(member)
        assert listed(client, *made) == ["Amsterdam", "Noord-Holland", "Alkmaar", "Alkmaar Zorg", "Zeeland"]
        by_id = {g["id"]: g for g in client.get(f"{API}/groups").json()}
        assert [a["name"] for a in by_id[zorg["id"]]["ancestors"]] == ["Noord-Holland", "Alkmaar"]
        assert by_id[zorg["id"]]["parent_id"] == alkmaar["id"]
        assert by_id[alkmaar["id"]]["ancestors"] == [
            {"id": holland["id"], "slug": holland["slug"], "name": "Noord-Holland"}]
        assert by_id[holland["id"]]["ancestors"] == [] and by_id[holland["id"]]["parent_id"] is None

    def test_a_secret_parent_is_left_out_of_the_tree(self, client_for, outsider, member, make_group) -> None:
        secret = make_group("Geheim bestuur", visibility="secret", members=(member,))
        child = make_group("Open werkgroep", parent_id=secret["id"])
        # For an outsider the secret parent does not exist, not even as an id.
        seen = client_for(outsider).get(f"{API}/groups/{child['id']}").json()
        assert (seen["parent_id"], seen["ancestors"]) == (None, [])
        listing = {g["id"]: g for g in client_for(outsider).get(f"{API}/groups").json()}
        assert secret["id"] not in listing
        assert (listing[child["id"]]["parent_id"], listing[child["id"]]["ancestors"]) == (None, [])
        # Its members do see where the child group sits.
        inside = client_for(member).get(f"{API}/groups/{child['id']}").json()
        assert (inside["parent_id"], [a["name"] for a in inside["ancestors"]]) == (secret["id"], ["Geheim bestuur"])


class TestCreateGroup:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.post(f"{API}/groups", json={"name": "Zorg", "kind": "theme"}), 401, "unauthenticated")

    def test_a_member_may_not_create_groups(self, client_for, member, session) -> None:
        response = client_for(member).post(f"{API}/groups", json={"name": "Zorg", "kind": "theme"})
        assert_error(response, 403, "create_groups_not_allowed")

    def test_bad_input(self, client_for, manager) -> None:
        client = client_for(manager)
        assert_error(client.post(f"{API}/groups", json={"name": "Z", "kind": "theme"}), 422, "invalid", "name")
        assert_error(client.post(f"{API}/groups", json={"name": "Zorg", "kind": "party"}), 422, "invalid", "kind")
        assert_error(client.post(f"{API}/groups", json={"name": "Zorg", "kind": "theme", "visibility": "hidden"}),
                     422, "invalid", "visibility")
        assert_error(client.post(f"{API}/groups", json={"name": "Zorg", "kind": "theme", "slug": "Zorg en Welzijn"}),
                     422, "invalid", "slug")
        assert_error(client.post(f"{API}/groups", json={"name": "Zorg", "kind": "theme", "owner": 1}),
                     422, "invalid", "owner")

    def test_slug_conflict(self, client_for, manager, make_group) -> None:
        make_group("Zorg")
        response = client_for(manager).post(f"{API}/groups", json={"name": "Zorg 2", "kind": "theme", "slug": "zorg"})
        assert_error(response, 409, "slug_taken", "slug")

    def test_unknown_parent(self, client_for, manager) -> None:
        response = client_for(manager).post(f"{API}/groups", json={"name": "Zorg", "kind": "theme",
                                                                   "parent_id": 999_999})
        assert_error(response, 422, "invalid", "parent_id")

    def test_staff_create_a_group_with_a_default_channel(self, client_for, admin, manager, capture_events) -> None:
        created = []
        for user in (admin, manager):
            response = client_for(user).post(f"{API}/groups", json={
                "name": "Fryslân", "kind": "province", "visibility": "closed", "description": "De provincie"})
            assert response.status_code == 201, response.text
            created.append(response.json())
        first, second = created
        # The same name twice gets a numbered slug rather than a conflict.
        assert first["slug"].startswith("fryslan") and second["slug"].startswith("fryslan-")
        assert first["slug"] != second["slug"]
        assert client_for(admin).get(f"{API}/groups/by-slug/{second['slug']}").json()["id"] == second["id"]
        assert (first["kind"], first["visibility"], first["description"]) == ("province", "closed", "De provincie")
        assert first["member_count"] == 1 and first["my_role"] == "admin"
        channels = client_for(admin).get(f"{API}/groups/{first['id']}/channels").json()
        assert [(c["name"], c["is_default"]) for c in channels] == [("Algemeen", True)]
        assert capture_events == []

    def test_child_group_under_a_parent(self, client_for, manager, make_group) -> None:
        parent = make_group("Gelderland", kind="province")
        response = client_for(manager).post(f"{API}/groups", json={"name": "Arnhem", "kind": "faction",
                                                                   "parent_id": parent["id"]})
        assert response.status_code == 201, response.text
        assert response.json()["parent_id"] == parent["id"]
        assert [a["id"] for a in response.json()["ancestors"]] == [parent["id"]]


class TestGetGroup:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        group = make_group()
        assert_error(anon.get(f"{API}/groups/{group['id']}"), 401, "unauthenticated")
        assert_error(anon.get(f"{API}/groups/by-slug/{group['slug']}"), 401, "unauthenticated")

    def test_missing(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"{API}/groups/999999"), 404, "not_found")
        assert_error(client_for(member).get(f"{API}/groups/by-slug/bestaat-niet"), 404, "not_found")

    def test_by_id_and_by_slug(self, client_for, member, outsider, make_group) -> None:
        group = make_group("Duurzaamheid", visibility="closed", members=(member,))
        by_id = client_for(member).get(f"{API}/groups/{group['id']}")
        by_slug = client_for(member).get(f"{API}/groups/by-slug/{group['slug'].upper()}")
        assert by_id.status_code == by_slug.status_code == 200
        assert by_id.json() == by_slug.json()
        assert by_id.json()["name"] == "Duurzaamheid" and by_id.json()["my_role"] == "member"
        assert by_id.json()["member_count"] == 2
        # A closed group is visible to everyone; only its content is for members.
        seen = client_for(outsider).get(f"{API}/groups/{group['id']}")
        assert seen.status_code == 200 and seen.json()["my_role"] is None


class TestUpdateGroup:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        group = make_group()
        assert_error(anon.patch(f"{API}/groups/{group['id']}", json={"name": "Nieuw"}), 401, "unauthenticated")

    def test_a_plain_member_may_not(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        assert_error(client_for(member).patch(f"{API}/groups/{group['id']}", json={"name": "Nieuw"}),
                     403, "group_admins_only")

    def test_a_group_admin_may_not_move_or_archive(self, client_for, member, make_group) -> None:
        parent = make_group("Ouder")
        group = make_group(admins=(member,))
        client = client_for(member)
        assert_error(client.patch(f"{API}/groups/{group['id']}", json={"parent_id": parent["id"]}),
                     403, "organise_groups_not_allowed")
        assert_error(client.patch(f"{API}/groups/{group['id']}", json={"archived": True}),
                     403, "organise_groups_not_allowed")

    def test_bad_input(self, client_for, member, make_group) -> None:
        make_group("Bezet")
        group = make_group(admins=(member,))
        client = client_for(member)
        assert_error(client.patch(f"{API}/groups/{group['id']}", json={"name": ""}), 422, "invalid", "name")
        assert_error(client.patch(f"{API}/groups/{group['id']}", json={"slug": "bezet"}), 409, "slug_taken", "slug")
        assert_error(client.patch(f"{API}/groups/{group['id']}", json={"kind": "faction"}), 422, "invalid", "kind")

    def test_group_admin_renames_and_links_by_id_keep_working(self, client_for, member, make_group,
                                                              capture_events) -> None:
        group = make_group("Werkgroep Wonen", admins=(member,))
        capture_events.clear()
        client = client_for(member)
        response = client.patch(f"{API}/groups/{group['id']}", json={"name": "Werkgroep Wonen en Bouwen",
                                                                     "description": "Nieuw"})
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Werkgroep Wonen en Bouwen"
        assert response.json()["slug"] == group["slug"]
        fetched = client.get(f"{API}/groups/{group['id']}").json()
        assert (fetched["name"], fetched["description"]) == ("Werkgroep Wonen en Bouwen", "Nieuw")
        assert client.get(f"{API}/channels/{group['channel_id']}").status_code == 200
        assert kinds(capture_events) == [("group.updated", f"group:{group['id']}")]
        assert capture_events[0].payload["my_role"] is None

    def test_slug_change(self, client_for, member, make_group) -> None:
        group = make_group("Wonen", admins=(member,))
        client = client_for(member)
        assert client.patch(f"{API}/groups/{group['id']}", json={"slug": "wonen-en-bouwen"}).status_code == 200
        assert client.get(f"{API}/groups/by-slug/wonen-en-bouwen").json()["id"] == group["id"]
        # Links with the old slug keep working: a redirect to the new one (API and page alike).
        old = client.get(f"{API}/groups/by-slug/{group['slug']}", follow_redirects=False)
        assert old.status_code == 308 and old.headers["location"] == f"{API}/groups/by-slug/wonen-en-bouwen"
        page = client.get(f"/groups/{group['slug']}?channel=algemeen", follow_redirects=False)
        assert page.status_code == 308 and page.headers["location"] == "/groups/wonen-en-bouwen?channel=algemeen"
        # Renamed again: both old slugs lead to the newest.
        assert client.patch(f"{API}/groups/{group['id']}", json={"slug": "bouwen"}).status_code == 200
        for slug in (group["slug"], "wonen-en-bouwen"):
            assert client.get(f"{API}/groups/by-slug/{slug}").json()["slug"] == "bouwen"
        # And back to its first slug: that one is live again, the others still redirect.
        assert client.patch(f"{API}/groups/{group['id']}", json={"slug": group["slug"]}).status_code == 200
        assert client.get(f"{API}/groups/by-slug/{group['slug']}", follow_redirects=False).status_code == 200
        assert client.get(f"{API}/groups/by-slug/bouwen").json()["slug"] == group["slug"]

    def test_a_live_slug_wins_over_an_old_one(self, client_for, member, manager, make_group) -> None:
        first = make_group("Wonen", admins=(member,))
        client = client_for(member)
        assert client.patch(f"{API}/groups/{first['id']}", json={"slug": "wonen-nieuw"}).status_code == 200
        second = make_group("Wonen")  # takes the slug the first one left
        assert second["slug"] == first["slug"]
        assert client.get(f"{API}/groups/by-slug/{first['slug']}").json()["id"] == second["id"]
        # The second leaves it too: now the slug's old links lead to the second, the latest to leave it.
        staff = client_for(manager)
        assert staff.patch(f"{API}/groups/{second['id']}", json={"slug": "wonen-twee"}).status_code == 200
        assert client.get(f"{API}/groups/by-slug/{first['slug']}").json()["id"] == second["id"]

    def test_a_secret_groups_old_slug_is_not_found_for_outsiders(self, client_for, member, outsider,
                                                                 make_group) -> None:
        secret = make_group("Geheim overleg", visibility="secret", admins=(member,))
        assert client_for(member).patch(f"{API}/groups/{secret['id']}", json={"slug": "anders"}).status_code == 200
        stranger = client_for(outsider)
        for path in (f"{API}/groups/by-slug/{secret['slug']}", f"/groups/{secret['slug']}"):
            response = stranger.get(path, follow_redirects=False)
            assert response.status_code == 404, path
        assert_error(stranger.get(f"{API}/groups/by-slug/{secret['slug']}"), 404, "not_found")
        assert_error(stranger.get(f"{API}/groups/by-slug/bestaat-niet-{secret['id']}"), 404, "not_found")

    def test_staff_move_a_group_but_never_under_itself(self, client_for, manager, make_group) -> None:
        top = make_group("Top")
        middle = make_group("Midden", parent_id=top["id"])
        bottom = make_group("Onder", parent_id=middle["id"])
        client = client_for(manager)
        assert_error(client.patch(f"{API}/groups/{top['id']}", json={"parent_id": top["id"]}),
                     422, "invalid", "parent_id")
        assert_error(client.patch(f"{API}/groups/{top['id']}", json={"parent_id": bottom["id"]}),
                     422, "invalid", "parent_id")
        assert_error(client.patch(f"{API}/groups/{top['id']}", json={"parent_id": 999_999}),
                     422, "invalid", "parent_id")
        moved = client.patch(f"{API}/groups/{bottom['id']}", json={"parent_id": top["id"]})
        assert moved.status_code == 200 and moved.json()["parent_id"] == top["id"]
        detached = client.patch(f"{API}/groups/{bottom['id']}", json={"parent_id": None})
        assert detached.status_code == 200 and detached.json()["parent_id"] is None
        # Now that it is no longer below, "Top" may go under "Onder".
        assert client.patch(f"{API}/groups/{top['id']}", json={"parent_id": bottom["id"]}).status_code == 200

    def test_event_does_not_name_a_secret_parent(self, client_for, manager, make_group, capture_events) -> None:
        secret = make_group("Geheim bestuur", visibility="secret")
        child = make_group("Open werkgroep", parent_id=secret["id"])
        capture_events.clear()
        assert client_for(manager).patch(f"{API}/groups/{child['id']}", json={"name": "Open werkgroep 2"}
                                         ).status_code == 200
        # Every member of the open child group receives this event; most cannot see the parent.
        [event] = capture_events
        assert "Geheim bestuur" not in str(event.payload)
        assert event.payload["ancestors"] == [] and event.payload["parent_id"] is None


class TestJoinOpenGroup:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.post(f"{API}/groups/{make_group()['id']}/join"), 401, "unauthenticated")

    def test_missing_group(self, client_for, outsider) -> None:
        assert_error(client_for(outsider).post(f"{API}/groups/999999/join"), 404, "not_found")

    def test_joins_at_once(self, client_for, outsider, make_group, capture_events) -> None:
        group = make_group()
        capture_events.clear()
        client = client_for(outsider)
        response = client.post(f"{API}/groups/{group['id']}/join")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "member"
        assert response.json()["group"]["my_role"] == "member"
        assert response.json()["group"]["member_count"] == 2
        assert kinds(capture_events) == [("membership.changed", f"group:{group['id']}")]
        # Joining again is the same success (idempotent: a second click or tab), and changes nothing.
        again = client.post(f"{API}/groups/{group['id']}/join")
        assert again.status_code == 200 and again.json() == response.json()
        assert kinds(capture_events) == [("membership.changed", f"group:{group['id']}")]

    def test_archived_group_cannot_be_joined(self, client_for, outsider, manager, make_group) -> None:
        group = make_group()
        client_for(manager).patch(f"{API}/groups/{group['id']}", json={"archived": True})
        assert_error(client_for(outsider).post(f"{API}/groups/{group['id']}/join"), 409, "group_archived")


class TestJoinClosedGroup:
    def test_request_then_admin_approves(self, client_for, outsider, member, make_group, capture_events) -> None:
        group = make_group("Besloten", visibility="closed", admins=(member,))
        asker = client_for(outsider)
        capture_events.clear()
        response = asker.post(f"{API}/groups/{group['id']}/join", json={"message": "Ik ben raadslid in Ede"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "requested"
        assert response.json()["group"]["my_role"] is None
        assert response.json()["group"]["my_request"] == "pending"
        assert kinds(capture_events) == [("join_request.created", f"group:{group['id']}")]
        assert_error(asker.post(f"{API}/groups/{group['id']}/join"), 409, "join_request_pending")
        assert_error(asker.get(f"{API}/groups/{group['id']}/threads"), 403, "join_to_read")

        group_admin = client_for(member)
        requests = group_admin.get(f"{API}/groups/{group['id']}/join-requests")
        assert requests.status_code == 200
        [request] = requests.json()
        assert (request["user"]["id"], request["message"], request["status"]) == (
            outsider.id, "Ik ben raadslid in Ede", "pending")

        capture_events.clear()
        approved = group_admin.post(f"{API}/join-requests/{request['id']}/approve")
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved" and approved.json()["decided_at"] is not None
        assert kinds(capture_events) == [("membership.changed", f"group:{group['id']}"),
                                         ("join_request.decided", f"user:{outsider.id}"),
                                         ("notification.created", f"user:{outsider.id}")]
        assert asker.get(f"{API}/groups/{group['id']}").json()["my_role"] == "member"
        assert asker.get(f"{API}/groups/{group['id']}/threads").status_code == 200
        assert group_admin.get(f"{API}/groups/{group['id']}/join-requests").json() == []
        assert_error(group_admin.post(f"{API}/join-requests/{request['id']}/approve"), 409, "already_decided")

    def test_admin_declines(self, client_for, outsider, member, make_group) -> None:
        group = make_group(visibility="closed", admins=(member,))
        asker = client_for(outsider)
        asker.post(f"{API}/groups/{group['id']}/join")
        [request] = client_for(member).get(f"{API}/groups/{group['id']}/join-requests").json()
        declined = client_for(member).post(f"{API}/join-requests/{request['id']}/decline")
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
        assert asker.get(f"{API}/groups/{group['id']}").json()["my_role"] is None
        # She may ask again.
        assert asker.post(f"{API}/groups/{group['id']}/join").json()["status"] == "requested"

    def test_a_non_admin_cannot_see_or_decide_requests(self, client_for, outsider, member, make_user,
                                                       make_group) -> None:
        plain = make_user()
        group = make_group(visibility="closed", members=(plain,), admins=(member,))
        client_for(outsider).post(f"{API}/groups/{group['id']}/join")
        [request] = client_for(member).get(f"{API}/groups/{group['id']}/join-requests").json()
        for user in (plain, outsider):
            client = client_for(user)
            assert_error(client.get(f"{API}/groups/{group['id']}/join-requests"), 403, "group_admins_only")
            assert_error(client.post(f"{API}/join-requests/{request['id']}/approve"), 403, "group_admins_only")
            assert_error(client.post(f"{API}/join-requests/{request['id']}/decline"), 403, "group_admins_only")
        assert_error(client_for(member).post(f"{API}/join-requests/999999/approve"), 404, "not_found")

    def test_outsider_of_a_secret_group_gets_404_for_its_requests(self, client_for, outsider, member, make_user,
                                                                  make_group, session) -> None:
        group = make_group(visibility="secret", admins=(member,))
        asker = make_user()
        # A request left over from when the group was closed.
        request = JoinRequest(group_id=group["id"], user_id=asker.id)
        session.add(request)
        session.commit()
        client = client_for(outsider)
        assert_error(client.get(f"{API}/groups/{group['id']}/join-requests"), 404, "not_found")
        assert_error(client.post(f"{API}/join-requests/{request.id}/approve"), 404, "not_found")

    def test_cancel_request(self, client_for, outsider, member, make_group) -> None:
        group = make_group(visibility="closed", admins=(member,))
        asker = client_for(outsider)
        assert_error(asker.delete(f"{API}/groups/{group['id']}/join-request"), 404, "not_found")
        asker.post(f"{API}/groups/{group['id']}/join")
        assert asker.delete(f"{API}/groups/{group['id']}/join-request").status_code == 204
        assert client_for(member).get(f"{API}/groups/{group['id']}/join-requests").json() == []
        assert asker.get(f"{API}/groups/{group['id']}").json()["my_request"] is None


class TestJoinSecretGroup:
    def test_uninvited_gets_404(self, client_for, outsider, make_group) -> None:
        group = make_group(visibility="secret")
        assert_error(client_for(outsider).post(f"{API}/groups/{group['id']}/join"), 404, "not_found")

    def test_invited_member_accepts(self, client_for, outsider, member, make_group, capture_events) -> None:
        group = make_group("Vertrouwenscommissie", visibility="secret", admins=(member,))
        capture_events.clear()
        invited = client_for(member).post(f"{API}/groups/{group['id']}/invitations", json={"user_id": outsider.id})
        assert invited.status_code == 201, invited.text
        assert invited.json()["status"] == "pending" and invited.json()["user"]["id"] == outsider.id
        assert kinds(capture_events) == [("group_invitation.created", f"user:{outsider.id}")]
        # Inviting again gives the same invitation.
        again = client_for(member).post(f"{API}/groups/{group['id']}/invitations", json={"user_id": outsider.id})
        assert again.json()["id"] == invited.json()["id"]

        invitee = client_for(outsider)
        [mine] = invitee.get(f"{API}/me/group-invitations").json()
        assert mine["id"] == invited.json()["id"]
        assert mine["group"]["name"] == "Vertrouwenscommissie"
        assert mine["invited_by"]["id"] == member.id
        accepted = invitee.post(f"{API}/group-invitations/{mine['id']}/accept")
        assert accepted.status_code == 200 and accepted.json()["status"] == "approved"
        assert invitee.get(f"{API}/groups/{group['id']}").json()["my_role"] == "member"
        assert invitee.get(f"{API}/me/group-invitations").json() == []
        assert_error(invitee.post(f"{API}/group-invitations/{mine['id']}/accept"), 409, "already_decided")

    def test_invited_member_may_also_join_directly(self, client_for, outsider, member, make_group,
                                                   session) -> None:
        group = make_group(visibility="secret", admins=(member,))
        client_for(member).post(f"{API}/groups/{group['id']}/invitations", json={"user_id": outsider.id})
        response = client_for(outsider).post(f"{API}/groups/{group['id']}/join")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "member"
        invitation = session.query(GroupInvitation).filter_by(group_id=group["id"], user_id=outsider.id).one()
        assert invitation.status == "approved"

    def test_invitee_declines(self, client_for, outsider, member, make_group) -> None:
        group = make_group(visibility="secret", admins=(member,))
        invitation = client_for(member).post(f"{API}/groups/{group['id']}/invitations",
                                             json={"user_id": outsider.id}).json()
        invitee = client_for(outsider)
        declined = invitee.post(f"{API}/group-invitations/{invitation['id']}/decline")
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
        assert_error(invitee.get(f"{API}/groups/{group['id']}"), 404, "not_found")

    def test_only_the_invitee_decides(self, client_for, outsider, member, make_user, make_group) -> None:
        group = make_group(visibility="secret", admins=(member,))
        invitation = client_for(member).post(f"{API}/groups/{group['id']}/invitations",
                                             json={"user_id": outsider.id}).json()
        assert_error(client_for(make_user()).post(f"{API}/group-invitations/{invitation['id']}/accept"),
                     404, "not_found")
        assert_error(client_for(member).post(f"{API}/group-invitations/{invitation['id']}/accept"),
                     404, "not_found")


class TestInvite:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        group = make_group()
        assert_error(anon.post(f"{API}/groups/{group['id']}/invitations", json={"user_id": 1}), 401, "unauthenticated")

    def test_a_plain_member_may_not_invite(self, client_for, member, outsider, make_group) -> None:
        group = make_group(visibility="secret", members=(member,))
        assert_error(client_for(member).post(f"{API}/groups/{group['id']}/invitations",
                                             json={"user_id": outsider.id}), 403, "group_admins_only")
        assert_error(client_for(outsider).post(f"{API}/groups/{group['id']}/invitations",
                                               json={"user_id": outsider.id}), 404, "not_found")

    def test_bad_input(self, client_for, member, make_user, make_group) -> None:
        colleague = make_user()
        gone = make_user(is_active=False)
        group = make_group(admins=(member,), members=(colleague,))
        client = client_for(member)
        url = f"{API}/groups/{group['id']}/invitations"
        assert_error(client.post(url, json={"user_id": 999_999}), 422, "invalid", "user_id")
        assert_error(client.post(url, json={"user_id": gone.id}), 422, "invalid", "user_id")
        assert_error(client.post(url, json={"user_id": colleague.id}), 409, "conflict", "user_id")
        assert_error(client.post(url, json={}), 422, "invalid", "user_id")


class TestGroupInvitationsList:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.get(f"{API}/groups/{make_group()['id']}/invitations"), 401, "unauthenticated")
        assert_error(anon.delete(f"{API}/group-invitations/1"), 401, "unauthenticated")

    def test_not_allowed(self, client_for, member, outsider, other, make_group) -> None:
        secret = make_group(visibility="secret", admins=(member,), members=(other,))
        invitation = client_for(member).post(f"{API}/groups/{secret['id']}/invitations",
                                             json={"user_id": outsider.id}).json()
        assert_error(client_for(other).get(f"{API}/groups/{secret['id']}/invitations"), 403, "group_admins_only")
        assert_error(client_for(other).delete(f"{API}/group-invitations/{invitation['id']}"),
                     403, "group_admins_only")
        # The invitee sees her invitation under /me, not the group's list; a stranger: no such group.
        assert_error(client_for(outsider).get(f"{API}/groups/{secret['id']}/invitations"), 404, "not_found")
        assert_error(client_for(outsider).delete(f"{API}/group-invitations/{invitation['id']}"), 404, "not_found")
        assert_error(client_for(member).delete(f"{API}/group-invitations/999999"), 404, "not_found")
        assert_error(client_for(member).delete(f"{API}/group-invitations/abc"), 422, "invalid", "invitation_id")

    def test_admin_lists_and_withdraws(self, client_for, member, outsider, make_user, make_group) -> None:
        group = make_group(visibility="secret", admins=(member,))
        later = make_user()
        admin = client_for(member)
        first = admin.post(f"{API}/groups/{group['id']}/invitations", json={"user_id": outsider.id}).json()
        second = admin.post(f"{API}/groups/{group['id']}/invitations", json={"user_id": later.id}).json()
        listed = admin.get(f"{API}/groups/{group['id']}/invitations").json()
        assert [i["id"] for i in listed] == [first["id"], second["id"]]
        assert listed[0]["user"]["id"] == outsider.id and listed[0]["invited_by"]["id"] == member.id
        assert admin.delete(f"{API}/group-invitations/{first['id']}").status_code == 204
        assert [i["id"] for i in admin.get(f"{API}/groups/{group['id']}/invitations").json()] == [second["id"]]
        invitee = client_for(outsider)
        assert invitee.get(f"{API}/me/group-invitations").json() == []
        assert_error(invitee.post(f"{API}/group-invitations/{first['id']}/accept"), 409, "already_decided")
        assert_error(admin.delete(f"{API}/group-invitations/{first['id']}"), 409, "already_decided")
        # An answered one cannot be withdrawn either.
        assert client_for(later).post(f"{API}/group-invitations/{second['id']}/accept").status_code == 200
        assert_error(admin.delete(f"{API}/group-invitations/{second['id']}"), 409, "already_decided")
        assert admin.get(f"{API}/groups/{group['id']}/invitations").json() == []


class TestLeaveGroup:
    def test_anonymous_is_refused(self, anon, member, make_group) -> None:
        group = make_group(members=(member,))
        assert_error(anon.delete(f"{API}/groups/{group['id']}/members/{member.id}"), 401, "unauthenticated")

    def test_member_leaves(self, client_for, member, make_group, capture_events) -> None:
        group = make_group(visibility="closed", members=(member,))
        client = client_for(member)
        capture_events.clear()
        assert client.delete(f"{API}/groups/{group['id']}/members/{member.id}").status_code == 204
        assert kinds(capture_events) == [("membership.changed", f"group:{group['id']}"),
                                         ("membership.changed", f"user:{member.id}")]
        fetched = client.get(f"{API}/groups/{group['id']}").json()
        assert fetched["my_role"] is None and fetched["member_count"] == 1
        assert_error(client.delete(f"{API}/groups/{group['id']}/members/{member.id}"), 404, "not_found")

    def test_last_admin_cannot_leave_while_others_remain(self, client_for, manager, member, make_group) -> None:
        group = make_group(members=(member,))
        client = client_for(manager)
        assert_error(client.delete(f"{API}/groups/{group['id']}/members/{manager.id}"), 409, "conflict", "user_id")
        assert client.patch(f"{API}/groups/{group['id']}/members/{member.id}", json={"role": "admin"}
                            ).status_code == 200
        assert client.delete(f"{API}/groups/{group['id']}/members/{manager.id}").status_code == 204

    def test_sole_member_admin_may_leave(self, client_for, manager, make_group) -> None:
        group = make_group()
        assert client_for(manager).delete(f"{API}/groups/{group['id']}/members/{manager.id}").status_code == 204

    def test_only_admins_remove_others(self, client_for, member, make_user, make_group) -> None:
        other = make_user()
        group_admin = make_user()
        group = make_group(members=(member, other), admins=(group_admin,))
        assert_error(client_for(member).delete(f"{API}/groups/{group['id']}/members/{other.id}"),
                     403, "group_admins_only")
        assert client_for(group_admin).delete(f"{API}/groups/{group['id']}/members/{other.id}").status_code == 204
        members = client_for(member).get(f"{API}/groups/{group['id']}/members").json()["items"]
        assert other.id not in [m["user"]["id"] for m in members]


class TestMembers:
    def test_anonymous_is_refused(self, anon, make_group) -> None:
        assert_error(anon.get(f"{API}/groups/{make_group()['id']}/members"), 401, "unauthenticated")

    def test_closed_group_members_are_for_members(self, client_for, outsider, make_group) -> None:
        group = make_group(visibility="closed")
        assert_error(client_for(outsider).get(f"{API}/groups/{group['id']}/members"), 403, "join_to_read")

    def test_bad_paging_input(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        client = client_for(member)
        url = f"{API}/groups/{group['id']}/members"
        assert_error(client.get(url, params={"cursor": "not-a-cursor"}), 422, "invalid", "cursor")
        assert_error(client.get(url, params={"limit": 0}), 422, "invalid", "limit")
        assert_error(client.get(url, params={"limit": 101}), 422, "invalid", "limit")

    def test_pages_walk_every_member_once(self, client_for, member, make_user, manager, make_group) -> None:
        others = tuple(make_user() for _ in range(6))
        group = make_group(members=(member, *others))
        client = client_for(member)
        seen: list[int] = []
        cursor = None
        pages = 0
        while True:
            params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
            page = client.get(f"{API}/groups/{group['id']}/members", params=params).json()
            assert len(page["items"]) <= 3
            seen += [m["user"]["id"] for m in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert seen == [manager.id, member.id, *[u.id for u in others]]
        roles = {m["user"]["id"]: m["role"] for m in
                 client.get(f"{API}/groups/{group['id']}/members", params={"limit": 100}).json()["items"]}
        assert roles[manager.id] == "admin" and roles[member.id] == "member"


class TestSetRole:
    def test_anonymous_is_refused(self, anon, member, make_group) -> None:
        group = make_group(members=(member,))
        assert_error(anon.patch(f"{API}/groups/{group['id']}/members/{member.id}", json={"role": "admin"}),
                     401, "unauthenticated")

    def test_a_plain_member_may_not(self, client_for, member, make_user, make_group) -> None:
        other = make_user()
        group = make_group(members=(member, other))
        assert_error(client_for(member).patch(f"{API}/groups/{group['id']}/members/{other.id}",
                                              json={"role": "moderator"}), 403, "group_admins_only")
        assert_error(client_for(member).patch(f"{API}/groups/{group['id']}/members/{member.id}",
                                              json={"role": "admin"}), 403, "group_admins_only")

    def test_bad_input(self, client_for, manager, member, outsider, make_group) -> None:
        group = make_group(members=(member,))
        client = client_for(manager)
        assert_error(client.patch(f"{API}/groups/{group['id']}/members/{member.id}", json={"role": "owner"}),
                     422, "invalid", "role")
        assert_error(client.patch(f"{API}/groups/{group['id']}/members/{outsider.id}", json={"role": "admin"}),
                     404, "not_found")
        assert_error(client.patch(f"{API}/groups/{group['id']}/members/{manager.id}", json={"role": "member"}),
                     409, "conflict", "role")

    def test_group_admin_sets_roles(self, client_for, member, make_user, make_group, session,
                                    capture_events) -> None:
        group_admin = make_user()
        group = make_group(members=(member,), admins=(group_admin,))
        capture_events.clear()
        response = client_for(group_admin).patch(f"{API}/groups/{group['id']}/members/{member.id}",
                                                 json={"role": "moderator"})
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "moderator" and response.json()["user"]["id"] == member.id
        assert kinds(capture_events) == [("membership.changed", f"group:{group['id']}")]
        role = session.query(Membership.role).filter_by(group_id=group["id"], user_id=member.id).scalar()
        assert role == "moderator"
