"""Rendering pages: one Jinja2 environment with gettext, localised dates and versioned static URLs."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from app import i18n
from app.config import ROOT
from app.models.enums import PROVINCE_NAMES, Province
from app.web.assets import Assets

FRONTEND = ROOT / "frontend"
assets = Assets(FRONTEND / "static")
env = jinja2.Environment(loader=jinja2.FileSystemLoader(FRONTEND / "templates"), autoescape=True,
                         extensions=["jinja2.ext.i18n"], trim_blocks=False)
templates = Jinja2Templates(env=env)
# The i18n extension adds this method to the environment when it loads; Jinja's types do not declare it.
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def _iso(value: datetime) -> str:
    return value.isoformat()


def _json_script(value: Any) -> Markup:
    """Data for the page's scripts inside <script type="application/json">; `<` can never close the tag."""
    return Markup(json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
                  .replace("&", "\\u0026"))


def _province_name(value: str) -> str:
    """A province by its own name ("Fryslân"), as the groups of the provinces are called."""
    try:
        return PROVINCE_NAMES[Province(value)]
    except ValueError:
        return value


env.globals.update(static=assets.url, local_datetime=i18n.local_datetime, local_date=i18n.local_date,
                   province_name=_province_name,
                   relative_time=i18n.relative_time, iso=_iso, languages=i18n.LANGUAGES)
env.filters["json_script"] = _json_script


@dataclass(frozen=True)
class Viewer:
    """Who looks at the page, as the layout needs it."""

    id: int
    username: str
    display_name: str
    language: str
    staff: bool
    csrf_token: str
    unread: int = 0  # her unread notifications, for the badge in the header
    queue: int | None = None  # open moderation items, when she moderates something
    editor: bool = False  # writes and publishes articles


def render(request: Request, template: str, context: dict[str, Any], *, viewer: Viewer | None,
           status_code: int = 200, language: str | None = None) -> HTMLResponse:
    """`language` is for a page about a member who is not logged in (a mail's unsubscribe link)."""
    language = language or (viewer.language if viewer else
                            i18n.pick_language(None, request.headers.get("accept-language")))
    i18n.set_language(language)
    page = {"language": language, "viewer": viewer, "client_strings": i18n.client_strings(language)}
    response = templates.TemplateResponse(request, template, {**page, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store" if viewer else "no-cache"
    response.headers["Content-Language"] = language
    return response
