"""One error shape for everything: {"error": {"code", "message", "field"?}}, whatever went wrong."""
from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from app.deps import SessionDep  # noqa: F401  (resolved by FastAPI from this module: a test route)
from tests.api.helpers import assert_error

# MAX_REQUEST_BYTES defaults to 1_000_000; app/api/limits.py words that as "1000 kB".
TOO_LARGE = {"error": {"code": "too_large", "field": "body",
                       "message": "The request body is too large; the limit is 1 MB."}}

PROTECTED = [
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("PUT", "/api/v1/me/avatar"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/1"),
    ("GET", "/api/v1/users/1/avatar"),
    ("GET", "/api/v1/users/by-username/anna"),
    ("GET", "/api/v1/portfolios"),
    ("POST", "/api/v1/portfolios"),
    ("GET", "/api/v1/auth/session"),
    ("GET", "/api/v1/auth/sessions"),
    ("DELETE", "/api/v1/auth/sessions/1"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/password"),
    ("GET", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/auth/tokens"),
    ("DELETE", "/api/v1/auth/tokens/1"),
    ("GET", "/api/v1/invites"),
    ("POST", "/api/v1/invites"),
    ("DELETE", "/api/v1/invites/1"),
    ("PATCH", "/api/v1/admin/users/1"),
]


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked), so only counting what arrives can stop it."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


class TestUnauthenticated:
    @pytest.mark.parametrize(("method", "path"), PROTECTED)
    def test_anonymous_gets_401_in_the_error_shape(self, anon, method, path) -> None:
        response = anon.request(method, path, json={})
        assert response.status_code == 401, f"{method} {path}: {response.status_code} {response.text}"
        assert response.json() == {"error": {"code": "unauthenticated", "message": "Log in first."}}
        assert response.headers["content-type"] == "application/json"


class TestBodyTooLarge:
    def test_json_over_one_megabyte(self, anon) -> None:
        body = json.dumps({"email": "anna@example.nl", "password": "x" * 1_000_001})
        response = anon.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json() == TOO_LARGE

    def test_just_under_the_limit_is_read(self, anon) -> None:
        body = json.dumps({"email": "anna@example.nl", "password": "x" * 900_000})
        response = anon.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
        assert_error(response, 422, "invalid", "password")  # read and validated, not refused for size

    def test_chunked_body_without_content_length(self, client_for, member) -> None:
        browser = client_for(member)
        body = json.dumps({"bio": "x" * 1_500_000}).encode()
        response = browser.patch("/api/v1/me", content=chunks(body), headers={"Content-Type": "application/json"})
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert response.json() == TOO_LARGE
        assert browser.get("/api/v1/me").json()["bio"] == ""

    def test_ten_megabytes_of_markdown_for_a_new_thread(self, client_for, member) -> None:
        body = {"kind": "discussion", "title": "Een heel lange tekst", "body": "# Kop\n\n" + "Tekst. " * 1_500_000}
        response = client_for(member).post("/api/v1/channels/1/threads", json=body)
        assert response.status_code == 413
        assert response.json() == TOO_LARGE

    def test_ten_megabytes_chunked_for_a_new_thread(self, client_for, member) -> None:
        body = json.dumps({"kind": "discussion", "title": "Lang", "body": "Tekst. " * 1_500_000}).encode()
        response = client_for(member).post("/api/v1/channels/1/threads", content=chunks(body),
                                           headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert response.json() == TOO_LARGE


class TestMalformedJson:
    def test_anonymous_endpoint(self, anon) -> None:
        response = anon.post("/api/v1/auth/login", content=b'{"email": "anna@example.nl", "password": ',
                             headers={"Content-Type": "application/json"})
        error = assert_error(response, 422, "invalid_json", "body")
        assert error["message"] == "The request body is not valid JSON."

    def test_logged_in_write(self, client_for, member) -> None:
        response = client_for(member).patch("/api/v1/me", content=b"{'bio': 'enkele quotes'}",
                                            headers={"Content-Type": "application/json"})
        assert_error(response, 422, "invalid_json", "body")

    def test_not_an_object(self, anon) -> None:
        response = anon.post("/api/v1/auth/login", json=["anna@example.nl", "wachtwoord"])
        assert_error(response, 422, "invalid", "body")

    def test_missing_body(self, anon) -> None:
        assert_error(anon.post("/api/v1/auth/login"), 422, "invalid", "body")


class TestUnknownRoute:
    def test_unknown_api_route(self, anon) -> None:
        response = anon.get("/api/v1/bestaat-niet")
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}

    def test_unknown_route_when_logged_in(self, client_for, member) -> None:
        assert_error(client_for(member).post("/api/v1/bestaat/ook/niet", json={}), 404, "not_found")

    def test_wrong_method(self, anon) -> None:
        response = anon.put("/api/v1/auth/login", json={})
        assert response.status_code == 405
        assert response.json() == {"error": {"code": "method_not_allowed", "message": "Method Not Allowed"}}


class TestNulCharacter:
    """PostgreSQL cannot store NUL in text; it is refused at the edge, the same on every backend."""

    def test_in_a_json_body(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        client = client_for(member)
        url = f"/api/v1/channels/{group['channel_id']}/threads"
        response = client.post(url, json={"title": "Nul\u0000byte", "body": "Tekst"})
        assert response.status_code == 422
        assert response.json()["error"] == {"code": "invalid", "field": "body",
                                            "message": "body: text may not contain the NUL character."}
        # The six characters \\u0000 written as text (an escaped backslash) are fine.
        fine = client.post(url, json={"title": "Over \\u0000 in JSON", "body": "Een backslash: \\u0000"})
        assert fine.status_code == 201, fine.text
        assert fine.json()["title"] == "Over \\u0000 in JSON"

    def test_in_the_query_and_the_path(self, client_for, member) -> None:
        client = client_for(member)
        assert_error(client.get("/api/v1/groups?q=a%00b"), 422, "invalid", "query")
        assert_error(client.get("/api/v1/groups/by-slug/a%00b"), 404, "not_found")


class TestUniqueViolationSafetyNet:
    """A unique violation no service turned into its own 409 is still a conflict (409), never a 500."""

    @pytest.fixture
    def client(self, app, anon, make_user):
        from sqlalchemy import text

        taken = make_user()

        @app.post("/api/v1/_test/duplicate-email")
        def _duplicate(session: SessionDep) -> dict[str, str]:
            session.execute(text("UPDATE users SET email = :email WHERE id != :id"), {"email": taken.email,
                                                                                     "id": taken.id})
            return {}

        make_user()
        return anon

    def test_a_unique_violation_is_a_409_conflict(self, client) -> None:
        response = client.post("/api/v1/_test/duplicate-email")
        assert_error(response, 409, "conflict")
        assert "same moment" in response.json()["error"]["message"]
