"""Where a committed action's recorded events go: to the bus (mail went to the outbox in the transaction)."""
from __future__ import annotations

from app.db import Effects
from app.realtime.bus import EventBus


class Dispatcher:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def dispatch(self, effects: Effects) -> None:
        self.bus.publish_many(effects.events)
