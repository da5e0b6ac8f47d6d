"""What publishing an interview costs: the job runner's publish transaction for a site of N members.

For each site size it builds a fresh database (SQLite file or a new PostgreSQL database) with N members who
all want to hear of articles, then times what the worker does at the publish moment, as one unit of work
with a real dispatcher (the in-process bus, or Redis with --redis): the compare-and-set, the comment thread,
one notification line per member (one statement), her live event with her unread count, the home pages'
event, the audit entry, the commit and handing the events to the bus. Each run publishes a fresh article.
Also the digest entry: building one member's digest that holds the article. Prints a Markdown table.

    .venv/bin/python -m bench.publish_fanout --members 1000,5000 --backend sqlite
    .venv/bin/python -m bench.publish_fanout --members 1000,5000 --backend postgresql \\
        --postgres postgresql://postgres@127.0.0.1:5432/test --redis redis://127.0.0.1:6379/14
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.notify_fanout import _database

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

REPEAT = 5


def run(backend: str, members: int, postgres: str, redis: str | None) -> dict[str, float]:
    from app import migrate
    from app.db import Database, make_engine, unit_of_work, utcnow
    from app.effects import NO_LIVE_CLIENTS, Dispatcher
    from app.models import User
    from app.realtime.bus import make_bus
    from app.schemas.publishing import ArticleCreate
    from app.services import digests, publishing

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = _database(backend, postgres, Path(tmp))
        engine = make_engine(url)
        bus = make_bus(redis, prefix=f"plein-bench-{os.getpid()}", replay_max=100_000)
        try:
            migrate.upgrade(engine)
            db = Database(engine)
            with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                editor = User(email="redactie@example.org", username="redactie", display_name="Redactie",
                              role="community_manager")
                s.add_all([editor, *[User(email=f"lid{i}@example.org", username=f"lid{i}", display_name=f"Lid {i}")
                                     for i in range(members)]])
                s.flush()
                editor_id = editor.id
            dispatcher = Dispatcher(bus)
            published, digest = [], []
            for n in range(REPEAT):
                with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                    editor = s.get(User, editor_id)
                    article = publishing.create_article(s, editor, data=ArticleCreate(
                        title=f"Raadslid in beeld {n}", lead="Waarom ze raadslid werd.", body="## Waarom?\n\nDaarom."))
                    publishing.schedule_article(s, editor, article_id=article.id,
                                                publish_at=utcnow() + timedelta(minutes=5))
                moment = utcnow() + timedelta(minutes=10)
                start = time.perf_counter()
                with unit_of_work(db, dispatcher) as s:  # what Worker._publish does
                    assert publishing.publish_due(s, article_id=article.id, now=moment)
                published.append(time.perf_counter() - start)
                with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                    reader = s.get(User, editor_id + 1)
                    start = time.perf_counter()
                    entries = digests.build_articles(s, reader, since=moment - timedelta(days=7),
                                                     until=moment + timedelta(seconds=1))
                    digest.append(time.perf_counter() - start)
                    assert entries
        finally:
            engine.dispose()
            drop()
    return {"publish_median": statistics.median(published) * 1000, "publish_max": max(published) * 1000,
            "digest_median": statistics.median(digest) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", default="1000,5000")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default=None, help="publish the events through Redis (as several workers do)")
    args = parser.parse_args()
    print(f"| backend | members | publish (median) | publish (max of {REPEAT}) | digest entry |")
    print("|---|---:|---:|---:|---:|")
    for members in (int(m) for m in args.members.split(",")):
        r = run(args.backend, members, args.postgres, args.redis)
        bus = " + Redis" if args.redis else ""
        print(f"| {args.backend}{bus} | {members} | {r['publish_median']:.0f} ms | {r['publish_max']:.0f} ms | "
              f"{r['digest_median']:.1f} ms |", flush=True)


if __name__ == "__main__":
    main()
