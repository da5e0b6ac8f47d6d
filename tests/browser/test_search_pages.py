"""Finding what others did, in Chromium: suggestions in the header's search box while typing, the search page,
the motion library's facets, and reusing a motion from another municipality as the start of one's own."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.test_accessibility import check


def _group(member, slug: str) -> dict[str, Any]:
    found = member.api("GET", f"/api/v1/groups?q={slug}")
    items = found["items"] if isinstance(found, dict) else found
    return next(g for g in items if g["slug"] == slug)


def test_find_a_motion_and_reuse_it(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    group = _group(anna, site.group_slug)
    channel = anna.api("GET", f"/api/v1/groups/{group['id']}/channels")[0]  # type: ignore[index]
    original = anna.api("POST", f"/api/v1/channels/{channel['id']}/threads", {
        "kind": "motion", "title": "Motie zonnepanelen op alle basisscholen",
        "body": "De raad verzoekt het college om **zonnepanelen** op alle basisscholen te leggen.",
        "motion": {"municipality": "Alkmaar", "status": "adopted"}})

    # Bert types the start of a word in the header; the motion is suggested, the typed part marked.
    page = bert.page
    page.goto("/")
    box = page.get_by_role("combobox", name="Zoeken")
    box.fill("zonnep")
    suggestion = page.locator("#site-search-suggestions li", has_text="Motie zonnepanelen op alle basisscholen")
    expect(suggestion).to_be_visible(timeout=5000)
    expect(suggestion.locator("mark")).to_have_text("zonnepanelen")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(f"**/threads/{original['id']}")  # type: ignore[index]
    bert.screenshot("thread-motion-desktop")

    # He starts his own motion from it; the new one links to Anna's.
    page.get_by_role("link", name="Gebruik als basis voor je eigen motie").click()
    page.wait_for_url("**/reuse")
    expect(page.locator("#based-on")).to_contain_text("Motie zonnepanelen op alle basisscholen")
    expect(page.locator("#based-on")).to_contain_text("Anna de Vries")
    expect(page.get_by_label("Tekst (markdown)")).to_have_value(
        "De raad verzoekt het college om **zonnepanelen** op alle basisscholen te leggen.")
    check(bert, "motion-reuse")
    page.get_by_label("Titel").fill("Motie zonnepanelen op Delftse scholen")
    page.get_by_label("Gemeente").fill("Delft")
    page.get_by_role("button", name="Je motie plaatsen").click()
    page.wait_for_url("**/threads/*")
    expect(page.locator(".based-on")).to_contain_text("Motie zonnepanelen op alle basisscholen")
    expect(page.locator("h1")).to_have_text("Motie zonnepanelen op Delftse scholen")

    # The search page finds both, with the word marked; the library narrows to the adopted one.
    page.goto("/search?q=zonnepaneel")
    results = page.locator(".search-hit")
    expect(results).to_have_count(2)
    expect(results.first.locator("mark").first).to_be_visible()
    check(bert, "search")
    page.goto("/motions")
    page.locator(".facet a", has_text="Aangenomen").click()
    expect(page.locator(".motion-card")).to_have_count(1)
    expect(page.locator(".motion-card")).to_contain_text("Alkmaar")
    check(bert, "motion-library")
    page.goto("/members?municipality=Delft")
    expect(page.locator(".member-item")).to_contain_text("Bert Jansen")
    check(bert, "members")
