"""The community manager silences a member from her profile for a chosen period with a reason; the member is
told, in Dutch and in words, until when; the moderation page lists her and lifts it."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_account_pages import PHONE, no_sideways_scrolling
from tests.browser.test_thread_actions import channel_of


def test_silence_from_the_profile_and_lift_it(member_in, site) -> None:
    boss, anna = member_in("beheer"), member_in("anna")
    boss.page.goto("/members/anna")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    section = boss.page.locator("#member-moderation")
    section.get_by_label("Zwijgen opleggen voor").select_option("3")
    section.get_by_label("Reden (bewaard in het auditlog)").fill("Persoonlijke aanvallen in de discussie")
    section.get_by_role("button", name="Anna de Vries het zwijgen opleggen").click()
    expect(section.locator(".saved")).to_have_text("Het zwijgen is opgelegd.")
    expect(section.locator(".notice")).to_contain_text("Anna de Vries heeft het zwijgen opgelegd gekregen tot ")
    expect(section.locator(".notice")).to_contain_text("Persoonlijke aanvallen")
    boss.page.set_viewport_size(PHONE)
    no_sideways_scrolling(boss.page)
    boss.screenshot("profile-moderation-phone")

    refused = anna.page.evaluate("""async (channel) => {
        const csrf = decodeURIComponent((document.cookie.match(/(?:^|; )plein_csrf=([^;]+)/) || [])[1] || "");
        const r = await fetch(`/api/v1/channels/${channel}/threads`, {method: "POST", headers: {
            "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept-Language": "nl"},
            body: JSON.stringify({title: "Toch nog even", body: "Ik wil iets zeggen."})});
        return [r.status, (await r.json()).error.message];
    }""", channel_of(boss, site.group_slug))
    assert refused[0] == 403 and refused[1].startswith("Een moderator heeft je het zwijgen opgelegd tot "), refused
    assert "UTC" not in refused[1] and "-" not in refused[1].split("tot ")[1][:10]

    boss.page.goto("/moderation")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    row = boss.page.locator(".restricted-member", has_text="Anna de Vries")
    expect(row).to_contain_text("Persoonlijke aanvallen")
    row.get_by_role("button", name="Zwijgen van Anna de Vries opheffen").click()
    expect(boss.page.locator("#restricted .saved")).to_have_text("Het zwijgen is opgeheven.")
    expect(boss.page.locator(".restricted-member")).to_have_count(0)
    assert anna.api("POST", f"/api/v1/channels/{channel_of(boss, site.group_slug)}/threads",
                     {"title": "Nu wel", "body": "Dank je."})
