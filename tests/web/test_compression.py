"""Pages, JSON and scripts are sent gzip-compressed to a client that asks; pictures and files are not
(they are compressed already)."""
from __future__ import annotations

import gzip
import io

from PIL import Image

from tests.api.helpers import API

GZIP = {"Accept-Encoding": "gzip"}


def raw(client, path: str):
    """The response as it went over the wire (httpx would decode the body)."""
    with getattr(client, "http", client).stream("GET", path, headers=GZIP) as response:
        return response, b"".join(response.iter_raw())


class TestCompression:
    def test_a_page_is_compressed(self, client_for, member) -> None:
        response, body = raw(client_for(member), "/groups")
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip" and "accept-encoding" in response.headers["vary"].lower()
        page = gzip.decompress(body)
        assert b"<html" in page and len(body) < len(page) / 2
        assert response.headers["content-security-policy"]  # the security headers are still there

    def test_json_and_scripts_are_compressed(self, client_for, member, anon) -> None:
        response, _ = raw(client_for(member), f"{API}/groups?limit=100")
        assert response.headers.get("content-encoding") == "gzip" or int(response.headers["content-length"]) < 1000
        response, body = raw(anon, "/static/js/page.js")
        assert response.headers["content-encoding"] == "gzip" and b"import" in gzip.decompress(body)

    def test_not_without_asking(self, client_for, member) -> None:
        response = client_for(member).get("/groups", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in response.headers

    def test_pictures_are_not_compressed_again(self, client_for, member) -> None:
        out = io.BytesIO()
        Image.effect_noise((200, 200), 80).convert("RGB").save(out, "PNG")
        client = client_for(member)
        attachment = client.post(f"{API}/attachments", files={"file": ("ruis.png", out.getvalue(), "image/png")})
        response, body = raw(client, attachment.json()["url"])
        assert "content-encoding" not in response.headers and body == out.getvalue()
