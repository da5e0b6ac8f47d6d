"""Benchmark: thread and reply lists stay fast at a million posts (keyset pagination, never OFFSET).

Generates a database with THREADS threads in one channel (the worst case for a channel list) and
REPLIES replies per thread, plus one long thread, then times the HTTP API in-process (httpx
TestClient → FastAPI → SQLAlchemy → the database): first pages, pages deep in the list via the
cursor, and the long thread's replies.

    .venv/bin/python -m bench.thread_lists --database-url postgresql://postgres@127.0.0.1/plein_bench \
        --threads 200000 --replies 4 --long-thread 20000
    .venv/bin/python -m bench.thread_lists --database-url sqlite:///var/bench.db --threads 20000 --replies 4
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")


def generate(engine, threads: int, replies: int, long_thread: int) -> None:  # type: ignore[no-untyped-def]
    from app.db import Database, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Channel, Group, Membership, User
    from app.security import hash_password

    db = Database(engine)
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        if s.scalar(select(func.count()).select_from(User)):
            print("database already generated; reusing it", flush=True)
            return
        user = User(email="bench@example.nl", username="bench", display_name="Bench",
                    password_hash=hash_password("bench-password"), role="member")
        s.add(user)
        s.flush()
        group = Group(slug="bench", name="Bench", kind="theme", visibility="open", member_count=1)
        s.add(group)
        s.flush()
        s.add(Membership(group_id=group.id, user_id=user.id, role="member"))
        s.add(Channel(group_id=group.id, slug="algemeen", name="Algemeen", is_default=True))
    started = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    series = ("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s"
              if sqlite else "SELECT n FROM generate_series(1, :n) AS n")
    ts = ("datetime('2026-01-01', '+' || n || ' seconds')" if sqlite
          else "timestamptz '2026-01-01' + n * interval '1 second'")
    with engine.begin() as c:
        c.execute(text(f"""
            INSERT INTO threads (group_id, channel_id, author_id, kind, title, created_at, last_activity_at,
                                 reply_count)
            SELECT 1, 1, 1, 'discussion', 'Onderwerp ' || n, {ts}, {ts}, :replies FROM ({series}) AS g
        """), {"n": threads, "replies": replies})
        c.execute(text(f"""
            INSERT INTO posts (thread_id, author_id, is_opening, body, body_html, created_at)
            SELECT t.id, 1, {'1' if sqlite else 'true'}, 'Tekst ' || t.id, '<p>Tekst ' || t.id || '</p>', t.created_at
            FROM threads t
        """))
        for r in range(replies):
            c.execute(text(f"""
                INSERT INTO posts (thread_id, author_id, is_opening, body, body_html, created_at)
                SELECT t.id, 1, {'0' if sqlite else 'false'}, 'Antwoord {r}', '<p>Antwoord {r}</p>', t.created_at
                FROM threads t
            """))
        c.execute(text(f"""
            INSERT INTO posts (thread_id, author_id, is_opening, body, body_html, created_at)
            SELECT 1, 1, {'0' if sqlite else 'false'}, 'Lang ' || n, '<p>Lang</p>', {ts} FROM ({series}) AS g
        """), {"n": long_thread})
        if not sqlite:
            c.execute(text("ANALYZE"))
    print(f"generated in {time.perf_counter() - started:.1f}s", flush=True)


def timed(client: TestClient, url: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p95:.1f} | {samples[-1]:.1f} |",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--threads", type=int, default=200_000)
    parser.add_argument("--replies", type=int, default=4)
    parser.add_argument("--long-thread", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url

    from app import migrate
    from app.config import use_settings
    from app.main import create_app

    use_settings(None)
    app = create_app()
    migrate.upgrade(app.state.db.engine)
    generate(app.state.db.engine, args.threads, args.replies, args.long_thread)
    with app.state.db.engine.connect() as c:
        posts = c.scalar(text("SELECT count(*) FROM posts"))
        threads = c.scalar(text("SELECT count(*) FROM threads"))
    print(f"{threads} threads, {posts} posts on {app.state.db.engine.dialect.name}", flush=True)

    with TestClient(app) as client:
        login = client.post("/api/v1/auth/login", json={"email": "bench@example.nl", "password": "bench-password"})
        assert login.status_code == 200, login.text
        # Walk 200 pages deep once to get a cursor far down the list.
        url = "/api/v1/channels/1/threads?limit=50"
        cursor = None
        for _ in range(200):
            page = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
            cursor = page["next_cursor"]
        deep_replies = None
        rurl = "/api/v1/threads/1/replies?limit=50"
        for _ in range(200):
            page = client.get(rurl + (f"&cursor={deep_replies}" if deep_replies else "")).json()
            deep_replies = page["next_cursor"]
        print("\n| request (limit=50) | n | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
        report("channel threads, first page", timed(client, url, args.samples))
        report("channel threads, page 200 (cursor)", timed(client, f"{url}&cursor={cursor}", args.samples))
        report("group threads, first page", timed(client, "/api/v1/groups/1/threads?limit=50", args.samples))
        report("long thread replies, first page", timed(client, rurl, args.samples))
        report("long thread replies, page 200 (cursor)", timed(client, f"{rurl}&cursor={deep_replies}",
                                                               args.samples))
        report("thread detail", timed(client, "/api/v1/threads/12345", args.samples))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
