"""A topic that moved (a merged group or channel) gets an answer, never a dropped socket: `not_found`, exactly
as for a topic that never existed, to whoever may not read where it went; `moved` with the new topic to whoever
may."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API

NOT_FOUND = {"type": "error", "code": "not_found", "message": "Topic not found.", "field": "topics"}


@pytest.fixture
def merged(client_for, manager, make_group, member) -> dict[str, Any]:
    source = make_group("Geheim overleg", visibility="secret", members=(member,))
    target = make_group("Besloten overleg", visibility="closed")
    assert client_for(manager).post(f"{API}/groups/merge", json={
        "source_id": source["id"], "target_id": target["id"], "confirm_exposure": True}).status_code == 200
    return {"source": source, "target": target}


def old_topics(merged: dict[str, Any]) -> list[str]:
    return [f"group:{merged['source']['id']}", f"channel:{merged['source']['channel_id']}"]


def assert_pong(socket) -> None:
    socket.send({"type": "ping"})
    assert socket.receive() == {"type": "pong"}


class TestMovedTopics:
    def test_an_outsider_gets_not_found_like_for_nothing(self, connect, outsider, merged) -> None:
        socket = connect(outsider)
        topics = [*old_topics(merged), "group:2147483647", "channel:2147483647"]
        socket.send({"type": "subscribe", "topics": topics})
        assert [socket.receive() for _ in topics] == [{**NOT_FOUND, "topic": t} for t in topics]
        assert socket.receive() == {"type": "subscribed", "topics": []}
        assert_pong(socket)

    def test_who_may_read_the_target_is_told_where_it_went(self, connect, member, merged) -> None:
        socket = connect(member)
        socket.send({"type": "subscribe", "topics": old_topics(merged)})
        answers = [socket.receive() for _ in old_topics(merged)]
        assert [(a["type"], a["code"], a["topic"]) for a in answers] == [
            ("error", "moved", t) for t in old_topics(merged)]
        assert answers[0]["moved_to"] == f"group:{merged['target']['id']}"
        assert answers[1]["moved_to"].startswith("channel:")
        assert socket.receive() == {"type": "subscribed", "topics": []}
        socket.send({"type": "subscribe", "topics": [a["moved_to"] for a in answers]})
        assert socket.receive() == {"type": "subscribed", "topics": [a["moved_to"] for a in answers]}

    def test_at_connect_too(self, connect, outsider, member, merged) -> None:
        socket = connect(outsider, topics=old_topics(merged))
        assert [socket.receive()["code"] for _ in old_topics(merged)] == ["not_found", "not_found"]
        assert socket.receive() == {"type": "subscribed", "topics": []}
        socket = connect(member, topics=old_topics(merged))
        assert [socket.receive()["code"] for _ in old_topics(merged)] == ["moved", "moved"]
        assert socket.receive() == {"type": "subscribed", "topics": []}
        assert_pong(socket)
