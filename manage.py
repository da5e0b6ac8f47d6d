#!/usr/bin/env python3
"""Plein's two set-up commands, with nothing but python3 on the machine.

    python3 manage.py run    install, migrate ./var/plein.db, load demo data once, serve on :8000
    python3 manage.py test   install dev dependencies and run the whole suite (SQLite and PostgreSQL + Redis)
                             --fast: lint and the in-process tests on SQLite only, in parallel workers

Each creates ./.venv when it is missing and reinstalls only when pyproject.toml changed.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PLEIN_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def ensure_venv(extras: str) -> None:
    stamp = VENV / f".plein-installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PY.exists():
        print(f"» creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("» installing dependencies (first run only)", flush=True)
    subprocess.check_call([PY, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    target = f".[{extras}]" if extras else "."
    subprocess.check_call([PY, "-m", "pip", "install", "-q", "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        ensure_venv("")
        # Become the server process: a signal to this pid (Ctrl-C, kill, a supervisor) reaches uvicorn.
        os.chdir(ROOT)
        os.execv(BIN / "plein", [str(BIN / "plein"), "run-demo", *rest])
    ensure_venv("dev")
    return subprocess.call([PY, "-m", "tests.runner", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
