"""Editing her own profile in the browser: fields, portfolios, a photo with progress, and the language."""
from __future__ import annotations

import io

from playwright.sync_api import expect


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (11, 92, 59)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_she_edits_her_profile_and_switches_to_english(member_in, site, tmp_path) -> None:
    carla = member_in("carla")
    carla.page.get_by_role("link", name="Carla Smit").click()
    carla.page.wait_for_url("**/settings/profile")
    carla.page.get_by_label("Functie").select_option("wethouder")
    carla.page.get_by_label("Gemeente").fill("Utrecht")
    carla.page.get_by_label("Zorg", exact=True).check()
    carla.page.get_by_label("Over jou").fill("Wethouder <wonen> & zorg.")
    carla.page.get_by_role("button", name="Opslaan").click()
    expect(carla.page.locator("#profile-form .saved")).to_have_text("Opgeslagen.")

    photo = tmp_path / "carla.png"
    photo.write_bytes(png_bytes())
    carla.page.get_by_label("Kies een foto (JPEG of PNG)").set_input_files(str(photo))
    expect(carla.page.locator("#avatar-form .saved")).to_have_text("Opgeslagen.")
    expect(carla.page.locator("#avatar-form img.avatar")).to_be_visible()
    carla.screenshot("settings-profile-desktop")

    carla.page.get_by_role("link", name="Bekijk je profiel zoals anderen het zien").click()
    expect(carla.page.locator("h1")).to_have_text("Carla Smit")
    expect(carla.page.locator(".profile")).to_contain_text("Wethouder")
    expect(carla.page.locator(".profile")).to_contain_text("Zorg")
    expect(carla.page.locator(".bio")).to_have_text("Wethouder <wonen> & zorg.")
    assert carla.page.locator("img.avatar").evaluate("img => img.complete && img.naturalWidth > 0")
    carla.screenshot("profile-desktop")

    # Bad input is named in her language, and nothing is lost.
    carla.page.goto("/settings/profile")
    carla.page.get_by_label("Naam", exact=True).fill("")
    carla.page.get_by_role("button", name="Opslaan").click()
    expect(carla.page.locator("#profile-form .form-error")).to_have_text("Controleer “Naam”.")
    expect(carla.page.get_by_label("Gemeente")).to_have_value("Utrecht")

    carla.page.reload()
    carla.page.get_by_label("English").check()
    carla.page.get_by_role("button", name="Opslaan").click()
    expect(carla.page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(carla.page.locator("#notifications-link")).to_have_attribute("aria-label", "Notifications")
    expect(carla.page.locator("html")).to_have_attribute("lang", "en")
