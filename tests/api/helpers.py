"""Shared by the API tests: the one error shape, and reading events."""
from __future__ import annotations

from typing import Any

from tests.factories import Published

API = "/api/v1"
# A page request refused as not found gets the HTML page, not the JSON shape: its title says which refusal.
NOT_FOUND_PAGE = "<title>Niet gevonden · Plein</title>"


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is {"error": {"code", "message", "field"?}} with exactly this status, code and field."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error.get("field") == field, error
    assert error["message"], error
    return error


def kinds(events: list[Published]) -> list[tuple[str, str]]:
    """(type, topic) of each published event, in order."""
    return [(e.type, e.topic) for e in events]
