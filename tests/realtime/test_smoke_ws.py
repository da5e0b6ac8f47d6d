from __future__ import annotations


def test_member_sees_a_reply_live(connect, client_for, member, make_user, make_group, make_thread) -> None:
    other = make_user()
    group = make_group(members=(member, other))
    thread = make_thread(member, group["channel_id"])
    socket = connect(member, topics=[f"thread:{thread['id']}"])
    assert socket.receive_type("subscribed")["topics"] == [f"thread:{thread['id']}"]
    reply = client_for(other).post(f"/api/v1/threads/{thread['id']}/replies", json={"body": "Ik weet het!"})
    assert reply.status_code == 201
    event = socket.receive_type("event")
    assert event["event"] == "post.created" and event["payload"]["id"] == reply.json()["id"]
