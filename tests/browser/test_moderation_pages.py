"""Moderation in the browser: a member reports a post, the community manager removes it from the queue, the
author reads why; a watched word holds a reply until a moderator approves it."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_report_then_remove_and_the_author_reads_why(member_in, site) -> None:
    anna, bert, boss = member_in("anna"), member_in("bert"), member_in("beheer")
    bert.page.goto(f"/groups/{site.group_slug}")
    bert.page.get_by_text("Nieuw onderwerp in #").click()
    bert.page.get_by_label("Titel").fill("Die wethouder van Alkmaar is een sukkel")
    bert.page.get_by_label("Bericht").fill("Echt waar.")
    bert.page.get_by_role("button", name="Plaatsen").click()
    bert.page.wait_for_url("**/threads/*")
    thread_url = bert.page.url
    bert.page.goto("/")
    bert.wait_live()
    boss.page.goto("/")
    boss.wait_live()

    anna.page.goto(thread_url)
    anna.page.get_by_role("button", name="Melden").first.click()
    dialog = anna.page.get_by_role("dialog", name="Melden bij de moderators")
    dialog.get_by_label("Ongepast of beledigend").check()
    dialog.get_by_label("Toelichting (niet verplicht)").fill("Persoonlijke aanval op een collega.")
    dialog.get_by_role("button", name="Naar de moderators sturen").click()
    expect(dialog.locator(".form-done")).to_have_text("Dank je. Een moderator kijkt ernaar.")
    anna.screenshot("flag-dialog-desktop")

    expect(boss.page.locator("#queue-badge")).to_have_text("1", timeout=2000)  # live in his header
    boss.page.get_by_role("link", name=re.compile("^Moderatie")).click()
    item = boss.page.locator(".queue-item", has_text="Die wethouder van Alkmaar is een sukkel")
    expect(item.locator(".flags")).to_contain_text("Ongepast of beledigend — Persoonlijke aanval op een collega.")
    expect(item.locator(".flags")).to_contain_text("Anna de Vries")
    boss.screenshot("moderation-desktop")
    item.get_by_label("Reden voor verwijderen (de schrijver krijgt die te zien)").fill(
        "We spreken hier met respect over collega's.")
    item.get_by_role("button", name="Verwijderen").click()
    expect(item).to_have_count(0)
    expect(boss.page.locator("#queue-empty")).to_be_visible()

    expect(bert.page.locator("#unread-badge")).to_have_text("1", timeout=2000)
    bert.page.goto("/notifications")
    line = bert.page.locator(".notification").first
    expect(line).to_contain_text("Een moderator heeft je bericht in Duurzaamheid verwijderd")
    expect(line).to_contain_text("We spreken hier met respect over collega's.")
    anna.page.goto(thread_url)
    expect(anna.page.locator("h1")).to_have_text("Niet gevonden")

    boss.page.goto("/manage/audit")
    expect(boss.page.locator("table.audit")).to_contain_text("Onderwerp verwijderd")


def test_a_watched_word_holds_a_reply_until_approved(member_in, site) -> None:
    anna, bert, boss = member_in("anna"), member_in("bert"), member_in("beheer")
    boss.page.goto("/moderation")
    boss.page.get_by_label("Woord of zinsdeel").fill("geheim dossier")
    boss.page.get_by_label("Laten beoordelen").check()
    boss.page.get_by_role("button", name="Toevoegen").click()
    expect(boss.page.locator("#word-list")).to_contain_text("geheim dossier")

    bert.page.goto(f"/groups/{site.group_slug}")
    bert.page.get_by_text("Nieuw onderwerp in #").click()
    bert.page.get_by_label("Titel").fill("Aanpak warmtetransitie")
    bert.page.get_by_label("Bericht").fill("Wie doet mee?")
    bert.page.get_by_role("button", name="Plaatsen").click()
    bert.page.wait_for_url("**/threads/*")
    bert.wait_live()

    anna.page.goto(bert.page.url)
    anna.page.get_by_label("Bericht").fill("Zie het Geheim Dossier van de gemeente.")
    anna.page.get_by_role("button", name="Reageren", exact=True).click()
    mine = anna.page.locator("article.post:not(.pending)", has_text="Zie het Geheim Dossier")
    expect(mine.locator(".badge.held")).to_have_text("Wacht op een moderator")
    bert.page.wait_for_timeout(500)
    expect(bert.page.locator("article.post", has_text="Zie het Geheim Dossier")).to_have_count(0)

    boss.page.goto("/moderation")
    item = boss.page.locator(".queue-item", has_text="Zie het Geheim Dossier")
    expect(item).to_contain_text("watched_word: geheim dossier")
    item.get_by_role("button", name="Goedkeuren").click()
    expect(item).to_have_count(0)
    expect(bert.page.locator("article.post", has_text="Zie het Geheim Dossier")).to_have_count(1, timeout=2000)


def test_creating_a_group_shows_the_ones_like_it(member_in, site) -> None:
    boss = member_in("beheer")
    boss.page.goto("/groups")
    boss.page.get_by_text("Nieuwe groep").click()
    boss.page.get_by_label("Naam", exact=True).fill("Werkgroep duurzaamheid")
    similar = boss.page.locator("#similar-groups")
    expect(similar).to_be_visible(timeout=2000)
    expect(similar.get_by_role("link", name="Duurzaamheid")).to_be_visible()
    boss.screenshot("new-group-desktop")
    boss.page.get_by_label("Naam", exact=True).fill("Gehandicaptenbeleid")
    expect(similar).to_be_hidden(timeout=2000)
    boss.page.get_by_role("button", name="Groep aanmaken").click()
    boss.page.wait_for_url("**/groups/gehandicaptenbeleid")
    boss.page.goto("/manage/duplicates")
    expect(boss.page.locator("h1")).to_have_text("Mogelijke dubbele groepen")


def test_merging_a_group_and_its_old_links_land_on_the_new_one(member_in, site) -> None:
    boss, anna = member_in("beheer"), member_in("anna")
    made = boss.api("POST", "/api/v1/groups", {"name": "Klimaat en energie", "kind": "theme"})
    slug = made["slug"]  # type: ignore[index]
    anna.api("POST", f"/api/v1/groups/{made['id']}/join", {})  # type: ignore[index]
    anna.page.goto(f"/groups/{slug}")
    anna.wait_live()

    boss.page.goto("/manage/merge")
    target = next(g for g in boss.api("GET", "/api/v1/groups") if g["slug"] == site.group_slug)  # type: ignore[union-attr]
    boss.page.get_by_label("Verplaats deze groep").select_option(value=str(made["id"]))  # type: ignore[index]
    boss.page.get_by_label("naar deze groep").select_option(value=str(target["id"]))
    boss.page.get_by_role("button", name="Laat zien wat er gebeurt").click()
    plan = boss.page.locator("#merge-plan")
    expect(plan).to_contain_text("Kanaal #Algemeen gaat op in het kanaal met dezelfde naam")
    boss.screenshot("merge-desktop")
    boss.page.get_by_role("button", name="Nu samenvoegen").click()
    expect(boss.page.locator(".form-done")).to_have_text(re.compile("Samengevoegd met Duurzaamheid"))

    # Her open page of the old group moves to the new one; the old address leads there too.
    anna.page.wait_for_url(f"**/groups/{site.group_slug}", timeout=3000)
    anna.page.goto(f"/groups/{slug}")
    anna.page.wait_for_url(f"**/groups/{site.group_slug}")
    expect(anna.page.locator("h1")).to_have_text("Duurzaamheid")
