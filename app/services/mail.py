"""Outgoing mail. Services record a Mail; it leaves only after the action's transaction commits.

The SMTP transport and the durable outbox come with the notifications work; until then the
embedded run logs each mail (with its link) and keeps the last ones in memory for the operator.
"""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import effects

log = logging.getLogger("plein.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    kind: str


def record_mail(session: Session, mail: Mail) -> None:
    effects(session).mails.append(mail)


class LogMailer:
    def __init__(self, keep: int = 200) -> None:
        self.sent: deque[Mail] = deque(maxlen=keep)

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)
