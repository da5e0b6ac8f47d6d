"""Where a committed action's recorded events go: to the bus (mail went to the outbox in the transaction)."""
from __future__ import annotations

import logging

from app.db import Effects
from app.realtime.bus import EventBus

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def dispatch(self, effects: Effects) -> None:
        self.bus.publish_many(effects.events)

    def lost(self, effects: Effects) -> None:
        self.bus.announce_gap()


class NoLiveClients:
    """For a unit of work that runs where no live page can be affected (loading demo data into a new database,
    a bench's arranging): its events are dropped on purpose, said so in one place."""

    def dispatch(self, effects: Effects) -> None:
        log.debug("%d event(s) not published: no live clients here", len(effects.events))

    def lost(self, effects: Effects) -> None:
        pass


NO_LIVE_CLIENTS = NoLiveClients()
