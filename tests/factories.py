"""Factories build real objects; groups, channels and threads go through the services.

The people, one fixture each, shared by every test module (a module may add a role on top, e.g. make the
moderator a group's moderator, by requesting the fixture of the same name):
    member     Anna de Vries, a councillor in Alkmaar          outsider   Buiten Staander, in no group
    writer     Bert Jansen (@bert.jansen), who posts            other      Carla Smit, a third member
    third      Dirk Visser, a fourth member                      moderator  Mo de Rator, a member to promote
    keeper     Geheimhouder, who keeps a secret group           manager    the community manager
    admin      a site administrator
Logged in: `reader` (the member) and `staff` (the community manager); anyone else via `client_for(user)`."""
from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.events import Event, wire_payload
from app.models import User
from app.security import hash_password

PASSWORD = "correct horse battery staple"
_HASH: list[str] = []
_counter = itertools.count(1)


def _password_hash() -> str:
    if not _HASH:  # argon2 is slow on purpose; one hash serves every test user
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
def make_user(session) -> Callable[..., User]:
    def _make(role: str = "member", **fields: Any) -> User:
        n = next(_counter)
        values: dict[str, Any] = {
            "email": f"lid{n}@example.nl", "username": f"lid{n}", "display_name": f"Lid {n}",
            "password_hash": _password_hash(), "role": role,
        }
        values.update(fields)
        user = User(**values)
        session.add(user)
        session.commit()
        return user

    return _make


@pytest.fixture
def admin(make_user) -> User:
    return make_user("admin", display_name="Beheerder")


@pytest.fixture
def manager(make_user) -> User:
    return make_user("community_manager", display_name="Community manager")


@pytest.fixture
def member(make_user) -> User:
    return make_user(display_name="Anna de Vries", title="raadslid", municipality="Alkmaar")


@pytest.fixture
def outsider(make_user) -> User:
    return make_user(display_name="Buiten Staander")


@pytest.fixture
def writer(make_user) -> User:
    return make_user(username="bert.jansen", display_name="Bert Jansen")


@pytest.fixture
def other(make_user) -> User:
    return make_user(display_name="Carla Smit")


@pytest.fixture
def third(make_user) -> User:
    return make_user(display_name="Dirk Visser")


@pytest.fixture
def moderator(make_user) -> User:
    return make_user(display_name="Mo de Rator")


@pytest.fixture
def keeper(make_user) -> User:
    return make_user(display_name="Geheimhouder")


class ApiClient:
    """A logged-in browser: cookie session plus the CSRF header on every write."""

    def __init__(self, client: TestClient, user: User) -> None:
        self.http = client
        self.user = user

    def request(self, method: str, url: str, **kwargs: Any):
        return self.http.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any):
        return self.http.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any):
        return self.http.post(url, **kwargs)

    def patch(self, url: str, **kwargs: Any):
        return self.http.patch(url, **kwargs)

    def put(self, url: str, **kwargs: Any):
        return self.http.put(url, **kwargs)

    def delete(self, url: str, **kwargs: Any):
        return self.http.delete(url, **kwargs)


@pytest.fixture
def client_for(app, run, anon) -> Iterator[Callable[[User], ApiClient]]:
    """A logged-in client. The session is started by the service, skipping argon2: the login endpoint
    itself (password check, rate limits, cookie flags) is tested in tests/api/test_auth.py."""
    from app.deps import CSRF_COOKIE, SESSION_COOKIE
    from app.security import csrf_token_for
    from app.services import accounts

    clients = ExitStack()

    def _login(user: User) -> ApiClient:
        # Entered once, so its requests share one event loop; the app's lifespan (hub, bus reader) runs
        # once, in the `anon` client, and a second entry only waits for it.
        client = clients.enter_context(TestClient(app, base_url="http://testserver"))
        login = run(accounts.start_session, user, ip_address="testclient", user_agent="pytest")
        csrf = csrf_token_for(app.state.settings.secret_key, login.token)
        # The domain httpx gives cookies from http://testserver, so the server can replace or delete them.
        client.cookies.set(SESSION_COOKIE, login.token, domain="testserver.local")
        client.cookies.set(CSRF_COOKIE, csrf, domain="testserver.local")
        client.headers["X-CSRF-Token"] = csrf
        return ApiClient(client, user)

    with clients:
        yield _login


@pytest.fixture
def browser(app, run) -> Iterator[Callable[..., TestClient]]:
    """browser(user=None, address): a client from an address of its own choosing (rate limits, the audit log),
    logged in as `user` (by the service, as client_for) or anonymous."""
    from app.deps import CSRF_COOKIE, SESSION_COOKIE
    from app.security import csrf_token_for
    from app.services import accounts

    opened: list[TestClient] = []

    def _open(user: User | None = None, address: str = "10.1.0.1") -> TestClient:
        client = TestClient(app, base_url="http://testserver", client=(address, 50000))
        client.__enter__()
        opened.append(client)
        if user is not None:
            login = run(accounts.start_session, user, ip_address=address, user_agent="pytest")
            csrf = csrf_token_for(app.state.settings.secret_key, login.token)
            client.cookies.set(SESSION_COOKIE, login.token, domain="testserver.local")
            client.cookies.set(CSRF_COOKIE, csrf, domain="testserver.local")
            client.headers["X-CSRF-Token"] = csrf
        return client

    yield _open
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def reader(client_for, member) -> ApiClient:
    return client_for(member)


@pytest.fixture
def staff(client_for, manager) -> ApiClient:
    return client_for(manager)


@pytest.fixture
def hold(session) -> Callable[..., None]:
    """hold(user, portfolio): she holds the portfolio."""
    from app.models import UserPortfolio

    def _hold(user: User, portfolio: Any) -> None:
        session.add(UserPortfolio(user_id=user.id, portfolio_id=portfolio.id))
        session.commit()

    return _hold


@pytest.fixture
def make_group(run, manager) -> Callable[..., dict[str, Any]]:
    """Create a group through the service (as the community manager) and add members to it."""
    from app.schemas.groups import GroupCreate
    from app.services import groups

    def _make(name: str | None = None, *, kind: str = "theme", visibility: str = "open",
              members: tuple[User, ...] = (), admins: tuple[User, ...] = (), parent_id: int | None = None,
              description: str = "") -> dict[str, Any]:
        n = next(_counter)
        out = run(groups.create_group, manager, data=GroupCreate(
            name=name or f"Groep {n}", kind=kind, visibility=visibility, parent_id=parent_id,
            description=description))
        for user in (*members, *admins):
            invitation = run(groups.invite_to_group, manager, group_id=out.id, user_id=user.id)
            run(groups.decide_invitation, user, invitation_id=invitation.id, accept=True)
        for user in admins:
            run(groups.set_member_role, manager, group_id=out.id, user_id=user.id, role="admin")
        channel = run(groups.list_channels, manager, group_id=out.id)[0]
        return {"id": out.id, "slug": out.slug, "channel_id": channel.id}

    return _make


@pytest.fixture
def make_thread(run) -> Callable[..., dict[str, Any]]:
    from app.schemas.posts import ThreadCreate
    from app.services import posts

    def _make(author: User, channel_id: int, *, title: str = "Een vraag over de WMO", body: str = "Wie weet dit?",
              kind: str = "discussion", **fields: Any) -> dict[str, Any]:
        detail = run(posts.create_thread, author, channel_id=channel_id,
                     data=ThreadCreate(kind=kind, title=title, body=body, **fields))
        return {"id": detail.id, "opening_post_id": detail.opening_post.id}

    return _make


@dataclass(frozen=True)
class Published:
    """An event as the bus published it: its model, and the payload as a client receives it."""

    event: Event
    payload: Any

    @property
    def type(self) -> str:
        return self.event.type

    @property
    def topic(self) -> str:
        return self.event.topic

    @property
    def id(self) -> str | None:
        return self.event.id


def capture(bus: Any) -> tuple[list[Published], Callable[[], None]]:
    """Start recording what `bus` publishes; returns the list and a function that stops recording."""
    events: list[Published] = []
    stop = bus.observe(lambda event: events.append(Published(event, wire_payload(event))))
    return events, stop


@pytest.fixture
def capture_events(app) -> Iterator[list[Published]]:
    """Every event published to the bus during the test (i.e. after a commit)."""
    events, stop = capture(app.state.bus)
    yield events
    stop()


class Outbox:
    """The mails written to the outbox (the job table) since the fixture was made, oldest first."""

    def __init__(self, session) -> None:
        from sqlalchemy import func, select

        from app.models import Job

        self.session = session
        self.after = session.scalar(select(func.max(Job.id))) or 0

    def _mails(self) -> list[Any]:
        from sqlalchemy import select

        from app.jobs import Mail
        from app.models import Job

        jobs = self.session.scalars(select(Job).where(Job.kind == Mail.job_kind, Job.id > self.after).order_by(Job.id))
        return [Mail.from_payload(job.payload) for job in jobs]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mails())

    def __len__(self) -> int:
        return len(self._mails())

    def __getitem__(self, index: int) -> Any:
        return self._mails()[index]


@pytest.fixture
def mails(session) -> Outbox:
    return Outbox(session)


_portfolio_numbers = itertools.count(1)


@pytest.fixture
def make_portfolio(session):
    """make_portfolio("Zorg") → a Portfolio with a unique slug (the suite's PostgreSQL database is shared)."""
    from app.models import Portfolio

    def _make(name: str = "Portefeuille") -> Portfolio:
        n = next(_portfolio_numbers)
        found = Portfolio(slug=f"{name.lower().replace(' ', '-')}-{n}-{os.getpid()}", name=f"{name} {n}")
        session.add(found)
        session.commit()
        return found

    return _make
