"""Merging a busy group: members keep posting into group A (replies to a busy thread, new threads in two
channels) while the community manager merges A into B. Times the merge, and checks that no post was lost
or left behind in A, and that posts sent to A's old channel after the merge were redirected (308).

    .venv/bin/python -m bench.merge_under_load --backend postgresql --writers 8
    .venv/bin/python -m bench.merge_under_load --backend sqlite --writers 8

Each writer is a thread with its own unit of work per post, as a request would be; it pauses `--pause` ms
between posts. The merge starts after `--warmup` seconds of posting; the writers go on for `--after` seconds
after it returns (longer, until one post has been redirected), and stop after `--max-seconds` whatever
happens (so a merge that waits for posting to stop does finish, and shows how long it waited).
"""
from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")


@dataclass
class Load:
    made: list[tuple[str, int, float]] = field(default_factory=list)  # (kind, id, when it committed)
    latencies: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    moved: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def arrange(db: Any, writers: int) -> dict[str, Any]:
    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import User
    from app.schemas.groups import ChannelCreate, GroupCreate
    from app.schemas.posts import ThreadCreate
    from app.services import groups, posts

    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        boss = User(email="beheer@example.org", username="beheer", display_name="Beheer", role="community_manager")
        people = [User(email=f"w{i}@example.org", username=f"w{i}", display_name=f"Schrijver {i}")
                  for i in range(writers)]
        s.add_all([boss, *people])
        s.flush()
        a = groups.create_group(s, boss, data=GroupCreate(name="Wonen Noord", kind="theme"))
        b = groups.create_group(s, boss, data=GroupCreate(name="Wonen", kind="theme"))
        motions = groups.create_channel(s, boss, group_id=a.id, data=ChannelCreate(name="Moties"))
        for person in people:
            groups.join_group(s, person, group_id=a.id)
        general = groups.list_channels(s, boss, group_id=a.id)[0].id
        busy = posts.create_thread(s, people[0], channel_id=general, data=ThreadCreate(title="Druk", body="Begin"))
        return {"boss": boss.id, "writers": [p.id for p in people], "a": a.id, "b": b.id,
                "channels": [general, motions.id], "busy": busy.id}


def write(db: Any, ids: dict[str, Any], user_id: int, n: int, stop: threading.Event, pause: float,
          load: Load) -> None:
    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.errors import Moved
    from app.models import User
    from app.schemas.posts import ReplyCreate, ThreadCreate
    from app.services import posts

    i = 0
    while not stop.is_set():
        i += 1
        started = time.perf_counter()
        try:
            with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                me = s.get(User, user_id)
                if i % 2:
                    made = ("post", posts.create_reply(s, me, thread_id=ids["busy"],
                                                       data=ReplyCreate(body=f"{n}-{i}")).id)
                else:
                    data = ThreadCreate(title=f"Onderwerp {n}-{i}", body="x")
                    try:
                        thread = posts.create_thread(s, me, channel_id=ids["channels"][i % 4 // 2], data=data)
                    except Moved as moved:  # what a client does with the 308: the same post to the new address
                        s.rollback()
                        with load.lock:
                            load.moved += 1
                        thread = posts.create_thread(s, me, channel_id=int(moved.new), data=data)
                    made = ("thread", thread.id)
        except BaseException as exc:  # noqa: BLE001 - reported
            with load.lock:
                load.errors.append(exc)
            return
        done = time.perf_counter()
        with load.lock:
            load.made.append((*made, done))
            load.latencies.append(done - started)
        time.sleep(pause)


def run(db: Any, *, writers: int, pause: float, warmup: float, after: float, max_seconds: float) -> dict[str, Any]:
    from sqlalchemy import func, select

    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Post, Thread, User
    from app.services import merge

    ids = arrange(db, writers)
    load, stop = Load(), threading.Event()
    workers = [threading.Thread(target=write, args=(db, ids, uid, n, stop, pause, load), daemon=True)
               for n, uid in enumerate(ids["writers"])]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    cap = threading.Timer(max_seconds, stop.set)
    cap.start()
    time.sleep(warmup)
    merge_started = time.perf_counter()
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        merge.merge_groups(s, s.get(User, ids["boss"]), source_id=ids["a"], target_id=ids["b"])
    merge_done = time.perf_counter()
    still_posting = not stop.is_set()
    time.sleep(after)
    # A post written against the old channel after the merge answers 308; on a slow machine the first such post
    # can come later than `after` (one writer at a time on SQLite), so keep posting until one has, within the cap.
    while not stop.is_set() and load.moved == 0 and not load.errors and all(w.is_alive() for w in workers):
        time.sleep(0.05)
    stop.set()
    cap.cancel()
    for worker in workers:
        worker.join(60)
    with db.sessionmaker() as s:
        thread_ids = [i for kind, i, _ in load.made if kind == "thread"]
        post_ids = [i for kind, i, _ in load.made if kind == "post"]
        left_behind = s.scalar(select(func.count()).select_from(Thread).where(Thread.group_id == ids["a"]))
        in_b = s.scalar(select(func.count()).select_from(Thread).where(
            Thread.id.in_(thread_ids), Thread.group_id == ids["b"])) if thread_ids else 0
        replies = s.scalar(select(func.count()).select_from(Post).where(Post.id.in_(post_ids))) if post_ids else 0
        busy = s.get(Thread, ids["busy"])
        counted = busy.reply_count if busy else None
    during = [t for _, _, t in load.made if merge_started <= t <= merge_done]
    return {
        "merge_s": merge_done - merge_started, "posting_during_merge": still_posting,
        "writes_during_merge": len(during),
        "writes": len(load.made), "seconds": time.perf_counter() - began, "moved_308": load.moved,
        "median_ms": statistics.median(load.latencies) * 1000 if load.latencies else 0,
        "max_ms": max(load.latencies) * 1000 if load.latencies else 0, "errors": [repr(e) for e in load.errors],
        "left_behind": left_behind, "threads_lost": len(thread_ids) - in_b, "replies_lost": len(post_ids) - replies,
        "reply_count_exact": counted == len(post_ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--pause", type=float, default=10, help="ms between one writer's posts")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--after", type=float, default=1.0)
    parser.add_argument("--max-seconds", type=float, default=90.0)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    from app import migrate
    from app.db import Database, make_engine
    from bench.databases import fresh_database

    for _ in range(args.runs):
        with fresh_database(args.backend, args.postgres, name="merge") as url:
            engine = make_engine(url)
            try:
                migrate.upgrade(engine)
                result = run(Database(engine), writers=args.writers, pause=args.pause / 1000, warmup=args.warmup,
                             after=args.after, max_seconds=args.max_seconds)
            finally:
                engine.dispose()
        print(f"{args.backend}, {args.writers} writers, {args.pause:g} ms pause: merge {result['merge_s']:.2f} s "
              f"(posting {'went on' if result['posting_during_merge'] else 'had stopped'}; "
              f"{result['writes_during_merge']} writes committed meanwhile); {result['writes']} writes in "
              f"{result['seconds']:.1f} s, median {result['median_ms']:.0f} ms, max {result['max_ms']:.0f} ms; "
              f"{result['moved_308']} redirected (308); left behind {result['left_behind']}, lost "
              f"{result['threads_lost']} threads / {result['replies_lost']} replies, reply count exact: "
              f"{result['reply_count_exact']}; errors: {result['errors'] or 'none'}")


if __name__ == "__main__":
    main()
