"""Many members replying at the same moment on the embedded run (one `plein serve`, SQLite).

Each round sends N replies to one thread at once (N connections, each a different member's cookie session),
and reports per round how they were answered (status codes), the latency of each (p50/p95/max) and the
round's wall time; at the end the replies found in the database, which must equal the 201s.

    .venv/bin/python -m bench.sqlite_writers --writers 50 --rounds 5
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.ws_load import ROOT, SECRET, Servers, prepare_database, start_plein


async def one_round(base: str, thread_id: int, sessions: list[tuple[str, str]], round_no: int,
                    timeout: float) -> tuple[list[int | str], list[float], float]:
    start = asyncio.Event()
    limits = httpx.Limits(max_connections=len(sessions), max_keepalive_connections=len(sessions))

    async def reply(http: httpx.AsyncClient, i: int, token: str, csrf: str) -> tuple[int | str, float]:
        await start.wait()
        began = time.perf_counter()
        try:
            response = await http.post(f"{base}/api/v1/threads/{thread_id}/replies",
                                       json={"body": f"Ronde {round_no}, antwoord {i}: eens met het voorstel."},
                                       headers={"X-CSRF-Token": csrf, "Origin": base,
                                                "Cookie": f"plein_session={token}"})
            status: int | str = response.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__  # no answer: a timeout, or the connection failed
        return status, (time.perf_counter() - began) * 1000

    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        tasks = [asyncio.create_task(reply(http, i, t, c)) for i, (t, c) in enumerate(sessions)]
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        start.set()
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    return [s for s, _ in results], [ms for _, ms in results], wall


def count_replies(url: str, thread_id: int) -> int:
    from sqlalchemy import func, select

    from app.db import make_engine
    from app.models import Post

    engine = make_engine(url)
    with engine.connect() as c:
        n = c.execute(select(func.count()).select_from(Post).where(Post.thread_id == thread_id,
                                                                   Post.is_opening.is_(False))).scalar_one()
    engine.dispose()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0, help="the client's timeout per request (s)")
    args = parser.parse_args()

    from app.security import csrf_token_for

    tmp = Path(tempfile.mkdtemp(prefix="plein-writers-"))
    url = f"sqlite:///{tmp / 'plein.db'}"
    os.environ["SECRET_KEY"] = SECRET
    prepared = prepare_database(url, args.writers)
    sessions = [(token, csrf_token_for(SECRET, token)) for token in prepared["tokens"]]  # type: ignore[attr-defined]
    thread_id = int(prepared["thread_id"])  # type: ignore[call-overload]
    servers: Servers = start_plein(url, None, 1, tmp / "server.log")
    base = f"http://127.0.0.1:{servers.ports[0]}"
    print(f"{args.writers} concurrent writers, {args.rounds} rounds, {os.cpu_count()} cores, log {tmp / 'server.log'}")
    print("| round | answers | p50 ms | p95 ms | max ms | wall s | replies/s |")
    print("|---|---|---|---|---|---|---|")
    created = 0
    try:
        for round_no in range(1, args.rounds + 1):
            statuses, latencies, wall = asyncio.run(one_round(base, thread_id, sessions, round_no, args.timeout))
            counts = collections.Counter(statuses)
            created += counts.get(201, 0)
            lat = sorted(latencies)
            p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
            answers = ", ".join(f"{n}×{s}" for s, n in sorted(counts.items(), key=str))
            print(f"| {round_no} | {answers} | {statistics.median(lat):.0f} | {p95:.0f} | {lat[-1]:.0f} | "
                  f"{wall:.2f} | {counts.get(201, 0) / wall:.0f} |", flush=True)
    finally:
        servers.stop()
    stored = count_replies(url, thread_id)
    print(f"201 answers: {created}; replies in the database: {stored}")
    if stored != created:
        sys.exit("the database holds a different number of replies than were answered 201")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
