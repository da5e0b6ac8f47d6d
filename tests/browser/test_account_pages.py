"""Her account in the browser, keyboard only where it matters: a new password, logging out elsewhere, and an
API key shown once. At 360 px too, without sideways scrolling."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, Member

NEW_PASSWORD = "een nieuw en heel lang wachtwoord"
PHONE = {"width": 360, "height": 740}


def no_sideways_scrolling(page) -> None:
    """The page is no wider than the screen; else the innermost elements that stick out are named."""
    wide = page.evaluate("""() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
        .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
        .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px):`
                  + ` ${e.textContent.trim().slice(0, 60)}`)""")
    assert wide == [], wide


def test_logging_out_elsewhere_and_a_key(browser, member_in, site) -> None:
    carla = member_in("carla")
    phone = member_in("carla")
    carla.page.set_viewport_size(PHONE)
    carla.page.goto("/settings/account")
    carla.wait_live()  # its scripts run: what is done next is seen by them
    expect(carla.page.get_by_role("heading", name="Je account", level=1)).to_be_visible()
    expect(carla.page.locator(".login-item")).to_have_count(2)
    expect(carla.page.locator(".login-item").first).to_contain_text("Dit apparaat")
    expect(carla.page.locator(".login-item").first).to_contain_text("Chrome")
    no_sideways_scrolling(carla.page)
    carla.screenshot("settings-account-phone")

    carla.page.get_by_role("button", name="Overal anders uitloggen").click()
    expect(carla.page.locator("#logins .saved")).to_have_text("Je bent uitgelogd op 1 ander apparaat.")
    expect(carla.page.locator(".login-item")).to_have_count(1)
    # Her other browser's live connection is closed: that page goes to the login by itself.
    expect(phone.page).to_have_url(f"{site.url}/login?next=%2F")

    # A key, by keyboard: name it, make it, see it once.
    carla.page.get_by_label("Naam van de nieuwe sleutel").fill("Agenda")
    carla.page.keyboard.press("Enter")
    shown = carla.page.locator("#new-token-value")
    expect(shown).to_contain_text("plein_")
    expect(carla.page.locator("#new-token")).to_be_visible()
    secret = shown.inner_text()
    assert secret.startswith("plein_") and len(secret) > 30
    expect(carla.page.locator(".token-item")).to_have_count(1)
    no_sideways_scrolling(carla.page)
    status = carla.page.evaluate("""async (secret) => (await fetch('/api/v1/me',
        {headers: {Authorization: 'Bearer ' + secret}, credentials: 'omit'})).status""", secret)
    assert status == 200
    carla.page.reload()
    carla.wait_live()  # its scripts run: what is done next is seen by them
    expect(carla.page.locator(".token-item")).to_contain_text("Agenda")
    assert secret not in carla.page.content()

    carla.page.once("dialog", lambda dialog: dialog.accept())
    carla.page.get_by_role("button", name="Sleutel Agenda intrekken").click()
    expect(carla.page.locator(".token-item")).to_have_count(0)
    status = carla.page.evaluate("""async (secret) => (await fetch('/api/v1/me',
        {headers: {Authorization: 'Bearer ' + secret}, credentials: 'omit'})).status""", secret)
    assert status == 401


def test_changing_her_password_by_keyboard(browser, member_in, site) -> None:
    bert = member_in("bert")
    elsewhere = member_in("bert")
    bert.page.goto("/settings/account")
    bert.wait_live()  # its scripts run: what is done next is seen by them
    bert.page.get_by_label("Huidig wachtwoord").focus()
    bert.page.keyboard.type("niet het goede wachtwoord")
    bert.page.keyboard.press("Tab")
    bert.page.keyboard.type(NEW_PASSWORD)
    bert.page.keyboard.press("Tab")
    bert.page.keyboard.type(NEW_PASSWORD + "x")
    bert.page.keyboard.press("Enter")
    expect(bert.page.locator("#password-form .form-error")).to_have_text(
        "De twee nieuwe wachtwoorden zijn niet hetzelfde.")
    expect(bert.page.get_by_label("Nieuw wachtwoord nog een keer")).to_be_focused()
    bert.page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW_PASSWORD)
    bert.page.keyboard.press("Enter")
    expect(bert.page.locator("#password-form .form-error")).to_have_text("Controleer “Huidig wachtwoord”.")
    expect(bert.page.get_by_label("Huidig wachtwoord")).to_be_focused()
    bert.page.get_by_label("Huidig wachtwoord").fill(PASSWORD)
    bert.page.get_by_label("Nieuw wachtwoord (minstens 10 tekens)").fill(NEW_PASSWORD)
    bert.page.get_by_label("Nieuw wachtwoord nog een keer").fill(NEW_PASSWORD)
    bert.page.keyboard.press("Enter")
    expect(bert.page.locator("#password-form .saved")).to_have_text(
        "Je wachtwoord is gewijzigd. Op je andere apparaten ben je uitgelogd.")
    expect(bert.page.locator(".login-item")).to_have_count(1)
    expect(elsewhere.page).to_have_url(f"{site.url}/login?next=%2F")
    # Put it back, so other tests in this module log in as before.
    bert.api("POST", "/api/v1/auth/password", {"current_password": NEW_PASSWORD, "new_password": PASSWORD})
    Member(browser, site, "bert").close()
