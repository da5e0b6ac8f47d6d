"""Screening a post's text (app/services/screening.py): a citizen's personal data (BSN, phone number, IBAN) and the
site's watched words. Pure functions: no database."""
from __future__ import annotations

import pytest

from app.services.screening import Finding, WordList, find_personal_data, screen


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_personal_data(text)]


# --- BSN -------------------------------------------------------------------------------------------


class TestBsn:
    @pytest.mark.parametrize(("text", "found"), [
        ("Zijn BSN is 111222333.", "111222333"),
        ("bsn 123456782", "123456782"),
        ("BSN:123456782", "123456782"),
        ("zoals op het paspoort: 1234.56.782", "1234.56.782"),
        ("of met spaties 123 456 782 geschreven", "123 456 782"),
        ("123456782 is haar nummer", "123456782"),
        ("Het nummer eindigt de zin: 1234.56.782.", "1234.56.782"),
    ])
    def test_a_valid_bsn_is_found(self, text: str, found: str) -> None:
        assert kinds(text) == [("bsn", found)]

    @pytest.mark.parametrize("text", [
        "123456789",                        # nine digits, fails the 11-proof
        "ref 1234.56.789",                  # grouped like a BSN, fails the 11-proof
        "een begroting van € 1.234.567,89",  # an amount
        "bedrag 123456782,50 euro",          # nine valid digits, but followed by cents: an amount
        "€ 123.456.782,00",                 # the same with thousands separators
        "ordernummer 1234567820",           # ten digits: a valid BSN inside a longer number
        "klantnummer 0123456782",           # ten digits
        "vergadering op 2024-11-25",
        "vergadering op 25-11-2024 en 25.11.2024",
        "postcode 1234 AB Alkmaar, huisnummer 12",
        "id 12-3456782",
        "",
    ])
    def test_no_bsn(self, text: str) -> None:
        assert [f for f in find_personal_data(text) if f.kind == "bsn"] == []

    def test_a_bsn_is_not_reported_again_as_a_phone_number(self) -> None:
        assert kinds("bel mij over 123 456 782") == [("bsn", "123 456 782")]

    @pytest.mark.parametrize("text", ["Zijn BSN is 123456782, zijn adres weet ik niet", "bsn: 1234.56.782, graag",
                                      "BSN 123 456 782, geboren in 1970"])
    def test_a_bsn_before_a_comma_is_found(self, text: str) -> None:
        assert [f.kind for f in find_personal_data(text)] == ["bsn"]

    def test_a_whole_euro_amount_is_not_a_bsn(self) -> None:
        assert kinds("De brug kost € 111.222.333 volgens de begroting") == []


# --- phone numbers -------------------------------------------------------------------------------------


class TestPhone:
    @pytest.mark.parametrize("number", [
        "06-12345678", "06 12345678", "0612345678", "+31 6 12345678", "+31612345678", "010 123 4567",
        "020-1234567", "020 123 45 67",
    ])
    def test_dutch_numbers_are_found(self, number: str) -> None:
        assert kinds(f"Bel mevrouw op {number} na vijf uur") == [("phone", number)]

    @pytest.mark.parametrize("text", ["Bel 112 bij nood", "Huisnummer 12", "Er waren 3000 mensen",
                                      "in 2024 vergaderd"])
    def test_short_numbers_are_not(self, text: str) -> None:
        assert find_personal_data(text) == []

    def test_with_a_bsn_in_one_text(self) -> None:
        assert kinds("nummer 123456782 en 06-12345678") == [("bsn", "123456782"), ("phone", "06-12345678")]


# --- IBAN -------------------------------------------------------------------------------------------------


class TestIban:
    @pytest.mark.parametrize("text", ["NL91 ABNA 0417 1643 00", "NL91ABNA0417164300", "nl91abna0417164300",
                                      "iban: NL91 ABNA 0417 1643 00."])
    def test_valid_check_digits_are_found(self, text: str) -> None:
        [finding] = find_personal_data(text)
        assert finding.kind == "iban"
        assert finding.text.replace(" ", "").upper() == "NL91ABNA0417164300"

    @pytest.mark.parametrize("text", ["NL92 ABNA 0417 1643 00", "NL92ABNA0417164300", "NL91 ABNA 0417 1643 01"])
    def test_wrong_check_digits_are_not(self, text: str) -> None:
        assert find_personal_data(text) == []

    @pytest.mark.parametrize("text", [
        "Maak het over naar NL91 ABNA 0417 1643 00 ten name van Jansen",
        "Rekening NL91ABNA0417164300 van mevrouw Jansen",
    ])
    def test_an_iban_followed_by_words_is_found(self, text: str) -> None:
        assert [f.kind for f in find_personal_data(text)] == ["iban"]


# --- watched words ------------------------------------------------------------------------------------


class TestBoundedWork:
    """A post of the longest length full of numbers is screened with bounded work (bench/markdown_worst.py has
    the times): a few findings are enough to hold it and to show the moderator why."""

    def test_findings_stop_at_the_cap(self) -> None:
        from app.services.screening import MAX_FINDINGS

        assert len(find_personal_data("bel 0612345678 " * 3000)) == MAX_FINDINGS
        assert len(find_personal_data("BSN 111222333 " * 3000)) == MAX_FINDINGS

    def test_an_iban_at_the_start_of_a_long_run_of_groups_is_still_found(self) -> None:
        text = "rekening NL91 ABNA 0417 1643 00 " + "AB12 " * 6000
        assert ("iban", "NL91 ABNA 0417 1643 00") in kinds(text)


class TestWordList:
    def test_whole_words_only(self) -> None:
        words = WordList(block=("kut",))
        assert words.matches("Wat een kut idee") == (["kut"], [])
        assert words.matches("kut-idee") == (["kut"], [])  # a hyphen ends a word
        # A word inside another word does not match (?<!\w) … (?!\w).
        assert words.matches("kutmarokkanen") == ([], [])
        assert words.matches("rotkut") == ([], [])

    def test_case_and_accent_insensitive(self) -> None:
        words = WordList(hold=("Fryslân",))
        for text in ("fryslan", "FRYSLAN", "Leve Fryslân!", "FRYSLÂN boppe"):
            assert words.matches(text) == ([], ["fryslan"]), text
        assert words.matches("Frysland") == ([], [])
        assert WordList(block=("kut",)).matches("KÚT") == (["kut"], [])

    def test_phrases(self) -> None:
        words = WordList(hold=("gratis geld",))
        assert words.matches("Gratis geld voor iedereen!") == ([], ["gratis geld"])
        assert words.matches("gratisgeld") == ([], [])
        assert words.matches("gratis is geen geld") == ([], [])

    def test_words_with_signs(self) -> None:
        assert WordList(hold=("c++",)).matches("wie kent c++ hier") == ([], ["c++"])

    def test_block_and_hold_are_apart(self) -> None:
        words = WordList(block=("kut", "tering"), hold=("Fryslân", "gratis geld"))
        assert words.matches("ik zeg kut en tering in Fryslân, gratis geld") == (
            ["kut", "tering"], ["fryslan", "gratis geld"])
        assert words.matches("Een nette tekst") == ([], [])

    def test_empty_lists(self) -> None:
        assert WordList().matches("kut") == ([], [])
        assert WordList(block=("  ",), hold=("",)).matches("wat dan ook") == ([], [])


class TestScreen:
    words = WordList(block=("kut",), hold=("fryslan",))

    def test_everything_found(self) -> None:
        found = screen("kut, in Fryslân is mijn BSN 123456782", self.words)
        assert found.blocked == ["kut"]
        assert found.held_words == ["fryslan"]
        assert found.personal_data == [Finding("bsn", "123456782")]
        assert found.hold

    def test_personal_data_alone_holds(self) -> None:
        found = screen("bel 06-12345678", self.words)
        assert (found.blocked, found.held_words, found.hold) == ([], [], True)

    def test_clean(self) -> None:
        found = screen("Een vraag over de WMO", self.words)
        assert (found.blocked, found.held_words, found.personal_data, found.hold) == ([], [], [], False)
