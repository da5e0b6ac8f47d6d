"""Benchmark: markdown and everything derived from it run in linear time on the worst inputs found.

Each input is built to the longest post allowed (MAX_BODY_CHARS) from one construct repeated: unclosed brackets,
emphasis markers, nested quotes, fences, table rows, entities, mentions. For each: rendering (comrak, the mention
marks, the nesting check, nh3), the excerpt a list shows, the search text, and a search snippet of that text —
against the floor: the same functions on ordinary Dutch prose of the same length, in the same run. Then the
personal-data screening every post passes (BSN, IBAN, phone numbers). Then lists: a channel page of 50 threads
whose opening posts are all worst cases, against one of 50 ordinary threads.

    .venv/bin/python -m bench.markdown_worst
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

PROSE = ("De gemeenteraad van Alkmaar heeft besloten om het **armoedebeleid** te herzien. Zie [de motie]"
         "(https://example.org/motie) en de `bijlage`; @anna.devries schreef de eerste versie.\n\n")


def worst_inputs(length: int) -> dict[str, str]:
    def fill(unit: str, head: str = "") -> str:
        return (head + unit * (length // len(unit) + 1))[:length]

    half = length // 2
    return {
        "unclosed [": fill("["),
        "unclosed ![": fill("!["),
        "unclosed [a](": fill("[a]("),
        "*[ (emphasis + brackets)": fill("*["),
        "*a (emphasis openers)": fill("*a"),
        "*_ (mixed delimiters)": fill("*_"),
        "nested * (balanced)": "*" * half + "a" + "*" * (length - half - 1),
        "~~a (strikethrough)": fill("~~a"),
        "> (nested quotes, one line)": fill(">"),
        "> > (nested quotes, spaced)": fill("> "),
        "> - (quotes and lists)": fill("> - "),
        "``` lines (unclosed fences)": fill("```\n"),
        "< (lone angle brackets)": fill("<"),
        "<a (unclosed autolinks)": fill("<a"),
        "&# (entity starts)": fill("&#"),
        "table rows": fill("a|b\n", "a|b\n-|-\n"),
        "table rows + mention": fill("a|b\n", "@anna a|b\n-|-\n"),
        "@names": fill("@anna.devries "),
        "`@code` spans": fill("`@a` "),
        "soft breaks": fill("a\n"),
    }


def best_ms(fn: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples)


def functions(length: int, repeat: int) -> float:
    from app.services import markdown
    from app.services.markdown import excerpt, plain_text, render_markdown
    from app.services.search.text import snippet

    def uncached_excerpt(text: str) -> str:
        markdown._excerpt.cache_clear()  # the first time a list shows it; later ones are remembered
        return excerpt(text, 600)

    def measure(text: str) -> tuple[float, float, float, float]:
        plain = plain_text(text)
        return (best_ms(lambda: render_markdown(text), repeat), best_ms(lambda: uncached_excerpt(text), repeat),
                best_ms(lambda: plain_text(text), repeat),
                best_ms(lambda: snippet(plain, ["gemeente", "anna", "a"]), repeat))

    floor = measure((PROSE * (length // len(PROSE) + 1))[:length])
    print(f"\n| input ({length:,} characters) | render ms | × floor | excerpt ms | search text ms | snippet ms |")
    print("|---|---|---|---|---|---|")
    print(f"| **floor: ordinary prose** | {floor[0]:.1f} | 1.0 | {floor[1]:.2f} | {floor[2]:.1f} | {floor[3]:.2f} |")
    worst = 0.0
    for name, text in worst_inputs(length).items():
        render, cut, plain, snip = measure(text)
        worst = max(worst, render)
        print(f"| {name} | {render:.1f} | {render / floor[0]:.1f} | {cut:.2f} | {plain:.1f} | {snip:.2f} |",
              flush=True)
    print(f"\nworst render: {worst:.1f} ms (floor {floor[0]:.1f} ms)")
    return worst


def screening(length: int, repeat: int) -> None:
    """The personal-data guard every post passes (BSN, IBAN, phone numbers) on its worst inputs."""
    from app.services.screening import find_personal_data

    def fill(unit: str) -> str:
        return (unit * (length // len(unit) + 1))[:length]

    inputs = {"ordinary prose (floor)": fill(PROSE), "IBAN-like run": fill("AB12 "),
              "phone numbers": fill("0612345678 "), "BSN-like groups": fill("123.45.678 "),
              "one long number": "1" * length, "+31 6 …": fill("+31 6 "),
              "IBAN, phone and BSN mixed": fill("NL91ABNA0417164300 06-12345678 111222333 ")}
    print(f"\n| personal-data screening ({length:,} characters) | ms | × floor | findings |\n|---|---|---|---|")
    floor = None
    for name, text in inputs.items():
        ms = best_ms(lambda text=text: find_personal_data(text), repeat)
        floor = floor or ms
        print(f"| {name} | {ms:.1f} | {ms / floor:.1f} | {len(find_personal_data(text))} |", flush=True)


def lists(length: int, samples: int) -> None:
    """A channel page of 50 worst-case threads against one of 50 ordinary ones, through the HTTP API."""
    from fastapi.testclient import TestClient

    from app import migrate
    from app.config import use_settings
    from app.db import unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.main import create_app
    from app.models import Channel, Group, Membership, Post, Thread, User
    from app.security import hash_password
    from app.services.markdown import render_markdown

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["UPLOAD_DIR"] = str(Path(tmp) / "uploads")
        use_settings(None)
        app = create_app()
        migrate.upgrade(app.state.db.engine)
        bodies = {"ordinary": [(PROSE * (length // len(PROSE) + 1))[:length]] * 50,
                  "worst": [text for _, text in zip(range(50), list(worst_inputs(length).values()) * 3,
                                                    strict=False)]}
        with unit_of_work(app.state.db, NO_LIVE_CLIENTS) as s:
            user = User(email="bench@example.nl", username="bench", display_name="Bench",
                        password_hash=hash_password("bench-password"), role="member")
            group = Group(slug="bench", name="Bench", kind="theme", visibility="open", member_count=1)
            s.add_all([user, group])
            s.flush()
            s.add(Membership(group_id=group.id, user_id=user.id, role="member"))
            for index, (kind, texts) in enumerate(bodies.items()):
                channel = Channel(group_id=group.id, slug=kind, name=kind, is_default=index == 0)
                s.add(channel)
                s.flush()
                for n, body in enumerate(texts):
                    thread = Thread(group_id=group.id, channel_id=channel.id, author_id=user.id, kind="discussion",
                                    title=f"{kind} {n}")
                    s.add(thread)
                    s.flush()
                    s.add(Post(thread_id=thread.id, author_id=user.id, is_opening=True, body=body,
                               body_html=render_markdown(body)))
        with TestClient(app) as client:
            login = client.post("/api/v1/auth/login", json={"email": "bench@example.nl",
                                                            "password": "bench-password"})
            assert login.status_code == 200, login.text
            print(f"\n| channel page, 50 threads of {length:,} characters | n | p50 ms | max ms | × floor |")
            print("|---|---|---|---|---|")
            urls = {kind: f"/api/v1/channels/{index + 1}/threads?limit=50" for index, kind in enumerate(bodies)}
            for url in urls.values():
                assert len(client.get(url).json()["items"]) == 50  # and warm: the first request of each
            times: dict[str, list[float]] = {kind: [] for kind in urls}
            for _ in range(samples):  # interleaved, so that a slower moment of the machine hits both alike
                for kind, url in urls.items():
                    times[kind].append(best_ms(lambda url=url: client.get(url), 1))
            floor = statistics.median(times["ordinary"])
            for kind, measured in times.items():
                p50 = statistics.median(measured)
                print(f"| {kind} opening posts | {samples} | {p50:.1f} | {max(measured):.1f} | {p50 / floor:.2f} |",
                      flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, help="characters per input (default: MAX_BODY_CHARS)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; the best is kept")
    parser.add_argument("--samples", type=int, default=30, help="requests per list page")
    args = parser.parse_args()
    from app.config import get_settings

    length = args.length or get_settings().max_body_chars
    functions(length, args.repeat)
    screening(length, args.repeat)
    lists(length, args.samples)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main())
