"""Putting a mail on the wire: the MIME message (plain text + HTML, one-click unsubscribe headers) and the
SMTP transport (aiosmtplib). Without SMTP_URL the mail is written to the log, for development."""
from __future__ import annotations

import logging
from collections import deque
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from app.config import Settings
from app.jobs import Mail
from app.services.mail import unsubscribe_url

log = logging.getLogger("plein.mail")


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
        await aiosmtplib.send(message, hostname=self.hostname, port=self.port, username=self.username,
                              password=self.password, use_tls=self.implicit_tls, start_tls=self.start_tls,
                              timeout=self.timeout)


class LogTransport:
    """Development only: the mail goes to the log (the operator sees links), the last ones kept in memory."""

    def __init__(self, keep: int = 200) -> None:
        self.sent: deque[EmailMessage] = deque(maxlen=keep)

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)
        body = message.get_body(preferencelist=("plain",))
        log.info("mail to %s: %s\n%s", message["To"], message["Subject"], body.get_content() if body else "")


def make_transport(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(settings.smtp_url, timeout=settings.smtp_timeout)
    return LogTransport()
