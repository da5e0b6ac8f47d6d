"""Where a committed action's recorded effects go: events to the bus, mail to the mailer."""
from __future__ import annotations

import logging

from app.db import Effects
from app.realtime.bus import EventBus
from app.services.mail import LogMailer

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, bus: EventBus, mailer: LogMailer) -> None:
        self.bus = bus
        self.mailer = mailer

    def dispatch(self, effects: Effects) -> None:
        for event in effects.events:
            self.bus.publish(event)
        for mail in effects.mails:
            try:
                self.mailer.send(mail)
            except Exception:  # the action already committed; a lost mail must not turn it into a 500
                log.exception("sending mail to %s failed", mail.to)
