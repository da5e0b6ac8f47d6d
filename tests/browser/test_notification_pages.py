"""Notifications in the browser: the badge lights up live, the panel lists them, a muted group is silent,
and a closed group's join request approved by its admin updates the requester's page."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def start_thread(member, slug: str, title: str, body: str) -> None:
    member.page.goto(f"/groups/{slug}")
    member.page.get_by_text("Nieuw onderwerp in #").click()
    member.page.get_by_label("Titel").fill(title)
    member.page.get_by_label("Bericht").fill(body)
    member.page.get_by_role("button", name="Plaatsen").click()
    member.page.wait_for_url("**/threads/*")


def unread(member) -> int:
    return int(member.api("GET", "/api/v1/notifications/unread")["unread"])  # type: ignore[index]


def test_a_mention_lights_the_badge_live_and_a_muted_group_is_silent(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    anna.page.goto("/")
    anna.wait_live()
    badge = anna.page.locator("#unread-badge")
    expect(badge).to_be_hidden()

    start_thread(bert, site.group_slug, "Zonnepanelen op scholen", "@anna, hoe deed Alkmaar dit?")
    expect(badge).to_have_text("1", timeout=1000)
    expect(anna.page.get_by_role("link", name="Meldingen, 1 ongelezen")).to_be_visible()
    # Her home page lists it among her unread notifications, live too.
    expect(anna.page.locator("#home-notifications .notification")).to_have_text(
        re.compile("Bert Jansen noemde je in Zonnepanelen op scholen"))
    expect(anna.page.locator("#no-unread")).to_be_hidden()

    anna.page.get_by_role("link", name=re.compile("^Meldingen")).click()
    item = anna.page.locator(".notification").first
    expect(item).to_contain_text("Bert Jansen noemde je in Zonnepanelen op scholen")
    expect(item).to_have_class(re.compile("unread"))
    anna.screenshot("notifications-desktop")
    anna.page.set_viewport_size({"width": 360, "height": 740})
    anna.screenshot("notifications-phone")
    anna.page.set_viewport_size({"width": 1280, "height": 800})

    # She mutes the theme group in her settings.
    anna.page.goto("/settings/notifications")
    anna.page.get_by_label("Duurzaamheid").select_option("muted")
    expect(anna.page.locator(".level-saved").first).to_have_text("Opgeslagen.")
    anna.screenshot("settings-notifications-desktop")
    anna.page.goto("/")
    anna.wait_live()
    start_thread(bert, site.group_slug, "Nog een vraag over zon", "@anna, en de subsidie?")
    bert.page.get_by_label("Bericht").fill("@anna nog even dit")
    bert.page.get_by_role("button", name="Reageren", exact=True).click()
    expect(bert.page.locator("article.post:not(.pending)", has_text="nog even dit")).to_have_count(1)
    expect(bert.page.locator("article.post", has_text="nog even dit")).to_have_count(1)
    anna.page.wait_for_timeout(1000)
    expect(badge).to_have_text("1")
    assert unread(anna) == 1

    # Opening the first notification reads it: the badge goes out.
    anna.page.goto("/notifications")
    anna.page.get_by_role("link", name=re.compile("noemde je in Zonnepanelen")).click()
    anna.page.wait_for_url("**/threads/*")
    expect(badge).to_be_hidden(timeout=2000)
    assert unread(anna) == 0


def test_a_reply_to_her_question_shows_the_unread_badge(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    start_thread(anna, site.group_slug, "Wie kent een goede aanbesteding?", "Voor warmtepompen.")
    thread_url = anna.page.url
    anna.page.goto(f"/groups/{site.group_slug}")
    anna.wait_live()
    bert.page.goto(thread_url)
    bert.page.get_by_label("Bericht").fill("Wij hebben er een, ik stuur hem.")
    bert.page.get_by_role("button", name="Reageren", exact=True).click()
    expect(anna.page.locator("#unread-badge")).to_have_text("1", timeout=1000)


def test_join_a_closed_group_by_request_and_the_page_updates(member_in, site) -> None:
    carla, boss = member_in("carla"), member_in("beheer")
    boss.page.goto(f"/groups/{site.closed_slug}")
    boss.wait_live()
    expect(boss.page.locator("#request-list")).to_contain_text("Geen openstaande verzoeken.")

    carla.page.goto(f"/groups/{site.closed_slug}")
    carla.wait_live()
    expect(carla.page.locator(".notice")).to_be_visible()
    carla.page.get_by_role("button", name="Lidmaatschap aanvragen").click()
    carla.page.get_by_role("button", name="Verzoek versturen").click()  # without a message: it may be empty
    expect(carla.page.locator("#join-state")).to_contain_text("Verzoek verstuurd")

    approve = boss.page.get_by_role("button", name="Carla Smit goedkeuren")
    expect(approve).to_be_visible(timeout=2000)  # the request arrived live
    boss.screenshot("group-admin-desktop")
    approve.click()

    expect(carla.page.locator("#join-state")).to_contain_text("Lid", timeout=3000)
    expect(carla.page.get_by_role("heading", name="Onderwerpen")).to_be_visible()
    expect(carla.page.locator("#unread-badge")).to_have_text("1")
    carla.page.get_by_role("link", name=re.compile("^Meldingen")).click()
    expect(carla.page.locator(".notification").first).to_contain_text("Je bent nu lid van Fractie Delft")


def test_a_question_to_a_portfolio_shows_its_reach_and_reaches_the_holder(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    anna.page.goto(f"/groups/{site.group_slug}")
    anna.page.get_by_label("Meldingen uit deze groep").select_option("")  # back to the default (she muted it)
    expect(anna.page.locator(".level-saved")).to_have_text("Opgeslagen.")
    anna.page.goto("/")
    anna.wait_live()
    before = unread(anna)

    bert.page.goto(f"/groups/{site.group_slug}")
    bert.page.get_by_text("Nieuw onderwerp in #").click()
    bert.page.get_by_label("Vraag", exact=True).check()
    bert.page.get_by_label("Duurzaamheid", exact=True).check()
    reach = bert.page.locator(".audience")
    expect(reach).to_have_text("Je vraag bereikt 2 leden.")  # Anna and Carla hold it
    bert.page.get_by_label("Alleen in provincie").select_option("noord-holland")
    expect(reach).to_have_text("Je vraag bereikt 1 lid.")
    bert.screenshot("composer-question-desktop")
    bert.page.get_by_label("Titel").fill("Wie heeft een warmtevisie vastgesteld?")
    bert.page.get_by_label("Bericht").fill("Ik zoek voorbeelden uit Noord-Holland.")
    bert.page.get_by_role("button", name="Plaatsen").click()
    bert.page.wait_for_url("**/threads/*")
    expect(bert.page.locator(".meta", has_text="Gevraagd aan")).to_contain_text("1 lid bereikt")

    expect(anna.page.locator("#unread-badge")).to_have_text(str(before + 1), timeout=1000)
    anna.page.goto("/notifications")
    expect(anna.page.locator(".notification").first).to_contain_text(
        "Bert Jansen vraagt jou als portefeuillehouder: Wie heeft een warmtevisie vastgesteld?")


def test_each_notification_says_what_happened(member_in, site) -> None:
    """A held post approved, a group merged: sentences that say so, never "there is news in …"."""
    boss, anna = member_in("beheer"), member_in("anna")
    boss.api("POST", "/api/v1/moderation/watched-words", {"word": "windmolenpark", "action": "hold"})
    groups = boss.api("GET", "/api/v1/groups")
    theme = next(g for g in groups if g["slug"] == site.group_slug)  # type: ignore[union-attr]
    channel = boss.api("GET", f"/api/v1/groups/{theme['id']}/channels")[0]  # type: ignore[index]
    thread = anna.api("POST", f"/api/v1/channels/{channel['id']}/threads",
                      {"title": "Het windmolenpark bij Egmond", "body": "Wie weet hoe het windmolenpark loopt?"})
    [item] = [i for i in boss.api("GET", "/api/v1/moderation/queue")["items"]  # type: ignore[index]
              if i["thread_id"] == thread["id"]]  # type: ignore[index]
    boss.api("POST", f"/api/v1/moderation/items/{item['id']}/approve", {})
    source = boss.api("POST", "/api/v1/groups", {"name": "Energie Noord", "kind": "theme"})
    boss.api("POST", f"/api/v1/groups/{source['id']}/join")  # type: ignore[index]
    anna.api("POST", f"/api/v1/groups/{source['id']}/join")  # type: ignore[index]
    boss.api("POST", "/api/v1/groups/merge", {"source_id": source["id"], "target_id": theme["id"],  # type: ignore[index]
                                              "confirm_exposure": True})
    anna.page.goto("/notifications")
    texts = anna.page.locator(".notification-text")
    expect(texts.filter(has_text="goedgekeurd")).to_contain_text(
        "Je bericht in “Het windmolenpark bij Egmond” is goedgekeurd: iedereen ziet het nu")
    expect(texts.filter(has_text="samengevoegd")).to_contain_text(
        "Energie Noord is samengevoegd met Duurzaamheid: daar ben je nu lid")
    assert "Er is nieuws" not in anna.page.locator("main").inner_text()
