"""The whole suite, twice: on SQLite and on PostgreSQL + Redis (`python3 manage.py test`).

The two runs go side by side (most of the suite's time is spent waiting on subprocesses, sockets and
Chromium, so two runs share two cores well); the PostgreSQL run's output is kept in a file and printed
when it ends. `PLEIN_TEST_SERIAL=1` runs them one after the other instead.

On a machine without PostgreSQL or Redis the second run is skipped and the reason is printed;
with CI=true a missing service is a failure, never a silent skip. Extra arguments go to pytest.

Both also type-check `app/` with mypy (strict; its settings are in pyproject.toml, its cache in .mypy_cache/).

`--fast` is the tier for working on the code: lint, types and the in-process tests on SQLite only (no Chromium, no
subprocess servers or workers, no migration history; the tests marked `slow` in tests/conftest.py), spread over
one pytest-xdist worker per core (each worker builds its own SQLite database).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from tests.backends import postgres_reason, redis_reason


def start_suite(backend: str, args: list[str], log=None) -> subprocess.Popen:
    env = {**os.environ, "PLEIN_TEST_BACKEND": backend}
    return subprocess.Popen([sys.executable, "-m", "pytest", *args], env=env, stdout=log,
                            stderr=subprocess.STDOUT if log else None)


def lint() -> int:
    print("=== ruff (lint) ===", flush=True)
    return subprocess.call([sys.executable, "-m", "ruff", "check", "app", "tests", "bench"])


def types() -> int:
    print("=== mypy (types) ===", flush=True)
    return subprocess.call([sys.executable, "-m", "mypy"])


def run_suite(backend: str, args: list[str]) -> int:
    print(f"\n=== Plein test suite on {backend} ===", flush=True)
    return start_suite(backend, args).wait()


def main(args: list[str]) -> int:
    if "--fast" in args:
        args = [a for a in args if a != "--fast"]
        checks = {"lint": lint(), "types": types()}
        started = time.monotonic()
        workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "auto"]
        checks["tests"] = run_suite("sqlite", ["-m", "not slow", *workers, *args])
        print(f"\n=== fast tier ({time.monotonic() - started:.0f} s, SQLite, no slow tests): "
              + ", ".join(f"{k} {'passed' if v == 0 else 'FAILED'}" for k, v in checks.items()), flush=True)
        return 0 if all(v == 0 for v in checks.values()) else 1
    ci = os.environ.get("CI") == "true"
    serial = os.environ.get("PLEIN_TEST_SERIAL") == "1"
    results = {"lint": lint(), "types": types()}
    missing = [r for r in (postgres_reason(), redis_reason()) if r]
    started = time.monotonic()
    if missing or serial:
        results["sqlite"] = run_suite("sqlite", args)
        if not missing:
            results["postgresql"] = run_suite("postgresql", args)
    else:
        with tempfile.TemporaryFile(mode="w+") as log:
            print("\n=== Plein test suite on postgresql (running alongside; its output follows) ===", flush=True)
            postgres = start_suite("postgresql", args, log)
            try:
                results["sqlite"] = run_suite("sqlite", args)
            finally:
                results["postgresql"] = postgres.wait()
            log.seek(0)
            print("\n=== Plein test suite on postgresql ===", flush=True)
            sys.stdout.write(log.read())
    if missing:
        reason = "; ".join(missing)
        print(f"\nSKIPPED: the PostgreSQL + Redis run of the suite: {reason}", flush=True)
        print("  (start them, or set TEST_POSTGRES_URL / TEST_REDIS_URL, to run it)", flush=True)
        if ci:
            print("CI=true: a skipped suite is a failure", flush=True)
            results["postgresql"] = 1
    print(f"\n=== summary ({time.monotonic() - started:.0f} s): "
          + ", ".join(f"{k}: {'passed' if v == 0 else 'FAILED'}" for k, v in results.items())
          + (" (postgresql: skipped)" if "postgresql" not in results else ""), flush=True)
    return 0 if all(v == 0 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
