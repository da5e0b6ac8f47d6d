"""The whole suite, twice: on SQLite, then on PostgreSQL + Redis (`python3 manage.py test`).

On a machine without PostgreSQL or Redis the second run is skipped and the reason is printed;
with CI=true a missing service is a failure, never a silent skip. Extra arguments go to pytest.
"""
from __future__ import annotations

import os
import subprocess
import sys

from tests.backends import postgres_reason, redis_reason


def run_suite(backend: str, args: list[str]) -> int:
    print(f"\n=== Plein test suite on {backend} ===", flush=True)
    env = {**os.environ, "PLEIN_TEST_BACKEND": backend}
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main(args: list[str]) -> int:
    ci = os.environ.get("CI") == "true"
    print("=== ruff (lint) ===", flush=True)
    results = {"lint": subprocess.call([sys.executable, "-m", "ruff", "check", "app", "tests", "bench"])}
    results["sqlite"] = run_suite("sqlite", args)
    missing = [r for r in (postgres_reason(), redis_reason()) if r]
    if missing:
        reason = "; ".join(missing)
        print(f"\nSKIPPED: the PostgreSQL + Redis run of the suite: {reason}", flush=True)
        print("  (start them, or set TEST_POSTGRES_URL / TEST_REDIS_URL, to run it)", flush=True)
        if ci:
            print("CI=true: a skipped suite is a failure", flush=True)
            results["postgresql"] = 1
    else:
        results["postgresql"] = run_suite("postgresql", args)
    print("\n=== summary: " + ", ".join(f"{k}: {'passed' if v == 0 else 'FAILED'}" for k, v in results.items())
          + (" (postgresql: skipped)" if "postgresql" not in results else ""), flush=True)
    return 0 if all(v == 0 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
