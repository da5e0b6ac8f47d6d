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
    ("POST", "/api/v1/auth/sessions/end-others"),
    ("PUT", "/api/v1/groups/1/channel-order"),
    ("GET", "/api/v1/groups/1/invitations"),
    ("DELETE", "/api/v1/group-invitations/1"),
    ("GET", "/api/v1/moderation/restrictions"),
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


class TestTextNoDatabaseCanStore:
    """NUL (PostgreSQL refuses it, SQLite would store it) and lone surrogates (not Unicode: neither database can
    encode them) are refused at the edge, naming the field, under every media type FastAPI parses as JSON — the
    same on every backend, and nothing is stored."""

    JSON_TYPES = ["application/json", "Application/JSON", "application/json; charset=utf-8",
                  "APPLICATION/JSON ; Charset=UTF-8", "application/vnd.api+json", "application/merge-patch+json",
                  None]

    @pytest.fixture
    def thread_url(self, make_group, member) -> str:
        group = make_group(members=(member,))
        return f"/api/v1/channels/{group['channel_id']}/threads"

    @staticmethod
    def threads(session) -> int:
        from sqlalchemy import func, select

        from app.models import Thread

        return session.scalar(select(func.count()).select_from(Thread))

    @pytest.mark.parametrize("content_type", JSON_TYPES)
    @pytest.mark.parametrize(("raw", "field", "reason"), [
        (b'{"title": "Nul\\u0000byte", "body": "Tekst"}', "title", "NUL"),
        (b'{"title": "Titel", "body": "half \\ud800 teken"}', "body", "surrogate"),
        (b'{"title": "Titel", "body": "laag \\udfff"}', "body", "surrogate"),
        # The surrogate written as UTF-8 bytes (ED A0 80): Python's JSON reader lets those through as well.
        (b'{"title": "Titel \xed\xa0\x80", "body": "Tekst"}', "title", "surrogate"),
        (b'{"title": "Titel", "body": "Tekst", "attachment_ids": [], "labels": {"a\\u0000": 1}}', "labels",
         "NUL"),
    ])
    def test_in_a_json_body(self, client_for, member, thread_url, session, content_type, raw, field,
                            reason) -> None:
        client = client_for(member)
        before = self.threads(session)
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post(thread_url, content=raw, headers=headers)
        error = assert_error(response, 422, "invalid", field)
        assert error["message"].startswith(f"{field}: ") and reason in error["message"]
        assert self.threads(session) == before

    @pytest.mark.parametrize("content_type", [t for t in JSON_TYPES if t])
    def test_each_of_those_types_is_parsed_as_json(self, client_for, member, thread_url, content_type) -> None:
        # Which is why each must be checked: the app reads every one of them as a JSON body. (Without a content
        # type FastAPI's routes are strict and do not; it is checked all the same, for a route that is not.)
        response = client_for(member).post(thread_url, headers={"Content-Type": content_type},
                                           content=json.dumps({"title": "Gewoon", "body": "Tekst"}).encode())
        assert response.status_code == 201, response.text

    def test_an_escaped_backslash_before_u0000_is_plain_text(self, client_for, member, thread_url) -> None:
        # The six characters \u0000 written as text (an escaped backslash) are fine.
        fine = client_for(member).post(thread_url, json={"title": "Over \\u0000 in JSON",
                                                         "body": "Een backslash: \\ud800"})
        assert fine.status_code == 201, fine.text
        assert fine.json()["title"] == "Over \\u0000 in JSON"

    def test_a_body_that_is_not_utf8(self, client_for, member, thread_url, session) -> None:
        before = self.threads(session)
        response = client_for(member).post(thread_url, content=b'{"title": "\xff\xfe", "body": "x"}',
                                           headers={"Content-Type": "application/json"})
        assert_error(response, 422, "invalid_json", "body")
        assert self.threads(session) == before

    def test_in_the_query_and_the_path(self, client_for, member) -> None:
        client = client_for(member)
        error = assert_error(client.get("/api/v1/groups?q=a%00b"), 422, "invalid", "q")
        assert error["message"] == "q: text may not contain the NUL character."
        assert_error(client.get("/api/v1/search?q=x&kind=a%00"), 422, "invalid", "kind")
        assert_error(client.get("/api/v1/groups/by-slug/a%00b"), 404, "not_found")

    def test_every_string_field_of_every_json_body_in_the_api(self, app, client_for, member) -> None:
        """Walk the OpenAPI document: each operation that takes a JSON body, each string property of it."""
        document = app.openapi()
        schemas = document["components"]["schemas"]

        def resolve(schema: dict) -> dict:
            while "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
            return schema

        def takes_text(schema: dict) -> bool:
            schema = resolve(schema)
            return schema.get("type") == "string" or any(takes_text(s) for s in schema.get("anyOf", []))

        client = client_for(member)
        checked = 0
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" not in content:
                    continue
                properties = resolve(content["application/json"]["schema"]).get("properties", {})
                url = path.format_map({p["name"]: "1" for p in operation.get("parameters", [])
                                       if p["in"] == "path"})
                for name, schema in properties.items():
                    if not takes_text(schema):
                        continue
                    for bad, reason in (("a\x00b", "NUL"), ("a\ud800b", "surrogate")):
                        raw = json.dumps({name: bad}).encode()  # ensure_ascii: written as \u escapes
                        response = client.request(method.upper(), url, content=raw,
                                                  headers={"Content-Type": "application/json"})
                        error = assert_error(response, 422, "invalid", name)
                        assert reason in error["message"], (method, path, name, error)
                        checked += 1
        assert checked > 60, checked  # the walk found the API's text fields


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
