"""Invites: staff invite people by email; the link creates the account and logs it in."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import utcnow
from app.models import Invite, User
from app.security import token_hash
from tests.api.helpers import assert_error

INVITE_LINK = re.compile(r"http://testserver/invite/([A-Za-z0-9_-]{40,})")
PASSWORD = "een lang genoeg wachtwoord"
_n = itertools.count(1)


@pytest.fixture
def email() -> str:
    return f"nieuw{next(_n)}@example.nl"


@pytest.fixture
def username() -> str:
    return f"nieuw.lid{next(_n)}"


def invite(staff, email: str, role: str = "member") -> str:
    response = staff.post("/api/v1/invites", json={"email": email, "role": role})
    assert response.status_code == 201, response.text
    return response.json()["url"].rsplit("/", 1)[1]


def accept(client: TestClient, token: str, *, username: str, password: str = PASSWORD,
           display_name: str = "Nieuw Lid"):
    return client.post(f"/api/v1/invites/{token}/accept",
                       json={"display_name": display_name, "username": username, "password": password})


def invite_row(session, token: str) -> Invite:
    session.expire_all()
    row = session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
    assert row is not None
    return row


class TestCreateInvite:
    def test_anonymous(self, anon, email) -> None:
        assert_error(anon.post("/api/v1/invites", json={"email": email}), 401, "unauthenticated")

    def test_not_allowed_for_a_member(self, client_for, member, mails, email) -> None:
        response = client_for(member).post("/api/v1/invites", json={"email": email})
        assert_error(response, 403, "invite_not_allowed")
        assert list(mails) == []

    def test_not_allowed_community_manager_inviting_staff(self, client_for, manager, mails, email) -> None:
        staff = client_for(manager)
        for role in ("community_manager", "admin"):
            response = staff.post("/api/v1/invites", json={"email": email, "role": role})
            assert_error(response, 403, "admins_only", "role")
        assert list(mails) == []

    def test_bad_input(self, client_for, manager, mails) -> None:
        staff = client_for(manager)
        for body, field in [
            ({"email": "geen-adres"}, "email"),
            ({"email": "nieuw@"}, "email"),
            ({"email": "twee@@example.nl"}, "email"),
            ({}, "email"),
            ({"email": "nieuw@example.nl", "role": "koning"}, "role"),
        ]:
            assert_error(staff.post("/api/v1/invites", json=body), 422, "invalid", field)
        assert list(mails) == []

    def test_existing_account(self, client_for, manager, member, mails) -> None:
        response = client_for(manager).post("/api/v1/invites", json={"email": member.email.upper()})
        assert_error(response, 409, "conflict", "email")
        assert list(mails) == []

    def test_happy_community_manager_invites_a_member(self, client_for, manager, mails, email) -> None:
        response = client_for(manager).post("/api/v1/invites", json={"email": email.capitalize()})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["email"] == email
        assert body["role"] == "member"
        assert body["accepted_at"] is None and body["revoked_at"] is None
        [mail] = mails
        assert mail.to == email
        assert mail.kind == "invite"
        link = INVITE_LINK.search(mail.text)
        assert link is not None, mail.text
        assert link.group(0) == body["url"]
        assert "Community manager" in mail.text

    def test_happy_admin_invites_a_community_manager(self, client_for, admin, anon, email, username) -> None:
        token = invite(client_for(admin), email, role="community_manager")
        created = accept(anon, token, username=username)
        assert created.status_code == 201, created.text
        assert created.json()["user"]["role"] == "community_manager"

    def test_a_new_invite_replaces_the_open_one(self, client_for, manager, anon, email) -> None:
        staff = client_for(manager)
        first = invite(staff, email)
        second = invite(staff, email)
        assert_error(anon.get(f"/api/v1/invites/{first}"), 404, "not_found")
        assert anon.get(f"/api/v1/invites/{second}").status_code == 200


class TestListInvites:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get("/api/v1/invites"), 401, "unauthenticated")

    def test_not_allowed_for_a_member(self, client_for, member) -> None:
        assert_error(client_for(member).get("/api/v1/invites"), 403, "invite_not_allowed")

    def test_happy_newest_first_without_secrets(self, client_for, manager) -> None:
        staff = client_for(manager)
        first, second = f"een{next(_n)}@example.nl", f"twee{next(_n)}@example.nl"
        invite(staff, first)
        invite(staff, second)
        listed = staff.get("/api/v1/invites")
        assert listed.status_code == 200
        assert [i["email"] for i in listed.json()[:2]] == [second, first]
        assert all("url" not in i and "token" not in i and "token_hash" not in i for i in listed.json())


class TestRevokeInvite:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.delete("/api/v1/invites/1"), 401, "unauthenticated")

    def test_not_allowed_for_a_member(self, client_for, manager, member, anon, email) -> None:
        staff = client_for(manager)
        token = invite(staff, email)
        invite_id = staff.get("/api/v1/invites").json()[0]["id"]
        assert_error(client_for(member).delete(f"/api/v1/invites/{invite_id}"), 403, "invite_not_allowed")
        assert anon.get(f"/api/v1/invites/{token}").status_code == 200

    def test_unknown(self, client_for, manager) -> None:
        assert_error(client_for(manager).delete("/api/v1/invites/999999"), 404, "not_found")

    def test_happy_the_link_stops_working(self, client_for, manager, anon, email, username) -> None:
        staff = client_for(manager)
        token = invite(staff, email)
        invite_id = staff.get("/api/v1/invites").json()[0]["id"]
        assert staff.delete(f"/api/v1/invites/{invite_id}").status_code == 204
        assert_error(anon.get(f"/api/v1/invites/{token}"), 404, "not_found")
        assert_error(accept(anon, token, username=username), 404, "not_found")

    def test_an_accepted_invite_cannot_be_revoked(self, client_for, manager, anon, email, username) -> None:
        staff = client_for(manager)
        token = invite(staff, email)
        assert accept(anon, token, username=username).status_code == 201
        invite_id = staff.get("/api/v1/invites").json()[0]["id"]
        assert_error(staff.delete(f"/api/v1/invites/{invite_id}"), 409, "conflict")


class TestPreviewInvite:
    def test_unknown_token(self, anon) -> None:
        assert_error(anon.get("/api/v1/invites/dit-is-geen-uitnodiging"), 404, "not_found")

    def test_expired(self, client_for, manager, anon, session, email) -> None:
        token = invite(client_for(manager), email)
        invite_row(session, token).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        assert_error(anon.get(f"/api/v1/invites/{token}"), 410, "invite_expired")

    def test_happy_shows_the_email(self, client_for, manager, anon, email) -> None:
        token = invite(client_for(manager), email)
        response = anon.get(f"/api/v1/invites/{token}")
        assert response.status_code == 200
        assert response.json()["email"] == email
        assert set(response.json()) == {"email", "expires_at"}


class TestAcceptInvite:
    def test_unknown_token(self, anon, username) -> None:
        assert_error(accept(anon, "dit-is-geen-uitnodiging", username=username), 404, "not_found")
        assert "plein_session" not in anon.cookies

    def test_expired(self, client_for, manager, anon, session, email, username) -> None:
        token = invite(client_for(manager), email)
        invite_row(session, token).expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        assert_error(accept(anon, token, username=username), 410, "invite_expired")
        session.expire_all()
        assert session.scalar(select(User).where(User.email == email)) is None

    def test_bad_input(self, client_for, manager, anon, email, username) -> None:
        token = invite(client_for(manager), email)
        for changes, field in [
            ({"password": "te kort"}, "password"),
            ({"username": "a"}, "username"),
            ({"username": "met spatie"}, "username"),
            ({"username": "-begint-met-streep"}, "username"),
            ({"username": "<script>"}, "username"),
            ({"username": "x" * 41}, "username"),
            ({"display_name": "   "}, "display_name"),
        ]:
            assert_error(accept(anon, token, **{"username": username, **changes}), 422, "invalid", field)
        # Nothing was used up: the same link still works.
        assert anon.get(f"/api/v1/invites/{token}").status_code == 200
        assert "plein_session" not in anon.cookies

    def test_missing_fields(self, client_for, manager, anon, email) -> None:
        token = invite(client_for(manager), email)
        response = anon.post(f"/api/v1/invites/{token}/accept", json={"display_name": "Nieuw Lid"})
        assert_error(response, 422, "invalid", "username")

    def test_username_taken(self, client_for, manager, member, anon, email) -> None:
        token = invite(client_for(manager), email)
        assert_error(accept(anon, token, username=member.username), 409, "username_taken", "username")
        assert anon.get(f"/api/v1/invites/{token}").status_code == 200

    def test_username_is_lowered(self, client_for, manager, anon, email, username) -> None:
        token = invite(client_for(manager), email)
        response = accept(anon, token, username=username.title())
        assert response.status_code == 201, response.text
        assert response.json()["user"]["username"] == username

    def test_email_got_an_account_in_the_meantime(self, client_for, manager, make_user, anon, email,
                                                  username) -> None:
        token = invite(client_for(manager), email)
        make_user(email=email)
        assert_error(accept(anon, token, username=username), 409, "email_taken", "email")

    def test_happy_creates_the_account_and_logs_in(self, client_for, manager, anon, mails, session, email,
                                                    username) -> None:
        invite(client_for(manager), email)
        token = INVITE_LINK.search(mails[-1].text).group(1)
        response = accept(anon, token, username=f"  {username} ", display_name="  Nieuw Lid ")
        assert response.status_code == 201, response.text
        user = response.json()["user"]
        assert user["email"] == email
        assert user["username"] == username
        assert user["display_name"] == "Nieuw Lid"
        assert user["role"] == "member"
        assert response.json()["csrf_token"] == anon.cookies.get("plein_csrf")
        assert "httponly" in response.headers["set-cookie"].lower()
        assert anon.get("/api/v1/me").json()["id"] == user["id"]
        row = invite_row(session, token)
        assert row.accepted_at is not None and row.user_id == user["id"]
        # The new member can log in with her password elsewhere.
        with TestClient(anon.app, base_url="http://testserver") as other:
            login = other.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert login.status_code == 200

    def test_the_link_works_once(self, client_for, manager, anon, email, username) -> None:
        token = invite(client_for(manager), email)
        assert accept(anon, token, username=username).status_code == 201
        with TestClient(anon.app, base_url="http://testserver") as other:
            assert_error(accept(other, token, username=username + "x"), 410, "invite_used")
            assert_error(other.get(f"/api/v1/invites/{token}"), 410, "invite_used")
