"""Real concurrency for race tests: a site over its own committed database (the suite's backend), whose
requests run in real threads at the same moment. The normal `app` fixture runs every test inside one
rolled-back connection, where two requests can never really overlap."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database, make_engine, unit_of_work
from app.models import User
from tests.factories import _password_hash, capture
from tests.servers import committed_database


class LiveSite:
    """The app over a real engine: every request is its own transaction, committed for real."""

    def __init__(self, settings: Any, url: str) -> None:
        from app.main import create_app

        self.engine = make_engine(url)
        self.db = Database(self.engine)
        self.app = create_app(settings, database=self.db)
        self.events, _stop = capture(self.app.state.bus)
        self._lifespan = TestClient(self.app, base_url="http://testserver")
        self._n = 0

    def close(self) -> None:
        self.engine.dispose()

    # --- arranging -----------------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], actor: User | None = None, /, **kwargs: Any) -> Any:
        """A service call in its own committed unit of work (its events go to the bus)."""
        with unit_of_work(self.db, self.app.state.dispatcher) as s:
            return fn(s, **kwargs) if actor is None else fn(s, s.get(User, actor.id), **kwargs)

    def user(self, role: str = "member", **fields: Any) -> User:
        self._n += 1
        n = f"{id(self) % 10_000}x{self._n}"
        with unit_of_work(self.db, None) as s:
            user = User(email=f"race{n}@example.nl", username=f"race{n}", display_name=fields.pop(
                "display_name", f"Racer {n}"), password_hash=_password_hash(), role=role, **fields)
            s.add(user)
        return user

    def client(self, user: User) -> httpx.Client:
        """A logged-in browser tab of its own (two tabs of one member are two clients)."""
        from app.deps import CSRF_COOKIE, SESSION_COOKIE
        from app.security import csrf_token_for
        from app.services import accounts

        login = self.run(accounts.start_session, user, ip_address="testclient", user_agent="pytest")
        csrf = csrf_token_for(self.app.state.settings.secret_key, login.token)
        client = TestClient(self.app, base_url="http://testserver", raise_server_exceptions=False)
        client.cookies.set(SESSION_COOKIE, login.token, domain="testserver.local")
        client.cookies.set(CSRF_COOKIE, csrf, domain="testserver.local")
        client.headers["X-CSRF-Token"] = csrf
        return client

    # --- checking ------------------------------------------------------------------------------------

    def count(self, model: type, *where: Any) -> int:
        with self.db.sessionmaker() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def rows(self, stmt: Any) -> list[Any]:
        with self.db.sessionmaker() as s:
            return list(s.execute(stmt).all())

    def scalar(self, stmt: Any) -> Any:
        with self.db.sessionmaker() as s:
            return s.scalar(stmt)


@contextmanager
def live_site(settings: Any, tmp_path: Path, prefix: str = "plein_race") -> Iterator[LiveSite]:
    with committed_database(tmp_path, prefix) as url:
        site = LiveSite(settings, url)
        try:
            with site._lifespan:
                yield site
        finally:
            site.close()


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results (or exceptions) in order."""
    gate = threading.Barrier(len(calls))

    def go(call: Callable[[], Any]) -> Any:
        gate.wait()
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))

