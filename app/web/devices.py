"""'Chrome op Android': the browser and system of a login, read from its User-Agent by ua-parser."""
from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

from app.i18n import gettext as _


@lru_cache(maxsize=512)
def _families(user_agent: str) -> tuple[str | None, str | None]:
    found = parse(user_agent[:512])
    browser = found.user_agent.family if found.user_agent and found.user_agent.family != "Other" else None
    system = found.os.family if found.os and found.os.family != "Other" else None
    return browser, system


def describe(user_agent: str | None) -> str:
    """In the page's language; a browser the parser does not know is 'Onbekende browser'."""
    browser, system = _families(user_agent or "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
