from __future__ import annotations


def test_health(anon) -> None:
    response = anon.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_member_posts_a_motion_and_another_replies(client_for, member, make_user, make_group) -> None:
    other = make_user()
    group = make_group("Duurzaamheid", members=(member, other))
    anna = client_for(member)
    created = anna.post(f"/api/v1/channels/{group['channel_id']}/threads", json={
        "kind": "motion", "title": "Motie zonnepanelen op scholen", "body": "De raad, gehoord de beraadslaging…",
        "motion": {"municipality": "Alkmaar", "status": "submitted"},
    })
    assert created.status_code == 201, created.text
    thread = created.json()
    assert thread["motion"]["municipality"] == "Alkmaar"
    bob = client_for(other)
    reply = bob.post(f"/api/v1/threads/{thread['id']}/replies", json={"body": "Mooi, @" + member.username})
    assert reply.status_code == 201, reply.text
    assert reply.json()["mentions"] == [member.username]
    listing = anna.get(f"/api/v1/threads/{thread['id']}/replies").json()
    assert [p["id"] for p in listing["items"]] == [reply.json()["id"]]
