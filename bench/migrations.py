"""Upgrading a populated database from every revision in history, timed, with the data checked.

For each revision: a fresh database at that revision, filled by the migration harness's generator
(tests/migrations/harness.py; `--posts` posts and the rows around them), then `upgrade` to head, timed,
and every table's row count and column checksums compared. The floor, measured in the same run on the same
data, is one plain copy of the whole database (SQLite: VACUUM INTO; PostgreSQL: CREATE DATABASE … TEMPLATE):
an upgrade that rebuilds tables cannot be cheaper than copying them once.

    .venv/bin/python -m bench.migrations --backend sqlite --posts 100000
    .venv/bin/python -m bench.migrations --backend postgresql --posts 100000 --revisions 5d92efc0694c
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")


def _floor(engine, url: str, postgres: str, workdir: Path) -> float:  # type: ignore[no-untyped-def]
    """Seconds for one plain copy of the whole database."""
    import psycopg
    from sqlalchemy.engine import make_url

    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        target = workdir / "copy.db"
        with engine.connect() as connection:
            connection.exec_driver_sql(f"VACUUM INTO '{target}'")
        elapsed = time.perf_counter() - started
        target.unlink()
        return elapsed
    name = make_url(url).database
    engine.dispose()
    with psycopg.connect(postgres, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute(f'CREATE DATABASE "{name}_copy" TEMPLATE "{name}"')
        elapsed = time.perf_counter() - started
        conn.execute(f'DROP DATABASE "{name}_copy"')
    return elapsed


def run_one(backend: str, revision: str, posts: int, postgres: str) -> dict[str, object]:
    from app import migrate
    from app.db import make_engine
    from bench.databases import fresh_database
    from tests.migrations.harness import ROWS_PER_SCALE, changed_after, lost, populate, snapshot

    scale = max(1, posts // ROWS_PER_SCALE["posts"])
    with tempfile.TemporaryDirectory(prefix="plein-bench-mig-") as tmp, \
            fresh_database(backend, postgres, name="migrations") as url:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine, revision)
            started = time.perf_counter()
            populated = populate(engine, scale=scale)
            populate_s = time.perf_counter() - started
            before = snapshot(engine)
            floor = _floor(engine, url, postgres, Path(tmp))
            started = time.perf_counter()
            migrate.upgrade(engine)
            upgrade_s = time.perf_counter() - started
            problems = lost(before, snapshot(engine), changed=changed_after(revision))
        finally:
            engine.dispose()
    return {"revision": revision, "rows": sum(populated.rows.values()), "posts": populated.rows.get("posts", 0),
            "populate_s": populate_s, "floor_s": floor, "upgrade_s": upgrade_s, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--revisions", nargs="*", help="only these (default: every revision but head)")
    args = parser.parse_args()

    from app import migrate

    revisions = args.revisions or migrate.history()[:-1]
    print(f"{'from revision':<14} {'rows':>8} {'posts':>7} {'fill s':>7} {'copy s':>7} {'upgrade s':>9} "
          f"{'× copy':>7}  data")
    failed = False
    for revision in revisions:
        r = run_one(args.backend, revision, args.posts, args.postgres)
        ratio = r["upgrade_s"] / r["floor_s"] if r["floor_s"] else float("nan")  # type: ignore[operator]
        verdict = "all kept" if not r["problems"] else "LOST: " + "; ".join(r["problems"][:5])  # type: ignore[index]
        failed = failed or bool(r["problems"])
        print(f"{revision:<14} {r['rows']:>8} {r['posts']:>7} {r['populate_s']:>7.1f} {r['floor_s']:>7.2f} "
              f"{r['upgrade_s']:>9.2f} {ratio:>7.1f}  {verdict}", flush=True)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
