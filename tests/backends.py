"""Which database and Redis the suite runs against, and how to reach them."""
from __future__ import annotations

import os

BACKEND = os.environ.get("PLEIN_TEST_BACKEND", "sqlite")
if BACKEND not in {"sqlite", "postgresql"}:
    raise SystemExit(f"PLEIN_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")


def postgres_admin_url() -> str:
    """A server we may create databases on; each run gets a fresh database there."""
    return os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def redis_test_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def postgres_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(postgres_admin_url(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means: not available
        return f"no PostgreSQL at {postgres_admin_url()} ({type(exc).__name__}: {str(exc).strip()[:120]})"
    return None


def redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(redis_test_url(), socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"no Redis at {redis_test_url()} ({type(exc).__name__}: {exc})"
    return None


def create_postgres_database(prefix: str) -> tuple[str, str]:
    """A new, empty database on the test server: (its name, its SQLAlchemy URL)."""
    import secrets

    import psycopg
    from sqlalchemy.engine import make_url

    admin = postgres_admin_url()
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=name)
    return name, url.render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    """A loopback port nobody listens on right now, for a server a test starts."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
