"""Site roles and the invite list: only staff administer accounts, only admins hand out staff roles."""
from __future__ import annotations

from tests.api.helpers import assert_error

API = "/api/v1"


class TestChangeSiteRole:
    def test_anonymous(self, anon, member) -> None:
        assert_error(anon.patch(f"{API}/admin/users/{member.id}", json={"role": "admin"}), 401, "unauthenticated")

    def test_member_and_community_manager_may_not(self, client_for, member, manager, outsider) -> None:
        assert_error(client_for(outsider).patch(f"{API}/admin/users/{member.id}", json={"role": "admin"}),
                     403, "manage_users_not_allowed")
        assert_error(client_for(manager).patch(f"{API}/admin/users/{member.id}",
                                               json={"role": "community_manager"}), 403, "admins_only", "role")

    def test_bad_role(self, client_for, admin, member) -> None:
        assert_error(client_for(admin).patch(f"{API}/admin/users/{member.id}", json={"role": "koning"}),
                     422, "invalid", "role")

    def test_admin_cannot_change_her_own_role(self, client_for, admin) -> None:
        assert_error(client_for(admin).patch(f"{API}/admin/users/{admin.id}", json={"role": "member"}),
                     409, "conflict", "role")

    def test_admin_makes_a_community_manager_who_can_then_invite(self, client_for, admin, member) -> None:
        response = client_for(admin).patch(f"{API}/admin/users/{member.id}", json={"role": "community_manager"})
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "community_manager"
        invite = client_for(member).post(f"{API}/invites", json={"email": "nieuw@example.nl"})
        assert invite.status_code == 201, invite.text


class TestListInvites:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get(f"{API}/invites"), 401, "unauthenticated")

    def test_member_may_not(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"{API}/invites"), 403, "invite_not_allowed")

    def test_staff_see_newest_first_without_tokens(self, client_for, manager) -> None:
        staff = client_for(manager)
        first = staff.post(f"{API}/invites", json={"email": "een@example.nl"}).json()
        second = staff.post(f"{API}/invites", json={"email": "twee@example.nl"}).json()
        listed = staff.get(f"{API}/invites").json()
        ids = [i["id"] for i in listed]
        assert ids.index(second["id"]) < ids.index(first["id"])
        assert all("url" not in i and "token" not in i for i in listed)
