"""The event bus. In-process for the embedded run; the Redis backend arrives with the live-update work."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from app.realtime.events import Event

log = logging.getLogger(__name__)
Subscriber = Callable[[Event], None]


class InProcessBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:  # one broken listener must not stop the others
                log.exception("event subscriber failed for %s", event.type)
