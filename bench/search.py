"""Full-text search on a large database: p50/p95 of common Dutch queries for three kinds of reader, and the
time to rebuild the index.

Generates 300 groups (250 open, 40 closed, 10 secret), 5,000 members in five groups each, and threads with
ten posts each (default 1,000,000 posts on PostgreSQL; use --posts 100000 for SQLite) over two years. Post
texts are drawn from a Dutch council vocabulary with a Zipf-like spread (a few words in a large share of the
posts, a long tail of rare ones), so frequent words behave as on a real site: "gemeente" is in about one
post in eight, "motie" in one in twenty. Then `search.rebuild` fills the index (timed), and each query runs
RUNS times as:
- a member of five groups (what she may read: 250 open groups plus her own),
- a member of all 300 groups,
- the community manager (everything).

    .venv/bin/python -m bench.search --backend postgresql --posts 1000000
    .venv/bin/python -m bench.search --backend sqlite --posts 100000
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.notify_fanout import _database

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

GROUPS, MEMBERS, RUNS, POSTS_PER_THREAD = 300, 5000, 40, 10
QUERIES = ["gemeente", "motie", "duurzaamheid", "jeugdzorg", "motie duurzaamheid", "wonen jongeren",
           "raad besluit", "fietsenstalling"]
# The frequent words and the share of posts they are in; the rest of the text comes from COMMON and TAIL.
FREQUENT = {"gemeente": 0.12, "motie": 0.05, "raad": 0.08, "wethouder": 0.05, "besluit": 0.04,
            "duurzaamheid": 0.03, "wonen": 0.03, "jongeren": 0.02, "jeugdzorg": 0.01, "fietsenstalling": 0.002}
COMMON = """begroting inwoners college voorstel verordening beleid subsidie wijk buurt school zorg wmo mantelzorg
armoede schulden energie warmtenet zonnepanelen isolatie woningen huurders starters sociale huur bouwen
stikstof landbouw natuur water dijken verkeer fiets parkeren bus station veiligheid politie handhaving
cultuur bibliotheek sport vereniging vrijwilligers participatie raadsvoorstel amendement schriftelijke vragen
commissie fractie vergadering stemming aangenomen verworpen ingediend toezegging evaluatie onderzoek
rekenkamer provincie statenleden gedeputeerde kamer minister wetgeving omgevingswet bestemmingsplan
vergunning bezwaar inspraak bewoners ondernemers winkels centrum markt toerisme recreatie klimaat
adaptatie groen bomen biodiversiteit afval recycling statiegeld zwerfafval luchtkwaliteit geluid
digitaal privacy dienstverlening loket gemeentehuis ambtenaren personeel formatie coalitie oppositie
campagne verkiezingen kandidaten lijst leden afdeling congres resolutie standpunt programma""".split()


def _tail_words(count: int, rng: random.Random) -> list[str]:
    syllables = ["ka", "ro", "ve", "len", "der", "bo", "ma", "sti", "wel", "hof", "zan", "ter", "lo", "gen", "pe"]
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _texts(rng: random.Random, n: int, vocabulary: list[str], weights: list[float]) -> list[str]:
    frequent = list(FREQUENT.items())
    out = []
    for _ in range(n):
        chosen = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(15, 45))
        chosen += [word for word, share in frequent if rng.random() < share]
        rng.shuffle(chosen)
        out.append(" ".join(chosen).capitalize() + ".")
    return out


def generate(db, posts: int, seed: int = 2026) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert

    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Channel, Group, Membership, Post, Thread, User

    rng = random.Random(seed)
    vocabulary = COMMON + _tail_words(20000, rng)
    # Zipf: the k-th word is chosen with weight 1/k.
    cumulative, total = [], 0.0
    for k in range(1, len(vocabulary) + 1):
        total += 1.0 / k
        cumulative.append(total)
    now = datetime.now(UTC)
    threads = posts // POSTS_PER_THREAD
    span = timedelta(days=730) / max(1, threads)
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        s.execute(insert(User), [
            {"id": 1, "email": "beheer@example.org", "username": "beheer", "display_name": "Beheer",
             "role": "community_manager", "created_at": now - timedelta(days=800)},
            {"id": 2, "email": "breed@example.org", "username": "breed", "display_name": "Breed Lid",
             "created_at": now - timedelta(days=800)},
            *[{"id": 3 + i, "email": f"lid{i}@example.org", "username": f"lid{i}", "display_name": f"Lid {i}",
               "municipality": rng.choice(["Delft", "Alkmaar", "Utrecht", "Zwolle", "Arnhem"]),
               "created_at": now - timedelta(days=800)} for i in range(MEMBERS)]])
        visibility = ["open"] * 250 + ["closed"] * 40 + ["secret"] * 10
        s.execute(insert(Group), [{"id": g, "slug": f"groep-{g}", "name": f"Groep {g}", "description": "",
                                   "kind": rng.choice(["theme", "faction", "province"]),
                                   "visibility": visibility[g - 1], "member_count": 0,
                                   "created_at": now - timedelta(days=800)} for g in range(1, GROUPS + 1)])
        s.execute(insert(Channel), [{"id": g, "group_id": g, "slug": "algemeen", "name": "Algemeen",
                                     "is_default": True} for g in range(1, GROUPS + 1)])
        rows = [{"group_id": g, "user_id": 2, "role": "member"} for g in range(1, GROUPS + 1)]
        for i in range(MEMBERS):
            rows += [{"group_id": g, "user_id": 3 + i, "role": "member"} for g in rng.sample(range(1, GROUPS + 1), 5)]
        s.execute(insert(Membership), rows)
    post_id = 0
    for start in range(0, threads, 2000):
        chunk = range(start, min(threads, start + 2000))
        with unit_of_work(db, NO_LIVE_CLIENTS) as s:
            s.execute(insert(Thread), [{
                "id": t + 1, "group_id": 1 + t % GROUPS, "channel_id": 1 + t % GROUPS, "author_id": 3 + t % MEMBERS,
                "kind": "motion" if t % 7 == 0 else "question" if t % 5 == 0 else "discussion",
                "title": " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=5)).capitalize(),
                "created_at": now - span * (threads - t), "last_activity_at": now - span * (threads - t),
                "reply_count": POSTS_PER_THREAD - 1,
                "motion_status": rng.choice(["adopted", "rejected", "submitted"]) if t % 7 == 0 else None,
                "motion_municipality": rng.choice(["Delft", "Alkmaar", "Utrecht"]) if t % 7 == 0 else None,
            } for t in chunk])
            texts = _texts(rng, len(chunk) * POSTS_PER_THREAD, vocabulary, cumulative)
            batch = []
            for n, t in enumerate(chunk):
                for k in range(POSTS_PER_THREAD):
                    post_id += 1
                    body = texts[n * POSTS_PER_THREAD + k]
                    batch.append({"id": post_id, "thread_id": t + 1, "author_id": 3 + (t + k) % MEMBERS,
                                  "is_opening": k == 0, "body": body, "body_html": f"<p>{body}</p>",
                                  "created_at": now - span * (threads - t) + timedelta(minutes=k)})
            s.execute(insert(Post), batch)
    return {"threads": threads, "posts": post_id}


def _library(db, readers: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """The motion library's first page with all its facet counts, without and with choices."""
    from app.models import User
    from app.schemas.motions import LibraryQuery
    from app.services import motions

    print("\n| motion library | reader | motions | p50 | p95 |\n|---|---|---:|---:|---:|")
    for label, query in (("all motions", LibraryQuery()), ("adopted, Delft", LibraryQuery(status="adopted",
                                                                                           municipality="Delft")),
                         ("words: motie duurzaamheid", LibraryQuery(q="motie duurzaamheid"))):
        for name, user_id in readers.items():
            samples, total = [], 0
            for _ in range(RUNS // 2):
                with db.sessionmaker() as s:
                    actor = s.get(User, user_id)
                    t0 = time.perf_counter()
                    total = motions.library(s, actor, query=query).total
                    samples.append((time.perf_counter() - t0) * 1000)
            samples.sort()
            print(f"| {label} | {name} | {total} | {statistics.median(samples):.1f} ms | "
                  f"{samples[int(len(samples) * 0.95) - 1]:.1f} ms |", flush=True)


def _nothing() -> None:
    pass


def _analyze(engine) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: what autovacuum does after a bulk load, done now: statistics for the planner (search chooses
    how to find the newest matches by them) and the visibility map (the motion library reads its covering index
    without the table). Not on SQLite: the embedded run never analyzes, and statistics taken of an empty index
    made its rebuild twelve times slower."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def run(backend: str, posts: int, postgres: str, *, keep: str | None = None, reuse: str | None = None) -> None:
    from app import migrate
    from app.db import Database, make_engine, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import User
    from app.services import search

    with tempfile.TemporaryDirectory() as tmp:
        if reuse:  # a database an earlier run kept (--keep): measure the queries again, nothing else
            url, drop = reuse, _nothing
        else:
            url, drop = _database(backend, postgres, Path(tmp if not keep else keep))
        engine = make_engine(url)
        try:
            db = Database(engine)
            if not reuse:
                migrate.upgrade(engine)
                started = time.perf_counter()
                made = generate(db, posts)
                print(f"generated {made['posts']} posts in {made['threads']} threads in "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
                _analyze(engine)
                started = time.perf_counter()
                with unit_of_work(db, NO_LIVE_CLIENTS) as s:
                    counts = search.rebuild(s, commit=s.commit)
                rebuild = time.perf_counter() - started
                print(f"index rebuilt in {rebuild:.0f} s: {counts}", flush=True)
                _analyze(engine)
            if keep:
                print(f"kept: --reuse {engine.url.render_as_string(hide_password=False)}", flush=True)
                drop = _nothing
            readers = {"member of 5 groups": 3, "member of 300 groups": 2, "community manager": 1}
            _library(db, readers)
            print("\n| query | reader | hits on page 1 | p50 | p95 |\n|---|---|---:|---:|---:|")
            for q in QUERIES:
                for name, user_id in readers.items():
                    samples, found = [], 0
                    for _ in range(RUNS):
                        with db.sessionmaker() as s:
                            actor = s.get(User, user_id)
                            t0 = time.perf_counter()
                            page = search.search(s, actor, q=q)
                            samples.append((time.perf_counter() - t0) * 1000)
                            found = len(page.items)
                    samples.sort()
                    print(f"| {q} | {name} | {found} | {statistics.median(samples):.1f} ms | "
                          f"{samples[int(len(samples) * 0.95) - 1]:.1f} ms |", flush=True)
        finally:
            engine.dispose()
            drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", metavar="DIR", help="keep the database (SQLite: in DIR) to measure it again")
    parser.add_argument("--reuse", metavar="URL", help="measure a database kept by --keep")
    args = parser.parse_args()
    run(args.backend, args.posts, args.postgres, keep=args.keep, reuse=args.reuse)


if __name__ == "__main__":
    main()
