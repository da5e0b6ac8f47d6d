"""Community-health lists on a large database: unanswered questions, drifting members, group activity.

Generates (in SQL, so it takes seconds) 300 groups, 5,000 members and 100,000 threads with 1,000,000 posts
spread over two years — a tenth of the questions still unanswered, a few hundred members gone quiet — then
times the three service calls as the community manager (median and p95 of 30 runs each).

    .venv/bin/python -m bench.community_health --backend postgresql
    .venv/bin/python -m bench.community_health --backend sqlite --posts 1000000
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

GROUPS, MEMBERS, RUNS = 300, 5000, 30

# Portable SQL (PostgreSQL and SQLite): numbers from a recursive CTE, times as offsets from now.
GENERATE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
"""


def _fill(connection, threads: int, posts: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    pg = connection.dialect.name == "postgresql"
    ago = (lambda expr: f"now() - ({expr}) * interval '1 minute'") if pg else \
        (lambda expr: f"datetime('now', '-' || ({expr}) || ' minutes')")
    truthy = "true" if pg else "1"
    falsy = "false" if pg else "0"
    run = connection.execute
    step = max(1, 1051200 // threads)  # minutes between threads: two years in all
    run(text(GENERATE.format(count=MEMBERS) + f"""
        INSERT INTO users (id, email, username, display_name, role, is_active, bio, language, storage_used,
                           created_at, email_mentions, email_replies, digest, last_posted_at)
        SELECT i + 1, 'lid' || i || '@example.org', 'lid' || i, 'Lid ' || i, 'member', {truthy}, '', 'nl', 0,
               {ago("1000000")}, {truthy}, {truthy}, 'weekly',
               CASE WHEN i % 17 = 0 THEN {ago("(8 * 7 * 1440) + i")} ELSE {ago("i % 1440")} END FROM n"""))
    run(text("INSERT INTO users (id, email, username, display_name, role, is_active, bio, language, storage_used, "
             f"created_at, email_mentions, email_replies, digest) VALUES (1, 'beheer@example.org', 'beheer', "
             f"'Beheer', 'community_manager', {truthy}, '', 'nl', 0, {ago('1000000')}, {truthy}, {truthy}, 'off')"))
    run(text(GENERATE.format(count=GROUPS) + f"""
        INSERT INTO groups (id, slug, name, description, kind, visibility, member_count, created_at, premoderated)
        SELECT i, 'groep-' || i, 'Groep ' || i, '', 'theme', 'open', 20, {ago("1000000")}, {falsy} FROM n"""))
    run(text(GENERATE.format(count=GROUPS) + f"""
        INSERT INTO channels (id, group_id, slug, name, description, is_default, created_at)
        SELECT i, i, 'algemeen', 'Algemeen', '', {truthy}, {ago("1000000")} FROM n"""))
    # Threads over two years; every fifth is a question, a tenth of those never got a reply.
    run(text(GENERATE.format(count=threads) + f"""
        INSERT INTO threads (id, group_id, channel_id, author_id, kind, title, created_at, last_activity_at,
                             reply_count)
        SELECT i, 1 + i % {GROUPS - 10}, 1 + i % {GROUPS - 10}, 2 + i % {MEMBERS},
               CASE WHEN i % 5 = 0 THEN 'question' ELSE 'discussion' END, 'Onderwerp ' || i,
               {ago(f"(i * {step})")}, {ago(f"(i * {step})")},
               CASE WHEN i % 50 = 0 THEN 0 ELSE {posts // threads - 1} END FROM n"""))
    run(text(GENERATE.format(count=posts) + f"""
        INSERT INTO posts (id, thread_id, author_id, is_opening, body, body_html, created_at)
        SELECT i, 1 + (i - 1) / {posts // threads}, 2 + (i * 7) % {MEMBERS},
               CASE WHEN (i - 1) % {posts // threads} = 0 THEN {truthy} ELSE {falsy} END,
               'Tekst ' || i, '<p>Tekst ' || i || '</p>', {ago(f"((i / {posts // threads}) * {step})")}
        FROM n"""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=100_000)
    args = parser.parse_args()

    from sqlalchemy import text

    from app import migrate
    from app.db import Database, make_engine
    from app.models import User
    from app.services import community
    from bench.databases import fresh_database

    with fresh_database(args.backend, args.postgres, name="health") as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
            started = time.perf_counter()
            with engine.begin() as connection:
                _fill(connection, args.threads, args.posts)
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            fill = time.perf_counter() - started
            db = Database(engine)
            print(f"{args.backend}: {args.posts:,} posts, {args.threads:,} threads, {GROUPS} groups, "
                  f"{MEMBERS:,} members generated in {fill:.1f} s\n")
            print("| list | rows | median ms | p95 ms |\n|---|---:|---:|---:|")
            calls = {
                "unanswered questions (first 50)": lambda s, u: community.unanswered_questions(s, u, limit=50).items,
                "drifting members (first 50)": lambda s, u: community.drifting_members(s, u, limit=50).items,
                "group activity (all groups)": lambda s, u: community.group_activity(s, u),
            }
            for label, call in calls.items():
                times, rows = [], 0
                for _ in range(RUNS):
                    with db.sessionmaker() as s:
                        manager = s.get(User, 1)
                        start = time.perf_counter()
                        rows = len(call(s, manager))
                        times.append((time.perf_counter() - start) * 1000)
                times.sort()
                p95 = times[int(0.95 * len(times)) - 1]
                print(f"| {label} | {rows} | {statistics.median(times):.1f} | {p95:.1f} |")
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
