"""The live events as a contract (in the manner of Zulip's test_events.py).

Every event type the server can publish is produced here by a real action through the API, captured from the
bus, and checked against its model in app/events.py, in the form a client receives it. A new event type without
an action here fails `test_every_event_type_is_exercised`; a name the JS listens for that the server never
sends (or the reverse) fails `test_the_js_and_the_server_agree_on_event_names`.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest

from app.config import ROOT
from app.events import EVENT_TYPES, BusGap, parse_event
from app.models import Portfolio
from app.realtime.hub import event_message
from tests.api.helpers import API
from tests.factories import Published

JS = ROOT / "frontend" / "static" / "js"

# Events the server sends that no page script listens for, each with its reason.
SERVER_ONLY = {
    # The hub acts on these itself (closes the sockets of an ended session, a deactivated account or a revoked
    # token; re-checks her topics when her site role changes).
    "session.ended": "hub: closes her sockets of that session",
    "account.deactivated": "hub: closes her sockets",
    "api_token.revoked": "hub: closes the sockets opened with that token",
    "account.role_changed": "hub: re-checks what her sockets may receive",
    # The hub updates its grants on these; pages that care reload on membership.changed / group.merged.
    "group.updated": "hub: the group's visibility for delivery; for API clients",
    # For API clients (and the bots of the party's districts); the pages fetch these on load.
    "group_invitation.created": "API clients: her invitations",
    "channel.created": "API clients: the group's channels",
    "channel.updated": "API clients: the group's channels",
    # Never sent to a client as an event: the hub turns it into a "resync" message.
    "bus.gap": "bus: events may be missing before it",
}

# Produced by the bus itself, not by an action; tests/api/test_events.py::TestDispatchFailure covers it.
NOT_FROM_AN_ACTION = {"bus.gap"}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json() if status != 204 else None


def check_against_schema(published: Published) -> None:
    """The event is the model of its type, and what the client receives reads back as that same model
    (through the Redis stream's form too) and is written again byte for byte."""
    event = published.event
    assert type(event) is EVENT_TYPES[event.type], event.type
    wire = json.loads(event_message(event))
    assert wire == {"type": "event", "id": event.id, "topic": event.topic, "event": event.type,
                    "payload": published.payload, "at": event.at.isoformat()}
    stored = json.dumps({"type": wire["event"], "topic": wire["topic"], "payload": wire["payload"], "at": wire["at"]})
    again = parse_event(stored).model_copy(update={"id": event.id})
    assert type(again) is type(event)
    assert event_message(again) == event_message(event)
    assert parse_event(event.model_dump_json(exclude={"id"})).model_copy(update={"id": event.id}) == again


@pytest.fixture
def everything(client_for, admin, manager, member, outsider, make_user, make_group, session,
               capture_events) -> list[Published]:
    """One afternoon on the site, through the API: every kind of action that tells open pages something."""
    portfolio = Portfolio(slug="zorg", name="Zorg")
    session.add(portfolio)
    session.commit()
    group = make_group("Werkgroep Zorg", members=(member,))
    closed = make_group("Fractie Alkmaar", visibility="closed")
    source, target = make_group("Wonen Noord"), make_group("Wonen")
    staff, anna, bert, chief = (client_for(u) for u in (manager, member, outsider, admin))
    capture_events.clear()

    ok(staff.patch(f"{API}/groups/{group['id']}", json={"description": "Over zorg in de wijk"}))
    channel = ok(staff.post(f"{API}/groups/{group['id']}/channels", json={"name": "Mantelzorg"}), 201)
    ok(staff.patch(f"{API}/channels/{channel['id']}", json={"name": "Mantelzorg en welzijn"}))
    thread = ok(anna.post(f"{API}/channels/{group['channel_id']}/threads", json={
        "kind": "question", "title": "Wie kent de WMO-regels?", "body": "Ik zoek hulp.",
        "portfolio_ids": [portfolio.id]}), 201)
    reply = ok(staff.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Ik help je."}), 201)
    ok(staff.patch(f"{API}/posts/{reply['id']}", json={"body": "Ik help je graag."}))
    ok(anna.put(f"{API}/posts/{reply['id']}/reactions/{quote('👍')}"))
    ok(anna.put(f"{API}/threads/{thread['id']}/answer", json={"post_id": reply["id"]}))
    ok(anna.patch(f"{API}/threads/{thread['id']}", json={"title": "Wie kent de WMO-regels goed?"}))
    ok(anna.post(f"{API}/notifications/read", json={}))
    ok(anna.post(f"{API}/posts/{reply['id']}/flags", json={"reason": "spam"}), 201)
    ok(staff.delete(f"{API}/posts/{reply['id']}"), 204)
    ok(anna.delete(f"{API}/threads/{thread['id']}"), 204)
    ok(staff.patch(f"{API}/groups/{group['id']}/members/{member.id}", json={"role": "moderator"}))

    assert ok(bert.post(f"{API}/groups/{closed['id']}/join", json={}))["status"] == "requested"
    [requested] = [e for e in capture_events if e.type == "join_request.created"]
    ok(staff.post(f"{API}/join-requests/{requested.payload['request_id']}/approve"))
    ok(staff.post(f"{API}/groups/{group['id']}/invitations", json={"user_id": outsider.id}), 201)
    ok(staff.post(f"{API}/groups/merge", json={"source_id": source["id"], "target_id": target["id"]}))

    article = ok(staff.post(f"{API}/articles", json={"title": "Raadslid in beeld", "lead": "Over zorg.",
                                                    "body": "Anna vertelt."}), 201)
    ok(staff.post(f"{API}/articles/{article['id']}/publish"))
    ok(staff.patch(f"{API}/articles/{article['id']}", json={"lead": "Over zorg en wonen."}))
    ok(staff.post(f"{API}/articles/{article['id']}/unpublish"))

    token = ok(anna.post(f"{API}/auth/tokens", json={"name": "script"}), 201)
    ok(anna.delete(f"{API}/auth/tokens/{token['id']}"), 204)
    ok(chief.patch(f"{API}/admin/users/{outsider.id}", json={"role": "community_manager"}))
    ok(chief.patch(f"{API}/admin/users/{outsider.id}", json={"is_active": False}))
    ok(client_for(make_user()).post(f"{API}/auth/logout"), 204)
    return list(capture_events)


def test_every_published_event_matches_its_schema(everything) -> None:
    for published in everything:
        check_against_schema(published)


def test_every_event_type_is_exercised(everything) -> None:
    produced = {e.type for e in everything}
    assert produced == set(EVENT_TYPES) - NOT_FROM_AN_ACTION


def _js_event_names() -> set[str]:
    names: set[str] = set()
    for path in JS.glob("*.js"):
        names |= set(re.findall(r"""onEvent\(\s*["']([a-z_.]+)["']""", path.read_text()))
    return names


def test_the_js_and_the_server_agree_on_event_names() -> None:
    listened = _js_event_names()
    assert listened, "no onEvent(...) found in frontend/static/js: did the listening helper change its name?"
    assert listened - set(EVENT_TYPES) == set(), "the JS listens for events the server never sends"
    assert set(SERVER_ONLY) - set(EVENT_TYPES) == set(), "SERVER_ONLY names events that do not exist"
    assert listened & set(SERVER_ONLY) == set(), "an event listed as server-only has a listener in the JS"
    assert set(EVENT_TYPES) - listened - set(SERVER_ONLY) == set(), \
        "events nobody handles: add a listener in the JS or list them in SERVER_ONLY with the reason"


def test_the_gap_marker_is_an_event_of_its_own() -> None:
    gap = BusGap()
    assert parse_event(gap.model_dump_json(exclude={"id"})) == gap


def test_a_topic_outside_the_events_kinds_is_refused() -> None:
    from pydantic import ValidationError

    from app.events import ModerationChanged, ModerationQueue

    with pytest.raises(ValidationError, match="not published on"):
        ModerationChanged(topic="thread:1", payload=ModerationQueue(group_id=1))
