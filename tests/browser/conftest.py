"""Browser tests: real headless Chromium (Debian's `chromium`, driven by Playwright) against a real server.

Each module gets its own site: a committed database (a SQLite file, or a fresh PostgreSQL database plus
Redis on the PostgreSQL run) with a few members and groups, served by `plein serve` in a subprocess.
Screenshots go to `test-artifacts/screenshots/` (see the README). Without Chromium or Playwright the
tests are skipped with the reason; with CI=true that is a failure instead.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.backends import BACKEND, free_port
from tests.servers import committed_database, serving, site_env

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery staple"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str | None:
    configured = os.environ.get("PLEIN_CHROMIUM")
    return configured or next((p for name in CHROMIUM_NAMES if (p := shutil.which(name))), None)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: browser tests cannot be skipped: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Site:
    url: str
    group_slug: str
    closed_slug: str
    emails: dict[str, str]


def _arrange(database_url: str) -> tuple[str, str, dict[str, str]]:
    from app.db import Database, make_engine, unit_of_work
    from app.effects import NO_LIVE_CLIENTS
    from app.models import Portfolio, User, UserPortfolio
    from app.schemas.groups import GroupCreate
    from app.security import hash_password
    from app.services import groups

    engine = make_engine(database_url)
    hashed = hash_password(PASSWORD)
    people = {"anna": ("Anna de Vries", "raadslid", "Alkmaar"), "bert": ("Bert Jansen", "wethouder", "Delft"),
              "carla": ("Carla Smit", "raadslid", "Utrecht"), "beheer": ("Beheer", None, None)}
    emails = {key: f"{key}@example.org" for key in people}
    with unit_of_work(Database(engine), NO_LIVE_CLIENTS) as s:
        users = {key: User(email=emails[key], username=key, display_name=name, title=title, municipality=town,
                           password_hash=hashed, role="admin" if key == "beheer" else "member")
                 for key, (name, title, town) in people.items()}
        s.add_all(users.values())
        s.flush()
        theme = groups.create_group(s, users["beheer"], data=GroupCreate(name="Duurzaamheid", kind="theme"))
        closed = groups.create_group(s, users["beheer"], data=GroupCreate(name="Fractie Delft", kind="faction",
                                                                            visibility="closed"))
        for key in ("anna", "bert"):
            groups.join_group(s, users[key], group_id=theme.id)
        # Portfolios: Anna (Noord-Holland) and Carla (Utrecht) hold duurzaamheid.
        green, care = Portfolio(slug="duurzaamheid", name="Duurzaamheid"), Portfolio(slug="zorg", name="Zorg")
        s.add_all([green, care])
        s.flush()
        users["anna"].province, users["carla"].province = "noord-holland", "utrecht"
        s.add_all([UserPortfolio(user_id=users[key].id, portfolio_id=green.id) for key in ("anna", "carla")])
    engine.dispose()
    return theme.slug, closed.slug, emails


@contextmanager
def open_site(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[Site]:
    """A served site with the members and groups above; `settings` go to the server's environment."""
    tmp = tmp_path_factory.mktemp("browser")
    port = free_port()
    with committed_database(tmp, "plein_browser") as database_url:
        group_slug, closed_slug, emails = _arrange(database_url)
        env = site_env(tmp, database_url, base_url=f"http://127.0.0.1:{port}", **settings)
        with serving(env, tmp / "server.log", port=port):
            yield Site(url=f"http://127.0.0.1:{port}", group_slug=group_slug, closed_slug=closed_slug, emails=emails)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with open_site(tmp_path_factory) as opened:
        yield opened


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install -y chromium, or set PLEIN_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class Member:
    """One person in her own browser context (cookies, storage), logged in."""

    def __init__(self, browser, site: Site, who: str, url: str | None = None) -> None:
        url = url or site.url
        self.context = browser.new_context(base_url=url, locale="nl-NL", timezone_id="Europe/Amsterdam")
        self.page = self.context.new_page()
        self.page.goto("/login")
        self.page.get_by_label("E-mailadres").first.fill(site.emails[who])
        self.page.get_by_label("Wachtwoord", exact=True).fill(PASSWORD)
        self.page.get_by_role("button", name="Inloggen").click()
        self.page.wait_for_url(f"{url}/")

    def wait_live(self) -> None:
        """Until the page's websocket said hello (scripts are modules: they run after parsing)."""
        self.page.wait_for_function("() => document.body.dataset.live === 'open'")

    def api(self, method: str, path: str, body: object = None) -> object:
        """Call the API as this member from her page (her cookie and CSRF token); returns the JSON answer."""
        status, data = self.page.evaluate("""async ([method, path, body]) => {
            const csrf = (document.cookie.match(/(?:^|; )plein_csrf=([^;]+)/) || [])[1] || "";
            const response = await fetch(path, {method, credentials: "same-origin", headers: {
                "Content-Type": "application/json", "X-CSRF-Token": decodeURIComponent(csrf)},
                body: body === null ? undefined : JSON.stringify(body)});
            return [response.status, response.status === 204 ? null : await response.json()];
        }""", [method, path, body])
        assert status < 300, (status, data)
        return data

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{BACKEND}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def member_in(browser, site):
    opened: list[Member] = []

    def _open(who: str, url: str | None = None) -> Member:
        member = Member(browser, site, who, url)
        opened.append(member)
        return member

    yield _open
    for member in opened:
        member.close()
