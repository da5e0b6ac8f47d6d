"""One action, one transaction: effects leave only after commit; a rollback drops them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import on_rollback, unit_of_work
from app.models import Portfolio
from app.realtime.events import record_event
from app.services.mail import Mail, record_mail


class Boom(Exception):
    pass


def test_committed_action_publishes_its_events_and_keeps_its_mail(db, app, capture_events, mails) -> None:
    with unit_of_work(db, app.state.dispatcher) as session:
        session.add(Portfolio(slug="ruimte", name="Ruimte"))
        record_event(session, type="portfolio.created", topic="site", payload={"slug": "ruimte"})
        record_mail(session, Mail(to="a@example.nl", subject="s", text="t", kind="test"))
        assert capture_events == []  # nothing is published before the commit; the mail waits in the outbox
    assert [(e.type, e.topic, e.payload) for e in capture_events] == [
        ("portfolio.created", "site", {"slug": "ruimte"})]
    assert [m.to for m in mails] == ["a@example.nl"]


def test_rolled_back_action_publishes_nothing(db, app, capture_events, mails, session) -> None:
    undone: list[str] = []
    with pytest.raises(Boom), unit_of_work(db, app.state.dispatcher) as s:
        s.add(Portfolio(slug="ruimte", name="Ruimte"))
        s.flush()
        record_event(s, type="portfolio.created", topic="site", payload={})
        record_mail(s, Mail(to="a@example.nl", subject="s", text="t", kind="test"))
        on_rollback(s, lambda: undone.append("file removed"))
        raise Boom
    assert capture_events == []
    assert list(mails) == []
    assert undone == ["file removed"]
    assert session.scalar(select(func.count()).select_from(Portfolio).where(Portfolio.slug == "ruimte")) == 0


def test_effects_of_one_action_do_not_leak_into_the_next(db, app, capture_events) -> None:
    with pytest.raises(Boom), unit_of_work(db, app.state.dispatcher) as s:
        record_event(s, type="first", topic="site", payload={})
        raise Boom
    with unit_of_work(db, app.state.dispatcher) as s:
        record_event(s, type="second", topic="site", payload={})
    assert [e.type for e in capture_events] == ["second"]
