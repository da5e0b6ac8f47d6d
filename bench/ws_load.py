"""Load tool for live updates: N websocket clients on one busy thread, posts at a steady rate.

For each set-up it starts real servers, opens N clients subscribed to one thread, posts M replies through
the HTTP API at R posts/s and measures, per recipient, the delay from sending the POST to receiving the
event (p50/p95/p99), plus posts/s accepted and deliveries/s, with server and client CPU. In the same run
it measures the floors: a bare Starlette broadcast (bench/bare_broadcast.py) to the same N sockets at the
same rate, and a bare SQLAlchemy insert-and-commit of the same post; for the API rate also a bare FastAPI
endpoint (bench/bare_api.py). Posting as fast as it can uses `wrk` when installed (apt-get install wrk),
else httpx. Results print as Markdown tables.

    .venv/bin/python -m bench.ws_load --clients 100,1000 --rate 10 --posts 100 --setups embedded,redis2
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLK = os.sysconf("SC_CLK_TCK")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "bench-password-123"
WARMUP_POSTS = 5


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its reaped children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / CLK


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Servers:
    ports: list[int]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    def stop(self) -> None:
        for p in self.processes:
            p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


# --- set-ups --------------------------------------------------------------------------------------


def prepare_database(url: str, clients: int) -> dict[str, object]:
    """Users, one open group with a thread, and one session per client (no argon2 per client)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", SECRET)
    sys.path.insert(0, str(ROOT))
    from app import migrate
    from app.config import get_settings, use_settings
    from app.db import Database, make_engine, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Channel, Group, Membership, Post, Thread, User
    from app.security import csrf_token_for, hash_password
    from app.services import accounts

    use_settings(None)
    engine = make_engine(url)
    migrate.upgrade(engine)
    db = Database(engine)
    hashed = hash_password(PASSWORD)
    with unit_of_work(db, NO_LIVE_CLIENTS) as s:
        users = [User(email=f"lezer{i}@example.nl", username=f"lezer{i}", display_name=f"Lezer {i}",
                      password_hash=hashed) for i in range(50)]
        poster = User(email="schrijver@example.nl", username="schrijver", display_name="Schrijver",
                      password_hash=hashed)
        s.add_all([*users, poster])
        s.flush()
        group = Group(slug="druk", name="Drukke groep", kind="theme", visibility="open", member_count=51)
        s.add(group)
        s.flush()
        channel = Channel(group_id=group.id, slug="algemeen", name="Algemeen", is_default=True)
        s.add(channel)
        s.add_all([Membership(group_id=group.id, user_id=u.id) for u in [*users, poster]])
        s.flush()
        thread = Thread(group_id=group.id, channel_id=channel.id, author_id=poster.id, kind="discussion",
                        title="Live draad")
        s.add(thread)
        s.flush()
        s.add(Post(thread_id=thread.id, author_id=poster.id, is_opening=True, body="Begin", body_html="<p>Begin</p>"))
        tokens = [accounts.start_session(s, users[i % len(users)], ip_address=None, user_agent="bench").token
                  for i in range(clients)]
        poster_token = accounts.start_session(s, poster, ip_address=None, user_agent="bench").token
        thread_id = thread.id
    engine.dispose()
    return {"thread_id": thread_id, "tokens": tokens, "poster": poster_token,
            "poster_csrf": csrf_token_for(get_settings().secret_key, poster_token)}


def start_plein(url: str, redis_url: str | None, workers: int, log: Path) -> Servers:
    servers = Servers(ports=[free_port() for _ in range(workers)])
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENVIRONMENT": "development",
           "BASE_URL": f"http://127.0.0.1:{servers.ports[0]}", "WS_SEND_QUEUE": "1024"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env.update({"REDIS_URL": redis_url, "REDIS_PREFIX": f"bench-{secrets.token_hex(4)}"})
    for port in servers.ports:
        servers.processes.append(subprocess.Popen(
            [PY, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
            stdout=log.open("ab"), stderr=subprocess.STDOUT))
    for port in servers.ports:
        wait_ready(f"http://127.0.0.1:{port}/api/v1/health")
    return servers


def start_bare(log: Path) -> Servers:
    servers = Servers(ports=[free_port()])
    servers.processes.append(subprocess.Popen(
        [PY, "-m", "uvicorn", "bench.bare_broadcast:app", "--port", str(servers.ports[0]), "--log-level", "warning"],
        cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT))
    wait_ready(f"http://127.0.0.1:{servers.ports[0]}/ws")
    return servers


# --- the measurement ------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    clients: int
    posts: int
    latencies_ms: list[float]
    deliveries: int
    seconds: float
    server_cpu: float
    client_cpu: float
    accepted_per_s: float

    def row(self) -> str:
        lat = sorted(self.latencies_ms) or [float("nan")]

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(len(lat) * p))]

        expected = self.clients * self.posts
        us = self.server_cpu / self.deliveries * 1e6 if self.deliveries else float("nan")
        return (f"| {self.name} | {self.clients} | {self.posts} | {self.deliveries}/{expected} | "
                f"{statistics.median(lat):.1f} | {pct(0.95):.1f} | {pct(0.99):.1f} | "
                f"{self.deliveries / self.seconds:.0f} | {self.accepted_per_s:.1f} | "
                f"{self.server_cpu:.2f} | {us:.1f} | {self.client_cpu:.2f} |")


async def run_load(name: str, ws_urls: list[str], headers: list[dict[str, str]], post: object,
                   clients: int, posts: int, rate: float, servers: Servers, marker_of: object) -> Result:
    sent: dict[int, float] = {}
    latencies: list[float] = []
    received = 0
    done = asyncio.Event()
    expected = clients * posts

    async def reader(url: str, hdrs: dict[str, str], ready: asyncio.Event) -> None:
        nonlocal received
        async with websockets.connect(url, additional_headers=hdrs, max_size=2**22, max_queue=None) as ws:
            ready.set()
            async for raw in ws:
                k = marker_of(raw)  # type: ignore[operator]
                if k is None or k not in sent:  # not an event, or a warm-up post
                    continue
                latencies.append((time.perf_counter() - sent[k]) * 1000)
                received += 1
                if received >= expected:
                    done.set()

    readies = []
    tasks = []
    for i in range(clients):
        ready = asyncio.Event()
        readies.append(ready)
        tasks.append(asyncio.create_task(reader(ws_urls[i % len(ws_urls)], headers[i], ready)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(1.0)  # let subscriptions settle
    async with httpx.AsyncClient(timeout=30) as http:
        for k in range(WARMUP_POSTS):  # first requests pay for imports and caches: not measured
            await post(http, 1_000_000 + k)  # type: ignore[operator]
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    cpu0, client0, t0 = servers.cpu(), time.process_time(), time.perf_counter()
    accepted = 0
    async with httpx.AsyncClient(timeout=30) as http:
        for k in range(posts):
            target = t0 + k / rate
            await asyncio.sleep(max(0.0, target - time.perf_counter()))
            sent[k] = time.perf_counter()
            response = await post(http, k)  # type: ignore[operator]
            accepted += response.status_code in (200, 201)
    try:
        await asyncio.wait_for(done.wait(), timeout=30)
    except TimeoutError:
        pass
    seconds = time.perf_counter() - t0
    server_cpu, client_cpu = servers.cpu() - cpu0, time.process_time() - client0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return Result(name, clients, posts, latencies, received, seconds, server_cpu, client_cpu, accepted / seconds)


SAMPLE: list[str] = []  # one real Plein event message: the bare broadcast sends the same bytes


def plein_marker(raw: str) -> int | None:
    message = json.loads(raw)
    if message.get("type") != "event" or message.get("event") != "post.created":
        return None
    if not SAMPLE:
        SAMPLE.append(raw)
    return int(message["payload"]["body"].split()[1])


def bare_marker(raw: str) -> int | None:
    message = json.loads(raw)
    return int(message["payload"]["body"].split()[1])


async def bench_plein(name: str, ports: list[int], info: dict, clients: int, posts: int, rate: float,
                      servers: Servers) -> Result:
    thread_id = info["thread_id"]
    ws_urls = [f"ws://127.0.0.1:{p}/api/v1/ws?topics=thread:{thread_id}" for p in ports]
    origin = f"http://127.0.0.1:{ports[0]}"
    headers = [{"Cookie": f"plein_session={t}", "Origin": origin} for t in info["tokens"][:clients]]
    post_port = ports[-1]  # with two workers, post through the other one than most readers use

    async def post(http: httpx.AsyncClient, k: int) -> httpx.Response:
        return await http.post(f"http://127.0.0.1:{post_port}/api/v1/threads/{thread_id}/replies",
                               json={"body": f"bericht {k} " + "tekst " * 40},
                               headers={"Cookie": f"plein_session={info['poster']}",
                                        "X-CSRF-Token": info["poster_csrf"]})

    return await run_load(name, ws_urls, headers, post, clients, posts, rate, servers, plein_marker)


async def bench_bare(clients: int, posts: int, rate: float, servers: Servers, sample: str) -> Result:
    port = servers.ports[0]

    async def post(http: httpx.AsyncClient, k: int) -> httpx.Response:
        payload = json.loads(sample)
        payload["payload"]["body"] = f"bericht {k} " + "tekst " * 40
        return await http.post(f"http://127.0.0.1:{port}/broadcast", content=json.dumps(payload))

    return await run_load("bare broadcast", [f"ws://127.0.0.1:{port}/ws"], [{}] * clients, post, clients,
                          posts, rate, servers, bare_marker)


REPLY_BODY = json.dumps({"body": "doorvoer " + "tekst " * 40})


def wrk_rate(urls: list[str], headers: dict[str, str], seconds: float, connections: int) -> float:
    """Successful POSTs per second with `wrk` (C, little CPU): one wrk per URL, running at the same time."""
    script = Path(tempfile.mkdtemp(prefix="plein-wrk-")) / "post.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(REPLY_BODY)}",
             'wrk.headers["Content-Type"] = "application/json"']
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    script.write_text("\n".join(lines) + "\n")
    runs = [subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{round(seconds)}s", "-s", str(script), url],
                             stdout=subprocess.PIPE, text=True) for url in urls]
    total = 0.0
    for run in runs:
        out, _ = run.communicate()
        done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
        failed = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        assert done, out
        elapsed = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
        total += (int(done.group(1)) - (int(failed.group(1)) if failed else 0)) / elapsed
    return total


async def httpx_rate(urls: list[str], headers: dict[str, str], seconds: float, concurrency: int) -> float:
    """The same with an asyncio httpx client, for machines without wrk (the client then costs more CPU)."""
    count = 0
    stop = time.perf_counter() + seconds

    async def worker(http: httpx.AsyncClient, url: str) -> None:
        nonlocal count
        while time.perf_counter() < stop:
            r = await http.post(url, content=REPLY_BODY, headers={**headers, "Content-Type": "application/json"})
            count += r.status_code == 201

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(worker(http, urls[i % len(urls)]) for i in range(concurrency)))
    return count / (time.perf_counter() - start)


def post_rate(urls: list[str], headers: dict[str, str], seconds: float, concurrency: int = 8) -> tuple[float, str]:
    """Replies accepted per second with `concurrency` connections spread over all URLs, and the client used."""
    if shutil.which("wrk"):
        return wrk_rate(urls, headers, seconds, max(1, concurrency // len(urls))), "wrk"
    return asyncio.run(httpx_rate(urls, headers, seconds, concurrency)), "httpx"


def api_throughput(ports: list[int], info: dict, seconds: float) -> tuple[float, str]:
    return post_rate([f"http://127.0.0.1:{port}/api/v1/threads/{info['thread_id']}/replies" for port in ports],
                     {"Cookie": f"plein_session={info['poster']}", "X-CSRF-Token": str(info["poster_csrf"])},
                     seconds)


def bare_api_rate(log: Path, seconds: float) -> float:
    servers = Servers(ports=[free_port()])
    servers.processes.append(subprocess.Popen(
        [PY, "-m", "uvicorn", "bench.bare_api:app", "--port", str(servers.ports[0]), "--log-level", "warning",
         "--no-access-log"], cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT))
    try:
        wait_ready(f"http://127.0.0.1:{servers.ports[0]}/health")
        return post_rate([f"http://127.0.0.1:{servers.ports[0]}/replies"], {}, seconds)[0]
    finally:
        servers.stop()


def bare_insert_rate(url: str, thread_id: int, seconds: float) -> float:
    from sqlalchemy.orm import Session

    from app.db import make_engine, utcnow
    from app.models import Post

    engine = make_engine(url)
    count = 0
    stop = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < stop:
        with Session(engine) as s:
            s.add(Post(thread_id=thread_id, author_id=1, body="kaal " + "tekst " * 40,
                       body_html="<p>kaal</p>", created_at=utcnow()))
            s.commit()
        count += 1
    engine.dispose()
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--setups", default="embedded,redis2")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="plein-bench-"))
    log = work / "servers.log"
    counts = [int(c) for c in args.clients.split(",")]
    print(f"work dir {work}; python {sys.version.split()[0]}; {os.cpu_count()} cores", flush=True)
    print("\n| set-up | clients | posts | delivered | p50 ms | p95 ms | p99 ms | deliveries/s | posts/s | "
          "server CPU s | server µs/delivery | client CPU s |\n|---|---|---|---|---|---|---|---|---|---|---|---|",
          flush=True)
    extra: list[str] = []
    for setup in args.setups.split(","):
        for clients in counts:
            if setup == "embedded":
                url = f"sqlite:///{work / f'embedded-{clients}.db'}"
                name_db = None
            else:
                import psycopg

                name_db = f"plein_bench_{secrets.token_hex(3)}"
                with psycopg.connect(args.postgres, autocommit=True) as c:
                    c.execute(f'CREATE DATABASE "{name_db}"')
                url = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name_db
            info = prepare_database(url, clients)
            servers = start_plein(url, args.redis if setup != "embedded" else None,
                                  1 if setup == "embedded" else 2, log)
            try:
                result = asyncio.run(bench_plein(setup, servers.ports, info, clients, args.posts, args.rate, servers))
                print(result.row(), flush=True)
                if clients == counts[-1]:
                    cpu_before = servers.cpu()
                    rate, tool = api_throughput(servers.ports, info, args.throughput_seconds)
                    cpu_ms = (servers.cpu() - cpu_before) * 1000 / (rate * args.throughput_seconds)
                    floor = bare_insert_rate(url, int(info["thread_id"]), args.throughput_seconds)
                    extra.append(f"| {setup} | {rate:.0f} ({tool}) | {cpu_ms:.2f} | {floor:.0f} | {rate / floor:.2f} |")
            finally:
                servers.stop()
                if name_db:
                    import psycopg

                    with psycopg.connect(args.postgres, autocommit=True) as c:
                        c.execute(f'DROP DATABASE IF EXISTS "{name_db}" WITH (FORCE)')
    for clients in counts:
        bare = start_bare(log)
        try:
            print(asyncio.run(bench_bare(clients, args.posts, args.rate, bare, SAMPLE[0])).row(), flush=True)
        finally:
            bare.stop()
    bare_api = bare_api_rate(log, args.throughput_seconds)
    print("\n| set-up | API posts/s (8 connections over all workers) | server CPU ms/post | bare insert+commit/s "
          "| ratio |\n|---|---|---|---|---|")
    print("\n".join(extra))
    print(f"\nBare FastAPI endpoint (bench/bare_api.py, validate and echo a reply, one worker): {bare_api:.0f} posts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
