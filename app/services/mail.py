"""Outgoing mail: composed from templates in the member's language, written to the outbox (the job
table) in the action's transaction, and sent by the worker (app/worker.py) over SMTP after commit.

Every mail about something in a group names the thread it is about, so the worker can check, right
before sending, that she may still read it. Mails she can switch off carry a signed one-click
unsubscribe link (RFC 8058) that needs no login.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

import jinja2
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from app import i18n
from app.config import ROOT, get_settings
from app.jobs import Mail, enqueue

TEMPLATES = ROOT / "frontend" / "templates" / "mail"
# What a member can switch off from a mail's unsubscribe link.
MAIL_LISTS = ("mentions", "replies", "digest")


def record_mail(session: Session, mail: Mail, *, dedupe_key: str | None = None) -> None:
    """Put the mail in the outbox; it leaves when the transaction has committed and a worker picks it up."""
    domain = urlsplit(get_settings().base_url).hostname or "plein.local"
    # Fixed now, so a retry after a crash carries the same Message-ID and receivers can tell it is one mail.
    message_id = mail.message_id or make_msgid(domain=domain)
    enqueue(session, mail.model_copy(update={"message_id": message_id}), dedupe_key=dedupe_key)


# --- composing ------------------------------------------------------------------------------------

_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]),
                          extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
                          undefined=jinja2.StrictUndefined)


def _install_i18n() -> None:
    # The i18n extension adds this method to the environment when it loads; Jinja's types do not declare it.
    _env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    _env.globals.update(local_datetime=i18n.local_datetime, local_date=i18n.local_date)


_install_i18n()


@contextmanager
def _language(language: str) -> Iterator[None]:
    before = i18n.current_language()
    i18n.set_language(language)
    try:
        yield
    finally:
        i18n.set_language(before)


def compose(template: str, *, language: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) from mail/<template>.txt and .html; the first line of the text is the subject."""
    settings = get_settings()
    context = {"base_url": settings.base_url, "unsubscribe_url": None, "language": language, **context}
    with _language(language):
        subject, _, text = _env.get_template(f"{template}.txt").render(context).partition("\n")
        html = _env.get_template(f"{template}.html").render(context, subject=subject.strip())
    return subject.strip(), text.strip() + "\n", html


# --- unsubscribe links -------------------------------------------------------------------------------


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="plein-unsubscribe")


def unsubscribe_token(user_id: int, mail_list: str) -> str:
    return str(_signer().dumps([user_id, mail_list]))


def unsubscribe_url(user_id: int, mail_list: str) -> str:
    return f"{get_settings().base_url}/unsubscribe/{unsubscribe_token(user_id, mail_list)}"


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """The member and the list a link is for, or None when the link was not made by us (or was altered)."""
    try:
        user_id, mail_list = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or mail_list not in MAIL_LISTS:
        return None
    return user_id, mail_list
