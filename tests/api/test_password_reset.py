"""Forgotten passwords: a single-use, expiring link by email; the answer never tells who has an account."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import utcnow
from app.models import AuthSession, PasswordReset
from app.security import token_hash
from tests.api.helpers import assert_error
from tests.factories import PASSWORD

REQUEST = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
RESET_LINK = re.compile(r"http://testserver/password-reset/([A-Za-z0-9_-]{40,})")
ACCEPTED = {"message": "If this address has an account, a reset link is on its way."}
NEW_PASSWORD = "een heel nieuw wachtwoord"


def reset_token(anon, mails, email: str) -> str:
    assert anon.post(REQUEST, json={"email": email}).status_code == 202
    link = RESET_LINK.search(mails[-1].text)
    assert link is not None, mails[-1].text
    return link.group(1)


def login(app, email: str, password: str) -> int:
    with TestClient(app, base_url="http://testserver") as client:
        return client.post("/api/v1/auth/login", json={"email": email, "password": password}).status_code


class TestRequestReset:
    def test_bad_input(self, anon, mails) -> None:
        assert_error(anon.post(REQUEST, json={}), 422, "invalid", "email")
        assert_error(anon.post(REQUEST, json={"email": "x" * 300}), 422, "invalid", "email")
        assert list(mails) == []

    def test_happy_known_email_gets_a_link(self, anon, member, mails) -> None:
        response = anon.post(REQUEST, json={"email": f" {member.email.upper()} "})
        assert response.status_code == 202
        assert response.json() == ACCEPTED
        [mail] = mails
        assert mail.to == member.email
        assert mail.kind == "password_reset"
        assert RESET_LINK.search(mail.text) is not None, mail.text

    def test_unknown_email_gets_the_same_answer_and_no_mail(self, anon, mails) -> None:
        response = anon.post(REQUEST, json={"email": "niemand@example.nl"})
        assert response.status_code == 202
        assert response.json() == ACCEPTED
        assert list(mails) == []

    def test_deactivated_account_gets_no_mail(self, anon, make_user, mails) -> None:
        gone = make_user(is_active=False)
        response = anon.post(REQUEST, json={"email": gone.email})
        assert response.status_code == 202
        assert response.json() == ACCEPTED
        assert list(mails) == []


class TestConfirmReset:
    @pytest.mark.parametrize(("body", "field"), [
        ({"token": "x" * 43, "new_password": "kort"}, "new_password"),
        ({"token": "kort", "new_password": NEW_PASSWORD}, "token"),
        ({"new_password": NEW_PASSWORD}, "token"),
    ])
    def test_bad_input(self, anon, body, field) -> None:
        assert_error(anon.post(CONFIRM, json=body), 422, "invalid", field)

    def test_unknown_token(self, anon) -> None:
        response = anon.post(CONFIRM, json={"token": "x" * 43, "new_password": NEW_PASSWORD})
        error = assert_error(response, 422, "invalid", "token")
        assert error["message"] == "This reset link is not valid or has expired. Ask for a new one."

    def test_short_password_does_not_use_up_the_link(self, anon, member, mails, app) -> None:
        token = reset_token(anon, mails, member.email)
        assert_error(anon.post(CONFIRM, json={"token": token, "new_password": "kort"}), 422, "invalid",
                     "new_password")
        assert anon.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
        assert login(app, member.email, NEW_PASSWORD) == 200

    def test_expired_token(self, anon, member, mails, session, app) -> None:
        token = reset_token(anon, mails, member.email)
        session.expire_all()
        reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
        reset.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        response = anon.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
        assert_error(response, 422, "invalid", "token")
        assert login(app, member.email, PASSWORD) == 200

    def test_happy_sets_the_password_and_ends_every_session(self, anon, client_for, member, outsider, mails,
                                                            session, app) -> None:
        laptop = client_for(member)
        phone = client_for(member)
        bystander = client_for(outsider)
        token = reset_token(anon, mails, member.email)
        response = anon.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
        assert response.status_code == 204
        assert "set-cookie" not in response.headers  # the reset does not log anyone in
        assert_error(laptop.get("/api/v1/me"), 401, "unauthenticated")
        assert_error(phone.get("/api/v1/me"), 401, "unauthenticated")
        assert bystander.get("/api/v1/me").status_code == 200
        session.expire_all()
        assert all(s.ended_at is not None for s in session.scalars(
            select(AuthSession).where(AuthSession.user_id == member.id)))
        assert login(app, member.email, PASSWORD) == 401
        assert login(app, member.email, NEW_PASSWORD) == 200

    def test_the_token_works_once(self, anon, member, mails, app) -> None:
        token = reset_token(anon, mails, member.email)
        assert anon.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
        again = anon.post(CONFIRM, json={"token": token, "new_password": "nog een ander wachtwoord"})
        assert_error(again, 422, "invalid", "token")
        assert login(app, member.email, NEW_PASSWORD) == 200

    def test_using_one_link_voids_the_earlier_ones(self, anon, member, mails) -> None:
        older = reset_token(anon, mails, member.email)
        newer = reset_token(anon, mails, member.email)
        assert older != newer
        assert anon.post(CONFIRM, json={"token": newer, "new_password": NEW_PASSWORD}).status_code == 204
        response = anon.post(CONFIRM, json={"token": older, "new_password": "nog een ander wachtwoord"})
        assert_error(response, 422, "invalid", "token")

    def test_deactivated_in_the_meantime(self, anon, member, mails, client_for, admin) -> None:
        token = reset_token(anon, mails, member.email)
        assert client_for(admin).patch(f"/api/v1/admin/users/{member.id}",
                                       json={"is_active": False}).status_code == 200
        response = anon.post(CONFIRM, json={"token": token, "new_password": NEW_PASSWORD})
        assert_error(response, 422, "invalid", "token")
