"""Duplicate groups: suggestions while creating one, and the community manager's list of likely pairs."""
from __future__ import annotations

from tests.api.helpers import API, assert_error


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [g["name"] for g in response.json()]


class TestSimilarGroups:
    def test_anonymous_and_bad_input(self, anon, client_for, member) -> None:
        assert_error(anon.get(f"{API}/groups/similar?name=zorg"), 401, "unauthenticated")
        assert_error(client_for(member).get(f"{API}/groups/similar"), 422, "invalid", "name")
        assert_error(client_for(member).get(f"{API}/groups/similar?name=" + "x" * 121), 422, "invalid", "name")

    def test_stop_words_case_and_accents_do_not_matter(self, client_for, manager, make_group) -> None:
        make_group("Duurzaamheid en klimaat")
        make_group("Fryslân")
        make_group("Wonen")
        staff = client_for(manager)
        assert names(staff.get(f"{API}/groups/similar", params={"name": "Werkgroep klimaat & DUURZAAMHEID"})) == [
            "Duurzaamheid en klimaat"]
        assert names(staff.get(f"{API}/groups/similar", params={"name": "fryslan"})) == ["Fryslân"]
        assert names(staff.get(f"{API}/groups/similar", params={"name": "Zorg en welzijn"})) == []
        assert names(staff.get(f"{API}/groups/similar", params={"name": "de groep"})) == []  # only stop words

    def test_a_secret_group_is_suggested_only_to_who_may_know_it(self, client_for, member, manager,
                                                                  make_group) -> None:
        make_group("Integriteitszaken", visibility="secret")
        assert names(client_for(member).get(f"{API}/groups/similar", params={"name": "integriteitszaken"})) == []
        assert names(client_for(manager).get(f"{API}/groups/similar", params={"name": "integriteitszaken"})) == [
            "Integriteitszaken"]


class TestDuplicatePairs:
    def test_only_staff(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"{API}/groups/duplicates"), 403, "find_duplicates_not_allowed")

    def test_pairs_by_name_and_by_shared_members(self, client_for, manager, make_user, make_group) -> None:
        people = [make_user() for _ in range(4)]
        make_group("WMO en zorg", members=tuple(people[:1]))
        make_group("Werkgroep Zorg & WMO", members=tuple(people[1:2]))
        make_group("Fietspaden", members=tuple(people))
        make_group("Verkeer in de stad", members=tuple(people))
        make_group("Cultuur", members=tuple(people[:1]))
        pairs = client_for(manager).get(f"{API}/groups/duplicates").json()
        found = {frozenset((p["first"]["name"], p["second"]["name"])): p for p in pairs}
        by_name = found[frozenset(("WMO en zorg", "Werkgroep Zorg & WMO"))]
        assert by_name["name_similarity"] == 100 and by_name["score"] >= 75
        by_members = found[frozenset(("Fietspaden", "Verkeer in de stad"))]
        # The manager made every group and so is in each: staff do not count as members in common.
        assert by_members["shared_members"] == 4 and by_members["score"] >= 75
        assert frozenset(("Cultuur", "Fietspaden")) not in found
        assert [p["score"] for p in pairs] == sorted((p["score"] for p in pairs), reverse=True)

    def test_related_groups_and_different_kinds_are_not_duplicates(self, client_for, manager, make_user,
                                                                  make_group) -> None:
        """A province with its factions (they share members by design), a theme with its own working group,
        provinces that share a word, factions described from one template: none of them is a duplicate."""
        people = [make_user() for _ in range(6)]
        north = make_group("Noord-Holland", kind="province", members=tuple(people),
                           description="Leden en volksvertegenwoordigers in Noord-Holland.")
        make_group("Zuid-Holland", kind="province", members=tuple(people[:3]),
                   description="Leden en volksvertegenwoordigers in Zuid-Holland.")
        make_group("Fractie Alkmaar", kind="faction", parent_id=north["id"], members=tuple(people),
                   description="De gemeenteraadsfractie in Alkmaar: moties en de raadsagenda.")
        make_group("Fractie Almere", kind="faction", members=tuple(people[:4]),
                   description="De gemeenteraadsfractie in Almere: moties en de raadsagenda.")
        theme = make_group("Duurzaamheid", members=tuple(people))
        make_group("Werkgroep Warmtenetten", parent_id=theme["id"], members=tuple(people[3:]))
        make_group("Klimaat & duurzaamheid", members=tuple(people[:5]))  # the one real look-alike
        pairs = client_for(manager).get(f"{API}/groups/duplicates").json()
        assert [{p["first"]["name"], p["second"]["name"]} for p in pairs] == [
            {"Duurzaamheid", "Klimaat & duurzaamheid"}]

    def test_the_same_place_twice_is_a_duplicate(self, client_for, manager, make_group) -> None:
        make_group("Fractie Ede", kind="faction")
        make_group("Fractie Ede 2022", kind="faction", description="Opnieuw aangemaakt")
        make_group("Fractie Alkmar", kind="faction")
        make_group("Fractie Alkmaar", kind="faction")
        make_group("Fractie Leiden", kind="faction")
        make_group("Fractie Heerlen", kind="faction")
        make_group("Fractie Heerenveen", kind="faction")
        pairs = client_for(manager).get(f"{API}/groups/duplicates").json()
        assert sorted(sorted((p["first"]["name"], p["second"]["name"])) for p in pairs) == [
            ["Fractie Alkmaar", "Fractie Alkmar"], ["Fractie Ede", "Fractie Ede 2022"]]
