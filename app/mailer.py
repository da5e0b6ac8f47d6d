"""Putting a mail on the wire: the MIME message (plain text + HTML, one-click unsubscribe headers) and the
SMTP transport (aiosmtplib). Without SMTP_URL the mail is written to the log, for development."""
from __future__ import annotations

import logging
from collections import deque
from email import policy
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from io import BytesIO
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.config import Settings
from app.jobs import Mail
from app.security import redact_tokens
from app.services.mail import unsubscribe_url

log = logging.getLogger("plein.mail")

# RFC 5322's line limit, not the 78 characters a generator folds at by default: a long List-Unsubscribe URL is one
# word, which the default SMTP policy would RFC 2047-encode or fold, and mail clients then fail to read it.
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over SMTP: CRLF line ends, headers unfolded up to 998 characters."""
    with BytesIO() as out:
        BytesGenerator(out, policy=WIRE_POLICY).flatten(message)
        return out.getvalue()


def build_message(mail: Mail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or ""
    # Tells autoresponders not to answer, and marks the mail as sent by a machine (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe and mail.user_id is not None:
        # RFC 2369 + RFC 8058: mail clients show an unsubscribe button that POSTs to this address.
        message["List-Unsubscribe"] = f"<{unsubscribe_url(mail.user_id, mail.unsubscribe)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    """smtp:// (STARTTLS when offered), smtp+starttls:// (STARTTLS required), smtps:// (TLS from the start)."""

    def __init__(self, url: str, *, timeout: float) -> None:
        parts = urlsplit(url)
        self.hostname = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.start_tls: bool | None = True if parts.scheme == "smtp+starttls" else None
        if self.implicit_tls:
            self.start_tls = False
        query = parse_qs(parts.query)
        if query.get("starttls") == ["false"]:
            self.start_tls = False
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        recipients = [address for _, address in getaddresses(message.get_all("To", []))]
        [(_, sender)] = getaddresses([str(message["From"])])
        await aiosmtplib.send(wire_bytes(message), sender=sender, recipients=recipients, hostname=self.hostname,
                              port=self.port, username=self.username, password=self.password,
                              use_tls=self.implicit_tls, start_tls=self.start_tls, timeout=self.timeout)


class LogTransport:
    """Without SMTP_URL the mail goes to the log, the last ones kept in memory. In development the operator sees
    the links; otherwise (production with MAIL_TO_LOG) every token in a link is redacted before it is logged."""

    def __init__(self, keep: int = 200, *, show_tokens: bool = True) -> None:
        self.sent: deque[EmailMessage] = deque(maxlen=keep)
        self.show_tokens = show_tokens

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        log.info("mail to %s: %s\n%s", message["To"], message["Subject"],
                 text if self.show_tokens else redact_tokens(text))


def make_transport(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, timeout=settings.smtp_timeout)
    return LogTransport(show_tokens=settings.environment != "production")
