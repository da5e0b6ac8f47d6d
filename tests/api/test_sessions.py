"""A member's own sessions, changing her password, and an admin deactivating her account."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import utcnow
from app.models import ApiToken, AuthSession
from app.security import token_hash
from tests.api.helpers import assert_error
from tests.factories import PASSWORD

UNAUTHENTICATED = {"error": {"code": "unauthenticated", "message": "Log in first."}}
NEW_PASSWORD = "een nieuw en lang wachtwoord"


def session_id(session, browser) -> int:
    cookie = browser.http.cookies.get("plein_session")
    session.expire_all()
    found = session.scalar(select(AuthSession.id).where(AuthSession.token_hash == token_hash(cookie)))
    assert found is not None
    return found


def login(app, email: str, password: str):
    with TestClient(app, base_url="http://testserver") as client:
        return client.post("/api/v1/auth/login", json={"email": email, "password": password})


class TestListSessions:
    def test_anonymous(self, anon) -> None:
        response = anon.get("/api/v1/auth/sessions")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_happy_lists_only_her_live_sessions_and_flags_the_current_one(
        self, client_for, member, outsider, session,
    ) -> None:
        laptop = client_for(member)
        phone = client_for(member)
        client_for(outsider)
        listed = laptop.get("/api/v1/auth/sessions")
        assert listed.status_code == 200
        sessions = listed.json()
        assert {s["id"] for s in sessions} == {session_id(session, laptop), session_id(session, phone)}
        assert [s["id"] for s in sessions if s["current"]] == [session_id(session, laptop)]
        assert all(s["ip_address"] == "testclient" for s in sessions)
        # Seen from the phone, the phone is the current one.
        from_phone = phone.get("/api/v1/auth/sessions").json()
        assert [s["id"] for s in from_phone if s["current"]] == [session_id(session, phone)]

    def test_ended_and_timed_out_sessions_are_not_listed(self, client_for, member, session, settings) -> None:
        laptop = client_for(member)
        ended = client_for(member)
        idle = client_for(member)
        expired = client_for(member)
        assert ended.post("/api/v1/auth/logout").status_code == 204
        idle_id, expired_id = session_id(session, idle), session_id(session, expired)
        session.get(AuthSession, idle_id).last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
        session.get(AuthSession, expired_id).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        listed = laptop.get("/api/v1/auth/sessions").json()
        assert [s["id"] for s in listed] == [session_id(session, laptop)]


class TestEndSession:
    def test_anonymous(self, anon) -> None:
        response = anon.delete("/api/v1/auth/sessions/1")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_not_allowed_someone_elses_session_does_not_exist_for_her(
        self, client_for, member, outsider, session,
    ) -> None:
        mine = client_for(member)
        theirs = client_for(outsider)
        response = mine.delete(f"/api/v1/auth/sessions/{session_id(session, theirs)}")
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Session not found."}}
        assert theirs.get("/api/v1/me").status_code == 200

    def test_unknown_session(self, client_for, member) -> None:
        response = client_for(member).delete("/api/v1/auth/sessions/999999")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_bad_input(self, client_for, member) -> None:
        response = client_for(member).delete("/api/v1/auth/sessions/abc")
        assert_error(response, 422, "invalid", "session_id")

    def test_happy_ends_another_session(self, client_for, member, session) -> None:
        laptop = client_for(member)
        phone = client_for(member)
        phone_id = session_id(session, phone)
        response = laptop.delete(f"/api/v1/auth/sessions/{phone_id}")
        assert response.status_code == 204
        assert "set-cookie" not in response.headers  # the laptop keeps its own cookie
        assert_error(phone.get("/api/v1/me"), 401, "unauthenticated")
        assert laptop.get("/api/v1/me").status_code == 200
        assert session.get(AuthSession, phone_id).ended_at is not None
        # Ending it twice: it is gone.
        assert_error(laptop.delete(f"/api/v1/auth/sessions/{phone_id}"), 404, "not_found")

    def test_ending_the_current_session_logs_out(self, client_for, member, session) -> None:
        laptop = client_for(member)
        response = laptop.delete(f"/api/v1/auth/sessions/{session_id(session, laptop)}")
        assert response.status_code == 204
        assert "plein_session" not in laptop.http.cookies
        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")


class TestEndOtherSessions:
    def test_anonymous(self, anon) -> None:
        response = anon.post("/api/v1/auth/sessions/end-others")
        assert response.status_code == 401 and response.json() == UNAUTHENTICATED

    def test_happy_ends_every_other_session_of_hers_only(self, client_for, member, other, session) -> None:
        laptop, phone, tablet, theirs = client_for(member), client_for(member), client_for(member), client_for(other)
        response = laptop.post("/api/v1/auth/sessions/end-others")
        assert response.status_code == 200 and response.json() == {"ended": 2}
        assert laptop.get("/api/v1/me").status_code == 200
        for ended in (phone, tablet):
            assert_error(ended.get("/api/v1/me"), 401, "unauthenticated")
        assert theirs.get("/api/v1/me").status_code == 200
        assert [s["current"] for s in laptop.get("/api/v1/auth/sessions").json()] == [True]
        # Nothing left to end: nothing changes.
        assert laptop.post("/api/v1/auth/sessions/end-others").json() == {"ended": 0}

    def test_audited(self, client_for, member, session) -> None:
        from app.models import AuditEntry

        laptop, phone = client_for(member), client_for(member)
        phone_id = session_id(session, phone)
        laptop.post("/api/v1/auth/sessions/end-others")
        session.expire_all()
        entry = session.scalars(select(AuditEntry).where(AuditEntry.actor_id == member.id)
                                .order_by(AuditEntry.id.desc())).first()
        assert entry.action == "auth.session_ended" and entry.after == {"session_ids": [phone_id]}

    def test_with_an_api_token_every_browser_session_ends(self, app, client_for, member, run) -> None:
        from app.services import accounts

        laptop = client_for(member)
        _, secret = run(accounts.create_api_token, member, name="script")
        with TestClient(app, base_url="http://testserver") as script:
            response = script.post("/api/v1/auth/sessions/end-others", headers={"Authorization": f"Bearer {secret}"})
            assert response.status_code == 200 and response.json() == {"ended": 1}
            assert script.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")


class TestChangePassword:
    def test_anonymous(self, anon) -> None:
        response = anon.post("/api/v1/auth/password",
                             json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_wrong_current_password(self, client_for, member, app) -> None:
        laptop = client_for(member)
        response = laptop.post("/api/v1/auth/password",
                               json={"current_password": "not my password", "new_password": NEW_PASSWORD})
        assert response.status_code == 422
        assert response.json() == {"error": {"code": "invalid", "field": "current_password",
                                             "message": "The current password is not correct."}}
        assert login(app, member.email, PASSWORD).status_code == 200
        assert_error(login(app, member.email, NEW_PASSWORD), 401, "invalid_credentials")

    def test_bad_input_short_new_password(self, client_for, member) -> None:
        response = client_for(member).post("/api/v1/auth/password",
                                           json={"current_password": PASSWORD, "new_password": "kort"})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
        assert response.json()["error"]["field"] == "new_password"

    def test_happy_keeps_this_session_and_ends_the_others(self, client_for, member, outsider, session, app) -> None:
        laptop = client_for(member)
        phone = client_for(member)
        bystander = client_for(outsider)
        response = laptop.post("/api/v1/auth/password",
                               json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
        assert response.status_code == 204
        assert laptop.get("/api/v1/me").status_code == 200
        assert_error(phone.get("/api/v1/me"), 401, "unauthenticated")
        assert bystander.get("/api/v1/me").status_code == 200
        assert session.get(AuthSession, session_id(session, laptop)).ended_at is None
        assert_error(login(app, member.email, PASSWORD), 401, "invalid_credentials")
        assert login(app, member.email, NEW_PASSWORD).status_code == 200


class TestAdminDeactivatesMember:
    def test_anonymous(self, anon, member) -> None:
        response = anon.patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False})
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_not_allowed_for_a_member(self, client_for, member, outsider) -> None:
        response = client_for(outsider).patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "manage_users_not_allowed"
        assert client_for(member).get("/api/v1/me").status_code == 200

    def test_not_allowed_community_manager_deactivating_staff(self, client_for, manager, admin) -> None:
        response = client_for(manager).patch(f"/api/v1/admin/users/{admin.id}", json={"is_active": False})
        assert_error(response, 403, "admins_only", "is_active")

    def test_not_allowed_own_account(self, client_for, admin) -> None:
        response = client_for(admin).patch(f"/api/v1/admin/users/{admin.id}", json={"is_active": False})
        assert_error(response, 409, "conflict", "is_active")

    def test_bad_input(self, client_for, admin, member) -> None:
        boss = client_for(admin)
        unknown_field = boss.patch(f"/api/v1/admin/users/{member.id}", json={"is_admin": True})
        assert_error(unknown_field, 422, "invalid", "is_admin")
        wrong_type = boss.patch(f"/api/v1/admin/users/{member.id}", json={"is_active": "misschien"})
        assert_error(wrong_type, 422, "invalid", "is_active")
        unknown_user = boss.patch("/api/v1/admin/users/999999", json={"is_active": False})
        assert_error(unknown_user, 404, "not_found")

    def test_happy_ends_all_her_sessions_and_revokes_her_tokens_at_once(
        self, client_for, admin, member, outsider, session, anon,
    ) -> None:
        laptop = client_for(member)
        phone = client_for(member)
        secret = laptop.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
        bystander = client_for(outsider)
        bearer = {"Authorization": f"Bearer {secret}"}
        assert anon.get("/api/v1/me", headers=bearer).status_code == 200

        response = client_for(admin).patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False})
        assert response.status_code == 200, response.text
        assert response.json()["is_active"] is False

        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")
        assert_error(phone.get("/api/v1/me"), 401, "unauthenticated")
        token_response = anon.get("/api/v1/me", headers=bearer)
        assert token_response.status_code == 401
        assert token_response.json()["error"]["code"] == "invalid_token"
        assert bystander.get("/api/v1/me").status_code == 200
        session.expire_all()
        assert all(s.ended_at is not None for s in session.scalars(
            select(AuthSession).where(AuthSession.user_id == member.id)))
        assert all(t.revoked_at is not None for t in session.scalars(
            select(ApiToken).where(ApiToken.user_id == member.id)))

    def test_reactivating_does_not_bring_old_sessions_back(self, client_for, admin, member, anon) -> None:
        laptop = client_for(member)
        secret = laptop.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
        boss = client_for(admin)
        assert boss.patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False}).status_code == 200
        assert boss.patch(f"/api/v1/admin/users/{member.id}", json={"is_active": True}).status_code == 200
        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")
        assert_error(anon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}), 401, "invalid_token")
        assert client_for(member).get("/api/v1/me").status_code == 200

    def test_community_manager_may_deactivate_a_member(self, client_for, manager, member) -> None:
        laptop = client_for(member)
        response = client_for(manager).patch(f"/api/v1/admin/users/{member.id}", json={"is_active": False})
        assert response.status_code == 200
        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")
