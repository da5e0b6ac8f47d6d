"""Publishing through the HTTP API and its services: articles (drafts only for editors, revisions after
publication), scheduling on a controlled clock through the job runner, comments and reactions, the cover,
the Atom feeds (validated against RFC 4287), series with their calendar and the reminders of empty slots,
and article notifications and digest entries.

Moments are in the coming year, so the tests keep working as time goes by: 1 March is winter time in
Amsterdam (UTC+1), 1 July summer time (UTC+2).
"""
from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import rnc2rng
from lxml import etree
from PIL import Image
from sqlalchemy import func, select

from app import jobs
from app.db import utcnow
from app.mailer import LogTransport
from app.models import ArticleRevision, Job, Membership, Notification, User
from app.models.enums import DigestFrequency
from app.services import digests
from app.services.publishing import series as series_service
from app.worker import Worker
from tests.api.helpers import API, NOT_FOUND_PAGE, assert_error, kinds

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEXT_YEAR = utcnow().year + 1
AT = datetime(NEXT_YEAR, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam (CET)
MINUTE = timedelta(minutes=1)

ARTICLES = f"{API}/articles"
EDITORIAL = f"{API}/editorial/articles"
SERIES = f"{API}/series"
SETTINGS = f"{API}/me/notification-settings"
FEED = "/feeds/articles.atom"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
ATOM_RNC = Path(__file__).with_name("atom.rnc")
IBAN = "NL91ABNA0417164300"  # a valid Dutch IBAN: a citizen's personal data, held for review


# --- helpers ------------------------------------------------------------------------------------------


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    return response.json() if status != 204 else None


def iso(moment: datetime) -> str:
    """How the API writes a UTC moment."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_article(client: Any, title: str = "Raadslid in beeld: Anna de Vries", **fields: Any) -> dict[str, Any]:
    body = {"title": title, "lead": "Over wonen en zorg.", "body": "Anna vertelt **alles**."} | fields
    return ok(client.post(ARTICLES, json=body), 201)


def publish(client: Any, article_id: int) -> dict[str, Any]:
    return ok(client.post(f"{ARTICLES}/{article_id}/publish"))


def unpublish(client: Any, article_id: int) -> dict[str, Any]:
    return ok(client.post(f"{ARTICLES}/{article_id}/unpublish"))


def schedule(client: Any, article_id: int, at: datetime | str) -> dict[str, Any]:
    moment = at if isinstance(at, str) else at.isoformat()
    return ok(client.post(f"{ARTICLES}/{article_id}/schedule", json={"publish_at": moment}))


def published_ids(client: Any, **params: Any) -> list[int]:
    return [a["id"] for a in ok(client.get(ARTICLES, params=params))]


def featured_id(client: Any) -> int | None:
    found = ok(client.get(f"{ARTICLES}/featured"))
    return found["id"] if found else None


def notes(client: Any, kind: str | None = None) -> list[dict[str, Any]]:
    items = ok(client.get(f"{API}/notifications"))["items"]
    return [n for n in items if kind is None or n["kind"] == kind]


def unread(client: Any) -> int:
    return ok(client.get(f"{API}/notifications/unread"))["unread"]


def of_type(events: list[Any], type_: str) -> list[Any]:
    return [e for e in events if e.type == type_]


def image_bytes(size: tuple[int, int] = (2000, 1000), fmt: str = "PNG", **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format=fmt, **options)
    return out.getvalue()


def upload_cover(client: Any, article_id: int, data: bytes, name: str = "cover.png", mime: str = "image/png") -> Any:
    return client.put(f"{ARTICLES}/{article_id}/cover", files={"file": (name, data, mime)})


def path_of(url: str) -> str:
    """The cover URL's path and query, to GET through a test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def article_notes_in_db(session: Any, article_id: int) -> dict[int, int]:
    """user id → count of each article notification line about this article, straight from the table."""
    session.expire_all()
    return {user_id: count for user_id, count in session.execute(
        select(Notification.user_id, Notification.count).where(Notification.article_id == article_id))}


def wants_articles(session: Any) -> set[int]:
    session.expire_all()
    return set(session.scalars(select(User.id).where(User.is_active.is_(True),
                                                     User.article_notifications.is_(True))))


def slot_moment(day: date, at: time = time(9, 0)) -> datetime:
    return datetime.combine(day, at, tzinfo=AMSTERDAM).astimezone(UTC)


# --- Atom validation ------------------------------------------------------------------------------------


@cache
def atom_schema() -> etree.RelaxNG:
    """RFC 4287's normative RELAX NG grammar (Appendix B), compiled once per test run."""
    rng = rnc2rng.dumps(rnc2rng.load(str(ATOM_RNC))).replace('xmlns:local=""', "")
    return etree.RelaxNG(etree.fromstring(rng.encode()))


def _moment(element: etree._Element, name: str) -> datetime | None:
    text = element.findtext(f"a:{name}", namespaces=ATOM)
    return datetime.fromisoformat(text) if text else None


def check_rfc_rules(feed: etree._Element) -> None:
    """What the grammar cannot say (RFC 4287 §4.1.1, §4.1.2, §4.2.7.2, §4.2.15)."""
    entries = feed.findall("a:entry", ATOM)
    if not feed.findall("a:author", ATOM):
        assert all(e.findall("a:author", ATOM) for e in entries), "an entry without an author in a feed without one"
    ids = [e.findtext("a:id", namespaces=ATOM) for e in entries]
    assert len(ids) == len(set(ids)), ids
    for entry in entries:
        alternates = [link for link in entry.findall("a:link", ATOM) if link.get("rel", "alternate") == "alternate"]
        assert alternates, etree.tostring(entry)
        published, updated = _moment(entry, "published"), _moment(entry, "updated")
        assert updated is not None
        assert published is None or updated >= published


def atom(response: Any) -> etree._Element:
    """The response is a valid Atom feed; its root element."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = etree.fromstring(response.content)
    atom_schema().assertValid(feed)
    check_rfc_rules(feed)
    return feed


def entries(feed: etree._Element) -> dict[str, etree._Element]:
    """The feed's entries by the path of their alternate link (/articles/<slug>)."""
    out = {}
    for entry in feed.findall("a:entry", ATOM):
        [link] = [x for x in entry.findall("a:link", ATOM) if x.get("rel", "alternate") == "alternate"]
        out[urlsplit(link.get("href")).path] = entry
    return out


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def editor(client_for, manager):
    """The community manager: an editor by her role."""
    return client_for(manager)


@pytest.fixture
def tick(db, settings, app) -> Callable[..., int]:
    """tick(now, name=...): a worker runs the jobs that are due at `now`; returns how many it tried."""
    def _tick(now: datetime, name: str = "t") -> int:
        worker = Worker(db, settings, LogTransport(), dispatcher=app.state.dispatcher, name=name)
        return asyncio.run(worker.run_due(now=now))

    return _tick


@pytest.fixture
def published(editor) -> dict[str, Any]:
    """A published article, in the public feed."""
    article = new_article(editor, title="Wethouder Jansen over de woningnood")
    return publish(editor, article["id"])


@pytest.fixture
def raadslid(editor) -> dict[str, Any]:
    """A biweekly series whose first slot is ten days from now, at 09:00 in Amsterdam."""
    first = utcnow().astimezone(AMSTERDAM).date() + timedelta(days=10)
    return ok(editor.post(SERIES, json={"name": "Raadslid in beeld", "description": "Elke twee weken een raadslid.",
                                        "cadence_days": 14, "first_slot": first.isoformat(),
                                        "publish_time": "09:00:00", "reminder_days": 5}), 201)


# --- articles: creating ---------------------------------------------------------------------------------


class TestCreateArticle:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.post(ARTICLES, json={"title": "Hallo"}), 401, "unauthenticated")
        for url in (ARTICLES, f"{ARTICLES}/featured", f"{ARTICLES}/1", f"{ARTICLES}/by-slug/hallo", EDITORIAL):
            assert_error(anon.get(url), 401, "unauthenticated")

    def test_a_member_may_not(self, reader, editor) -> None:
        assert_error(reader.post(ARTICLES, json={"title": "Mijn eigen stuk"}), 403, "edit_articles_not_allowed")
        assert_error(reader.get(EDITORIAL), 403, "edit_articles_not_allowed")
        assert ok(editor.get(EDITORIAL)) == []

    @pytest.mark.parametrize(("body", "field"), [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Goed", "lead": "x" * 1001}, "lead"),
        ({"title": "Goed", "series_id": 999999}, "series_id"),
        ({"title": "Goed", "series_id": 0}, "series_id"),
        ({"title": "Goed", "subject_id": 999999}, "subject_id"),
        ({"title": "Goed", "in_public_feed": "soms"}, "in_public_feed"),
        ({"title": "Goed", "colour": "rood"}, "colour"),
    ])
    def test_bad_input(self, editor, body, field) -> None:
        assert_error(editor.post(ARTICLES, json=body), 422, "invalid", field)
        assert ok(editor.get(EDITORIAL)) == []

    def test_the_subject_must_be_an_active_member(self, editor, make_user) -> None:
        gone = make_user(is_active=False)
        assert_error(editor.post(ARTICLES, json={"title": "Over haar", "subject_id": gone.id}),
                     422, "invalid", "subject_id")

    def test_a_draft(self, editor, manager, member, raadslid) -> None:
        article = new_article(editor, title="  Raadslid in beeld: Anna de Vries ", series_id=raadslid["id"],
                              subject_id=member.id, in_public_feed=False, cover_alt="Anna in de raadszaal")
        assert article["title"] == "Raadslid in beeld: Anna de Vries"
        assert article["slug"] == "raadslid-in-beeld-anna-de-vries"
        assert article["url"] == "/articles/raadslid-in-beeld-anna-de-vries"
        assert (article["status"], article["published_at"], article["scheduled_at"]) == ("draft", None, None)
        assert article["series"] == {"id": raadslid["id"], "slug": "raadslid-in-beeld", "name": "Raadslid in beeld"}
        assert article["author"]["id"] == manager.id and article["subject"]["id"] == member.id
        assert "<strong>alles</strong>" in article["body_html"]
        assert article["in_public_feed"] is False and article["editable"] is True
        assert (article["thread_id"], article["cover"], article["comment_count"]) == (None, None, 0)
        # The same title again gets its own address.
        assert new_article(editor, title="Raadslid in beeld: Anna de Vries")["slug"] == \
            "raadslid-in-beeld-anna-de-vries-2"
        assert [a["status"] for a in ok(editor.get(EDITORIAL))] == ["draft", "draft"]

    def test_the_editor_gets_the_editorial_fields_on_creation(self, editor) -> None:
        article = new_article(editor, title="Net geschreven")
        assert {"created_at", "updated_at", "revision_count"} <= set(article)

    def test_a_member_given_the_editor_role(self, client_for, editor, reader, member,
                                            other) -> None:
        assert_error(reader.post(ARTICLES, json={"title": "Nog niet"}), 403, "edit_articles_not_allowed")
        # Only the staff hand out the role.
        assert_error(client_for(other).patch(f"{API}/admin/users/{member.id}", json={"is_editor": True}),
                     403, "manage_users_not_allowed")
        assert ok(editor.patch(f"{API}/admin/users/{member.id}", json={"is_editor": True}))["is_editor"] is True
        article = new_article(reader, title="Door een redacteur")
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["status"] == "draft"
        assert [a["id"] for a in ok(reader.get(EDITORIAL))] == [article["id"]]
        assert publish(reader, article["id"])["status"] == "published"
        # Without the role again she is a reader like any other.
        ok(editor.patch(f"{API}/admin/users/{member.id}", json={"is_editor": False}))
        assert_error(reader.post(ARTICLES, json={"title": "Niet meer"}), 403, "edit_articles_not_allowed")
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["editable"] is False


# --- articles: who sees what ------------------------------------------------------------------------------


class TestUnpublishedIsInvisible:
    """A draft or a scheduled article does not exist for a member: 404 everywhere, as a secret group."""

    @pytest.mark.parametrize("state", ["draft", "scheduled"])
    def test_member_sees_nothing_editor_everything(self, anon, editor, reader, state) -> None:
        article = new_article(editor, title="Nog geheim interview")
        ok(upload_cover(editor, article["id"], image_bytes()))
        if state == "scheduled":
            assert schedule(editor, article["id"], AT)["status"] == "scheduled"
        article_id, slug = article["id"], article["slug"]
        cover = ok(editor.get(f"{ARTICLES}/{article_id}"))["cover"]

        for url in (f"{ARTICLES}/{article_id}", f"{ARTICLES}/by-slug/{slug}", path_of(cover["800"])):
            assert_error(reader.get(url), 404, "not_found")
        assert_error(anon.get(path_of(cover["800"])), 404, "not_found")
        assert published_ids(reader) == [] and featured_id(reader) is None
        feed = anon.get(FEED)
        assert entries(atom(feed)) == {} and slug.encode() not in feed.content
        assert_error(anon.get(f"{ARTICLES}/{article_id}"), 401, "unauthenticated")
        # The same answer as for an article that never existed.
        assert_error(reader.get(f"{ARTICLES}/999999"), 404, "not_found")
        assert_error(reader.get(f"{ARTICLES}/by-slug/bestaat-niet"), 404, "not_found")

        assert ok(editor.get(f"{ARTICLES}/{article_id}"))["status"] == state
        assert ok(editor.get(f"{ARTICLES}/by-slug/{slug}"))["id"] == article_id
        assert editor.get(path_of(cover["800"])).status_code == 200
        assert [a["id"] for a in ok(editor.get(EDITORIAL))] == [article_id]
        assert [a["id"] for a in ok(editor.get(EDITORIAL, params={"status": state}))] == [article_id]
        assert ok(editor.get(EDITORIAL, params={"status": "published"})) == []
        assert published_ids(editor) == [] and featured_id(editor) is None  # the lists are what members see
        assert_error(editor.get(EDITORIAL, params={"status": "weg"}), 422, "invalid", "status")

    def test_published_is_seen_by_members(self, reader, published) -> None:
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["title"] == "Wethouder Jansen over de woningnood"
        assert ok(reader.get(f"{ARTICLES}/by-slug/{published['slug']}"))["id"] == published["id"]
        assert published_ids(reader) == [published["id"]] and featured_id(reader) == published["id"]


class TestOutput:
    """Everywhere a published article shows when it was published, never when it was written."""

    def test_members_see_the_publication_moment_editors_also_the_editorial_times(
            self, editor, reader, tick) -> None:
        article = new_article(editor, title="Geschreven in november")
        schedule(editor, article["id"], AT)
        tick(AT + timedelta(seconds=30))
        mine = ok(reader.get(f"{ARTICLES}/{article['id']}"))
        assert mine["published_at"] == iso(AT + timedelta(seconds=30))
        assert mine["status"] == "published" and mine["scheduled_at"] is None and mine["editable"] is False
        assert not {"created_at", "updated_at", "revision_count"} & set(mine)
        [summary] = [a for a in ok(reader.get(ARTICLES)) if a["id"] == article["id"]]
        assert summary["published_at"] == iso(AT + timedelta(seconds=30))
        assert "created_at" not in summary and "updated_at" not in summary
        assert "created_at" not in ok(reader.get(f"{ARTICLES}/featured"))

        theirs = ok(editor.get(f"{ARTICLES}/{article['id']}"))
        assert theirs["published_at"] == iso(AT + timedelta(seconds=30))
        assert datetime.fromisoformat(theirs["created_at"]) < AT  # written now, published next year
        assert theirs["updated_at"] == iso(AT + timedelta(seconds=30)) and theirs["revision_count"] == 0
        assert {"created_at", "updated_at", "revision_count"} <= set(ok(editor.get(EDITORIAL))[0])

    def test_a_draft_shows_no_publication_moment_after_unpublishing(self, editor, published) -> None:
        assert published["published_at"] is not None
        assert unpublish(editor, published["id"])["published_at"] is None


# --- articles: changing and deleting ----------------------------------------------------------------------


class TestUpdateArticle:
    def test_anonymous_and_members_are_refused(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        assert_error(anon.patch(f"{ARTICLES}/{published['id']}", json={"title": "Nee"}), 401, "unauthenticated")
        assert_error(reader.patch(f"{ARTICLES}/{published['id']}", json={"title": "Nee"}),
                     403, "edit_articles_not_allowed")
        assert_error(reader.patch(f"{ARTICLES}/{draft['id']}", json={"title": "Nee"}), 404, "not_found")
        assert_error(reader.get(f"{ARTICLES}/{published['id']}/revisions"), 403, "edit_articles_not_allowed")
        assert_error(editor.patch(f"{ARTICLES}/999999", json={"title": "Nee"}), 404, "not_found")
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["title"] == published["title"]

    @pytest.mark.parametrize(("body", "field"), [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"series_id": 999999}, "series_id"),
        ({"subject_id": 999999}, "subject_id"),
        ({"body": "x" * 100_001}, "body"),
        ({"slug": "eigen-adres"}, "slug"),
    ])
    def test_bad_input(self, editor, published, body, field) -> None:
        assert_error(editor.patch(f"{ARTICLES}/{published['id']}", json=body), 422, "invalid", field)
        assert ok(editor.get(f"{ARTICLES}/{published['id']}"))["revision_count"] == 0

    def test_a_draft_changes_without_revisions(self, editor, raadslid) -> None:
        article = new_article(editor, title="Eerste versie")
        changed = ok(editor.patch(f"{ARTICLES}/{article['id']}", json={
            "title": "Tweede versie", "lead": "  Korter.  ", "body": "Nu met *nadruk*.", "series_id": raadslid["id"],
            "in_public_feed": False}))
        assert (changed["title"], changed["lead"], changed["body"]) == ("Tweede versie", "Korter.", "Nu met *nadruk*.")
        assert "<em>nadruk</em>" in changed["body_html"] and changed["series"]["id"] == raadslid["id"]
        assert changed["in_public_feed"] is False and changed["revision_count"] == 0
        assert changed["slug"] == article["slug"]  # the address stays
        assert ok(editor.patch(f"{ARTICLES}/{article['id']}", json={"series_id": None}))["series"] is None
        assert ok(editor.get(f"{ARTICLES}/{article['id']}/revisions")) == []

    def test_after_publication_a_text_change_keeps_a_revision(self, editor, reader, manager, published,
                                                              capture_events) -> None:
        url = f"{ARTICLES}/{published['id']}"
        changed = ok(editor.patch(url, json={"title": "Wethouder Jansen: bouwen, bouwen, bouwen",
                                             "body": "Nieuwe tekst."}))
        assert changed["revision_count"] == 1 and changed["body"] == "Nieuwe tekst."
        [revision] = ok(editor.get(f"{url}/revisions"))
        assert revision["title"] == "Wethouder Jansen over de woningnood"
        assert revision["body"] == "Anna vertelt **alles**." and revision["editor"]["id"] == manager.id
        # Members read the new text; the comment thread follows the title.
        mine = ok(reader.get(url))
        assert mine["title"] == "Wethouder Jansen: bouwen, bouwen, bouwen"
        assert ok(reader.get(f"{API}/threads/{mine['thread_id']}"))["title"] == mine["title"]
        assert [e.topic for e in of_type(capture_events, "article.updated")] == ["site:1"]
        # Not a text change, or the same text: no revision.
        ok(editor.patch(url, json={"in_public_feed": False, "title": mine["title"]}))
        assert ok(editor.patch(url, json={"lead": "Een nieuwe inleiding."}))["revision_count"] == 2
        assert [r["lead"] for r in ok(editor.get(f"{url}/revisions"))] == ["Over wonen en zorg.", "Over wonen en zorg."]

    def test_an_unchanged_lead_keeps_no_revision(self, editor, published) -> None:
        url = f"{ARTICLES}/{published['id']}"
        changed = ok(editor.patch(url, json={"lead": "  Over wonen en zorg.  "}))
        assert changed["lead"] == "Over wonen en zorg."
        assert changed["revision_count"] == 0


class TestDeleteArticle:
    def test_not_allowed(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        assert_error(anon.delete(f"{ARTICLES}/{draft['id']}"), 401, "unauthenticated")
        assert_error(reader.delete(f"{ARTICLES}/{draft['id']}"), 404, "not_found")
        assert_error(reader.delete(f"{ARTICLES}/{published['id']}"), 403, "edit_articles_not_allowed")
        assert_error(editor.delete(f"{ARTICLES}/999999"), 404, "not_found")

    def test_a_published_article_must_be_unpublished_first(self, editor, reader, published,
                                                           session) -> None:
        assert_error(editor.delete(f"{ARTICLES}/{published['id']}"), 409, "conflict", "status")
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["status"] == "published"
        ok(reader.post(f"{ARTICLES}/{published['id']}/comments", json={"body": "Mooi stuk"}), 201)
        ok(editor.patch(f"{ARTICLES}/{published['id']}", json={"body": "Herzien."}))  # a revision
        assert article_notes_in_db(session, published["id"])  # the members heard of it
        unpublish(editor, published["id"])
        ok(editor.delete(f"{ARTICLES}/{published['id']}"), 204)
        assert_error(editor.get(f"{ARTICLES}/{published['id']}"), 404, "not_found")
        # Its notifications and revisions went with it.
        assert article_notes_in_db(session, published["id"]) == {}
        assert session.scalar(select(func.count()).select_from(ArticleRevision).where(
            ArticleRevision.article_id == published["id"])) == 0
        assert notes(reader) == []

    def test_a_draft_and_its_cover(self, editor, session) -> None:
        article = new_article(editor, title="Weg ermee")
        cover = ok(upload_cover(editor, article["id"], image_bytes()))["cover"]
        ok(editor.delete(f"{ARTICLES}/{article['id']}"), 204)
        assert_error(editor.get(f"{ARTICLES}/{article['id']}"), 404, "not_found")
        assert_error(editor.get(path_of(cover["400"])), 404, "not_found")
        assert ok(editor.get(EDITORIAL)) == []

    def test_a_scheduled_article_and_its_job(self, editor, tick, capture_events) -> None:
        article = new_article(editor, title="Toch niet")
        schedule(editor, article["id"], AT)
        ok(editor.delete(f"{ARTICLES}/{article['id']}"), 204)
        assert tick(AT + MINUTE) >= 1  # the publish job runs and finds nothing to do
        assert of_type(capture_events, "article.published") == []


# --- scheduling and publishing ----------------------------------------------------------------------------


class TestSchedule:
    def test_not_allowed(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        body = {"publish_at": AT.isoformat()}
        assert_error(anon.post(f"{ARTICLES}/{draft['id']}/schedule", json=body), 401, "unauthenticated")
        assert_error(reader.post(f"{ARTICLES}/{draft['id']}/schedule", json=body), 404, "not_found")
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/schedule", json=body), 403, "edit_articles_not_allowed")
        assert_error(reader.delete(f"{ARTICLES}/{draft['id']}/schedule"), 404, "not_found")
        assert_error(reader.post(f"{ARTICLES}/{draft['id']}/publish"), 404, "not_found")
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/unpublish"), 403, "edit_articles_not_allowed")
        assert ok(editor.get(f"{ARTICLES}/{draft['id']}"))["status"] == "draft"

    @pytest.mark.parametrize("body", [
        {"publish_at": (utcnow() - timedelta(hours=1)).isoformat()},
        {"publish_at": (utcnow() + timedelta(days=4 * 366)).isoformat()},
        {"publish_at": "morgen om tien uur"},
        {},
    ])
    def test_bad_moment(self, editor, body) -> None:
        draft = new_article(editor, title="Concept")
        assert_error(editor.post(f"{ARTICLES}/{draft['id']}/schedule", json=body), 422, "invalid", "publish_at")
        assert ok(editor.get(f"{ARTICLES}/{draft['id']}"))["status"] == "draft"

    @pytest.mark.parametrize(("given", "expected"), [
        (f"{NEXT_YEAR}-03-01T10:00:00", f"{NEXT_YEAR}-03-01T09:00:00Z"),  # naive: Amsterdam, winter time
        (f"{NEXT_YEAR}-07-01T10:00:00", f"{NEXT_YEAR}-07-01T08:00:00Z"),  # naive: Amsterdam, summer time
        (f"{NEXT_YEAR}-03-01T10:00:00+02:00", f"{NEXT_YEAR}-03-01T08:00:00Z"),  # with an offset: as given
        (f"{NEXT_YEAR}-03-01T10:00:00Z", f"{NEXT_YEAR}-03-01T10:00:00Z"),
    ])
    def test_the_moment(self, editor, reader, given, expected) -> None:
        draft = new_article(editor, title="Komt eraan")
        out = schedule(editor, draft["id"], given)
        assert (out["status"], out["scheduled_at"], out["published_at"]) == ("scheduled", expected, None)
        assert_error(reader.get(f"{ARTICLES}/{draft['id']}"), 404, "not_found")

    def test_already_published(self, editor, published) -> None:
        assert_error(editor.post(f"{ARTICLES}/{published['id']}/schedule", json={"publish_at": AT.isoformat()}),
                     409, "conflict", "status")
        assert ok(editor.get(f"{ARTICLES}/{published['id']}"))["status"] == "published"

    def test_unschedule_and_the_old_job_does_nothing(self, editor, reader, tick, capture_events,
                                                     session) -> None:
        article = new_article(editor, title="Uitgesteld")
        assert_error(editor.delete(f"{ARTICLES}/{article['id']}/schedule"), 409, "conflict", "status")
        schedule(editor, article["id"], AT)
        out = ok(editor.delete(f"{ARTICLES}/{article['id']}/schedule"))
        assert (out["status"], out["scheduled_at"]) == ("draft", None)
        assert tick(AT + MINUTE) >= 1
        assert ok(editor.get(f"{ARTICLES}/{article['id']}"))["status"] == "draft"
        assert_error(reader.get(f"{ARTICLES}/{article['id']}"), 404, "not_found")
        assert of_type(capture_events, "article.published") == [] and notes(reader) == []
        session.expire_all()
        job = session.scalar(select(Job).where(Job.kind == jobs.PublishArticle.job_kind))
        assert job.done_at is not None and "nothing to publish" in job.last_error


class TestPublishNow:
    def test_publish_once(self, editor, reader, member, capture_events) -> None:
        article = new_article(editor, title="Direct online")
        before = utcnow()
        out = publish(editor, article["id"])
        assert out["status"] == "published" and out["thread_id"] is not None
        assert before <= datetime.fromisoformat(out["published_at"]) <= utcnow()
        assert_error(editor.post(f"{ARTICLES}/{article['id']}/publish"), 409, "conflict", "status")
        assert kinds(of_type(capture_events, "article.published")) == [("article.published", "site:1")]
        [line] = notes(reader)
        assert (line["kind"], line["url"], line["article"]["id"]) == ("article", f"/articles/{article['slug']}",
                                                                      article["id"])
        assert line["actor"]["display_name"] == "Community manager"
        assert notes(editor) == []  # not about her own action

    def test_a_scheduled_article_published_early(self, editor, reader, tick, capture_events) -> None:
        article = new_article(editor, title="Eerder dan gepland")
        schedule(editor, article["id"], AT)
        out = publish(editor, article["id"])
        assert (out["status"], out["scheduled_at"]) == ("published", None)
        tick(AT + MINUTE)
        assert len(of_type(capture_events, "article.published")) == 1
        assert len(notes(reader, "article")) == 1 and notes(reader)[0]["count"] == 1
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["published_at"] == out["published_at"]

    def test_unpublish_and_publish_again(self, editor, reader, client_for, other, published,
                                         capture_events) -> None:
        article_id, thread_id = published["id"], published["thread_id"]
        comment = ok(client_for(other).post(f"{ARTICLES}/{article_id}/comments", json={"body": "Sterk verhaal!"}), 201)
        assert unread(reader) == 1 and len(notes(reader, "article")) == 1

        out = unpublish(editor, article_id)
        assert out["status"] == "draft"
        assert_error(editor.post(f"{ARTICLES}/{article_id}/unpublish"), 409, "conflict", "status")
        assert [e.payload for e in of_type(capture_events, "article.unpublished")] == [{"id": article_id}]
        for url in (f"{ARTICLES}/{article_id}", f"{ARTICLES}/by-slug/{published['slug']}",
                    f"{API}/threads/{thread_id}", f"{API}/posts/{comment['id']}"):
            assert_error(reader.get(url), 404, "not_found")
        assert published_ids(reader) == [] and featured_id(reader) is None
        assert notes(reader) == [] and unread(reader) == 0
        assert_error(reader.post(f"{ARTICLES}/{article_id}/comments", json={"body": "Hallo?"}), 404, "not_found")

        again = publish(editor, article_id)
        assert again["thread_id"] == thread_id and again["comment_count"] == 1
        replies = ok(reader.get(f"{API}/threads/{thread_id}/replies"))["items"]
        assert [r["body"] for r in replies] == ["Sterk verhaal!"]
        assert published_ids(reader) == [article_id]
        assert len(notes(reader, "article")) == 1  # one line about the article, not two
        assert notes(reader, "article")[0]["count"] == 1 and unread(reader) == 1  # and not told twice


class TestScheduledPublishing:
    """The job runner publishes at the moment, with a controlled clock: exactly once, whatever happens."""

    def test_exactly_one_publication(self, editor, reader, client_for, manager, member, other, make_user, tick,
                                     capture_events, session) -> None:
        gone = make_user(is_active=False, display_name="Vertrokken Lid")
        article = new_article(editor, title="Raadslid in beeld: Bert")
        schedule(editor, article["id"], AT)

        tick(AT - MINUTE)
        assert ok(editor.get(f"{ARTICLES}/{article['id']}"))["status"] == "scheduled"
        assert_error(reader.get(f"{ARTICLES}/{article['id']}"), 404, "not_found")
        assert of_type(capture_events, "article.published") == [] and article_notes_in_db(session, article["id"]) == {}

        assert tick(AT + MINUTE) >= 1
        shown = ok(reader.get(f"{ARTICLES}/{article['id']}"))
        assert (shown["status"], shown["published_at"]) == ("published", iso(AT + MINUTE))
        [event] = of_type(capture_events, "article.published")
        assert (event.topic, event.payload["id"], event.payload["url"]) == (
            "site:1", article["id"], f"/articles/{article['slug']}")
        # One line for every active member (the editor who scheduled it too: the job runner published it).
        lines = article_notes_in_db(session, article["id"])
        assert set(lines) == wants_articles(session) and {manager.id, member.id, other.id} <= set(lines)
        assert gone.id not in lines and set(lines.values()) == {1}
        for user in (member, other, manager):
            [line] = notes(client_for(user), "article")
            assert (line["url"], line["count"], line["actor"]) == (f"/articles/{article['slug']}", 1, None)
        created = [e for e in of_type(capture_events, "notification.created") if e.payload["notification"]["kind"]
                   == "article"]
        assert sorted(e.topic for e in created) == sorted(f"user:{i}" for i in lines)

        # Again, by the same worker and by another one: nothing more.
        capture_events.clear()
        assert tick(AT + 2 * MINUTE) == 0
        assert tick(AT + 2 * MINUTE, name="t2") == 0
        # Even a second publish job for the same article (a retry, a racing worker) finds nothing to do.
        jobs.enqueue(session, jobs.PublishArticle(article_id=article["id"]), run_at=AT)
        session.commit()
        assert tick(AT + 3 * MINUTE, name="t3") == 1
        assert capture_events == []
        assert article_notes_in_db(session, article["id"]) == lines
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["published_at"] == iso(AT + MINUTE)

    def test_rescheduled_later(self, editor, reader, tick, capture_events) -> None:
        article = new_article(editor, title="Een week later")
        schedule(editor, article["id"], AT)
        later = AT + timedelta(days=7)
        assert schedule(editor, article["id"], later)["scheduled_at"] == iso(later)
        tick(AT + MINUTE)  # the old job, at the old moment
        assert ok(editor.get(f"{ARTICLES}/{article['id']}"))["status"] == "scheduled"
        assert of_type(capture_events, "article.published") == [] and notes(reader) == []
        tick(later + MINUTE)
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["published_at"] == iso(later + MINUTE)
        assert len(of_type(capture_events, "article.published")) == 1 and len(notes(reader, "article")) == 1

    def test_rescheduled_earlier(self, editor, reader, tick, capture_events) -> None:
        article = new_article(editor, title="Een week eerder")
        schedule(editor, article["id"], AT + timedelta(days=7))
        schedule(editor, article["id"], AT)
        tick(AT + MINUTE)
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["published_at"] == iso(AT + MINUTE)
        tick(AT + timedelta(days=7, minutes=1))  # the old job finds it published already
        assert len(of_type(capture_events, "article.published")) == 1 and len(notes(reader, "article")) == 1

    def test_members_who_turned_articles_off(self, editor, reader, client_for, other, tick, session) -> None:
        assert ok(reader.patch(SETTINGS, json={"articles": False}))["articles"] is False
        article = new_article(editor, title="Niet voor iedereen een melding")
        schedule(editor, article["id"], AT)
        tick(AT + MINUTE)
        assert notes(reader) == [] and unread(reader) == 0
        assert ok(reader.get(f"{ARTICLES}/{article['id']}"))["status"] == "published"  # she can still read it
        assert len(notes(client_for(other), "article")) == 1
        assert set(article_notes_in_db(session, article["id"])) == wants_articles(session)

    def test_the_featured_article_is_the_newest_publication(self, editor, reader, tick) -> None:
        first = new_article(editor, title="Eerste interview")
        second = new_article(editor, title="Tweede interview")
        draft = new_article(editor, title="Derde, nog niet af")
        schedule(editor, second["id"], AT + timedelta(days=14))
        schedule(editor, first["id"], AT)
        tick(AT + MINUTE)
        assert featured_id(reader) == first["id"]
        tick(AT + timedelta(days=14, minutes=1))
        assert featured_id(reader) == second["id"]
        assert published_ids(reader) == [second["id"], first["id"]]
        assert published_ids(reader, limit=1) == [second["id"]]
        before = iso(AT + timedelta(days=14))
        assert published_ids(reader, before=before) == [first["id"]]
        assert draft["id"] not in published_ids(reader)
        unpublish(editor, second["id"])
        assert featured_id(reader) == first["id"]

    def test_a_before_without_offset(self, reader, published) -> None:
        response = reader.get(ARTICLES, params={"before": f"{NEXT_YEAR}-01-01T00:00:00"})
        assert response.status_code == 200, response.text


# --- digests --------------------------------------------------------------------------------------------


class TestDigest:
    def test_the_article_is_in_her_digest_once(self, editor, run, member, other, reader, client_for,
                                               mails) -> None:
        ok(client_for(other).patch(SETTINGS, json={"articles": False}))
        article = publish(editor, new_article(editor, title="Het interview van de week")["id"])
        gone = publish(editor, new_article(editor, title="Teruggetrokken stuk")["id"])
        unpublish(editor, gone["id"])
        new_article(editor, title="Nog een concept")

        now = utcnow()
        assert run(digests.send_digest, member, frequency=DigestFrequency.daily, slot="d1", now=now)
        assert not run(digests.send_digest, other, frequency=DigestFrequency.daily, slot="d1", now=now)
        [mail] = [m for m in mails if m.kind.startswith("digest")]
        assert (mail.to, mail.user_id, mail.kind) == (member.email, member.id, "digest.daily")
        url = f"http://testserver/articles/{article['slug']}"
        assert mail.text.count("Het interview van de week") == 1 and mail.text.count(url) == 1
        assert url in (mail.html or "")
        for hidden in ("Teruggetrokken stuk", "Nog een concept"):
            assert hidden not in mail.text and hidden not in (mail.html or "")
        # The next digest does not bring it again.
        assert not run(digests.send_digest, member, frequency=DigestFrequency.daily, slot="d2",
                       now=now + timedelta(days=1))


# --- comments and reactions --------------------------------------------------------------------------------


class TestComments:
    def test_not_allowed(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        body = {"body": "Eerste!"}
        assert_error(anon.post(f"{ARTICLES}/{published['id']}/comments", json=body), 401, "unauthenticated")
        assert_error(reader.post(f"{ARTICLES}/{draft['id']}/comments", json=body), 404, "not_found")
        assert_error(reader.post(f"{ARTICLES}/999999/comments", json=body), 404, "not_found")
        # An editor sees the draft, but comments open at publication.
        assert_error(editor.post(f"{ARTICLES}/{draft['id']}/comments", json=body), 409, "conflict")

    @pytest.mark.parametrize(("body", "field"), [
        ({"body": ""}, "body"), ({"body": "  \n "}, "body"), ({}, "body"), ({"body": "x" * 60_001}, "body"),
        ({"body": "Ja", "at": 1}, "at"), ({"body": "Ja", "quote_post_id": 999999}, "quote_post_id"),
    ])
    def test_bad_input(self, reader, published, body, field) -> None:
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/comments", json=body), 422, "invalid", field)
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 0

    def test_commenting_joins_the_articles_group(self, reader, client_for, member, other, published,
                                                 session) -> None:
        group_id = ok(reader.get(f"{API}/threads/{published['thread_id']}"))["group_id"]
        group = ok(reader.get(f"{API}/groups/{group_id}"))
        assert group["name"] == "Interviews en artikelen" and group["visibility"] == "open"
        assert group["my_role"] is None

        comment = ok(reader.post(f"{ARTICLES}/{published['id']}/comments", json={"body": "Herkenbaar verhaal."}), 201)
        assert comment["thread_id"] == published["thread_id"] and comment["author"]["id"] == member.id
        assert comment["held"] is False
        assert ok(reader.get(f"{API}/groups/{group_id}"))["my_role"] == "member"
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(Membership).where(
            Membership.group_id == group_id, Membership.user_id == member.id)) == 1
        # A second comment: she is a member already.
        ok(reader.post(f"{ARTICLES}/{published['id']}/comments", json={"body": "En nog iets."}), 201)
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 2
        assert [a["comment_count"] for a in ok(reader.get(ARTICLES))] == [2]
        assert ok(reader.get(f"{ARTICLES}/featured"))["comment_count"] == 2
        replies = ok(client_for(other).get(f"{API}/threads/{published['thread_id']}/replies"))["items"]
        assert [r["body"] for r in replies] == ["Herkenbaar verhaal.", "En nog iets."]

    def test_an_idempotency_key_writes_one_comment(self, reader, published) -> None:
        url, headers = f"{ARTICLES}/{published['id']}/comments", {"Idempotency-Key": "reactie-1234567890"}
        first = ok(reader.post(url, json={"body": "Dubbel geklikt"}, headers=headers), 201)
        again = reader.post(url, json={"body": "Dubbel geklikt"}, headers=headers)
        assert again.status_code == 201 and again.json()["id"] == first["id"]
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 1

    def test_a_comment_with_personal_data_is_held(self, reader, editor, client_for, other, published) -> None:
        held = ok(reader.post(f"{ARTICLES}/{published['id']}/comments",
                              json={"body": f"Maak het over op {IBAN} van mevrouw."}), 201)
        assert held["held"] is True
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 0
        assert ok(client_for(other).get(f"{API}/threads/{published['thread_id']}/replies"))["items"] == []
        assert_error(client_for(other).get(f"{API}/posts/{held['id']}"), 404, "not_found")
        # Its author sees it, waiting; the moderators find it in the queue and approve it.
        assert [r["id"] for r in ok(reader.get(f"{API}/threads/{published['thread_id']}/replies"))["items"]] == [
            held["id"]]
        [item] = [i for i in ok(editor.get(f"{API}/moderation/queue"))["items"] if i["post_id"] == held["id"]]
        assert item["reasons"] == ["personal_data"] and item["held"] is True
        ok(editor.post(f"{API}/moderation/items/{item['id']}/approve", json={}))
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 1
        assert [r["id"] for r in ok(client_for(other).get(
            f"{API}/threads/{published['thread_id']}/replies"))["items"]] == [held["id"]]

    def test_watched_words(self, reader, editor, client_for, other, published) -> None:
        ok(editor.post(f"{API}/moderation/watched-words", json={"word": "schandaal", "action": "hold"}), 201)
        ok(editor.post(f"{API}/moderation/watched-words", json={"word": "idioot", "action": "block"}), 201)
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/comments", json={"body": "Wat een idioot."}),
                     422, "invalid", "body")
        held = ok(reader.post(f"{ARTICLES}/{published['id']}/comments", json={"body": "Een SCHANDAAL is dit."}), 201)
        assert held["held"] is True
        assert ok(client_for(other).get(f"{ARTICLES}/{published['id']}"))["comment_count"] == 0
        assert ok(client_for(other).get(f"{API}/threads/{published['thread_id']}/replies"))["items"] == []


class TestReactions:
    def test_not_allowed(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        body = {"emoji": "👍", "on": True}
        assert_error(anon.post(f"{ARTICLES}/{published['id']}/reactions", json=body), 401, "unauthenticated")
        assert_error(reader.post(f"{ARTICLES}/{draft['id']}/reactions", json=body), 404, "not_found")

    @pytest.mark.parametrize(("body", "field"), [
        ({"emoji": "🦄"}, "emoji"), ({"emoji": ""}, "emoji"), ({"emoji": "x" * 17}, "emoji"), ({}, "emoji"),
        ({"emoji": "👍", "on": "graag"}, "on"),
    ])
    def test_bad_input(self, reader, published, body, field) -> None:
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/reactions", json=body), 422, "invalid", field)

    def test_a_post_of_another_article(self, editor, reader, published) -> None:
        other = publish(editor, new_article(editor, title="Een ander stuk")["id"])
        elsewhere = ok(reader.post(f"{ARTICLES}/{other['id']}/comments", json={"body": "Elders"}), 201)
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/reactions",
                                 json={"emoji": "👍", "post_id": elsewhere["id"]}), 422, "invalid", "post_id")
        assert_error(reader.post(f"{ARTICLES}/{published['id']}/reactions",
                                 json={"emoji": "👍", "post_id": 999999}), 422, "invalid", "post_id")
        assert ok(reader.get(f"{API}/posts/{elsewhere['id']}"))["reactions"] == []

    def test_on_a_comment(self, reader, client_for, other, published) -> None:
        comment = ok(client_for(other).post(f"{ARTICLES}/{published['id']}/comments", json={"body": "Eens!"}), 201)
        out = ok(reader.post(f"{ARTICLES}/{published['id']}/reactions",
                             json={"emoji": "❤️", "post_id": comment["id"]}))
        assert out["id"] == comment["id"] and out["reactions"] == [{"emoji": "❤️", "count": 1, "mine": True}]
        opening = ok(reader.post(f"{ARTICLES}/{published['id']}/reactions", json={"emoji": "👍", "on": False}))
        assert opening["is_opening"] is True and opening["reactions"] == []

    def test_on_and_off(self, reader, client_for, other, published) -> None:
        url = f"{ARTICLES}/{published['id']}/reactions"
        opening = ok(reader.post(url, json={"emoji": "👍", "on": True}))
        assert opening["is_opening"] is True and opening["thread_id"] == published["thread_id"]
        assert opening["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
        assert ok(reader.post(url, json={"emoji": "👍"}))["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
        theirs = ok(client_for(other).post(url, json={"emoji": "👍", "on": True}))
        assert theirs["reactions"] == [{"emoji": "👍", "count": 2, "mine": True}]
        assert ok(reader.post(url, json={"emoji": "👍", "on": False}))["reactions"] == [
            {"emoji": "👍", "count": 1, "mine": False}]
        assert ok(reader.get(f"{API}/posts/{opening['id']}"))["reactions"] == [
            {"emoji": "👍", "count": 1, "mine": False}]


# --- the cover ---------------------------------------------------------------------------------------------


class TestCover:
    def test_resized_to_three_widths(self, editor, reader, anon, published) -> None:
        out = ok(upload_cover(editor, published["id"], image_bytes((2000, 1000))))
        cover = out["cover"]
        assert set(cover) == {"1600", "800", "400"}
        for width, url in cover.items():
            assert url.startswith(f"/api/v1/articles/{published['id']}/cover/{width}?v=")
            for client in (reader, anon):
                response = client.get(path_of(url))
                assert response.status_code == 200, response.text
                assert response.headers["content-type"] == "image/jpeg"
                with Image.open(io.BytesIO(response.content)) as image:
                    assert image.format == "JPEG" and image.width <= int(width)
                    if width in ("1600", "400"):
                        assert image.size == (int(width), int(width) // 2)
        assert ok(reader.get(f"{ARTICLES}/{published['id']}"))["cover"] == cover
        assert ok(reader.get(ARTICLES))[0]["cover"] == cover
        assert_error(reader.get(f"{ARTICLES}/{published['id']}/cover/1200"), 404, "not_found", "width")

    def test_never_enlarged_and_no_metadata(self, editor, published) -> None:
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: rotate 90° to show it upright
        exif[0x010F] = "Camera van de fotograaf"
        data = image_bytes((600, 300), "JPEG", exif=exif.tobytes())
        cover = ok(upload_cover(editor, published["id"], data, "foto.jpg", "image/jpeg"))["cover"]
        sizes = {}
        for width, url in cover.items():
            with Image.open(io.BytesIO(editor.get(path_of(url)).content)) as image:
                sizes[width] = image.size
                assert len(image.getexif()) == 0
        assert sizes == {"1600": (300, 600), "800": (300, 600), "400": (300, 600)}

    def test_a_new_cover_is_a_new_address(self, editor, reader, published) -> None:
        first = ok(upload_cover(editor, published["id"], image_bytes()))["cover"]
        second = ok(upload_cover(editor, published["id"], image_bytes((900, 900), "GIF"), "c.gif", "image/gif"))
        assert second["cover"]["800"] != first["800"]
        with Image.open(io.BytesIO(reader.get(path_of(second["cover"]["800"])).content)) as image:
            assert image.size == (800, 800)

    @pytest.mark.parametrize(("data", "name", "mime"), [
        (b"Dit is geen plaatje.", "cover.png", "image/png"),
        (image_bytes((50, 50), "BMP"), "cover.bmp", "image/bmp"),
        (image_bytes()[:200], "half.png", "image/png"),
    ])
    def test_not_an_image(self, editor, published, data, name, mime) -> None:
        assert_error(upload_cover(editor, published["id"], data, name, mime), 422, "invalid", "file")
        assert ok(editor.get(f"{ARTICLES}/{published['id']}"))["cover"] is None

    def test_no_file(self, editor, published) -> None:
        assert_error(editor.put(f"{ARTICLES}/{published['id']}/cover"), 422, "invalid", "file")

    def test_not_allowed(self, anon, editor, reader, published) -> None:
        draft = new_article(editor, title="Concept")
        assert_error(upload_cover(anon, published["id"], image_bytes()), 401, "unauthenticated")
        assert_error(upload_cover(reader, published["id"], image_bytes()), 403, "edit_articles_not_allowed")
        assert_error(upload_cover(reader, draft["id"], image_bytes()), 404, "not_found")
        assert ok(editor.get(f"{ARTICLES}/{published['id']}"))["cover"] is None

    def test_member_only_article(self, anon, editor, reader) -> None:
        article = new_article(editor, title="Alleen voor leden", in_public_feed=False)
        cover = ok(upload_cover(editor, article["id"], image_bytes()))["cover"]
        publish(editor, article["id"])
        assert_error(anon.get(path_of(cover["400"])), 404, "not_found")
        assert reader.get(path_of(cover["400"])).status_code == 200
        # Public after all: anonymous feed readers may fetch it now.
        ok(editor.patch(f"{ARTICLES}/{article['id']}", json={"in_public_feed": True}))
        assert anon.get(path_of(cover["400"])).status_code == 200
        unpublish(editor, article["id"])
        assert_error(anon.get(path_of(cover["400"])), 404, "not_found")
        assert_error(reader.get(path_of(cover["400"])), 404, "not_found")


# --- feeds ----------------------------------------------------------------------------------------------


class TestFeeds:
    def test_the_validator_can_fail(self, anon, published) -> None:
        feed = atom(anon.get(FEED))
        feed.remove(feed.find("a:id", ATOM))
        with pytest.raises(etree.DocumentInvalid):
            atom_schema().assertValid(feed)
        entry = etree.fromstring(anon.get(FEED).content).find("a:entry", ATOM)
        entry.append(etree.Element("{http://www.w3.org/2005/Atom}published"))  # a second, empty one
        with pytest.raises(etree.DocumentInvalid):
            atom_schema().assertValid(entry)

    def test_an_empty_feed_is_valid(self, anon) -> None:
        feed = atom(anon.get(FEED))
        assert entries(feed) == {} and feed.findtext("a:updated", namespaces=ATOM)

    def test_only_published_public_articles(self, anon, editor, reader, manager, tick, raadslid) -> None:
        public = new_article(editor, title="Openbaar & <goed> nieuws", series_id=raadslid["id"],
                             body="Tekst met <b>opmaak</b> & een [link](https://example.org).")
        schedule(editor, public["id"], AT)
        tick(AT + MINUTE)
        other_series = ok(editor.post(SERIES, json={"name": "Uit de fractie", "first_slot": "2027-01-04"}), 201)
        elsewhere = publish(editor, new_article(editor, title="Uit een andere reeks",
                                                series_id=other_series["id"])["id"])
        members_only = publish(editor, new_article(editor, title="Intern stuk", series_id=raadslid["id"],
                                                   in_public_feed=False)["id"])
        draft = new_article(editor, title="Concept", series_id=raadslid["id"])
        scheduled = new_article(editor, title="Gepland", series_id=raadslid["id"])
        schedule(editor, scheduled["id"], AT + timedelta(days=30))
        pulled = publish(editor, new_article(editor, title="Teruggetrokken", series_id=raadslid["id"])["id"])
        unpublish(editor, pulled["id"])
        ok(reader.post(f"{ARTICLES}/{public['id']}/comments", json={"body": "Geheime reactie van een lid"}), 201)

        response = anon.get(FEED)
        feed = atom(response)
        assert response.headers["cache-control"] == "public, max-age=300"
        assert set(entries(feed)) == {f"/articles/{public['slug']}", f"/articles/{elsewhere['slug']}"}
        assert b"Geheime reactie" not in response.content and b"Intern stuk" not in response.content
        entry = entries(feed)[f"/articles/{public['slug']}"]
        assert entry.findtext("a:title", namespaces=ATOM) == "Openbaar & <goed> nieuws"
        assert _moment(entry, "published") == AT + MINUTE
        assert entry.findtext("a:author/a:name", namespaces=ATOM) == manager.display_name
        assert "<b>opmaak</b>" not in entry.findtext("a:content", namespaces=ATOM)  # members' HTML is escaped
        assert feed.find("a:link[@rel='self']", ATOM).get("href") == "http://testserver/feeds/articles.atom"
        assert _moment(feed, "updated") >= AT + MINUTE

        series_response = anon.get(raadslid["feed_url"])
        series_feed = atom(series_response)
        assert set(entries(series_feed)) == {f"/articles/{public['slug']}"}
        assert "Raadslid in beeld" in series_feed.findtext("a:title", namespaces=ATOM)
        assert series_feed.findtext("a:id", namespaces=ATOM) != feed.findtext("a:id", namespaces=ATOM)
        assert set(entries(atom(anon.get(other_series["feed_url"])))) == {f"/articles/{elsewhere['slug']}"}
        for article in (members_only, draft, scheduled, pulled):
            assert f"/articles/{article['slug']}" not in entries(feed)

    def test_entry_ids_survive_a_new_title(self, anon, editor, published) -> None:
        [before] = atom(anon.get(FEED)).findall("a:entry", ATOM)
        ok(editor.patch(f"{ARTICLES}/{published['id']}", json={"title": "Een nieuwe titel"}))
        [after] = atom(anon.get(FEED)).findall("a:entry", ATOM)
        assert after.findtext("a:id", namespaces=ATOM) == before.findtext("a:id", namespaces=ATOM)
        assert after.findtext("a:title", namespaces=ATOM) == "Een nieuwe titel"
        assert _moment(after, "updated") >= _moment(before, "updated")

    def test_unknown_series(self, anon) -> None:
        response = anon.get("/feeds/series/bestaat-niet.atom")
        assert response.status_code == 404 and NOT_FOUND_PAGE in response.text

    def test_a_control_character_does_not_break_the_feed(self, anon, editor) -> None:
        article = publish(editor, new_article(editor, title="Uit Word geplakt", body="Regel een\x0bregel twee")["id"])
        assert f"/articles/{article['slug']}" in entries(atom(anon.get(FEED)))


# --- series -------------------------------------------------------------------------------------------


class TestSeries:
    def test_not_allowed(self, anon, reader, raadslid) -> None:
        body = {"name": "Eigen reeks", "first_slot": "2027-01-04"}
        assert_error(anon.post(SERIES, json=body), 401, "unauthenticated")
        assert_error(anon.get(SERIES), 401, "unauthenticated")
        assert_error(reader.post(SERIES, json=body), 403, "edit_articles_not_allowed")
        assert_error(reader.patch(f"{SERIES}/{raadslid['id']}", json={"name": "Anders"}),
                     403, "edit_articles_not_allowed")
        assert_error(reader.get(f"{SERIES}/{raadslid['id']}/calendar"), 403, "edit_articles_not_allowed")
        assert_error(anon.get(f"{SERIES}/{raadslid['id']}/calendar"), 401, "unauthenticated")

    @pytest.mark.parametrize(("body", "field"), [
        ({"name": "Nieuw", "first_slot": "2027-01-04", "cadence_days": 0}, "cadence_days"),
        ({"name": "Nieuw", "first_slot": "2027-01-04", "cadence_days": 367}, "cadence_days"),
        ({"name": "Nieuw", "first_slot": "2027-01-04", "reminder_days": 61}, "reminder_days"),
        ({"name": "Nieuw", "first_slot": "4 januari"}, "first_slot"),
        ({"name": "Nieuw", "first_slot": "2027-01-04", "publish_time": "25:00"}, "publish_time"),
        ({"name": "Nieuw"}, "first_slot"),
        ({"name": " ", "first_slot": "2027-01-04"}, "name"),
        ({"name": "Nieuw", "first_slot": "2027-01-04", "colour": "rood"}, "colour"),
    ])
    def test_bad_input(self, editor, body, field) -> None:
        assert_error(editor.post(SERIES, json=body), 422, "invalid", field)
        assert ok(editor.get(SERIES)) == []

    @pytest.mark.parametrize("name", ["Raadslid in beeld", "raadslid in béeld"])
    def test_duplicate_name(self, editor, raadslid, name) -> None:
        assert_error(editor.post(SERIES, json={"name": name, "first_slot": "2027-01-04"}), 409, "series_exists", "name")
        assert [s["id"] for s in ok(editor.get(SERIES))] == [raadslid["id"]]

    def test_create_read_and_change(self, editor, reader, raadslid) -> None:
        assert raadslid["slug"] == "raadslid-in-beeld"
        assert raadslid["feed_url"] == "/feeds/series/raadslid-in-beeld.atom"
        assert (raadslid["cadence_days"], raadslid["publish_time"], raadslid["reminder_days"]) == (14, "09:00:00", 5)
        assert ok(reader.get(SERIES)) == [raadslid]  # members see the series (to browse them)
        assert ok(reader.get(f"{SERIES}/{raadslid['id']}")) == raadslid
        changed = ok(editor.patch(f"{SERIES}/{raadslid['id']}", json={"description": "Om de week.",
                                                                       "cadence_days": 7}))
        assert (changed["description"], changed["cadence_days"], changed["slug"]) == (
            "Om de week.", 7, "raadslid-in-beeld")
        assert_error(editor.patch(f"{SERIES}/{raadslid['id']}", json={"cadence_days": 0}), 422, "invalid",
                     "cadence_days")
        assert_error(editor.patch(f"{SERIES}/{raadslid['id']}", json={"slug": "x"}), 422, "invalid", "slug")
        assert_error(editor.patch(f"{SERIES}/999999", json={"name": "X"}), 404, "not_found")
        assert_error(editor.get(f"{SERIES}/999999/calendar"), 404, "not_found")
        assert ok(reader.get(f"{SERIES}/{raadslid['id']}"))["cadence_days"] == 7


    def test_rename_to_an_existing_name(self, editor, raadslid) -> None:
        ok(editor.post(SERIES, json={"name": "Uit de fractie", "first_slot": "2027-01-04"}), 201)
        assert_error(editor.patch(f"{SERIES}/{raadslid['id']}", json={"name": "Uit de fractie"}),
                     409, "series_exists", "name")


class TestCalendar:
    def test_slots(self, editor, raadslid, tick) -> None:
        """Slots 14 days apart at 09:00 Amsterdam time (in UTC: 08:00 in winter, 07:00 in summer), each
        scheduled, published or empty by the articles of this series whose moment falls in it."""
        first = date.fromisoformat(raadslid["first_slot"])
        days = [first + timedelta(days=14 * k) for k in range(16)]
        late = new_article(editor, title="Een dag te laat", series_id=raadslid["id"])
        schedule(editor, late["id"], slot_moment(days[1]) + timedelta(days=1))
        tick(slot_moment(days[1]) + timedelta(days=1, minutes=1))
        scheduled = new_article(editor, title="Gepland voor slot 1", series_id=raadslid["id"])
        schedule(editor, scheduled["id"], slot_moment(days[0]))
        new_article(editor, title="Concept in de reeks", series_id=raadslid["id"])
        stranger = new_article(editor, title="Buiten de reeks")
        schedule(editor, stranger["id"], slot_moment(days[2]))

        # Up to two past slots and 16 coming ones: a series that has no past yet shows the 16 coming ones.
        calendar = ok(editor.get(f"{SERIES}/{raadslid['id']}/calendar", params={"count": 16}))
        assert calendar["series"]["id"] == raadslid["id"]
        slots = calendar["slots"]
        assert [s["date"] for s in slots] == [d.isoformat() for d in days]
        for slot, day in zip(slots, days, strict=True):
            moment = slot_moment(day)
            assert slot["publish_at"] == iso(moment)
            assert moment.hour == (7 if datetime.combine(day, time(9), tzinfo=AMSTERDAM).dst() else 8)
            assert slot["remind_at"] == iso(moment - timedelta(days=5))
        assert {s["publish_at"][11:16] for s in slots} == {"07:00", "08:00"}  # 16 slots span a change of time
        assert [s["state"] for s in slots[:4]] == ["scheduled", "published", "empty", "empty"]
        assert [(a["id"], a["status"], a["at"]) for a in slots[0]["articles"]] == [
            (scheduled["id"], "scheduled", iso(slot_moment(days[0])))]
        assert [(a["id"], a["status"], a["at"]) for a in slots[1]["articles"]] == [
            (late["id"], "published", iso(slot_moment(days[1]) + timedelta(days=1, minutes=1)))]
        assert slots[2]["articles"] == [] and {s["state"] for s in slots[2:]} == {"empty"}
        assert len(ok(editor.get(f"{SERIES}/{raadslid['id']}/calendar"))["slots"]) == 8  # no past yet
        assert_error(editor.get(f"{SERIES}/{raadslid['id']}/calendar", params={"count": 53}), 422, "invalid",
                     "count")

    def test_past_slots(self, editor) -> None:
        """The last two slots are shown too, without a reminder moment."""
        today = utcnow().astimezone(AMSTERDAM).date()
        past = ok(editor.post(SERIES, json={"name": "Terugblik", "cadence_days": 7, "first_slot":
                                            (today - timedelta(days=70)).isoformat()}), 201)
        slots = ok(editor.get(f"{SERIES}/{past['id']}/calendar", params={"count": 3}))["slots"]
        assert len(slots) == 5
        moments = [datetime.fromisoformat(s["publish_at"]) for s in slots]
        assert moments == sorted(moments) and moments[0] >= utcnow() - timedelta(days=14)
        assert sum(m < utcnow() for m in moments) == 2
        assert [s["remind_at"] is None for s in slots[:2]] == [True, True]


# --- reminders of empty slots ---------------------------------------------------------------------------


class TestReminders:
    @pytest.fixture
    def editors(self, make_user, admin, manager, editor):
        """Everyone who hears of an empty slot: the community manager, an admin, a member with the role."""
        return [manager, admin, make_user(is_editor=True, display_name="Eva Redacteur")]

    def reminders(self, session: Any, series_id: int) -> list[int]:
        session.expire_all()
        return sorted(session.scalars(select(Notification.user_id).where(
            Notification.kind == "series_reminder", Notification.series_id == series_id)))

    def test_an_empty_slot_reminds_each_editor_once(self, editors, member, raadslid, tick, mails, session,
                                                    client_for, run, reader) -> None:
        day = date.fromisoformat(raadslid["first_slot"])
        remind = slot_moment(day) - timedelta(days=5)
        tick(remind - MINUTE)
        assert self.reminders(session, raadslid["id"]) == []

        tick(remind + MINUTE)
        assert self.reminders(session, raadslid["id"]) == sorted(u.id for u in editors)
        for user in editors:
            [line] = notes(client_for(user), "series_reminder")
            assert line["url"] == "/manage/series/raadslid-in-beeld" and line["series"]["id"] == raadslid["id"]
            assert line["detail"] == day.isoformat()
            [mail] = [m for m in mails if m.user_id == user.id]
            assert (mail.to, mail.kind) == (user.email, "series_reminder")
            assert "Raadslid in beeld" in mail.subject
            assert "http://testserver/manage/series/raadslid-in-beeld" in mail.text
        assert notes(reader) == [] and [m for m in mails if m.user_id == member.id] == []

        # Again: by the worker, by another worker, by the job itself — nobody hears of it twice.
        assert tick(remind + 2 * MINUTE) == 0 and tick(remind + 2 * MINUTE, name="t2") == 0
        assert run(series_service.remind_empty_slot, None, series_id=raadslid["id"], slot=day,
                   now=remind + 3 * MINUTE) == 0
        assert self.reminders(session, raadslid["id"]) == sorted(u.id for u in editors)
        assert len([m for m in mails if m.kind == "series_reminder"]) == len(editors)

    def test_a_filled_slot_reminds_nobody(self, editors, editor, raadslid, tick, session) -> None:
        day = date.fromisoformat(raadslid["first_slot"]) + timedelta(days=14)
        article = new_article(editor, title="Op tijd ingepland", series_id=raadslid["id"])
        schedule(editor, article["id"], slot_moment(day) - timedelta(hours=3))
        tick(slot_moment(day) - timedelta(days=5) + MINUTE)
        # (The first slot's reminder ran too, and told everyone; the second slot's told nobody.)
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.group_key == series_service.reminder_key(raadslid["id"], day))) == 0

    def test_only_in_the_window_and_only_on_a_slot(self, editors, editor, raadslid, run, session) -> None:
        day = date.fromisoformat(raadslid["first_slot"])
        remind, moment = slot_moment(day) - timedelta(days=5), slot_moment(day)

        def remind_at(now: datetime, slot: date = day) -> int:
            return run(series_service.remind_empty_slot, None, series_id=raadslid["id"], slot=slot, now=now)

        assert remind_at(remind - MINUTE) == 0  # too early
        assert remind_at(moment + MINUTE) == 0  # the slot has passed
        assert remind_at(remind + MINUTE, day + timedelta(days=1)) == 0  # not a slot of the series
        assert run(series_service.remind_empty_slot, None, series_id=999999, slot=day, now=remind + MINUTE) == 0
        assert self.reminders(session, raadslid["id"]) == []
        assert remind_at(moment - MINUTE) == len(editors)  # the last minute still counts
        [line] = notes(editor, "series_reminder")
        assert line["series"]["slug"] == "raadslid-in-beeld"

    def test_jobs_are_queued_for_the_coming_slots_once(self, raadslid, session) -> None:
        first = date.fromisoformat(raadslid["first_slot"])
        for _ in range(2):
            series_service.schedule_reminders(session)
            session.commit()
        queued = session.scalars(select(Job).where(Job.kind == jobs.RemindSeriesEditors.job_kind)).all()
        assert sorted((j.payload["slot"], j.run_at) for j in queued) == [
            ((first + timedelta(days=14 * k)).isoformat(), slot_moment(first + timedelta(days=14 * k))
             - timedelta(days=5)) for k in range(3)]

    def test_a_later_publish_time_still_reminds(self, editors, editor, raadslid, tick, session) -> None:
        ok(editor.patch(f"{SERIES}/{raadslid['id']}", json={"publish_time": "17:00:00"}))
        day = date.fromisoformat(raadslid["first_slot"])
        tick(slot_moment(day) - timedelta(days=5) + MINUTE)  # the old reminder moment: too early now
        assert self.reminders(session, raadslid["id"]) == []
        tick(slot_moment(day, time(17, 0)) - timedelta(days=5) + MINUTE)
        assert self.reminders(session, raadslid["id"]) == sorted(u.id for u in editors)
