"""Personal API tokens: shown once, used as Bearer without CSRF, revocable by their owner only."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.models import ApiToken
from app.security import token_hash
from tests.api.helpers import assert_error

TOKENS = "/api/v1/auth/tokens"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def create(browser, name: str = "Mijn script") -> dict[str, Any]:
    response = browser.post(TOKENS, json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()


class TestCreateToken:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.post(TOKENS, json={"name": "script"}), 401, "unauthenticated")

    def test_bad_input(self, client_for, member) -> None:
        browser = client_for(member)
        assert_error(browser.post(TOKENS, json={"name": "   "}), 422, "invalid", "name")
        assert_error(browser.post(TOKENS, json={"name": "x" * 101}), 422, "invalid", "name")
        assert_error(browser.post(TOKENS, json={}), 422, "invalid", "name")
        assert browser.get(TOKENS).json() == []

    def test_happy_the_secret_is_shown_once(self, client_for, member, session) -> None:
        created = create(client_for(member), "  Agenda-koppeling ")
        secret = created["token"]
        assert secret.startswith("plein_")
        assert len(secret) > 40
        assert created["prefix"] == secret[:12]
        assert created["name"] == "Agenda-koppeling"
        assert created["last_used_at"] is None
        # Only its hash is stored.
        session.expire_all()
        row = session.get(ApiToken, created["id"])
        assert row.token_hash == token_hash(secret)
        assert secret not in {row.token_hash, row.prefix, row.name}

    def test_at_most_twenty_active_tokens(self, client_for, member) -> None:
        browser = client_for(member)
        ids = [create(browser, f"script {n}")["id"] for n in range(20)]
        assert_error(browser.post(TOKENS, json={"name": "nog een"}), 409, "conflict")
        assert browser.delete(f"{TOKENS}/{ids[0]}").status_code == 204
        assert browser.post(TOKENS, json={"name": "nog een"}).status_code == 201


class TestUseToken:
    def test_unknown_token(self, anon) -> None:
        error = assert_error(anon.get("/api/v1/me", headers=bearer("plein_made-up")), 401, "invalid_token")
        assert error["message"] == "This API token is not valid."

    def test_happy_read(self, client_for, member, anon, session) -> None:
        created = create(client_for(member))
        response = anon.get("/api/v1/me", headers=bearer(created["token"]))
        assert response.status_code == 200
        assert response.json()["id"] == member.id
        session.expire_all()
        assert session.get(ApiToken, created["id"]).last_used_at is not None

    def test_happy_write_needs_no_csrf(self, client_for, member, anon) -> None:
        secret = create(client_for(member))["token"]
        assert "plein_session" not in anon.cookies
        response = anon.patch("/api/v1/me", json={"bio": "Geschreven door een script"}, headers=bearer(secret))
        assert response.status_code == 200, response.text
        assert response.json()["bio"] == "Geschreven door een script"

    def test_a_bad_token_is_refused_even_with_a_good_cookie(self, client_for, member) -> None:
        browser = client_for(member)
        assert_error(browser.get("/api/v1/me", headers=bearer("plein_made-up")), 401, "invalid_token")


class TestListTokens:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get(TOKENS), 401, "unauthenticated")

    def test_happy_only_her_own_and_never_the_secret(self, client_for, member, outsider) -> None:
        browser = client_for(member)
        first = create(browser, "een")
        second = create(browser, "twee")
        create(client_for(outsider), "van iemand anders")
        listed = browser.get(TOKENS)
        assert listed.status_code == 200
        assert [t["id"] for t in listed.json()] == [second["id"], first["id"]]
        assert all("token" not in t for t in listed.json())
        assert first["token"] not in listed.text and second["token"] not in listed.text


class TestRevokeToken:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.delete(f"{TOKENS}/1"), 401, "unauthenticated")

    def test_not_allowed_someone_elses_token(self, client_for, member, outsider, anon) -> None:
        theirs = create(client_for(outsider))
        assert_error(client_for(member).delete(f"{TOKENS}/{theirs['id']}"), 404, "not_found")
        assert anon.get("/api/v1/me", headers=bearer(theirs["token"])).status_code == 200

    def test_bad_input(self, client_for, member) -> None:
        assert_error(client_for(member).delete(f"{TOKENS}/een"), 422, "invalid", "token_id")

    def test_happy_the_token_stops_working(self, client_for, member, anon, session) -> None:
        browser = client_for(member)
        created = create(browser)
        assert anon.get("/api/v1/me", headers=bearer(created["token"])).status_code == 200
        assert browser.delete(f"{TOKENS}/{created['id']}").status_code == 204
        assert_error(anon.get("/api/v1/me", headers=bearer(created["token"])), 401, "invalid_token")
        assert browser.get(TOKENS).json() == []
        assert_error(browser.delete(f"{TOKENS}/{created['id']}"), 404, "not_found")
        session.expire_all()
        assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == created["id"])) is not None

    def test_a_token_can_revoke_itself(self, client_for, member, anon) -> None:
        created = create(client_for(member))
        response = anon.delete(f"{TOKENS}/{created['id']}", headers=bearer(created["token"]))
        assert response.status_code == 204
        assert_error(anon.get("/api/v1/me", headers=bearer(created["token"])), 401, "invalid_token")
