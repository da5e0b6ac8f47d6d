"""The interface catalogs: every string in a template, page module or script is translated in every language.

The catalogs are the .po files under frontend/locale, read when the process starts; a string that is missing,
empty or fuzzy there is shown in English (fuzzy entries are left out when the catalog is loaded). Run
`app.i18n.update_catalogs()` to add new strings and drop unused ones, then translate.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from app import i18n
from app.config import ROOT

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")
Key = str | tuple[str, ...]


def load(language: str) -> Catalog:
    with i18n.catalog_path(language).open("rb") as f:
        return read_po(f, locale=language)


def key(msgid: Key) -> str:
    """How a catalog names a message: plural messages by their singular."""
    return msgid if isinstance(msgid, str) else msgid[0]


def entries(catalog: Catalog) -> list[Any]:
    return [m for m in catalog if m.id]  # leaves out the header


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def used() -> dict[Key, list[str]]:
    return i18n.extract_messages()


@pytest.fixture(params=i18n.LANGUAGES)
def catalog(request: pytest.FixtureRequest) -> Catalog:
    return load(request.param)


@pytest.fixture
def language() -> Iterator[None]:
    """Tests that set the interface language put the default back."""
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


class TestExtraction:
    def test_finds_strings_in_templates_code_and_scripts(self, used) -> None:
        # If extraction broke, every check below would pass on nothing.
        assert len(used) > 50
        assert any(loc.startswith("frontend/templates/base.html:") for loc in used["Log out"])
        assert any(loc.startswith("frontend/static/js/threads.js:") for loc in used["Question"])
        assert ("%(num)d member", "%(num)d members") in used

    def test_every_script_string_is_a_literal(self) -> None:
        # t(someVariable) cannot be extracted, so it would never be translated.
        for path in sorted((ROOT / "frontend" / "static" / "js").glob("*.js")):
            source = path.read_text(encoding="utf-8")
            for number, line in enumerate(source.splitlines(), 1):
                if re.search(r"\bfunction t\(", line):
                    continue  # page.js defines t()
                for match in re.finditer(r"(?<![\w.$])t\(\s*(.)", line):
                    assert match.group(1) in "\"'", f"{path.name}:{number}: t() without a string literal"

    def test_every_template_string_is_a_literal(self) -> None:
        for path in sorted((ROOT / "frontend" / "templates").glob("*.html")):
            source = path.read_text(encoding="utf-8")
            for number, line in enumerate(source.splitlines(), 1):
                for match in re.finditer(r"(?<![\w.])(_|gettext|ngettext)\(\s*(.)", line):
                    assert match.group(2) in "\"'", f"{path.name}:{number}: {match.group(1)}() without a literal"


class TestCatalogs:
    def test_header(self, catalog) -> None:
        assert str(catalog.locale) in i18n.LANGUAGES
        assert catalog.num_plurals == 2
        assert catalog.plural_expr.replace(" ", "") == "(n!=1)"

    def test_every_used_string_is_there(self, catalog, used) -> None:
        missing = sorted(str(msgid) for msgid in used if catalog.get(key(msgid)) is None)
        assert missing == [], f"{catalog.locale}: not in the catalog (run update_catalogs): {missing}"

    def test_every_string_is_translated(self, catalog, used) -> None:
        problems = []
        for msgid in used:
            message = catalog.get(key(msgid))
            if message is None:
                continue  # reported above
            if isinstance(msgid, tuple):
                if not message.pluralizable or message.id[1] != msgid[1]:
                    problems.append(f"{msgid}: should be a plural message")
                elif len(message.string) != catalog.num_plurals or not all(message.string):
                    problems.append(f"{msgid}: a plural form is untranslated {message.string!r}")
            elif message.pluralizable:
                problems.append(f"{msgid!r}: is a plural message in the catalog but not in the code")
            elif not message.string or not message.string.strip():
                problems.append(f"{msgid!r}: untranslated")
            if message.fuzzy:
                problems.append(f"{msgid!r}: fuzzy (not used until checked)")
        assert problems == [], f"{catalog.locale}: " + "; ".join(problems)

    def test_no_fuzzy_entries(self, catalog) -> None:
        assert [m.id for m in entries(catalog) if m.fuzzy] == []

    def test_no_string_that_is_no_longer_used(self, catalog, used) -> None:
        keys = {key(msgid) for msgid in used}
        unused = sorted(key(m.id) for m in entries(catalog) if key(m.id) not in keys)
        assert unused == [], f"{catalog.locale}: no longer used (run update_catalogs): {unused}"
        assert list(catalog.obsolete) == [], f"{catalog.locale}: obsolete (#~) entries"

    def test_placeholders_match(self, catalog) -> None:
        problems = []
        for message in entries(catalog):
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            expected = set().union(*(placeholders(i) for i in ids))
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            for string in strings:
                if string and placeholders(string) != expected:
                    problems.append(f"{message.id!r} -> {string!r}")
        assert problems == [], f"{catalog.locale}: placeholders differ: {problems}"

    def test_template_strings_format(self, catalog, used) -> None:
        # Jinja's newstyle gettext always applies `%`: a stray % in a translation breaks the page.
        for msgid, locations in used.items():
            if not any(loc.startswith(("frontend/templates/", "app/")) for loc in locations):
                continue
            message = catalog.get(key(msgid))
            if message is None:
                continue
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            values = dict.fromkeys(placeholders(key(msgid)) | {"num"}, 1)
            for string in strings:
                try:
                    string % values
                except (ValueError, TypeError, KeyError) as exc:
                    pytest.fail(f"{catalog.locale}: {string!r} cannot be formatted: {exc}")


class TestRuntime:
    def test_the_loaded_catalogs_translate(self, language) -> None:
        i18n.set_language("nl")
        assert i18n.gettext("Log out") == "Uitloggen"
        assert i18n.ngettext("%(num)d member", "%(num)d members", 1) == "%(num)d lid"
        assert i18n.ngettext("%(num)d member", "%(num)d members", 3) == "%(num)d leden"
        i18n.set_language("en")
        assert i18n.gettext("Log out") == "Log out"
        assert i18n.ngettext("%(num)d member", "%(num)d members", 1) == "%(num)d member"
        # Nothing else than our languages.
        i18n.set_language("fr")
        assert i18n.current_language() == "nl"

    def test_client_strings(self) -> None:
        dutch = i18n.client_strings("nl")
        assert dutch["Question"] == "Vraag"
        english = i18n.client_strings("en")
        assert english["Question"] == "Question"
        # Exactly the scripts' strings, each one translated.
        scripts = {msgid for msgid, locs in i18n.extract_messages().items()
                   if isinstance(msgid, str) and any(loc.startswith("frontend/static/js/") for loc in locs)}
        assert set(dutch) == set(english) == scripts
        assert all(dutch.values()) and all(english.values())
        assert "Log out" not in dutch  # a template string: the page has it already

    @pytest.mark.parametrize(("preferred", "accept", "expected"), [
        ("en", "nl-NL", "en"),
        ("nl", "en-GB", "nl"),
        (None, "en-GB,en;q=0.9,nl;q=0.8", "en"),
        (None, "fr-FR, de;q=0.9, en;q=0.5", "en"),
        (None, "NL-be", "nl"),
        (None, "de-DE", "nl"),
        (None, "", "nl"),
        (None, None, "nl"),
        ("fr", None, "nl"),
        ("english", "en", "en"),
    ])
    def test_pick_language(self, preferred, accept, expected) -> None:
        assert i18n.pick_language(preferred, accept) == expected

    def test_dates_are_amsterdam_time_in_the_interface_language(self, language) -> None:
        winter = datetime(2026, 11, 24, 20, 5, tzinfo=UTC)  # CET, UTC+1
        summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # CEST, UTC+2
        i18n.set_language("nl")
        assert "21:05" in i18n.local_datetime(winter) and "nov" in i18n.local_datetime(winter)
        assert "14:00" in i18n.local_datetime(summer)
        assert i18n.local_date(winter) == "24 november 2026"
        # Just before midnight UTC is already the next day in Amsterdam.
        assert i18n.local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 januari 2027"
        assert i18n.relative_time(winter - timedelta(minutes=5), now=winter) == "5 minuten geleden"
        i18n.set_language("en")
        assert i18n.local_date(winter) == "November 24, 2026"
        assert i18n.relative_time(winter - timedelta(minutes=5), now=winter) == "5 minutes ago"
