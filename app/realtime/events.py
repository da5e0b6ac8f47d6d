"""Events for the websocket hub. Services record them; they are published only after commit."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from app.db import effects, utcnow


class Event(BaseModel):
    type: str
    topic: str
    payload: dict[str, Any] = Field(default_factory=dict)
    at: datetime = Field(default_factory=utcnow)
    # Given by the bus when published: increasing, "<a>-<b>"; a client resumes from the last one it saw.
    id: str | None = None


def event_id_key(event_id: str) -> tuple[int, int]:
    """Ids compare in publish order (in-process "<epoch>-<n>", Redis stream "<ms>-<n>")."""
    first, _, second = event_id.partition("-")
    return int(first), int(second or 0)


def group_topic(group_id: int) -> str:
    return f"group:{group_id}"


def channel_topic(channel_id: int) -> str:
    return f"channel:{channel_id}"


def thread_topic(thread_id: int) -> str:
    return f"thread:{thread_id}"


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


SITE_TOPIC = "site:1"


def site_topic() -> str:
    """What every member may follow: a published article. (One site; the id keeps topics "<kind>:<id>".)"""
    return SITE_TOPIC


def record_event(session: Session, *, type: str, topic: str, payload: BaseModel | dict[str, Any]) -> None:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    effects(session).events.append(Event(type=type, topic=topic, payload=data))
