"""Attachments: upload (type from the bytes, safe names, size limit, quota), who may read them, safe serving."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.config import get_settings
from app.models import Attachment, User
from tests.api.helpers import API, assert_error

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), "orange").save(out, fmt)
    return out.getvalue()


PNG = image("PNG")


def upload(client, data: bytes, filename: str = "bestand.bin", content_type: str = "application/octet-stream"):
    return client.post(f"{API}/attachments", files={"file": (filename, data, content_type)})


def uploaded(client, data: bytes = PNG, filename: str = "foto.png", content_type: str = "image/png") -> dict:
    response = upload(client, data, filename, content_type)
    assert response.status_code == 201, response.text
    return response.json()


def stored_files() -> int:
    return sum(1 for p in Path(get_settings().upload_dir).rglob("*") if p.is_file())


class TestUpload:
    def test_anonymous_is_refused(self, anon) -> None:
        assert_error(anon.post(f"{API}/attachments", files={"file": ("x.png", PNG, "image/png")}),
                     401, "unauthenticated")

    def test_bad_input(self, client_for, member, session) -> None:
        client = client_for(member)
        before = stored_files()
        assert_error(upload(client, b"", "leeg.txt", "text/plain"), 422, "invalid", "file")
        assert_error(client.post(f"{API}/attachments", files={"bestand": ("x.png", PNG, "image/png")}),
                     422, "invalid", "file")
        assert_error(client.post(f"{API}/attachments", data={"file": "geen bestand"}), 422, "invalid", "file")
        assert stored_files() == before
        assert session.scalar(select(func.count()).select_from(Attachment)
                              .where(Attachment.uploader_id == member.id)) == 0

    def test_type_comes_from_the_bytes_not_the_claim(self, client_for, member, session) -> None:
        client = client_for(member)
        png = uploaded(client, PNG, "x.txt", "text/plain")
        assert (png["filename"], png["content_type"], png["inline"], png["size"]) == ("x.txt", "image/png", True,
                                                                                       len(PNG))
        assert png["url"] == f"{API}/attachments/{png['id']}/content"
        html = uploaded(client, HTML, "foto.png", "image/png")
        assert (html["content_type"], html["inline"]) == ("text/plain", False)
        svg = uploaded(client, SVG, "logo.svg", "image/svg+xml")
        assert (svg["content_type"], svg["inline"]) == ("text/plain", False)
        binary = uploaded(client, bytes(range(256)) * 4, "data.png", "image/png")
        assert (binary["content_type"], binary["inline"]) == ("application/octet-stream", False)
        session.expire_all()
        assert session.get(User, member.id).storage_used == len(PNG) + len(HTML) + len(SVG) + 1024

    @pytest.mark.parametrize(("name", "expected"), [
        ("../../etc/passwd", "passwd"),
        ("/var/lib/plein/uploads/x.pdf", "x.pdf"),
        ("..", "bestand"),
        ("..\\..\\windows\\win.ini", "_.._windows_win.ini"),
        ("rapport\x07\x1b[31m.pdf", "rapport_[31m.pdf"),
        ("a<b>c|d*e?f:g.pdf", "a_b_c_d_e_f_g.pdf"),
        ("  .verborgen. ", "verborgen"),
        ("Begroting 2025 – Fryslân.pdf", "Begroting 2025 – Fryslân.pdf"),
        ("invoice\u202etxt.exe", "invoicetxt.exe"),
        ("\u2066rapport\u2069\u200b.pdf\u200f", "rapport.pdf"),
        ("a\u2028b\ue000c.pdf", "abc.pdf"),
    ])
    def test_stored_filename_is_sanitised(self, client_for, member, name, expected) -> None:
        # Built by hand: httpx would percent-encode some of these characters before the server saw them.
        boundary = "plein-test-boundary"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + f"\r\n--{boundary}--\r\n".encode()
        response = client_for(member).post(f"{API}/attachments", content=body,
                                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 201, response.text
        assert response.json()["filename"] == expected

    def test_long_filename_is_cut(self, client_for, member) -> None:
        response = upload(client_for(member), PDF, "a" * 300 + ".pdf", "application/pdf")
        assert response.status_code == 201 and response.json()["filename"] == "a" * 200

    def test_too_large(self, client_for, member, monkeypatch, session) -> None:
        monkeypatch.setattr(get_settings(), "attachment_max_bytes", 1024)
        client = client_for(member)
        before = stored_files()
        assert_error(upload(client, b"x" * 1025, "groot.txt"), 413, "too_large", "file")
        assert stored_files() == before
        assert session.get(User, member.id).storage_used == 0
        assert upload(client, b"x" * 1024, "precies.txt").status_code == 201

    def test_body_limit_allows_uploads_above_the_default_request_size(self, client_for, member) -> None:
        two_megabytes = b"\0" * (2 * 1024 * 1024)
        assert get_settings().max_request_bytes < len(two_megabytes) < get_settings().attachment_max_bytes
        assert upload(client_for(member), two_megabytes, "nullen.bin").status_code == 201

    def test_body_over_the_upload_limit_is_refused_before_it_is_read(self, client_for, member) -> None:
        huge = b"\0" * (get_settings().attachment_max_bytes + 65 * 1024)
        assert_error(upload(client_for(member), huge, "te-groot.bin"), 413, "too_large", "body")

    def test_quota_used_up(self, client_for, make_user, monkeypatch, session) -> None:
        monkeypatch.setattr(get_settings(), "storage_quota_bytes", 10_000)
        full = make_user(storage_used=10_000)
        assert_error(upload(client_for(full), PNG, "foto.png"), 413, "quota_exceeded", "file")

    def test_file_does_not_fit_in_the_rest_of_the_quota(self, client_for, make_user, monkeypatch, session) -> None:
        monkeypatch.setattr(get_settings(), "storage_quota_bytes", 10_000)
        nearly = make_user(storage_used=9_000)
        client = client_for(nearly)
        before = stored_files()
        assert_error(upload(client, b"x" * 1_001, "net-te-veel.txt"), 413, "quota_exceeded", "file")
        assert stored_files() == before
        assert upload(client, b"x" * 1_000, "past-precies.txt").status_code == 201
        session.expire_all()
        assert session.get(User, nearly.id).storage_used == 10_000


class TestServing:
    def test_images_and_pdf_are_shown_inline(self, client_for, member) -> None:
        client = client_for(member)
        for data, name, media_type in ((PNG, "kaart.png", "image/png"), (image("JPEG"), "foto.jpg", "image/jpeg"),
                                       (image("GIF"), "anim.gif", "image/gif"), (PDF, "motie.pdf", "application/pdf")):
            attachment = uploaded(client, data, name, "application/octet-stream")
            response = client.get(attachment["url"])
            assert response.status_code == 200
            assert response.content == data
            assert response.headers["content-type"] == media_type
            assert response.headers["content-disposition"] == f'inline; filename="{name}"'
            assert response.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.parametrize(("data", "claimed"), [(HTML, "image/png"), (SVG, "image/svg+xml"),
                                                   (b"PK\x03\x04" + b"\0" * 60, "application/pdf")])
    def test_everything_else_is_a_download(self, client_for, member, data, claimed) -> None:
        client = client_for(member)
        attachment = uploaded(client, data, "bijlage.png", claimed)
        response = client.get(attachment["url"])
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-disposition"] == 'attachment; filename="bijlage.png"'
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not response.headers["content-type"].startswith(("text/html", "image/svg", claimed))
        assert "sandbox" in response.headers["content-security-policy"]

    def test_non_ascii_filename_is_encoded(self, client_for, member) -> None:
        client = client_for(member)
        attachment = uploaded(client, PDF, "Fryslân.pdf", "application/pdf")
        disposition = client.get(attachment["url"]).headers["content-disposition"]
        assert disposition == "inline; filename*=utf-8''Frysl%C3%A2n.pdf"

    def test_an_older_row_loses_its_bidi_controls_when_shown(self, client_for, member, session) -> None:
        # Stored before names were cleaned: what is shown and downloaded is cleaned all the same.
        client = client_for(member)
        attachment = uploaded(client, PDF, "factuur.pdf", "application/pdf")
        session.get(Attachment, attachment["id"]).filename = "factuur\u202efdp.exe"
        session.commit()
        disposition = client.get(attachment["url"]).headers["content-disposition"]
        assert "%E2%80%AE" not in disposition and "\u202e" not in disposition
        assert disposition == "inline; filename=\"factuurfdp.exe\""


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size (IHDR) with one tiny compressed row: what a decompression bomb's header says."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def big_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")  # one bit per pixel, compresses to almost nothing
    return out.getvalue()


class TestPixelBudget:
    """A small file can decode to gigabytes: pictures over INLINE_IMAGE_MAX_PIXELS are downloads, not shown."""

    def test_within_the_budget_is_shown_with_its_size(self, client_for, member, monkeypatch) -> None:
        monkeypatch.setattr(get_settings(), "inline_image_max_pixels", 4_000_000)
        attachment = uploaded(client_for(member), big_png(2000, 2000), "plattegrond.png")
        assert (attachment["inline"], attachment["width"], attachment["height"]) == (True, 2000, 2000)
        response = client_for(member).get(attachment["url"])
        assert response.headers["content-disposition"] == 'inline; filename="plattegrond.png"'

    def test_over_the_budget_is_a_download(self, client_for, member, monkeypatch, session) -> None:
        monkeypatch.setattr(get_settings(), "inline_image_max_pixels", 4_000_000)
        client = client_for(member)
        data = big_png(2001, 2000)
        assert len(data) < 20_000  # small on disk, 4 million pixels in a browser
        attachment = uploaded(client, data, "groot.png")
        assert (attachment["inline"], attachment["width"], attachment["height"]) == (False, 2001, 2000)
        response = client.get(attachment["url"])
        assert response.status_code == 200 and response.content == data
        assert response.headers["content-disposition"] == 'attachment; filename="groot.png"'
        assert response.headers["content-type"] == "image/png"
        assert "sandbox" in response.headers["content-security-policy"]
        # Its post says the same.
        assert client.get(f"{API}/attachments/{attachment['id']}").json()["inline"] is False

    @pytest.mark.parametrize(("width", "height"), [(100_000, 100_000), (2**31 - 1, 1), (1, 50_000_000)])
    def test_a_decompression_bomb_is_a_download(self, client_for, member, width, height) -> None:
        client = client_for(member)
        attachment = uploaded(client, png_header_only(width, height), "bom.png")
        assert attachment["content_type"] == "image/png" and attachment["inline"] is False
        assert client.get(attachment["url"]).headers["content-disposition"] == 'attachment; filename="bom.png"'

    def test_a_picture_stored_before_sizes_were_kept_is_measured_from_its_file(self, client_for, member,
                                                                               monkeypatch, session) -> None:
        monkeypatch.setattr(get_settings(), "inline_image_max_pixels", 1_000_000)
        client = client_for(member)
        small, large = uploaded(client, big_png(900, 900), "klein.png"), uploaded(client, big_png(1100, 1000),
                                                                                  "groot.png")
        for attachment in (small, large):
            row = session.get(Attachment, attachment["id"])
            row.width = row.height = None
        session.commit()
        assert client.get(f"{API}/attachments/{small['id']}").json()["inline"] is True
        later = client.get(f"{API}/attachments/{large['id']}").json()
        assert (later["inline"], later["width"], later["height"]) == (False, 1100, 1000)
        assert client.get(large["url"]).headers["content-disposition"].startswith("attachment;")

    def test_not_a_picture_has_no_size(self, client_for, member) -> None:
        attachment = uploaded(client_for(member), PDF, "motie.pdf", "application/pdf")
        assert (attachment["inline"], attachment["width"], attachment["height"]) == (True, None, None)


class TestWhoMayRead:
    def test_anonymous_is_refused(self, anon, client_for, member) -> None:
        attachment = uploaded(client_for(member))
        assert_error(anon.get(f"{API}/attachments/{attachment['id']}"), 401, "unauthenticated")
        assert_error(anon.get(attachment["url"]), 401, "unauthenticated")

    def test_missing(self, client_for, member) -> None:
        assert_error(client_for(member).get(f"{API}/attachments/999999"), 404, "not_found")
        assert_error(client_for(member).get(f"{API}/attachments/999999/content"), 404, "not_found")

    def test_before_attaching_only_the_uploader(self, client_for, member, make_user, manager) -> None:
        attachment = uploaded(client_for(member))
        assert client_for(member).get(f"{API}/attachments/{attachment['id']}").json() == attachment
        assert client_for(member).get(attachment["url"]).content == PNG
        for other in (make_user(), manager):
            assert_error(client_for(other).get(f"{API}/attachments/{attachment['id']}"), 404, "not_found")
            assert_error(client_for(other).get(attachment["url"]), 404, "not_found")

    def test_after_attaching_the_readers_of_the_thread(self, client_for, member, make_user, outsider,
                                                       make_group) -> None:
        reader = make_user()
        group = make_group(visibility="closed", members=(member, reader))
        client = client_for(member)
        attachment = uploaded(client)
        created = client.post(f"{API}/channels/{group['channel_id']}/threads", json={
            "title": "Kaart van de wijk", "body": "Zie bijlage", "attachment_ids": [attachment["id"]]})
        assert created.status_code == 201, created.text
        assert [a["id"] for a in created.json()["opening_post"]["attachments"]] == [attachment["id"]]
        for user in (member, reader):
            assert client_for(user).get(f"{API}/attachments/{attachment['id']}").status_code == 200
            assert client_for(user).get(attachment["url"]).content == PNG
        # A closed group's non-member may know the group exists, but not what is attached in it.
        assert_error(client_for(outsider).get(f"{API}/attachments/{attachment['id']}"), 404, "not_found")
        assert_error(client_for(outsider).get(attachment["url"]), 404, "not_found")

    def test_attached_to_a_reply_in_an_open_group(self, client_for, member, outsider, make_group,
                                                  make_thread) -> None:
        group = make_group(members=(member,))
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        attachment = uploaded(client, PDF, "motie.pdf", "application/pdf")
        reply = client.post(f"{API}/threads/{thread['id']}/replies",
                            json={"body": "De motie", "attachment_ids": [attachment["id"]]})
        assert reply.status_code == 201
        assert reply.json()["attachments"][0]["content_type"] == "application/pdf"
        assert client_for(outsider).get(attachment["url"]).content == PDF

    def test_new_reply_answers_as_a_later_read_does(self, client_for, member, make_user, make_group,
                                                    make_thread) -> None:
        # The reply's response is built from what the service just wrote, without re-reading it.
        author = make_user()
        group = make_group(members=(member, author))
        thread = make_thread(member, group["channel_id"])
        client = client_for(author)
        files = [uploaded(client, PDF, name, "application/pdf") for name in ("b.pdf", "a.pdf")]
        created = client.post(f"{API}/threads/{thread['id']}/replies", json={
            "body": f"Zie @{member.username} en @niemand", "quote_post_id": thread["opening_post_id"],
            "attachment_ids": [files[1]["id"], files[0]["id"]]})
        assert created.status_code == 201, created.text
        assert created.json() == client.get(f"{API}/posts/{created.json()['id']}").json()
        assert [a["id"] for a in created.json()["attachments"]] == [files[0]["id"], files[1]["id"]]
        assert created.json()["quote"]["author"]["id"] == member.id

    def test_gone_with_its_post(self, client_for, member, make_group, make_thread) -> None:
        group = make_group(members=(member,))
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        attachment = uploaded(client)
        reply = client.post(f"{API}/threads/{thread['id']}/replies",
                            json={"body": "Foto", "attachment_ids": [attachment["id"]]}).json()
        assert client.delete(f"{API}/posts/{reply['id']}").status_code == 204
        assert_error(client.get(f"{API}/attachments/{attachment['id']}"), 404, "not_found")
        assert_error(client.get(attachment["url"]), 404, "not_found")


class TestAttach:
    def test_someone_elses_upload_cannot_be_attached(self, client_for, member, make_user, make_group,
                                                     session) -> None:
        other = make_user()
        group = make_group(members=(member, other))
        theirs = uploaded(client_for(other))
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json={
            "title": "Niet van mij", "body": "Toch proberen", "attachment_ids": [theirs["id"]]})
        assert_error(response, 422, "invalid", "attachment_ids")
        session.expire_all()
        assert session.get(Attachment, theirs["id"]).post_id is None
        assert_error(client_for(member).get(theirs["url"]), 404, "not_found")

    def test_an_attachment_is_attached_once(self, client_for, member, make_group, make_thread, session) -> None:
        group = make_group(members=(member,))
        thread = make_thread(member, group["channel_id"])
        client = client_for(member)
        attachment = uploaded(client)
        fresh = uploaded(client, PDF, "nieuw.pdf", "application/pdf")
        first = client.post(f"{API}/threads/{thread['id']}/replies",
                            json={"body": "Eerste", "attachment_ids": [attachment["id"]]})
        assert first.status_code == 201
        again = client.post(f"{API}/threads/{thread['id']}/replies",
                            json={"body": "Nog eens", "attachment_ids": [fresh["id"], attachment["id"]]})
        assert_error(again, 422, "invalid", "attachment_ids")
        # The whole request rolled back: the fresh upload is still unattached.
        session.expire_all()
        assert session.get(Attachment, fresh["id"]).post_id is None
        assert session.get(Attachment, attachment["id"]).post_id == first.json()["id"]

    def test_at_most_ten(self, client_for, member, make_group) -> None:
        group = make_group(members=(member,))
        response = client_for(member).post(f"{API}/channels/{group['channel_id']}/threads", json={
            "title": "Veel bijlagen", "body": "Elf", "attachment_ids": list(range(1, 12))})
        assert_error(response, 422, "invalid", "attachment_ids")


class TestUploadIdempotencyKey:
    def _upload(self, client, data: bytes, key: str, filename: str = "motie.pdf"):
        return client.post(f"{API}/attachments", files={"file": (filename, data, "application/pdf")},
                           headers={"Idempotency-Key": key})

    def test_a_retried_upload_is_stored_once(self, client_for, member, session) -> None:
        client = client_for(member)
        files_before = stored_files()
        first = self._upload(client, b"%PDF-1.4 motie", "upload-1")
        again = self._upload(client, b"%PDF-1.4 motie", "upload-1")
        assert first.status_code == 201 and again.status_code == 201, (first.text, again.text)
        assert again.json() == first.json()
        assert session.scalar(select(func.count()).select_from(Attachment)
                              .where(Attachment.uploader_id == member.id)) == 1
        assert stored_files() == files_before + 1
        session.expire_all()
        assert session.get(User, member.id).storage_used == len(b"%PDF-1.4 motie")

    def test_the_same_key_for_another_file_is_a_conflict(self, client_for, member) -> None:
        client = client_for(member)
        files_before = stored_files()
        assert self._upload(client, b"%PDF-1.4 motie", "upload-2").status_code == 201
        assert_error(self._upload(client, b"%PDF-1.4 andere motie", "upload-2"), 409, "idempotency_key_reused",
                     "Idempotency-Key")
        assert stored_files() == files_before + 1

    def test_keys_are_per_member(self, client_for, member, outsider) -> None:
        mine = self._upload(client_for(member), b"%PDF-1.4 motie", "gedeeld").json()
        theirs = self._upload(client_for(outsider), b"%PDF-1.4 motie", "gedeeld").json()
        assert mine["id"] != theirs["id"]
