"""Community health: unanswered questions, members drifting away, group activity (community manager only)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.db import utcnow
from app.models import Thread, User
from tests.api.helpers import API, assert_error


def age_thread(session, thread_id: int, hours: int) -> None:
    then = utcnow() - timedelta(hours=hours)
    session.execute(update(Thread).where(Thread.id == thread_id).values(created_at=then, last_activity_at=then))
    session.commit()


class TestRefusals:
    def test_members_and_visitors(self, anon, client_for, member) -> None:
        for path in ("/community/unanswered", "/community/drifting", "/community/groups"):
            assert_error(anon.get(f"{API}{path}"), 401, "unauthenticated")
            assert_error(client_for(member).get(f"{API}{path}"), 403, "community_health_not_allowed")


class TestUnanswered:
    def test_old_questions_without_a_reply_oldest_first(self, client_for, manager, member, make_user, make_group,
                                                        make_thread, session) -> None:
        other = make_user()
        group = make_group("Wonen", members=(member, other))
        oldest = make_thread(member, group["channel_id"], title="Wie kent een goede huurcommissie?", kind="question")
        newer = make_thread(member, group["channel_id"], title="Hoe regel je tijdelijke verhuur?", kind="question")
        answered = make_thread(member, group["channel_id"], title="Wat kost een woningcorporatie?", kind="question")
        fresh = make_thread(member, group["channel_id"], title="Nieuwe vraag van vandaag", kind="question")
        discussion = make_thread(member, group["channel_id"], title="Gewoon een discussie")
        for thread, hours in ((oldest, 100), (newer, 60), (answered, 80), (discussion, 90), (fresh, 1)):
            age_thread(session, thread["id"], hours)
        replied = client_for(other).post(f"{API}/threads/{answered['id']}/replies", json={"body": "Zo."})
        assert replied.status_code == 201
        page = client_for(manager).get(f"{API}/community/unanswered").json()
        assert [q["thread"]["id"] for q in page["items"]] == [oldest["id"], newer["id"]]
        assert page["items"][0]["group"]["name"] == "Wonen" and page["items"][0]["waiting_hours"] >= 99
        walked = client_for(manager).get(f"{API}/community/unanswered", params={"limit": 1}).json()
        assert [q["thread"]["id"] for q in walked["items"]] == [oldest["id"]] and walked["next_cursor"]
        rest = client_for(manager).get(f"{API}/community/unanswered",
                                       params={"limit": 1, "cursor": walked["next_cursor"]}).json()
        assert [q["thread"]["id"] for q in rest["items"]] == [newer["id"]]
        sooner = client_for(manager).get(f"{API}/community/unanswered", params={"older_than_hours": 0}).json()
        assert fresh["id"] in [q["thread"]["id"] for q in sooner["items"]]


class TestDrifting:
    def test_active_before_silent_now(self, client_for, manager, make_user, make_group, make_thread,
                                      session) -> None:
        gone, busy, long_gone, never = (make_user(display_name=n) for n in ("Weg", "Druk", "Lang weg", "Nooit"))
        group = make_group("Zorg", members=(gone, busy, long_gone))
        for user in (gone, busy, long_gone):
            make_thread(user, group["channel_id"])
        now = utcnow()
        for user, weeks in ((gone, 8), (long_gone, 40)):
            session.execute(update(User).where(User.id == user.id).values(last_posted_at=now - timedelta(weeks=weeks)))
        session.commit()
        page = client_for(manager).get(f"{API}/community/drifting").json()
        assert [d["member"]["display_name"] for d in page["items"]] == ["Weg"]
        assert page["items"][0]["silent_days"] >= 55 and page["items"][0]["earlier_posts"] == 1
        assert never.id not in [d["member"]["id"] for d in page["items"]]

    def test_posting_keeps_last_posted_at(self, client_for, member, make_group, session) -> None:
        group = make_group(members=(member,))
        before = utcnow()
        assert client_for(member).post(f"{API}/channels/{group['channel_id']}/threads",
                                       json={"title": "Nieuw onderwerp", "body": "Tekst"}).status_code == 201
        session.expire_all()
        assert session.get(User, member.id).last_posted_at >= before


class TestGroupActivity:
    def test_members_threads_per_week_last_activity_and_quiet(self, client_for, manager, member, make_group,
                                                              make_thread, session) -> None:
        busy = make_group("Drukke groep", members=(member,))
        quiet = make_group("Stille groep", members=(member,))
        make_group("Lege groep")
        for _ in range(4):
            make_thread(member, busy["channel_id"])
        old = make_thread(member, quiet["channel_id"])
        age_thread(session, old["id"], 24 * 200)
        rows = {a["group"]["name"]: a for a in client_for(manager).get(f"{API}/community/groups").json()}
        assert rows["Drukke groep"]["threads_per_week"] == 1.0 and rows["Drukke groep"]["quiet"] is False
        assert rows["Drukke groep"]["members"] == 2
        assert rows["Stille groep"]["quiet"] is True and rows["Stille groep"]["threads_per_week"] == 0
        assert rows["Lege groep"]["quiet"] is True and rows["Lege groep"]["last_activity_at"] is None
        names = [a["group"]["name"] for a in client_for(manager).get(f"{API}/community/groups").json()]
        assert names.index("Lege groep") < names.index("Drukke groep")  # quiet ones first
