"""Every page through axe-core (vendored, pinned) in real Chromium: no serious or critical violation,
on a desktop and on a 360 px phone screen. Screenshots of each go to test-artifacts/screenshots/."""
from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core-4.10.3" / "axe.min.js"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, so the page's strict CSP (no inline scripts) stays on.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""")
    return [v for v in found if v["impact"] in ("serious", "critical")]


def check(member_or_page, name: str) -> None:
    page = getattr(member_or_page, "page", member_or_page)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], f"{name} ({size})"
        if hasattr(member_or_page, "screenshot"):
            member_or_page.screenshot(f"{name}-{size}")


@pytest.fixture
def thread_id(member_in, site) -> int:
    bert = member_in("bert")
    groups = bert.api("GET", f"/api/v1/groups?q={site.group_slug}")
    group = next(g for g in (groups["items"] if isinstance(groups, dict) else groups) if g["slug"] == site.group_slug)
    channel = bert.api("GET", f"/api/v1/groups/{group['id']}/channels")[0]
    thread = bert.api("POST", f"/api/v1/channels/{channel['id']}/threads", {
        "kind": "motion", "title": "Motie: groene schoolpleinen",
        "body": "De raad, gehoord de beraadslaging, **verzoekt**…",
        "motion": {"municipality": "Delft", "status": "adopted"}})
    bert.api("POST", f"/api/v1/threads/{thread['id']}/replies", {"body": "Aangenomen met 30 stemmen voor. @anna"})
    return int(thread["id"])


def test_pages_of_a_member(member_in, site, thread_id) -> None:
    anna = member_in("anna")
    for name, path in (("home", "/"), ("directory", "/groups"), ("group", f"/groups/{site.group_slug}"),
                       ("closed-group", f"/groups/{site.closed_slug}"), ("thread", f"/threads/{thread_id}"),
                       ("notifications", "/notifications"), ("settings-notifications", "/settings/notifications"),
                       ("settings-profile", "/settings/profile"), ("settings-account", "/settings/account"),
                       ("profile", "/members/bert"),
                       ("not-found", "/groups/bestaat-niet")):
        anna.page.goto(path)
        check(anna, name)
    # The composer with its question fields open.
    anna.page.goto(f"/groups/{site.group_slug}")
    anna.page.get_by_text("Nieuw onderwerp in #").click()
    anna.page.get_by_label("Vraag", exact=True).check()
    check(anna, "composer-question")


def test_pages_of_the_community_manager(member_in, site) -> None:
    boss = member_in("beheer")
    for name, path in (("pending-questions", "/manage/questions"), ("moderation", "/moderation"),
                       ("audit", "/manage/audit"), ("duplicates", "/manage/duplicates"),
                       ("directory-staff", "/groups"), ("community", "/manage/community"),
                       ("merge", "/manage/merge"), ("group-settings", f"/groups/{site.group_slug}/settings"),
                       ("group-members", f"/groups/{site.group_slug}/members")):
        boss.page.goto(path)
        check(boss, name)


def test_pages_of_a_visitor(browser, site) -> None:
    from tests.browser.conftest import ARTIFACTS, BACKEND

    context = browser.new_context(base_url=site.url, locale="nl-NL")
    page = context.new_page()
    try:
        for name, path in (("login", "/login"), ("invite", "/invite/" + "x" * 43),
                           ("password-reset", "/password-reset/" + "x" * 43), ("unsubscribe-bad", "/unsubscribe/x"),
                           ("api-docs", "/api/docs")):
            page.goto(path)
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.wait_for_load_state("networkidle")
                if name != "api-docs":  # Swagger UI's own markup is not ours to fix
                    assert violations(page) == [], f"{name} ({size})"
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{size}-{BACKEND}.png"), full_page=True)
    finally:
        context.close()
