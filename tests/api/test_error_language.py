"""The API's messages in the language the request asks for (Accept-Language), English without it: refusals,
conflicts with who did it, bad input, rate limits, a silence until a moment in words, the edge's refusals.
And a guard: no error message is built from an f-string (it could not be looked up in the catalog)."""
from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta

from app import i18n
from app.config import ROOT
from tests.api.helpers import API, assert_error

NL = {"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"}
ISO = re.compile(r"\d{4}-\d\d-\d\d|UTC|:\d\d:\d\d")


def message(response) -> str:
    return response.json()["error"]["message"]


def test_without_accept_language_english_as_before(anon, client_for, member) -> None:
    assert message(anon.get(f"{API}/me")) == "Log in first."
    assert message(client_for(member).get(f"{API}/groups/999999")) == "Group not found."


def test_dutch_when_asked(anon, client_for, member, make_group) -> None:
    assert message(anon.get(f"{API}/me", headers=NL)) == "Log eerst in."
    me = client_for(member)
    assert_error(me.get(f"{API}/groups/999999", headers=NL), 404, "not_found")
    assert message(me.get(f"{API}/groups/999999", headers=NL)) == "Groep niet gevonden."
    # A site refusal and a group refusal (their messages live in tables, marked for the catalog).
    assert message(me.get(f"{API}/audit", headers=NL)) == \
        i18n.translations("nl").gettext("Only the community manager and admins read the audit log.")
    closed = make_group(visibility="closed")
    assert message(me.get(f"{API}/groups/{closed['id']}/threads", headers=NL)) == \
        i18n.translations("nl").gettext("Join this group to read what is posted in it.")
    # Bad input names the field; English keeps Pydantic's detail.
    bad = me.patch(f"{API}/me", json={"display_name": ""}, headers=NL)
    assert_error(bad, 422, "invalid", "display_name")
    assert message(bad) == "Controleer het veld “display_name”."
    assert message(me.patch(f"{API}/me", json={"display_name": ""})).startswith("display_name: ")
    assert message(me.get(f"{API}/groups/999999", headers={"Accept-Language": "en-GB,nl"})) == "Group not found."
    assert message(me.get(f"{API}/groups/999999", headers={"Accept-Language": "de"})) == "Group not found."


def test_every_dutch_answer_differs_from_the_english(client_for, member, make_group) -> None:
    me = client_for(member)
    for path in (f"{API}/groups/999999", f"{API}/threads/999999", f"{API}/posts/999999", f"{API}/audit",
                 f"{API}/moderation/queue", f"{API}/channels/999999"):
        english, dutch = message(me.get(path)), message(me.get(path, headers=NL))
        assert dutch != english, path
        assert dutch == i18n.translations("nl").gettext(english), path


def test_a_conflict_says_who_did_it_in_dutch(client_for, member, outsider, other, make_group) -> None:
    group = make_group(visibility="closed", admins=(member, other))
    client_for(outsider).post(f"{API}/groups/{group['id']}/join", json={"message": "Graag"})
    [request] = client_for(member).get(f"{API}/groups/{group['id']}/join-requests").json()
    assert client_for(member).post(f"{API}/join-requests/{request['id']}/approve").status_code == 200
    late = client_for(other).post(f"{API}/join-requests/{request['id']}/decline", headers=NL)
    assert_error(late, 409, "already_decided")
    assert message(late) == f"{member.display_name} heeft dit verzoek al goedgekeurd."
    english = client_for(other).post(f"{API}/join-requests/{request['id']}/decline")
    assert message(english) == f"This request was already approved by {member.display_name}."


def test_a_silence_until_a_moment_in_words(client_for, member, manager, make_group, run) -> None:
    group = make_group(members=(member,))
    assert client_for(manager).post(f"{API}/users/{member.id}/silence",
                                    json={"days": 7, "reason": "Te fel"}).status_code in (200, 204)
    until = datetime.now(UTC) + timedelta(days=7)
    body = {"title": "Nog één ding", "body": "Ik wil toch iets zeggen."}
    refused = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=body, headers=NL)
    assert_error(refused, 403, "silenced")
    text = message(refused)
    assert text.startswith("Een moderator heeft je het zwijgen opgelegd tot ")
    assert i18n.local_datetime(until, language="nl").split(",")[0] in text  # "10 december 2026"
    assert not ISO.search(text), text
    english = message(client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json=body))
    assert english.startswith("A moderator silenced you until ") and not ISO.search(english)


def test_personal_data_and_blocked_words_in_dutch(client_for, member, manager, make_group, make_thread) -> None:
    group = make_group(members=(member,))
    thread = make_thread(member, group["channel_id"])
    me = client_for(member)
    reply = me.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Zeker."}).json()
    edit = me.patch(f"{API}/posts/{reply['id']}", json={"body": "Haar BSN is 111222333."}, headers=NL)
    assert_error(edit, 422, "invalid", "body")
    assert message(edit) == "Dit lijkt op persoonsgegevens van een inwoner (een burgerservicenummer). Laat dat weg."
    assert client_for(manager).post(f"{API}/moderation/watched-words",
                                    json={"word": "klootzak", "action": "block"}).status_code == 201
    blocked = me.post(f"{API}/threads/{thread['id']}/replies", json={"body": "Wat een klootzak."}, headers=NL)
    assert message(blocked) == "Je bericht bevat woorden die hier niet mogen: klootzak."


def test_the_edges_refusal_in_dutch(anon) -> None:
    refused = anon.post(f"{API}/auth/login", json={"email": "a@example.org", "password": "x"},
                        headers={**NL, "Origin": "https://elders.example"})
    assert_error(refused, 403, "bad_origin")
    assert message(refused) == "Dit verzoek komt van een andere website en wordt daarom geweigerd."


ERROR_CLASSES = set(i18n.ERROR_CLASSES)


def test_no_error_message_is_an_f_string() -> None:
    """An f-string (or a message glued together) cannot be found in the catalog: params are for what varies."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ERROR_CLASSES \
                    and node.args and isinstance(node.args[0], ast.JoinedStr | ast.BinOp):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
