"""A merge moves open websockets along: who followed the old group follows the new one."""
from __future__ import annotations


def test_subscribers_of_the_old_group_follow_it(connect, client_for, manager, member, make_group,
                                                make_thread) -> None:
    old = make_group("Energie", visibility="closed", members=(member,))
    new = make_group("Duurzaamheid", visibility="closed")
    socket = connect(member, topics=[f"group:{old['id']}", f"channel:{old['channel_id']}"])
    socket.receive_type("subscribed")
    merged = client_for(manager).post("/api/v1/groups/merge", json={"source_id": old["id"], "target_id": new["id"]})
    assert merged.status_code == 200, merged.text
    first = socket.receive_type("event")
    assert (first["event"], first["topic"]) == ("group.merged", f"group:{old['id']}")
    assert first["payload"]["into_group_id"] == new["id"]
    second = socket.receive_type("event")  # now subscribed to the new group's topic as well
    assert (second["event"], second["topic"]) == ("group.merged", f"group:{new['id']}")
    # A new thread in the group she was moved into reaches her (a closed group: her membership moved too).
    thread = make_thread(manager, new["channel_id"], title="Na de samenvoeging")
    created = socket.receive_type("event")
    assert (created["event"], created["topic"], created["payload"]["id"]) == (
        "thread.created", f"group:{new['id']}", thread["id"])
