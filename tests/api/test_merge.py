"""Merging duplicate groups: the dry run, the refusals, what moves, redirects of old links, and posting
into the old group while the merge runs (real threads against a committed database, both backends)."""
from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import func, select

from app.db import Database, make_engine, unit_of_work
from app.effects import NO_LIVE_CLIENTS
from app.errors import Moved
from app.models import Channel, Group, Post, Thread, User
from app.schemas.groups import ChannelCreate, GroupCreate
from app.schemas.posts import ReplyCreate, ThreadCreate
from app.services import groups, merge, posts
from tests.api.helpers import API, assert_error
from tests.servers import committed_database


def preview(client, source: dict, target: dict) -> Any:
    return client.post(f"{API}/groups/merge/preview", json={"source_id": source["id"], "target_id": target["id"]})


class TestRefusals:
    def test_who_and_what(self, client_for, member, manager, make_group) -> None:
        a, b = make_group("Wonen Noord"), make_group("Wonen")
        body = {"source_id": a["id"], "target_id": b["id"]}
        assert_error(client_for(member).post(f"{API}/groups/merge", json=body), 403, "merge_not_allowed")
        staff = client_for(manager)
        assert_error(staff.post(f"{API}/groups/merge", json={**body, "target_id": a["id"]}), 422, "invalid",
                     "target_id")
        assert_error(staff.post(f"{API}/groups/merge", json={**body, "target_id": 999999}), 404, "not_found",
                     "target_id")
        assert_error(staff.post(f"{API}/groups/merge", json={"source_id": a["id"]}), 422, "invalid", "target_id")
        assert staff.post(f"{API}/groups/merge", json=body).status_code == 200
        assert_error(staff.post(f"{API}/groups/merge/preview", json=body), 409, "conflict", "source_id")


class TestMerge:
    def test_dry_run_then_merge(self, client_for, run, manager, member, make_user, make_group, make_thread,
                                capture_events) -> None:
        both, only_a, asker = make_user(), make_user(), make_user()
        a = make_group("Wonen Noord-Holland", visibility="closed", members=(both, only_a, member))
        b = make_group("Wonen", visibility="closed", members=(both,))
        run(groups.set_member_role, manager, group_id=a["id"], user_id=both.id, role="moderator")
        motions = run(groups.create_channel, manager, group_id=a["id"], data=ChannelCreate(name="Moties"))
        older = make_thread(member, a["channel_id"], title="Eerder onderwerp in A")
        in_b = make_thread(both, b["channel_id"], title="Onderwerp in B")
        in_motions = make_thread(member, motions.id, title="Motie over huren")
        client_for(only_a).post(f"{API}/threads/{older['id']}/replies", json={"body": "Reactie"})
        client_for(asker).post(f"{API}/groups/{a['id']}/join", json={})
        staff = client_for(manager)

        dry = preview(staff, a, b).json()
        assert (dry["threads"], dry["posts"], dry["exposes"]) == (2, 3, False), dry
        assert dry["members_moving"] == 2 and dry["members_in_both"] == 2  # (the manager is in both)
        assert {(c["name"], c["merged_into_id"] is not None) for c in dry["channels"]} == {
            ("Algemeen", True), ("Moties", False)}
        assert staff.get(f"{API}/threads/{older['id']}").json()["group_id"] == a["id"]  # nothing changed yet

        capture_events.clear()
        done = staff.post(f"{API}/groups/merge", json={"source_id": a["id"], "target_id": b["id"]})
        assert done.status_code == 200, done.text
        for thread in (older, in_motions):
            assert staff.get(f"{API}/threads/{thread['id']}").json()["group_id"] == b["id"]
        listed = [t["id"] for t in staff.get(f"{API}/channels/{b['channel_id']}/threads").json()["items"]]
        assert listed == [older["id"], in_b["id"]]  # one list, by activity (the reply made A's newest)
        assert staff.get(f"{API}/channels/{motions.id}").json()["group_id"] == b["id"]
        roles = {m["user"]["id"]: m["role"] for m in staff.get(f"{API}/groups/{b['id']}/members").json()["items"]}
        assert roles[both.id] == "moderator" and roles[only_a.id] == "member" and roles[member.id] == "member"
        assert [r["user"]["id"] for r in staff.get(f"{API}/groups/{b['id']}/join-requests").json()] == [asker.id]
        assert a["id"] not in [g["id"] for g in staff.get(f"{API}/groups").json()]
        kinds = [(e.type, e.topic) for e in capture_events if e.type == "group.merged"]
        assert kinds == [("group.merged", f"group:{a['id']}"), ("group.merged", f"group:{b['id']}")]
        merged_lines = [n for n in client_for(both).get(f"{API}/notifications").json()["items"]
                        if n["kind"] == "group_merged"]
        assert len(merged_lines) == 1 and merged_lines[0]["detail"] == "Wonen Noord-Holland"
        [entry] = staff.get(f"{API}/audit", params={"action": "group.merged"}).json()["items"]
        assert entry["target_id"] == a["id"] and entry["group_id"] == b["id"]

    def test_old_links_redirect(self, client_for, manager, member, make_group) -> None:
        a, b = make_group("Zorg Oost", members=(member,)), make_group("Zorg", members=(member,))
        staff = client_for(manager)
        assert staff.post(f"{API}/groups/merge", json={"source_id": a["id"], "target_id": b["id"]}).status_code == 200
        me = client_for(member)
        for old, new in ((f"{API}/groups/{a['id']}", f"{API}/groups/{b['id']}"),
                         (f"{API}/groups/by-slug/{a['slug']}", f"{API}/groups/by-slug/{b['slug']}"),
                         (f"{API}/channels/{a['channel_id']}/threads?limit=5",
                          f"{API}/channels/{b['channel_id']}/threads?limit=5"),
                         (f"/groups/{a['slug']}", f"/groups/{b['slug']}")):
            moved = me.get(old, follow_redirects=False)
            assert moved.status_code == 308 and moved.headers["location"] == new, (old, moved.headers)
            assert me.get(old).status_code == 200
        # A post sent to the old channel follows the redirect with its body (308) and lands in B.
        posted = me.post(f"{API}/channels/{a['channel_id']}/threads", json={"title": "Na de fusie", "body": "Hoi"})
        assert posted.status_code == 201 and posted.json()["group_id"] == b["id"]

    def test_a_more_restricted_group_needs_confirmation(self, client_for, manager, member, make_user,
                                                        make_group) -> None:
        outsider = make_user(display_name="Ongezien Lid")
        secret = make_group("Vertrouwelijk", visibility="secret", members=(member,))
        closed = make_group("Besloten", visibility="closed", members=(outsider,))
        staff = client_for(manager)
        dry = preview(staff, secret, closed).json()
        assert dry["exposes"] is True and dry["gaining_access"] == 1
        assert [u["display_name"] for u in dry["gaining_access_examples"]] == ["Ongezien Lid"]
        body = {"source_id": secret["id"], "target_id": closed["id"]}
        assert_error(staff.post(f"{API}/groups/merge", json=body), 409, "conflict", "confirm_exposure")
        assert staff.post(f"{API}/groups/merge", json={**body, "confirm_exposure": True}).status_code == 200


class TestPostingDuringTheMerge:
    def test_no_post_is_lost_or_left_behind(self, tmp_path) -> None:
        with committed_database(tmp_path, "plein_merge") as url:
            engine = make_engine(url)
            db = Database(engine)
            with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                boss = User(email="b@example.org", username="beheer", display_name="Beheer", role="admin")
                writers = [User(email=f"w{i}@example.org", username=f"w{i}", display_name=f"W {i}") for i in range(4)]
                s.add_all([boss, *writers])
                s.flush()
                a = groups.create_group(s, boss, data=GroupCreate(name="Oud", kind="theme"))
                b = groups.create_group(s, boss, data=GroupCreate(name="Nieuw", kind="theme"))
                moties = groups.create_channel(s, boss, group_id=a.id, data=ChannelCreate(name="Moties"))
                for w in writers:
                    groups.join_group(s, w, group_id=a.id)
                general = groups.list_channels(s, boss, group_id=a.id)[0].id
                busy = posts.create_thread(s, writers[0], channel_id=general, data=ThreadCreate(title="Druk", body="x"))
                ids = {"boss": boss.id, "writers": [w.id for w in writers], "a": a.id, "b": b.id,
                       "general": general, "moties": moties.id, "busy": busy.id}
            made: list[tuple[str, int]] = []
            errors: list[BaseException] = []
            stop = threading.Event()

            def write(user_id: int, n: int) -> None:
                channels = [ids["general"], ids["moties"]]
                i = 0
                while not stop.is_set() and i < 60:
                    i += 1
                    time.sleep(0.01)
                    try:
                        with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                            me = s.get(User, user_id)
                            if i % 2:
                                reply = posts.create_reply(s, me, thread_id=ids["busy"],
                                                           data=ReplyCreate(body=f"{n}-{i}"))
                                made.append(("post", reply.id))
                                continue
                            channel = channels[i % 4 // 2]
                            try:
                                thread = posts.create_thread(s, me, channel_id=channel,
                                                             data=ThreadCreate(title=f"Onderwerp {n}-{i}", body="x"))
                            except Moved as moved:  # what a client does with the 308: post to the new address
                                s.rollback()
                                thread = posts.create_thread(s, me, channel_id=int(moved.new),
                                                             data=ThreadCreate(title=f"Onderwerp {n}-{i}", body="x"))
                            made.append(("thread", thread.id))
                    except BaseException as exc:  # noqa: BLE001 - reported below
                        errors.append(exc)
                        return

            workers = [threading.Thread(target=write, args=(uid, n)) for n, uid in enumerate(ids["writers"])]
            for w in workers:
                w.start()
            time.sleep(0.6)
            with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                merge.merge_groups(s, s.get(User, ids["boss"]), source_id=ids["a"], target_id=ids["b"])
            time.sleep(0.6)
            stop.set()
            for w in workers:
                w.join(30)
            assert errors == [], errors
            with db.sessionmaker() as s:
                left_behind = s.scalar(select(func.count()).select_from(Thread).where(Thread.group_id == ids["a"]))
                assert left_behind == 0
                thread_ids = [i for kind, i in made if kind == "thread"]
                post_ids = [i for kind, i in made if kind == "post"]
                assert len(thread_ids) > 4 and len(post_ids) > 4, made
                assert s.scalar(select(func.count()).select_from(Thread).where(
                    Thread.id.in_(thread_ids), Thread.group_id == ids["b"])) == len(thread_ids)
                assert s.scalar(select(func.count()).select_from(Post).where(Post.id.in_(post_ids))) == len(post_ids)
                busy = s.get(Thread, ids["busy"])
                assert busy.group_id == ids["b"] and busy.reply_count == len(post_ids)
                # Every thread sits in a channel of B (the clashing "Algemeen" was merged into B's).
                channels = set(s.scalars(select(Thread.channel_id).where(Thread.group_id == ids["b"])))
                assert channels <= set(s.scalars(select(Channel.id).where(Channel.group_id == ids["b"])))
                assert s.get(Group, ids["a"]).merged_into_id == ids["b"]
            engine.dispose()

    def test_a_busy_group_is_merged_in_seconds(self, tmp_path) -> None:
        """Members keep posting into A (8 writers, no pause to speak of) while the merge runs. It used to wait
        until posting stopped (over a minute on PostgreSQL: FOR SHARE row locks let every new post jump the
        merge's FOR UPDATE); now it waits for the posts in flight only, and the ones after it land in B."""
        from bench.merge_under_load import run

        with committed_database(tmp_path, "plein_busy_merge") as url:
            engine = make_engine(url)
            try:
                result = run(Database(engine), writers=8, pause=0.005, warmup=0.5, after=0.5, max_seconds=10)
            finally:
                engine.dispose()
        assert result["errors"] == [], result
        assert result["merge_s"] < 3 and result["posting_during_merge"], result
        assert result["writes"] > 20 and result["moved_308"] > 0, result  # posts raced it, and were redirected
        assert (result["left_behind"], result["threads_lost"], result["replies_lost"]) == (0, 0, 0), result
        assert result["reply_count_exact"], result
