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


PRODUCTION = {"ENVIRONMENT": "production", "SMTP_URL": "smtp://127.0.0.1:1"}


class TestProductionRefusals:
    """Checked in the parent process, before a worker starts: a clear line and exit 2, never a crash loop."""

    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "UPLOAD_DIR": str(tmp_path / "up"),
                "SECRET_KEY": "k9-Qz3vLx7_Tm2pR8sWn4yHb6cJd1fGe0aUo5iKt", **PRODUCTION}

    @pytest.mark.parametrize(("secret", "needle"), [
        (None, "SECRET_KEY must be set in production"),
        ("a" * 40, "SECRET_KEY is too weak"),
        ("abababababababababababababababababababab", "SECRET_KEY is too weak"),
    ])
    def test_serve_with_a_missing_or_weak_secret_stops_the_parent(self, env, secret, needle) -> None:
        env = {k: v for k, v in env.items() if k != "SECRET_KEY"}
        if secret is not None:
            env["SECRET_KEY"] = secret
        base = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
        result = subprocess.run([sys.executable, "-m", "app.cli", "serve", "--workers", "2", "--port", "1"],
                                cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert needle in result.stderr
        assert "Traceback" not in result.stderr and "Started parent process" not in result.stderr + result.stdout

    def test_production_without_smtp_refuses_unless_mail_goes_to_the_log_on_purpose(self, env) -> None:
        env = {**env, "SMTP_URL": ""}
        refused = plein("migrate", env=env)
        assert refused.returncode == 2
        assert "SMTP_URL must be set in production" in refused.stderr and "MAIL_TO_LOG" in refused.stderr
        assert plein("migrate", env={**env, "MAIL_TO_LOG": "true"}).returncode == 0

    def test_demo_data_refuses_a_production_database_unless_forced(self, env) -> None:
        refused = plein("demo-data", env=env)
        assert refused.returncode == 2
        assert "production" in refused.stderr and "--force" in refused.stderr
        assert not (Path(env["DATABASE_URL"].removeprefix("sqlite:///"))).exists()  # not even migrated
        assert plein("run-demo", env=env).returncode == 2


class TestCreateAdminValidation:
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'admin.db'}", "UPLOAD_DIR": str(tmp_path / "up")}
        assert plein("migrate", env=env).returncode == 0
        return env

    @pytest.mark.parametrize(("args", "needle"), [
        (("--email", "geen-adres"), "bad --email"),
        (("--email", "a@b.nl", "--username", "x"), "bad --username"),
        (("--email", "a@b.nl", "--username", "met spatie"), "bad --username"),
        (("--email", "a@b.nl", "--name", "   "), "bad --name"),
    ])
    def test_the_api_rules_apply_in_one_line(self, env, args, needle) -> None:
        result = plein("create-admin", *args, "--password-stdin", env=env, stdin="een-lang-wachtwoord\n")
        assert result.returncode == 2
        assert needle in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

    def test_a_taken_username_is_one_line_without_hash(self, env) -> None:
        first = plein("create-admin", "--email", "een@partij.nl", "--password-stdin", env=env,
                      stdin="een-lang-wachtwoord\n")
        assert first.returncode == 0, first.stderr
        again = plein("create-admin", "--email", "twee@partij.nl", "--password-stdin", env=env,
                      stdin="een-lang-wachtwoord\n")
        assert again.returncode == 2
        assert again.stderr.strip() == "plein: the username beheerder is taken; choose another with --username"
        assert "argon2" not in again.stderr + again.stdout
        # A taken address is one line too, unless the operator says to reset that account.
        taken = plein("create-admin", "--email", "EEN@partij.nl", "--username", "ander", "--password-stdin",
                      env=env, stdin="nog-een-lang-wachtwoord\n")
        assert taken.returncode == 2
        assert taken.stderr.strip() == ("plein: someone already has the e-mail address een@partij.nl; add --reset "
                                        "to make that account an admin with this password")
        reset = plein("create-admin", "--email", "EEN@partij.nl", "--reset", "--password-stdin", env=env,
                      stdin="nog-een-lang-wachtwoord\n")
        assert reset.returncode == 0, reset.stderr


class TestRunDemoBaseUrl:
    def test_the_port_becomes_base_url_so_mail_links_work(self, tmp_path: Path) -> None:
        from tests.backends import free_port
        from tests.servers import wait_for

        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "BASE_URL"}
        env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}", UPLOAD_DIR=str(tmp_path / "up"),
                   PYTHONUNBUFFERED="1", ENVIRONMENT="development")
        log = tmp_path / "run.log"
        with log.open("wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "app.cli", "run-demo", "--port", str(port)], cwd=ROOT,
                                       env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                wait_for(lambda: "Plein serves on" in log.read_text() or process.poll() is not None, timeout=120,
                         what="run-demo to start")
            finally:
                process.terminate()
                process.wait(30)
        assert f"(BASE_URL http://127.0.0.1:{port})" in log.read_text()


class TestServeBoundsHeaders:
    def test_plein_serve_answers_431_to_oversized_headers(self, tmp_path: Path) -> None:
        import socket

        from tests.backends import free_port
        from tests.servers import committed_database, serving, site_env

        port = free_port()
        with committed_database(tmp_path, "headers") as url, serving(site_env(tmp_path, url), tmp_path / "serve.log",
                                                                      port=port):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + b"x" * 40_000
                             + b"\r\n\r\n")
                answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"), answer[:200]
