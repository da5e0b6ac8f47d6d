"""A group admin's pages in the browser: the group's settings (a new address, old links still working), its
channels (add, reorder by keyboard, archive, bring back), and its members (a role, an invitation, withdrawn).
At 360 px without sideways scrolling; a member who is not its admin is refused."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_account_pages import PHONE, no_sideways_scrolling


def test_settings_and_channels(member_in, site) -> None:
    boss = member_in("beheer")
    group = boss.api("POST", "/api/v1/groups", {"name": "Wonen Zuid", "kind": "theme"})
    boss.page.set_viewport_size(PHONE)
    boss.page.goto(f"/groups/{group['slug']}")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    boss.page.get_by_role("link", name="Groepsinstellingen").click()
    expect(boss.page.get_by_role("heading", level=1)).to_have_text("Instellingen van Wonen Zuid")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    no_sideways_scrolling(boss.page)
    boss.screenshot("group-settings-phone")

    boss.page.get_by_label("Naam", exact=True).first.fill("Wonen Zuid-Holland")
    boss.page.get_by_label("Webadres").fill("wonen-zuid-holland")
    boss.page.get_by_label("Besloten").check()
    boss.page.get_by_role("button", name="Opslaan").click()
    boss.page.wait_for_url("**/groups/wonen-zuid-holland/settings")
    expect(boss.page.get_by_role("heading", level=1)).to_have_text("Instellingen van Wonen Zuid-Holland")
    expect(boss.page.get_by_label("Besloten")).to_be_checked()
    boss.page.goto(f"/groups/{group['slug']}")  # the old address
    expect(boss.page).to_have_url(f"{site.url}/groups/wonen-zuid-holland")

    # Channels: add two, move the last one up with the keyboard, archive one, bring it back.
    boss.page.goto("/groups/wonen-zuid-holland/settings")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    for name in ("Huurbeleid", "Zon op het dak"):
        boss.page.get_by_label("Naam", exact=True).last.fill(name)
        boss.page.get_by_role("button", name="Kanaal toevoegen").click()
        expect(boss.page.locator("#channels .saved")).to_have_text(f"Kanaal #{name} is toegevoegd.")
    rows = boss.page.locator("ol.channel-admin-list > li input[name=name]")

    def names() -> list[str]:
        return rows.evaluate_all("inputs => inputs.map(input => input.value)")

    assert names() == ["Algemeen", "Huurbeleid", "Zon op het dak"]
    boss.page.get_by_role("button", name="Zon op het dak omhoog").focus()
    boss.page.keyboard.press("Enter")
    expect(boss.page.locator("#channels .saved")).to_have_text("Zon op het dak staat nu op plek 2.")
    expect(boss.page.get_by_role("button", name="Zon op het dak omhoog")).to_be_focused()
    boss.page.keyboard.press("Enter")
    expect(boss.page.locator("#channels .saved")).to_have_text("Zon op het dak staat nu op plek 1.")
    assert names() == ["Zon op het dak", "Algemeen", "Huurbeleid"]
    boss.page.reload()
    boss.wait_live()  # its scripts run: what is done next is seen by them
    assert names() == ["Zon op het dak", "Algemeen", "Huurbeleid"]
    no_sideways_scrolling(boss.page)

    boss.page.get_by_role("button", name="Kanaal Huurbeleid archiveren").click()
    expect(boss.page.locator("#channels .saved")).to_have_text(
        "Het kanaal is gearchiveerd. De onderwerpen blijven leesbaar.")
    assert names() == ["Zon op het dak", "Algemeen"]
    boss.page.get_by_role("link", name="#Huurbeleid").click()
    expect(boss.page.locator("#channel-archived")).to_be_visible()
    expect(boss.page.locator("#thread-form")).to_have_count(0)
    boss.page.go_back()
    boss.wait_live()  # its scripts run: what is done next is seen by them
    boss.page.get_by_role("button", name="Kanaal Huurbeleid terugzetten").click()
    expect(boss.page.locator("#channels .saved")).to_have_text("Het kanaal is terug.")
    expect(rows).to_have_count(3)

    # A rename that clashes is named, in Dutch, at its own row.
    row = boss.page.locator("ol.channel-admin-list > li").filter(has=boss.page.locator("input[value='Algemeen']"))
    row.locator("input[name=name]").fill("Huurbeleid")
    row.get_by_role("button", name="Naam wijzigen").click()
    expect(row.locator(".form-error")).not_to_be_empty()
    boss.screenshot("group-settings-channels-phone")


def test_members_roles_and_invitations(member_in, site) -> None:
    boss = member_in("beheer")
    boss.page.goto(f"/groups/{site.group_slug}")
    boss.page.get_by_role("link", name="Alle leden").click()
    expect(boss.page.get_by_role("heading", level=1)).to_contain_text("Leden van")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    boss.page.get_by_label("Rol van Bert Jansen").select_option("moderator")
    expect(boss.page.locator("section.primary .saved")).to_have_text("Bert Jansen is nu: Moderator.")
    boss.page.reload()
    boss.wait_live()  # its scripts run: what is done next is seen by them
    expect(boss.page.get_by_label("Rol van Bert Jansen")).to_have_value("moderator")

    boss.page.get_by_label("Naam of gemeente").fill("Carla")
    boss.page.keyboard.press("Enter")
    boss.page.get_by_role("button", name="Carla Smit uitnodigen").click()
    expect(boss.page.locator("#invite .saved")).to_have_text("Carla Smit is uitgenodigd.")
    expect(boss.page.locator(".invitation")).to_contain_text("Carla Smit")
    carla = member_in("carla")
    assert [i["group"]["slug"] for i in carla.api("GET", "/api/v1/me/group-invitations")] == [site.group_slug]
    boss.page.get_by_role("button", name="Uitnodiging aan Carla Smit intrekken").click()
    expect(boss.page.locator("#invite .saved")).to_have_text("De uitnodiging is ingetrokken.")
    assert carla.api("GET", "/api/v1/me/group-invitations") == []

    boss.page.set_viewport_size(PHONE)
    no_sideways_scrolling(boss.page)
    boss.screenshot("group-members-phone")

    # A member who does not run the group sees the list, without the controls, and cannot open the settings.
    anna = member_in("anna")
    anna.page.goto(f"/groups/{site.group_slug}/members")
    anna.wait_live()  # its scripts run: what is done next is seen by them
    expect(anna.page.locator(".member-row")).not_to_have_count(0)
    expect(anna.page.locator(".role-select")).to_have_count(0)
    expect(anna.page.get_by_text("Moderator", exact=True)).to_be_visible()
    response = anna.page.goto(f"/groups/{site.group_slug}/settings")
    assert response is not None and response.status == 403
    expect(anna.page.locator("h1")).to_have_text(re.compile(".+"))
    anna.screenshot("group-settings-refused")
