"""On a thread's page: the asker marks a reply as the answer (by keyboard; others see it live), and a motion's
author records its outcome after the vote, with a co-submitter found by name, and sees its course."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_account_pages import PHONE, no_sideways_scrolling


def channel_of(member, slug: str) -> int:
    groups = member.api("GET", "/api/v1/groups")
    group = next(g for g in groups if g["slug"] == slug)
    return member.api("GET", f"/api/v1/groups/{group['id']}/channels")[0]["id"]


def test_the_asker_marks_the_answer(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    channel = channel_of(anna, site.group_slug)
    question = anna.api("POST", f"/api/v1/channels/{channel}/threads", {
        "kind": "question", "title": "Wie heeft een goede aanpak voor zwerfafval?", "body": "Graag tips."})
    reply = bert.api("POST", f"/api/v1/threads/{question['id']}/replies", {"body": "Adopteer-een-straat werkt."})
    bert.page.goto(f"/threads/{question['id']}")
    bert.wait_live()
    expect(bert.page.locator(".answer-button")).to_have_count(0)  # not his question

    anna.page.set_viewport_size(PHONE)
    anna.page.goto(f"/threads/{question['id']}")
    anna.wait_live()  # its scripts run: what is done next is seen by them
    expect(anna.page.locator(".question-state")).to_contain_text("Nog niet beantwoord")
    button = anna.page.locator(f"#post-{reply['id']} .answer-button")
    button.focus()
    anna.page.keyboard.press("Enter")
    expect(anna.page.locator(f"#post-{reply['id']} .badge.answer")).to_have_text("Antwoord")
    expect(button).to_have_text("Toch niet het antwoord")
    expect(button).to_be_focused()
    expect(anna.page.locator(".question-state")).to_contain_text("Beantwoord")
    no_sideways_scrolling(anna.page)
    anna.screenshot("thread-answer-phone")
    # Live on Bert's page.
    expect(bert.page.locator(f"#post-{reply['id']} .badge.answer")).to_be_visible()
    expect(bert.page.locator(".question-state")).to_contain_text("Beantwoord")

    anna.page.keyboard.press("Enter")  # and undone
    expect(anna.page.locator(f"#post-{reply['id']} .badge.answer")).to_have_count(0)
    expect(button).to_have_text("Markeer als antwoord")
    expect(bert.page.locator(f"#post-{reply['id']} .badge.answer")).to_have_count(0)


def test_recording_a_motions_outcome(member_in, site) -> None:
    bert = member_in("bert")
    channel = channel_of(bert, site.group_slug)
    motion = bert.api("POST", f"/api/v1/channels/{channel}/threads", {
        "kind": "motion", "title": "Motie: zonnepanelen op elk schooldak", "body": "De raad verzoekt het college…",
        "motion": {"municipality": "Delft", "status": "submitted", "date": "2026-12-17"}})
    bert.page.goto(f"/threads/{motion['id']}")
    bert.wait_live()  # its scripts run: what is done next is seen by them
    expect(bert.page.locator("dl.motion")).to_contain_text("Ingediend")
    expect(bert.page.locator("dl.motion")).to_contain_text("17 december 2026")
    bert.page.get_by_text("Uitkomst vastleggen").click()
    bert.page.get_by_label("Status").last.select_option("adopted")
    bert.page.get_by_label("Uitslag van de stemming (bijvoorbeeld: 24 voor, 11 tegen)").fill("30 voor, 5 tegen")
    bert.page.get_by_label("Iemand toevoegen: naam of gemeente").fill("Anna")
    bert.page.keyboard.press("Enter")
    bert.page.get_by_role("button", name="Anna de Vries toevoegen").click()
    expect(bert.page.locator(".chosen-people")).to_contain_text("Anna de Vries")
    bert.page.get_by_role("button", name="Uitkomst opslaan").click()
    expect(bert.page.locator("dl.motion")).to_contain_text("Aangenomen")
    expect(bert.page.locator("dl.motion")).to_contain_text("30 voor, 5 tegen")
    expect(bert.page.locator("dl.motion")).to_contain_text("Anna de Vries")
    bert.page.get_by_text("Verloop van de motie").click()
    steps = bert.page.locator(".motion-history li")
    expect(steps).to_have_count(2)
    expect(steps.first).to_contain_text("Ingediend")
    expect(steps.last).to_contain_text("Aangenomen")
    expect(steps.last).to_contain_text("vastgelegd door Bert Jansen")
    bert.page.set_viewport_size(PHONE)
    no_sideways_scrolling(bert.page)
    bert.screenshot("motion-outcome-phone")
