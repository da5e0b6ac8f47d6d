"""Interface language: gettext catalogs (Babel) for templates and scripts, dates in Europe/Amsterdam.

Message ids are English; `frontend/locale/<lang>/LC_MESSAGES/messages.po` translate them. Dutch is the
default. The catalogs are read from the .po files when the process starts (no compile step), and
`tests/web/test_catalogs.py` fails when a string in a template or script has no translation.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.config import ROOT

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LOCALE_DIR = ROOT / "frontend" / "locale"
TIMEZONE = ZoneInfo("Europe/Amsterdam")

_language: ContextVar[str] = ContextVar("plein_language", default=DEFAULT_LANGUAGE)


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> NullTranslations:
    path = catalog_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def pick_language(preferred: str | None, accept_language: str | None = None) -> str:
    """The member's own choice; for visitors, the browser's first language we have; else Dutch."""
    if preferred in LANGUAGES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


MOMENT = "d MMMM y, HH:mm"  # "17 december 2026, 20:00": no seconds, no abbreviations


def local_datetime(value: datetime, style: str = MOMENT, language: str | None = None) -> str:
    """A moment as members read it: Amsterdam time, in the interface language ("17 december 2026, 20:00")."""
    return format_datetime(value, format=style, tzinfo=TIMEZONE, locale=Locale.parse(language or current_language()))


def local_date(value: datetime | date, style: str = "long") -> str:
    """'17 december 2026'; a moment is taken on its Amsterdam day, a calendar day as it is."""
    day = value.astimezone(TIMEZONE) if isinstance(value, datetime) else value
    return format_date(day, format=style, locale=Locale.parse(current_language()))


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'5 minuten geleden' / '5 minutes ago'; the page's script keeps it current."""
    delta = value - (now or datetime.now(UTC))
    return format_timedelta(delta, add_direction=True, threshold=1.1, locale=Locale.parse(current_language()))


# --- the API's messages -----------------------------------------------------------------------------------


class Phrase(str):
    """A message's parameter that is interface text itself (marked with N_ where it is written): translated
    along with the message."""


def api_language(accept_language: str | None) -> str | None:
    """The language an API client asked for, or None: without Accept-Language the API answers in English, as
    its contract says. The pages' script always asks for the page's language."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return None


def translate_message(template: str, params: Mapping[str, object] | None, language: str) -> str:
    """An error message in `language`: the template from the catalog, its parameters localised (a moment in
    Amsterdam time and words, a Phrase translated, a list joined)."""
    catalog = translations(language)

    def local(value: object) -> object:
        if isinstance(value, Phrase):
            return catalog.gettext(value)
        if isinstance(value, datetime):
            return local_datetime(value, language=language)
        if isinstance(value, list | tuple):
            return ", ".join(str(local(v)) for v in value)
        return value

    text = catalog.gettext(template)
    return text % {name: local(value) for name, value in params.items()} if params else text


# --- strings of the page scripts and the catalogs' upkeep ---------------------------------------------

SCRIPTS_DIR = ROOT / "frontend" / "static" / "js"
# Where interface text lives and how Babel reads it. Scripts mark text as t("…") and get the translations
# from the page (client_strings), so they need no catalog of their own.
EXTRACT_MAP = [
    ("frontend/templates/**.html", "jinja2", {"extensions": "jinja2.ext.i18n"}),
    ("frontend/templates/**.txt", "jinja2", {"extensions": "jinja2.ext.i18n"}),
    ("app/**.py", "python", {}),  # the pages' code, and every error message the API can answer with
    ("frontend/static/js/*.js", "javascript", {}),
]
def N_(message: str) -> str:  # noqa: N802 - the gettext convention: marked for the catalog, translated later
    return message


# An error's message is the literal first argument of its class (app/errors.py).
ERROR_CLASSES = ("AppError", "Unauthenticated", "Forbidden", "NotFound", "Conflict", "Gone", "TooLarge", "Invalid",
                 "TooManyRequests", "Unavailable")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "t": None, "N_": None,
            **dict.fromkeys(ERROR_CLASSES)}


def extract_messages() -> dict[str | tuple[str, ...], list[str]]:
    """Every interface string in templates, page code and scripts (plural forms as a tuple), and where."""
    from babel.messages.extract import extract_from_dir

    method_map = [(pattern, method) for pattern, method, _ in EXTRACT_MAP]
    options_map = {pattern: options for pattern, _, options in EXTRACT_MAP}
    found: dict[str | tuple[str, ...], list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, options_map=options_map, keywords=KEYWORDS):
        if isinstance(message, tuple):
            message = tuple(m for m in message if m) if len([m for m in message if m]) > 1 else message[0]
        if message:
            found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


@cache
def _script_messages() -> tuple[str, ...]:
    from babel.messages.extract import extract_from_dir

    return tuple(sorted({
        message for _f, _l, message, _c, _x in extract_from_dir(
            str(SCRIPTS_DIR), method_map=[("*.js", "javascript")], keywords={"t": None})
        if isinstance(message, str)
    }))


def client_strings(language: str) -> dict[str, str]:
    catalog = translations(language)
    return {message: catalog.gettext(message) for message in _script_messages()}


def update_catalogs() -> None:
    """Add new strings to every catalog (untranslated) and drop strings no longer used."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    found = extract_messages()
    template = Catalog(project="Plein")
    for msgid, locations in sorted(found.items(), key=lambda item: str(item[0])):
        template.add(msgid, locations=[(loc.rsplit(":", 1)[0], int(loc.rsplit(":", 1)[1])) for loc in locations])
    for language in LANGUAGES:
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=language)
        else:
            catalog = Catalog(locale=language, project="Plein")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True)
    translations.cache_clear()
