"""Logging in and out, the session cookie, CSRF, rate limiting and session timeouts."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from limits import parse_many
from sqlalchemy import select, update

from app.db import utcnow
from app.models import AuthSession, User
from app.security import token_hash
from tests.api.concurrency import live_site
from tests.api.helpers import assert_error
from tests.factories import PASSWORD

LOGIN = "/api/v1/auth/login"
BAD_CREDENTIALS = {"error": {"code": "invalid_credentials", "message": "Email address or password is incorrect."}}
UNAUTHENTICATED = {"error": {"code": "unauthenticated", "message": "Log in first."}}
CSRF_FAILED = {"error": {"code": "csrf_failed",
                         "message": "Missing or wrong CSRF token (send the X-CSRF-Token header)."}}


@pytest.fixture
def new_client(app) -> Iterator[Callable[..., TestClient]]:
    """Another browser (optionally on another address), sharing nothing with the others."""
    clients: list[TestClient] = []

    def _make(address: str = "testclient", *, application=None) -> TestClient:
        client = TestClient(application or app, base_url="http://testserver", client=(address, 50000))
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


def set_cookies(response) -> dict[str, str]:
    """name -> the whole Set-Cookie line, for checking its attributes."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def attributes(line: str) -> set[str]:
    return {part.strip().lower() for part in line.split(";")[1:]}


def session_row(session, cookie: str) -> AuthSession:
    session.expire_all()
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(cookie)))
    assert row is not None
    return row


def login(client: TestClient, email: str, password: str = PASSWORD):
    return client.post(LOGIN, json={"email": email, "password": password})


class TestLogin:
    def test_bad_input(self, anon) -> None:
        response = anon.post(LOGIN, json={"email": "anna@example.nl"})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "invalid"
        assert response.json()["error"]["field"] == "password"

    def test_happy_sets_an_httponly_lax_cookie_and_returns_the_csrf_token(self, anon, member) -> None:
        response = login(anon, member.email)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["id"] == member.id
        assert body["user"]["email"] == member.email
        cookies = set_cookies(response)
        session_attrs = attributes(cookies["plein_session"])
        assert "httponly" in session_attrs
        assert "samesite=lax" in session_attrs
        assert "path=/" in session_attrs
        assert "secure" not in session_attrs  # BASE_URL is http://
        csrf_attrs = attributes(cookies["plein_csrf"])
        assert "httponly" not in csrf_attrs  # our own scripts read it
        assert "samesite=lax" in csrf_attrs
        assert len(body["csrf_token"]) == 64
        assert anon.cookies.get("plein_csrf") == body["csrf_token"]
        assert anon.get("/api/v1/me").json()["id"] == member.id

    def test_email_is_matched_without_case_or_spaces(self, anon, member) -> None:
        response = login(anon, f"  {member.email.upper()} ")
        assert response.status_code == 200, response.text
        assert response.json()["user"]["id"] == member.id

    def test_every_login_gets_a_new_session_id(self, anon, member, session) -> None:
        first = login(anon, member.email)
        first_cookie = anon.cookies.get("plein_session")
        # Logging in again with the old cookie still in the jar must not adopt it.
        second = login(anon, member.email)
        second_cookie = anon.cookies.get("plein_session")
        assert first.status_code == second.status_code == 200
        assert first_cookie and second_cookie and first_cookie != second_cookie
        assert first.json()["csrf_token"] != second.json()["csrf_token"]
        assert session_row(session, first_cookie).id != session_row(session, second_cookie).id

    def test_unknown_email_and_wrong_password_get_the_identical_answer(self, anon, member) -> None:
        unknown = login(anon, "niemand@example.nl")
        wrong = login(anon, member.email, "not the right password")
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.json() == wrong.json() == BAD_CREDENTIALS
        assert "set-cookie" not in unknown.headers
        assert "set-cookie" not in wrong.headers

    def test_deactivated_account_cannot_log_in(self, anon, make_user) -> None:
        gone = make_user(is_active=False)
        response = login(anon, gone.email)
        assert response.status_code == 401
        assert response.json() == BAD_CREDENTIALS
        assert "plein_session" not in anon.cookies


class TestLoginRateLimit:
    def test_per_account_after_the_configured_failures(self, new_client, member, settings) -> None:
        allowed = parse_many(settings.login_limit_per_account)[0].amount
        browser = new_client()
        for attempt in range(allowed):
            # Case and spaces do not make it another account.
            email = member.email.upper() if attempt % 2 else f" {member.email}"
            assert_error(login(browser, email, "wrong password"), 401, "invalid_credentials")
        refused = login(browser, member.email)  # even the right password
        assert_error(refused, 429, "rate_limited")
        seconds = refused.headers["Retry-After"]
        assert seconds.isdigit() and 1 <= int(seconds) <= 60
        assert refused.json() == {"error": {"code": "rate_limited",
                                            "message": f"Too many login attempts. Try again in {seconds} seconds."}}
        assert "plein_session" not in browser.cookies
        # The account is locked from every address, not only the one that guessed.
        elsewhere = login(new_client("10.0.0.2"), member.email)
        assert_error(elsewhere, 429, "rate_limited")
        # Other accounts are not affected.
        assert_error(login(browser, "niemand@example.nl"), 401, "invalid_credentials")

    def test_failures_below_the_limit_do_not_block(self, anon, member, settings) -> None:
        allowed = parse_many(settings.login_limit_per_account)[0].amount
        for _ in range(allowed - 1):
            assert_error(login(anon, member.email, "wrong password"), 401, "invalid_credentials")
        assert login(anon, member.email).status_code == 200

    def test_per_address_with_different_emails(self, new_client, member, settings, db) -> None:
        from app.main import create_app

        # A small configured limit keeps the test fast; the mechanism is the same for 30/minute.
        tight = settings.model_copy(update={"login_limit_per_address": "3/minute;10/hour"})
        application = create_app(tight, database=db)
        application.state.limiter.reset()
        browser = new_client(application=application)
        for n in range(3):
            assert_error(login(browser, f"gok{n}@example.nl", "wrong password"), 401, "invalid_credentials")
        refused = login(browser, member.email)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.headers["Retry-After"].isdigit()
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # The same account from another address is fine: it was the address that was guessing.
        assert login(new_client("10.0.0.3", application=application), member.email).status_code == 200
        application.state.limiter.reset()


class TestLogout:
    def test_anonymous(self, anon) -> None:
        response = anon.post("/api/v1/auth/logout")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_without_csrf_token_is_refused_and_the_session_lives_on(self, anon, member) -> None:
        login(anon, member.email)
        response = anon.post("/api/v1/auth/logout")
        assert response.status_code == 403
        assert response.json() == CSRF_FAILED
        assert anon.get("/api/v1/me").status_code == 200

    def test_happy_ends_the_session(self, anon, new_client, member, session) -> None:
        csrf = login(anon, member.email).json()["csrf_token"]
        cookie = anon.cookies.get("plein_session")
        response = anon.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert response.status_code == 204
        cleared = set_cookies(response)
        assert {"plein_session", "plein_csrf"} <= set(cleared)
        assert "plein_session" not in anon.cookies
        assert session_row(session, cookie).ended_at is not None
        # The old cookie, replayed from somewhere else, no longer works.
        replay = new_client()
        replay.cookies.set("plein_session", cookie)
        response = replay.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED


class TestCurrentSession:
    def test_anonymous(self, anon) -> None:
        response = anon.get("/api/v1/auth/session")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_an_unknown_cookie_is_anonymous(self, anon) -> None:
        anon.cookies.set("plein_session", "made-up-session-token")
        assert anon.get("/api/v1/auth/session").json() == UNAUTHENTICATED

    def test_happy(self, anon, member) -> None:
        csrf = login(anon, member.email).json()["csrf_token"]
        response = anon.get("/api/v1/auth/session")
        assert response.status_code == 200
        assert response.json()["user"]["username"] == member.username
        assert response.json()["csrf_token"] == csrf

    def test_api_token_has_no_csrf_token(self, client_for, anon, member) -> None:
        secret = client_for(member).post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
        response = anon.get("/api/v1/auth/session", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200
        assert response.json()["user"]["id"] == member.id
        assert response.json()["csrf_token"] is None


class TestCsrf:
    def test_cookie_write_without_the_header(self, anon, member) -> None:
        login(anon, member.email)
        response = anon.patch("/api/v1/me", json={"bio": "Nieuw"})
        assert response.status_code == 403
        assert response.json() == CSRF_FAILED
        assert anon.get("/api/v1/me").json()["bio"] == ""

    def test_cookie_write_with_a_wrong_header(self, anon, member) -> None:
        csrf = login(anon, member.email).json()["csrf_token"]
        wrong = csrf[:-1] + ("1" if csrf[-1] == "0" else "0")
        response = anon.patch("/api/v1/me", json={"bio": "Nieuw"}, headers={"X-CSRF-Token": wrong})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_failed"

    def test_a_token_from_another_session_does_not_fit(self, anon, new_client, member) -> None:
        other_csrf = login(new_client(), member.email).json()["csrf_token"]
        login(anon, member.email)
        response = anon.patch("/api/v1/me", json={"bio": "Nieuw"}, headers={"X-CSRF-Token": other_csrf})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_failed"

    def test_reads_need_no_token(self, anon, member) -> None:
        login(anon, member.email)
        assert anon.get("/api/v1/me").status_code == 200

    def test_happy_with_the_header(self, anon, member) -> None:
        csrf = login(anon, member.email).json()["csrf_token"]
        response = anon.patch("/api/v1/me", json={"bio": "Nieuw"}, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 200, response.text
        assert response.json()["bio"] == "Nieuw"

    def test_bearer_tokens_need_none(self, client_for, new_client, member) -> None:
        secret = client_for(member).post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
        script = new_client()
        response = script.patch("/api/v1/me", json={"bio": "Via de API"},
                                headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.text
        assert response.json()["bio"] == "Via de API"


class TestSessionTimeouts:
    def test_idle_timeout(self, client_for, member, session, settings) -> None:
        browser = client_for(member)
        row = session_row(session, browser.http.cookies.get("plein_session"))
        row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
        session.commit()
        response = browser.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_activity_within_the_idle_window_keeps_the_session(self, client_for, member, session, settings) -> None:
        browser = client_for(member)
        cookie = browser.http.cookies.get("plein_session")
        row = session_row(session, cookie)
        row.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes - 5)
        session.commit()
        assert browser.get("/api/v1/me").status_code == 200
        assert utcnow() - session_row(session, cookie).last_seen_at < timedelta(minutes=1)

    def test_absolute_timeout_even_when_active(self, client_for, member, session) -> None:
        browser = client_for(member)
        row = session_row(session, browser.http.cookies.get("plein_session"))
        row.last_seen_at = utcnow()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        response = browser.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED

    def test_absolute_lifetime_matches_the_setting(self, client_for, member, session, settings) -> None:
        browser = client_for(member)
        row = session_row(session, browser.http.cookies.get("plein_session"))
        assert row.expires_at - row.created_at == timedelta(hours=settings.session_absolute_hours)


class TestResolvingALoginIsARead:
    """What resolving a login notices (its use, its end) is written in a short transaction of its own. It used to be
    written in the request's, so the refusal that followed rolled it back. Over a committed database: the normal
    fixture's single connection would roll the two back together."""

    def test_an_idle_session_stays_ended_although_the_request_is_refused(self, settings, tmp_path) -> None:
        with live_site(settings, tmp_path, "plein_seen") as site:
            browser = site.client(site.user())
            token = browser.cookies.get("plein_session")
            idle = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
            site.run(lambda s: s.execute(update(AuthSession).where(AuthSession.token_hash == token_hash(token))
                                         .values(last_seen_at=idle)))
            response = browser.get("/api/v1/me")
            assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
            ended = site.scalar(select(AuthSession.ended_at).where(AuthSession.token_hash == token_hash(token)))
            assert ended is not None

    def test_a_refused_request_still_notes_that_she_was_there(self, settings, tmp_path) -> None:
        with live_site(settings, tmp_path, "plein_seen") as site:
            browser = site.client(site.user())
            token = browser.cookies.get("plein_session")
            earlier = utcnow() - timedelta(minutes=30)
            site.run(lambda s: s.execute(update(AuthSession).where(AuthSession.token_hash == token_hash(token))
                                         .values(last_seen_at=earlier)))
            response = browser.get("/api/v1/groups/999999")
            assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
            seen = site.scalar(select(AuthSession.last_seen_at).where(AuthSession.token_hash == token_hash(token)))
            assert utcnow() - seen < timedelta(minutes=1)


class TestDeactivatedAccount:
    def test_her_live_session_and_token_stop_working(self, client_for, anon, member, session) -> None:
        """Even when deactivation did not end them (it does, see test_sessions), the account check holds."""
        browser = client_for(member)
        secret = browser.post("/api/v1/auth/tokens", json={"name": "script"}).json()["token"]
        member_row = session.get(User, member.id)
        member_row.is_active = False
        session.commit()
        response = browser.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
        token_response = anon.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert token_response.status_code == 401
        assert token_response.json()["error"]["code"] == "invalid_token"


class TestSecureCookies:
    def test_https_base_url_sets_secure_cookies(self, settings, db, member) -> None:
        from app.main import create_app

        application = create_app(settings.model_copy(update={"base_url": "https://plein.example"}), database=db)
        application.state.limiter.reset()
        with TestClient(application, base_url="https://plein.example") as browser:
            response = login(browser, member.email)
            assert response.status_code == 200, response.text
            cookies = set_cookies(response)
            assert "secure" in attributes(cookies["plein_session"])
            assert "secure" in attributes(cookies["plein_csrf"])
            assert "httponly" in attributes(cookies["plein_session"])
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
            # The CSRF token handed out still fits the check.
            write = browser.patch("/api/v1/me", json={"bio": "https"},
                                  headers={"X-CSRF-Token": response.json()["csrf_token"]})
            assert write.status_code == 200, write.text
