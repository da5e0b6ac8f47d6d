"""What notifying costs inside the action: a new thread and a reply in a group whose members all watch it.

For each group size it builds a fresh database (SQLite file or a new PostgreSQL database), a faction group
(watching by default) with N members, then times the service calls as a request runs them (one unit of
work each): create_thread (N-1 new-thread notifications, their live events) and create_reply (N-1 reply
lines; the second reply folds into them). Also a baseline: the same reply in a group where everybody
muted it (no notifications), so the difference is what notifications cost. Prints a Markdown table.

    .venv/bin/python -m bench.notify_fanout --members 10,100,1000 --backend sqlite
    .venv/bin/python -m bench.notify_fanout --members 10,100,1000 --backend postgresql \\
        --postgres postgresql://postgres@127.0.0.1:5432/test
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

REPEAT = 7


def _database(backend: str, postgres: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'fanout.db'}", lambda: None
    import secrets

    import psycopg

    name = f"plein_bench_{secrets.token_hex(4)}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return postgres.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + f"/{name}", drop


def run(backend: str, members: int, postgres: str) -> dict[str, float]:
    from sqlalchemy import select

    from app import migrate
    from app.db import Database, make_engine, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Membership, Thread, User
    from app.schemas.groups import GroupCreate
    from app.schemas.posts import ReplyCreate, ThreadCreate
    from app.services import groups, posts

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(backend, postgres, Path(tmp))
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            db = Database(engine)
            with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                boss = User(email="beheer@example.org", username="beheer", display_name="Beheer", role="admin")
                people = [User(email=f"lid{i}@example.org", username=f"lid{i}", display_name=f"Lid {i}")
                          for i in range(members)]
                s.add_all([boss, *people])
                s.flush()
                watched = groups.create_group(s, boss, data=GroupCreate(name="Fractie", kind="faction"))
                muted = groups.create_group(s, boss, data=GroupCreate(name="Stil", kind="faction"))
                for group, level in ((watched, None), (muted, "muted")):
                    s.add_all([Membership(group_id=group.id, user_id=u.id, role="member", notification_level=level)
                               for u in people])
                channels = {g.id: groups.list_channels(s, boss, group_id=g.id)[0].id for g in (watched, muted)}
                author_id = people[0].id
                other_id = people[1].id

            def timed(fn: Callable[..., object], actor_id: int, **kwargs: object) -> float:
                start = time.perf_counter()
                with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                    fn(s, s.get(User, actor_id), **kwargs)
                return (time.perf_counter() - start) * 1000

            figures: dict[str, list[float]] = {"thread": [], "reply": [], "reply_folded": [], "reply_muted": []}
            for i in range(REPEAT):
                figures["thread"].append(timed(posts.create_thread, author_id, channel_id=channels[watched.id],
                                               data=ThreadCreate(title=f"Onderwerp {i}", body="Tekst")))
            with db.sessionmaker() as s:
                thread_ids = list(s.scalars(select(Thread.id).where(Thread.group_id == watched.id)))
                quiet = posts.create_thread(s, s.get(User, author_id), channel_id=channels[muted.id],
                                            data=ThreadCreate(title="Stil onderwerp", body="Tekst")).id
                s.commit()
            for thread_id in thread_ids:
                figures["reply"].append(timed(posts.create_reply, other_id, thread_id=thread_id,
                                              data=ReplyCreate(body="Eerste reactie")))
                figures["reply_folded"].append(timed(posts.create_reply, other_id, thread_id=thread_id,
                                                     data=ReplyCreate(body="Tweede reactie")))
                figures["reply_muted"].append(timed(posts.create_reply, other_id, thread_id=quiet,
                                                    data=ReplyCreate(body="Niemand hoort dit")))
            return {name: statistics.median(values) for name, values in figures.items()}
        finally:
            engine.dispose()
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", default="10,100,1000")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print("| backend | members | new thread (ms) | reply, new lines (ms) | reply, folded (ms) "
          "| reply, muted group (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in (int(x) for x in args.members.split(",")):
        f = run(args.backend, n, args.postgres)
        print(f"| {args.backend} | {n} | {f['thread']:.1f} | {f['reply']:.1f} | {f['reply_folded']:.1f} | "
              f"{f['reply_muted']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
