"""The motion library (API and page): every motion she may read with facet counts under the other choices,
similar motions from other municipalities, and reusing one as the start of her own (linked both ways)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API, assert_error
from tests.web.test_pages import assert_page, links

BODY = "De raad verzoekt het college zonnepanelen op de daken van alle basisscholen te leggen."


@pytest.fixture
def library(manager, member, make_group, make_thread) -> dict[str, Any]:
    green = make_group("Energiecoöperaties", members=(member,))
    care = make_group("Jeugdhulp", members=(member,))
    board = make_group("Fractie Zwolle", kind="faction", visibility="closed")
    made = {"green": green, "care": care}
    for key, group, town, status, title, body in (
            ("delft", green, "Delft", "adopted", "Zonnepanelen op scholen", BODY),
            ("alkmaar", green, "Alkmaar", "rejected", "Zonnepanelen op basisscholen", BODY + " Ook op gymzalen."),
            ("utrecht", care, "Utrecht", "adopted", "Wachtlijsten jeugdhulp", "Wachtlijsten halveren."),
            ("closed", board, "Zwolle", "adopted", "Zonnepanelen op het stadhuis", BODY)):
        made[key] = make_thread(manager, group["channel_id"], title=title, body=body, kind="motion",
                                motion={"municipality": town, "status": status})
    return made


def facet(page: dict[str, Any], name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in page["facets"][name]}


class TestLibrary:
    def test_anonymous_and_bad_input(self, anon, client_for, member) -> None:
        assert_error(anon.get(f"{API}/motions"), 401, "unauthenticated")
        reader = client_for(member)
        assert_error(reader.get(f"{API}/motions", params={"status": "won"}), 422, "invalid", "status")
        assert_error(reader.get(f"{API}/motions", params={"year": 1200}), 422, "invalid", "year")
        assert_error(reader.get(f"{API}/motions", params={"cursor": "nonsense"}), 422, "invalid", "cursor")

    def test_every_motion_she_may_read_with_facets(self, client_for, member, library) -> None:
        page = client_for(member).get(f"{API}/motions").json()
        titles = {m["title"] for m in page["items"]}
        assert {"Zonnepanelen op scholen", "Zonnepanelen op basisscholen", "Wachtlijsten jeugdhulp"} <= titles
        assert "Zonnepanelen op het stadhuis" not in titles  # a closed faction she is not in
        assert facet(page, "municipality").get("Zwolle") is None
        assert facet(page, "status")["adopted"] >= 2 and facet(page, "status")["rejected"] >= 1
        assert facet(page, "theme")[str(library["green"]["id"])] == 2
        assert page["total"] == len(page["items"]) == 3 and page["next_cursor"] is None
        assert sum(facet(page, "year").values()) == sum(facet(page, "status").values()) == 3

    def test_pages_follow_on_and_places_count_without_regard_to_case(self, client_for, manager, member, library,
                                                                     make_thread) -> None:
        make_thread(manager, library["green"]["channel_id"], title="Groene daken", body="Daken vergroenen.",
                    kind="motion", motion={"municipality": "delft", "status": "submitted"})
        reader = client_for(member)
        first = reader.get(f"{API}/motions", params={"limit": 3}).json()
        assert first["total"] == 4 and len(first["items"]) == 3 and first["next_cursor"]
        rest = reader.get(f"{API}/motions", params={"limit": 3, "cursor": first["next_cursor"]}).json()
        assert [m["title"] for m in rest["items"]] == ["Zonnepanelen op scholen"] and rest["next_cursor"] is None
        assert rest["total"] == 4
        assert [(v["label"], v["count"]) for v in first["facets"]["municipality"]][:1] in (
            [("Delft", 2)], [("delft", 2)])

    def test_a_choice_narrows_and_counts_under_the_other_choices(self, client_for, member, library) -> None:
        reader = client_for(member)
        page = reader.get(f"{API}/motions", params={"theme_id": library["green"]["id"], "status": "adopted"}).json()
        assert [m["title"] for m in page["items"]] == ["Zonnepanelen op scholen"] and page["total"] == 1
        # The status facet counts within the theme (both statuses), the theme facet within "adopted".
        assert facet(page, "status") == {"adopted": 1, "rejected": 1}
        assert facet(page, "theme")[str(library["green"]["id"])] == 1
        words = reader.get(f"{API}/motions", params={"q": "zonnepaneel", "municipality": "alkmaar"}).json()
        assert [m["municipality"] for m in words["items"]] == ["Alkmaar"]

    def test_the_page(self, client_for, member, library) -> None:
        text = assert_page(client_for(member).get("/motions", params={"status": "adopted"}))
        assert "Zonnepanelen op scholen" in text and "Zonnepanelen op basisscholen" not in text
        assert f"/threads/{library['delft']['id']}" in links(text)
        assert f"/motions/{library['delft']['id']}/reuse" in links(text)
        assert "Aangenomen" in text and "Alle keuzes wissen" in text


class TestSimilarAndReuse:
    def test_similar_motions_come_from_other_municipalities(self, client_for, member, library) -> None:
        reader = client_for(member)
        found = reader.get(f"{API}/motions/{library['delft']['id']}/similar").json()
        assert [m["municipality"] for m in found][:1] == ["Alkmaar"]
        assert all(m["municipality"] != "Delft" and m["title"] != "Zonnepanelen op het stadhuis" for m in found)
        text = assert_page(reader.get(f"/threads/{library['delft']['id']}"))
        assert "Vergelijkbare moties uit andere gemeenten" in text and f"/threads/{library['alkmaar']['id']}" in text

    def test_reuse_links_the_new_motion_to_the_original(self, client_for, member, library) -> None:
        reader = client_for(member)
        start = reader.get(f"{API}/motions/{library['delft']['id']}/reuse").json()
        assert start["body"] == BODY and start["based_on"]["municipality"] == "Delft"
        assert start["based_on"]["authors"][0]["display_name"] == "Community manager"
        page = assert_page(reader.get(f"/motions/{library['delft']['id']}/reuse"))
        assert 'id="reuse-form"' in page and BODY in page and "Gebaseerd op" in page
        made = reader.post(f"{API}/channels/{library['green']['channel_id']}/threads", json={
            "kind": "motion", "title": "Zonnepanelen op Alkmaarse scholen", "body": start["body"],
            "motion": {"municipality": "Alkmaar"}, "based_on_id": library["delft"]["id"]})
        assert made.status_code == 201, made.text
        assert made.json()["based_on"]["id"] == library["delft"]["id"]
        original = reader.get(f"{API}/threads/{library['delft']['id']}").json()
        assert [r["id"] for r in original["reused_in"]] == [made.json()["id"]]
        text = assert_page(reader.get(f"/threads/{made.json()['id']}"))
        assert "Gebaseerd op" in text and f"/threads/{library['delft']['id']}" in links(text)

    def test_reuse_refuses_what_she_may_not_read(self, client_for, member, library) -> None:
        reader = client_for(member)
        assert_error(reader.get(f"{API}/motions/{library['closed']['id']}/reuse"), 403, "join_to_read")
        refused = reader.post(f"{API}/channels/{library['green']['channel_id']}/threads", json={
            "kind": "motion", "title": "Poging", "body": "x", "motion": {"municipality": "Alkmaar"},
            "based_on_id": library["closed"]["id"]})
        assert_error(refused, 422, "invalid", "based_on_id")
        discussion = reader.post(f"{API}/channels/{library['green']['channel_id']}/threads", json={
            "title": "Geen motie", "body": "x", "based_on_id": library["delft"]["id"]})
        assert_error(discussion, 422, "invalid", "based_on_id")
        not_a_motion = reader.get(f"{API}/motions/999999/similar")
        assert_error(not_a_motion, 404, "not_found")
