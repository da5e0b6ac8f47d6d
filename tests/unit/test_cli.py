"""The operator's command line: clear errors for bad settings, and the real commands on a real database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def plein(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env={**os.environ, **env},
                          input=stdin, capture_output=True, text=True, timeout=120)


class TestBadSettings:
    def test_unreachable_database_is_named_without_password(self) -> None:
        result = plein("migrate", env={"DATABASE_URL": "postgresql://plein:supergeheim@127.0.0.1:1/plein"})
        assert result.returncode == 2
        assert "Cannot connect to DATABASE_URL postgresql+psycopg://plein:***@127.0.0.1:1/plein" in result.stderr
        assert "supergeheim" not in result.stderr + result.stdout

    def test_bad_value_names_the_variable(self) -> None:
        result = plein("migrate", env={"REDIS_URL": "http://nope"})
        assert result.returncode == 2
        assert "REDIS_URL" in result.stderr


class TestCommands:
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "UPLOAD_DIR": str(tmp_path / "up")}

    def test_migrate_create_admin_and_invite(self, env: dict[str, str]) -> None:
        assert plein("migrate", env=env).returncode == 0
        created = plein("create-admin", "--email", "Beheer@Partij.nl", "--password-stdin", env=env,
                        stdin="een-lang-wachtwoord\n")
        assert created.returncode == 0, created.stderr
        invite = plein("invite", "nieuw@partij.nl", env=env)
        assert invite.returncode == 0, invite.stderr
        assert "/invite/" in invite.stdout

    def test_short_admin_password_is_refused(self, env: dict[str, str]) -> None:
        assert plein("migrate", env=env).returncode == 0
        result = plein("create-admin", "--email", "a@b.nl", "--password-stdin", env=env, stdin="kort\n")
        assert result.returncode == 2
        assert "10 characters" in result.stderr
