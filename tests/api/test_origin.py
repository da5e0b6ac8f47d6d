"""Writes from another site are refused by their Origin (or Referer), besides the CSRF token: 403 `bad_origin`,
nothing changed. API-token calls, and requests that name no origin at all, are left to the token checks."""
from __future__ import annotations

import pytest

from app.models import User
from tests.api.helpers import API, assert_error

EVIL = "https://evil.example"


def bio(session, user: User) -> str | None:
    session.expire_all()
    return session.get(User, user.id).bio


class TestCookieWrites:
    @pytest.mark.parametrize("headers", [
        {"Origin": EVIL},
        {"Origin": "null"},  # a sandboxed frame or a privacy-stripped redirect
        {"Origin": "http://testserver:8080"},  # another port is another origin
        {"Origin": "https://testserver"},  # and another scheme
        {"Origin": "http://testserver.evil.example"},
        {"Referer": f"{EVIL}/page"},  # no Origin: the Referer says it
        {"Origin": EVIL, "Referer": "http://testserver/groups"},  # the Origin wins
    ])
    def test_from_another_site_is_refused(self, client_for, member, session, headers) -> None:
        client = client_for(member)
        response = client.patch(f"{API}/me", json={"bio": "gekaapt"}, headers=headers)
        error = assert_error(response, 403, "bad_origin")
        assert "another site" in error["message"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"  # an answer like every other
        assert bio(session, member) != "gekaapt"
        for method, path in (("POST", f"{API}/auth/logout"), ("DELETE", f"{API}/auth/sessions/1"),
                             ("PUT", f"{API}/me/avatar")):
            assert_error(client.request(method, path, headers=headers), 403, "bad_origin")

    @pytest.mark.parametrize("headers", [
        {},  # no origin named at all (a script with a cookie): the CSRF token decides
        {"Origin": "http://testserver"},  # the address the browser used
        {"Origin": "HTTP://TestServer"},
        {"Referer": "http://testserver/members/anna?tab=posts"},
    ])
    def test_from_this_site_goes_through(self, client_for, member, session, headers) -> None:
        response = client_for(member).patch(f"{API}/me", json={"bio": "van hier"}, headers=headers)
        assert response.status_code == 200, response.text
        assert bio(session, member) == "van hier"

    def test_base_url_is_this_site_too(self, settings, db, member, run) -> None:
        from fastapi.testclient import TestClient

        from app.deps import CSRF_COOKIE, SESSION_COOKIE
        from app.main import create_app
        from app.security import csrf_token_for
        from app.services import accounts

        # Behind a proxy the app is addressed as BASE_URL, whatever Host reaches it.
        app = create_app(settings.model_copy(update={"base_url": "https://plein.partij.nl"}), database=db)
        with TestClient(app, base_url="http://10.0.0.5:8000") as client:
            login = run(accounts.start_session, member, ip_address="testclient", user_agent="pytest")
            client.cookies.set(SESSION_COOKIE, login.token)
            client.cookies.set(CSRF_COOKIE, csrf_token_for(settings.secret_key, login.token))
            csrf = {"X-CSRF-Token": csrf_token_for(settings.secret_key, login.token)}
            ok = client.patch(f"{API}/me", json={"bio": "via proxy"}, headers={**csrf, "Origin": "https://plein.partij.nl"})
            assert ok.status_code == 200, ok.text
            assert_error(client.patch(f"{API}/me", json={"bio": "x"}, headers={**csrf, "Origin": EVIL}),
                         403, "bad_origin")

    def test_reading_is_not_affected(self, client_for, member) -> None:
        assert client_for(member).get(f"{API}/me", headers={"Origin": EVIL}).status_code == 200


class TestOtherWrites:
    def test_an_api_token_is_not_a_browser(self, client_for, anon, member, session) -> None:
        token = client_for(member).post(f"{API}/auth/tokens", json={"name": "script"}).json()["token"]
        response = anon.patch(f"{API}/me", json={"bio": "met token"},
                              headers={"Authorization": f"Bearer {token}", "Origin": EVIL})
        assert response.status_code == 200, response.text
        assert bio(session, member) == "met token"

    def test_logging_in_from_another_site_is_refused(self, anon, member) -> None:
        # Login CSRF: another site must not sign her in (to an account of its choosing).
        response = anon.post(f"{API}/auth/login", json={"email": member.email, "password": "x"},
                             headers={"Origin": EVIL})
        assert_error(response, 403, "bad_origin")
        assert "plein_session" not in anon.cookies

    def test_one_click_unsubscribe_is_posted_by_mail_providers(self, anon, member, session) -> None:
        from app.services.mail import unsubscribe_token

        token = unsubscribe_token(member.id, "digest")
        response = anon.post(f"/unsubscribe/{token}", headers={"Origin": "https://mail.provider.example"})
        assert response.status_code == 200, response.text
        session.expire_all()
        assert session.get(User, member.id).digest == "off"
