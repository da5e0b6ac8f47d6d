"""One action, one transaction: effects leave only after commit; a rollback drops them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import EventsWithoutDispatcher, on_rollback, unit_of_work
from app.effects import NO_LIVE_CLIENTS
from app.events import ModerationChanged, ModerationQueue, record_event, user_topic
from app.models import Portfolio
from app.services.mail import Mail, record_mail


class Boom(Exception):
    pass


def _queue_changed(n: int) -> ModerationChanged:
    return ModerationChanged(topic=user_topic(n), payload=ModerationQueue(group_id=n))


def test_committed_action_publishes_its_events_and_keeps_its_mail(db, app, capture_events, mails) -> None:
    with unit_of_work(db, app.state.dispatcher) as session:
        session.add(Portfolio(slug="ruimte", name="Ruimte"))
        record_event(session, _queue_changed(7))
        record_mail(session, Mail(to="a@example.nl", subject="s", text="t", kind="test"))
        assert capture_events == []  # nothing is published before the commit; the mail waits in the outbox
    assert [(e.type, e.topic, e.payload) for e in capture_events] == [
        ("moderation.changed", "user:7", {"group_id": 7})]
    assert [m.to for m in mails] == ["a@example.nl"]


def test_rolled_back_action_publishes_nothing(db, app, capture_events, mails, session) -> None:
    undone: list[str] = []
    with pytest.raises(Boom), unit_of_work(db, app.state.dispatcher) as s:
        s.add(Portfolio(slug="ruimte", name="Ruimte"))
        s.flush()
        record_event(s, _queue_changed(1))
        record_mail(s, Mail(to="a@example.nl", subject="s", text="t", kind="test"))
        on_rollback(s, lambda: undone.append("file removed"))
        raise Boom
    assert capture_events == []
    assert list(mails) == []
    assert undone == ["file removed"]
    assert session.scalar(select(func.count()).select_from(Portfolio).where(Portfolio.slug == "ruimte")) == 0


def test_effects_of_one_action_do_not_leak_into_the_next(db, app, capture_events) -> None:
    with pytest.raises(Boom), unit_of_work(db, app.state.dispatcher) as s:
        record_event(s, _queue_changed(1))
        raise Boom
    with unit_of_work(db, app.state.dispatcher) as s:
        record_event(s, _queue_changed(2))
    assert [e.payload for e in capture_events] == [{"group_id": 2}]


def test_events_in_a_unit_of_work_without_a_dispatcher_are_refused_before_commit(db, capture_events,
                                                                                  session) -> None:
    with pytest.raises(EventsWithoutDispatcher, match=r"1 event\(s\) recorded \(moderation.changed"), \
            unit_of_work(db, None) as s:
        s.add(Portfolio(slug="ruimte", name="Ruimte"))
        record_event(s, _queue_changed(1))
    assert capture_events == []
    assert session.scalar(select(func.count()).select_from(Portfolio).where(Portfolio.slug == "ruimte")) == 0


def test_no_live_clients_commits_and_says_so(db, capture_events, session) -> None:
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        s.add(Portfolio(slug="ruimte", name="Ruimte"))
        record_event(s, _queue_changed(1))
    assert capture_events == []
    assert session.scalar(select(func.count()).select_from(Portfolio).where(Portfolio.slug == "ruimte")) == 1


class _BrokenDispatcher:
    def __init__(self) -> None:
        self.reported: list[int] = []

    def dispatch(self, effects) -> None:
        raise RuntimeError("the bus refused")

    def lost(self, effects) -> None:
        self.reported.append(len(effects.events))


def test_a_failed_dispatch_after_commit_is_counted_and_reported_lost_not_raised(db, session) -> None:
    dispatcher, before = _BrokenDispatcher(), db.dispatch_failures
    with unit_of_work(db, dispatcher) as s:
        s.add(Portfolio(slug="ruimte", name="Ruimte"))
        record_event(s, _queue_changed(1))
    assert db.dispatch_failures == before + 1
    assert dispatcher.reported == [1]
    assert session.scalar(select(func.count()).select_from(Portfolio).where(Portfolio.slug == "ruimte")) == 1
