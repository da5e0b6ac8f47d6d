"""A committed action whose events could not be handed to the bus: the write stands and answers its real
outcome, the failure is counted, and the open pages (and a page resuming across it) fetch again."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.models import Post


def test_a_reply_whose_events_fail_to_publish_answers_201_is_counted_and_pages_resync(
        app, db, connect, client_for, make_group, make_thread, member, make_user, session,
        monkeypatch) -> None:
    other = make_user(display_name="Bert Jansen")
    group = make_group(members=(member, other))
    thread = make_thread(other, group["channel_id"])
    topic = f"thread:{thread['id']}"
    socket = connect(member, topics=[topic], expect_hello=False)
    since = socket.receive_type("hello")["last_event_id"]
    assert socket.receive() == {"type": "subscribed", "topics": [topic]}

    bus, calls = app.state.bus, []
    publish_many = bus.publish_many

    def broken_once(events: list[Any]) -> None:
        calls.append(len(events))
        if len(calls) == 1:
            raise RuntimeError("the bus refused")
        publish_many(events)

    monkeypatch.setattr(bus, "publish_many", broken_once)
    before = db.dispatch_failures
    response = client_for(other).post(f"/api/v1/threads/{thread['id']}/replies", json={"body": "Toch gelukt."})

    assert response.status_code == 201, response.text
    assert response.json()["body"] == "Toch gelukt."
    assert session.scalar(select(func.count()).select_from(Post).where(Post.thread_id == thread["id"],
                                                                        Post.is_opening.is_(False))) == 1
    assert db.dispatch_failures == before + 1
    resync = socket.receive_type("resync", timeout=10)
    assert topic in resync["topics"]
    # A page that was away meanwhile and resumes across the lost events fetches itself again too.
    resumed = connect(member, topics=[topic], last_event_id=since)
    assert resumed.receive() == {"type": "subscribed", "topics": [topic]}
    assert resumed.receive_type("resync")["topics"]
