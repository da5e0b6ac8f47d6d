"""The interview series in Chromium: the community manager writes and schedules an interview in the editor;
at the publish moment the job runner inside the server publishes it, and it appears on a member's open home
page without a reload, with her notification. She reads it, reacts and comments."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_site
from tests.browser.test_accessibility import check


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # The embedded run: the job runner works inside the web process and publishes through its bus.
    with open_site(tmp_path_factory, run_worker="true", worker_poll_seconds="0.2") as opened:
        yield opened


def test_a_scheduled_interview_appears_on_an_open_home_page(member_in, site) -> None:
    editor, anna = member_in("beheer"), member_in("anna")
    anna.wait_live()
    expect(anna.page.locator("#no-featured")).to_be_visible()

    # The editor writes the interview in the editor page and schedules it for next week.
    page = editor.page
    page.goto("/manage/articles/new")
    page.get_by_label("Titel").fill("Raadslid in beeld: Anna de Vries")
    page.get_by_label("Intro").fill("Waarom Anna raadslid werd, en waar ze tegenaan loopt.")
    page.get_by_label("Tekst (markdown)").fill("## Waarom de raad?\n\nOmdat je in **Alkmaar** echt iets kunt doen.")
    page.get_by_label("Over lid (gebruikersnaam, optioneel)").fill("anna")
    page.get_by_role("button", name="Voorbeeld").click()
    expect(page.locator("#article-preview strong")).to_have_text("Alkmaar")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#status-line")).to_have_text("Opgeslagen.")
    page.wait_for_url("**/manage/articles/*")
    next_week = (datetime.now(UTC) + timedelta(days=7)).astimezone(_amsterdam())
    page.get_by_label("Publiceren op (tijd in Amsterdam)").fill(next_week.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Inplannen").click()
    expect(page.locator("#publication-state")).to_contain_text("Ingepland voor")
    editor.screenshot("article-editor-desktop")
    article_id = int(page.url.rsplit("/", 1)[1])

    # Anna cannot see it yet: a draft or a scheduled piece does not exist for members.
    assert anna.page.request.get(f"/api/v1/articles/{article_id}").status == 404

    # Then the moment is moved to a few seconds from now; the server's job runner publishes it.
    soon = datetime.now(UTC) + timedelta(seconds=3)
    editor.api("POST", f"/api/v1/articles/{article_id}/schedule", {"publish_at": soon.isoformat()})
    card = anna.page.locator("#featured .article-card")
    expect(card).to_contain_text("Raadslid in beeld: Anna de Vries", timeout=20_000)
    expect(anna.page.locator("#no-featured")).to_be_hidden()
    expect(anna.page.locator("#unread-badge")).to_have_text("1")
    expect(anna.page.locator("#home-notifications")).to_contain_text("Nieuw artikel: Raadslid in beeld: Anna de Vries")
    anna.screenshot("home-featured-desktop")

    # She opens it, reacts and comments; the comment appears, and she became a member of the comments' group.
    card.get_by_role("link", name="Raadslid in beeld: Anna de Vries").click()
    anna.page.wait_for_url("**/articles/raadslid-in-beeld-anna-de-vries")
    expect(anna.page.locator(".article-body h2")).to_have_text("Waarom de raad?")
    expect(anna.page.locator(".long-read .meta")).to_contain_text("Gepubliceerd")
    anna.wait_live()
    anna.page.locator(".reactions-only .react-button").click()
    anna.page.get_by_role("button", name="Reageer met 👍").click()
    expect(anna.page.locator(".reactions-only .reaction.mine")).to_contain_text("1")
    anna.page.get_by_label("Bericht").fill("Mooi interview, herkenbaar!")
    anna.page.get_by_role("button", name="Reageren", exact=True).click()
    comment = anna.page.locator("#reply-list article.post", has_text="Mooi interview, herkenbaar!")
    expect(comment).to_have_count(1)
    expect(comment).not_to_have_class("pending")
    expect(anna.page.locator("#reply-count")).to_have_text("1 reactie")
    anna.screenshot("article-desktop")
    anna.page.set_viewport_size({"width": 360, "height": 740})
    anna.screenshot("article-phone")

    # Published exactly once: one line in her notifications.
    lines = anna.api("GET", "/api/v1/notifications")["items"]  # type: ignore[index]
    assert [n["kind"] for n in lines if n["kind"] == "article"] == ["article"]


def test_the_publishing_pages_are_accessible(member_in, site) -> None:
    editor = member_in("beheer")
    first = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    series = editor.api("POST", "/api/v1/series", {"name": "Fractie aan het woord", "first_slot": first})
    draft = editor.api("POST", "/api/v1/articles", {"title": "Concept over de Omgevingswet", "lead": "Een intro",
                                                    "series_id": series["id"]})  # type: ignore[index]
    for name, path in (("editorial", "/manage/articles"), ("article-new", "/manage/articles/new"),
                       ("article-edit", f"/manage/articles/{draft['id']}"), ("series-list", "/manage/series"),  # type: ignore[index]
                       ("series-calendar", f"/manage/series/{series['slug']}"),  # type: ignore[index]
                       ("article-draft", f"/articles/{draft['slug']}")):  # type: ignore[index]
        editor.page.goto(path)
        check(editor, name)
    anna = member_in("anna")
    for name, path in (("articles", "/articles"), ("home-with-featured", "/")):
        anna.page.goto(path)
        check(anna, name)


def _amsterdam():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")


def test_plan_an_article_from_the_series_calendar(member_in, site) -> None:
    """The calendar's link carries the slot's moment with its offset; the editor fills it in and saves."""
    editor = member_in("beheer")
    first = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    series = editor.api("POST", "/api/v1/series", {"name": "Wethouder aan het woord", "first_slot": first})
    editor.page.goto(f"/manage/series/{series['slug']}")  # type: ignore[index]
    editor.wait_live()  # its scripts run: what is done next is seen by them
    editor.page.get_by_role("link", name="Plan een artikel").first.click()
    editor.page.wait_for_url("**/manage/articles/new?**")
    editor.wait_live()  # its scripts run: what is done next is seen by them
    planned = editor.page.get_by_label("Publiceren op (tijd in Amsterdam)").input_value()
    assert planned and planned[:4].isdigit(), planned
    editor.page.get_by_label("Titel").fill("Interview met de wethouder")
    editor.page.get_by_role("button", name="Opslaan").click()
    expect(editor.page).to_have_url(re.compile(r"/manage/articles/\d+$"))  # replaceState, not a load
    mine = editor.api("GET", "/api/v1/editorial/articles")
    assert [a["title"] for a in mine if a["title"] == "Interview met de wethouder"]  # type: ignore[union-attr]
    editor.page.get_by_role("button", name="Inplannen").click()
    expect(editor.page.locator("#publication-state")).to_contain_text("Ingepland")
