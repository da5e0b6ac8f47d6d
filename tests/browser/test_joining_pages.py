"""Joining from where she is: a thread of an open group she is not in says "Word lid om te reageren" with the
button (and then the reply box is there); a closed group takes a request with a message its admin reads."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_account_pages import PHONE, no_sideways_scrolling
from tests.browser.test_thread_actions import channel_of


def test_join_to_reply_on_a_thread(member_in, site) -> None:
    bert, carla = member_in("bert"), member_in("carla")  # Carla is not in the theme group
    thread = bert.api("POST", f"/api/v1/channels/{channel_of(bert, site.group_slug)}/threads",
                      {"title": "Ervaringen met deelauto's?", "body": "Wie heeft een deelautoplan?"})
    carla.page.set_viewport_size(PHONE)
    carla.page.goto(f"/threads/{thread['id']}")
    carla.wait_live()  # its scripts run: what is done next is seen by them
    notice = carla.page.locator("#join-to-reply")
    expect(notice).to_contain_text("Word lid van de groep om te reageren.")
    expect(carla.page.locator("#reply-form")).to_have_count(0)
    no_sideways_scrolling(carla.page)
    carla.screenshot("thread-join-to-reply-phone")
    notice.get_by_role("button", name="Lid worden").click()
    expect(carla.page.locator("#reply-form")).to_be_visible()
    expect(carla.page.locator("#join-to-reply")).to_have_count(0)


def test_a_join_request_with_a_message(member_in, site) -> None:
    carla, boss = member_in("carla"), member_in("beheer")
    carla.page.goto(f"/groups/{site.closed_slug}")
    carla.wait_live()
    carla.page.get_by_role("button", name="Lidmaatschap aanvragen").click()
    message = carla.page.get_by_label("Bericht aan de beheerders van de groep (niet verplicht)")
    expect(message).to_be_focused()
    message.fill("Ik ben nieuw in de fractie van Delft.")
    carla.page.get_by_role("button", name="Verzoek versturen").click()
    expect(carla.page.locator("#join-state")).to_contain_text("Verzoek verstuurd", timeout=10_000)
    boss.page.goto(f"/groups/{site.closed_slug}/members")
    boss.wait_live()  # its scripts run: what is done next is seen by them
    request = boss.page.locator("#join-requests .request", has_text="Carla Smit")
    expect(request.locator(".request-message")).to_have_text("Ik ben nieuw in de fractie van Delft.")
    request.get_by_role("button", name="Carla Smit goedkeuren").click()
    expect(boss.page.locator(".member-row", has_text="Carla Smit")).to_be_visible()
