"""Abuse limits beyond login: per account and per address, 429 `rate_limited` with Retry-After, nothing done
when refused; tuned by settings; still in force (per process) while Redis is down. Small limits keep the tests
fast — the mechanism is the same for the defaults."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.config import Settings
from app.models import Attachment, Flag, Post, Thread, User
from app.ratelimit import Limiter, rule, rules_from
from tests.api.helpers import API, assert_error
from tests.backends import free_port, redis_test_url


def refused(response: Any) -> dict[str, Any]:
    error = assert_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"].isdigit() and 1 <= int(response.headers["Retry-After"]) <= 3600
    assert "Too many" in error["message"] and "Try again in" in error["message"]
    return error


@pytest.fixture
def limit(app) -> Callable[..., None]:
    """limit("reply", per_account="2/minute", per_address="100/minute"): tighten one action's rule."""

    def _limit(action: str, *, per_account: str = "1000/minute", per_address: str = "1000/minute") -> None:
        current = app.state.limiter.rules[action]
        app.state.limiter.rules[action] = rule(current.doing, per_account, per_address, budget=current.budget)

    return _limit


def count(session, model: type, *where: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


class TestWriting:
    def test_new_threads_per_account(self, browser, limit, make_group, member, make_user, session) -> None:
        limit("thread", per_account="2/minute")
        other = make_user()
        group = make_group(members=(member, other))
        url = f"{API}/channels/{group['channel_id']}/threads"
        mine = browser(member)
        for n in range(2):
            assert mine.post(url, json={"title": f"Onderwerp {n}", "body": "Tekst"}).status_code == 201
        before = count(session, Thread)
        refused(mine.post(url, json={"title": "Nog een", "body": "Tekst"}))
        assert count(session, Thread) == before  # nothing stored
        # Another member, from the same address, is not held back by her limit.
        assert browser(other).post(url, json={"title": "Van een ander", "body": "Tekst"}).status_code == 201

    def test_replies_per_address(self, browser, limit, make_group, make_thread, member, make_user,
                                 session) -> None:
        limit("reply", per_address="3/minute")
        others = [make_user(), make_user()]
        group = make_group(members=(member, *others))
        thread = make_thread(member, group["channel_id"])
        url = f"{API}/threads/{thread['id']}/replies"
        office = [browser(user, "10.2.0.1") for user in (member, *others)]
        for client in office:
            assert client.post(url, json={"body": "Eens"}).status_code == 201
        before = count(session, Post)
        refused(office[0].post(url, json={"body": "Nog eens"}))
        refused(office[1].post(url, json={"body": "Ik ook"}))
        assert count(session, Post) == before
        # The same member from another address (her phone) can still reply.
        assert browser(member, "10.3.0.7").post(url, json={"body": "Vanaf mijn telefoon"}).status_code == 201

    def test_flags(self, browser, limit, make_group, make_thread, member, make_user, session) -> None:
        limit("flag", per_account="2/minute")
        author = make_user()
        group = make_group(members=(member, author))
        posts = [make_thread(author, group["channel_id"], title=f"Draad {n}")["opening_post_id"] for n in range(3)]
        client = browser(member)
        for post_id in posts[:2]:
            assert client.post(f"{API}/posts/{post_id}/flags", json={"reason": "spam"}).status_code == 201
        refused(client.post(f"{API}/posts/{posts[2]}/flags", json={"reason": "spam"}))
        assert count(session, Flag, Flag.post_id == posts[2]) == 0

    def test_markdown_previews(self, browser, limit, member) -> None:
        limit("preview", per_account="3/minute")
        client = browser(member)
        for _ in range(3):
            assert client.post(f"{API}/markdown/preview", json={"body": "**vet**"}).status_code == 200
        refused(client.post(f"{API}/markdown/preview", json={"body": "**vet**"}))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, "PNG")
    return out.getvalue()


class TestUploads:
    def test_count_per_hour(self, browser, limit, member, session) -> None:
        limit("upload", per_account="2/hour")
        client = browser(member)
        for n in range(2):
            assert client.post(f"{API}/attachments", files={"file": (f"{n}.txt", b"tekst", "text/plain")}
                               ).status_code == 201
        refused(client.post(f"{API}/attachments", files={"file": ("3.txt", b"tekst", "text/plain")}))
        refused(client.put(f"{API}/me/avatar", files={"file": ("me.png", png(), "image/png")}))
        assert count(session, Attachment, Attachment.uploader_id == member.id) == 2

    def test_bytes_per_hour(self, browser, limit, member, session) -> None:
        from app.config import get_settings

        limit("upload_bytes", per_account="1500/hour", per_address="1000000/hour")
        client = browser(member)
        assert client.post(f"{API}/attachments", files={"file": ("a.txt", b"x" * 1000, "text/plain")}
                           ).status_code == 201
        files_before = sum(1 for p in get_settings().upload_dir.rglob("*") if p.is_file())
        refused(client.post(f"{API}/attachments", files={"file": ("b.txt", b"x" * 1000, "text/plain")}))
        # Refused after it was stored: the rollback removed the file and left her quota as it was.
        assert sum(1 for p in get_settings().upload_dir.rglob("*") if p.is_file()) == files_before
        session.expire_all()
        assert session.get(User, member.id).storage_used == 1000
        assert client.post(f"{API}/attachments", files={"file": ("c.txt", b"x" * 400, "text/plain")}
                           ).status_code == 201
        refused(client.post(f"{API}/attachments", files={"file": ("d.txt", b"x" * 200, "text/plain")}))


    def test_a_byte_budget_costs_two_counters_not_an_entry_per_byte(self, browser, member) -> None:
        from limits.storage import MemoryStorage

        client = browser(member)
        assert client.post(f"{API}/attachments", files={"file": ("groot.bin", b"\0" * 3_000_000,
                                                                 "application/octet-stream")}).status_code == 201
        storage = client.app.state.limiter.storage
        if isinstance(storage, MemoryStorage):
            assert max((len(entries) for entries in storage.events.values()), default=0) < 10
            assert any(value >= 3_000_000 for value in storage.storage.values())
        else:  # Redis: no key holds a list anywhere near as long as the upload
            redis = storage.storage
            keys = list(redis.scan_iter(match=f"{storage.key_prefix}*upload_bytes*"))
            assert keys and all(redis.type(k) != b"list" or redis.llen(k) < 10 for k in keys)


class TestFinding:
    @pytest.mark.parametrize(("action", "path"), [
        ("search", "/search?q=gemeente"), ("suggest", "/search/suggest?q=gem"),
        ("suggest", "/questions/similar?q=wmo"),
    ])
    def test_search_and_suggestions(self, browser, limit, member, action, path) -> None:
        limit(action, per_account="2/minute")
        client = browser(member)
        for _ in range(2):
            assert client.get(API + path).status_code == 200
        refused(client.get(API + path))

    def test_the_search_page_says_so_in_dutch(self, browser, limit, member) -> None:
        limit("search", per_account="1/minute")
        client = browser(member)
        assert client.get("/search?q=wonen").status_code == 200
        assert client.get("/search").status_code == 200  # the empty form searches nothing: not counted
        page = client.get("/search?q=wonen")
        assert page.status_code == 429 and page.headers["Retry-After"].isdigit()
        assert "Je doet dit erg vaak achter elkaar" in page.text


class TestAnonymousActions:
    def test_password_reset_per_target_address(self, browser, limit, member, mails) -> None:
        limit("password_reset", per_account="2/hour")
        anon = browser()
        for _ in range(2):
            assert anon.post(f"{API}/auth/password-reset", json={"email": member.email}).status_code == 202
        refused(anon.post(f"{API}/auth/password-reset", json={"email": member.email.upper()}))
        refused(browser(address="10.9.9.9").post(f"{API}/auth/password-reset", json={"email": member.email}))
        assert len(mails) == 2  # nobody can flood her mailbox
        # An unknown address is counted the same: a refusal tells nothing about who has an account.
        for _ in range(2):
            assert anon.post(f"{API}/auth/password-reset", json={"email": "niemand@example.nl"}).status_code == 202
        refused(anon.post(f"{API}/auth/password-reset", json={"email": "niemand@example.nl"}))

    def test_password_reset_per_client_address(self, browser, limit, mails) -> None:
        limit("password_reset", per_address="3/hour")
        anon = browser(address="10.4.0.1")
        for n in range(3):
            assert anon.post(f"{API}/auth/password-reset", json={"email": f"iemand{n}@example.nl"}).status_code == 202
        refused(anon.post(f"{API}/auth/password-reset", json={"email": "nog.iemand@example.nl"}))
        assert browser(address="10.4.0.2").post(f"{API}/auth/password-reset",
                                                json={"email": "nog.iemand@example.nl"}).status_code == 202

    def test_invite_acceptance_per_client_address(self, browser, limit, run, admin) -> None:
        from app.models.enums import SiteRole
        from app.services import accounts

        limit("invite_accept", per_address="3/hour")
        _, link = run(accounts.create_invite, admin, email="nieuw@partij.nl", role=SiteRole.member)
        token = link.rsplit("/", 1)[1]
        guesser = browser(address="10.5.0.1")
        for guess in ("fout1", "fout2", "fout3"):
            assert_error(guesser.post(f"{API}/invites/{guess}/accept", json=NEWCOMER), 404, "not_found")
        refused(guesser.post(f"{API}/invites/{token}/accept", json=NEWCOMER))  # done guessing, whatever the link
        assert browser(address="10.5.0.2").post(f"{API}/invites/{token}/accept", json=NEWCOMER).status_code == 201

    def test_invite_acceptance_per_invite(self, browser, limit, run, admin, make_user, session) -> None:
        from app.models.enums import SiteRole
        from app.services import accounts

        limit("invite_accept", per_account="2/hour")
        taken = make_user().username
        _, link = run(accounts.create_invite, admin, email="nieuw@partij.nl", role=SiteRole.member)
        url = f"{API}/invites/{link.rsplit('/', 1)[1]}/accept"
        # One link hammered from many addresses.
        for n in range(2):
            assert_error(browser(address=f"10.6.0.{n}").post(url, json={**NEWCOMER, "username": taken}),
                         409, "username_taken", "username")
        refused(browser(address="10.6.0.9").post(url, json=NEWCOMER))
        assert count(session, User, User.username == "nieuw.lid") == 0


NEWCOMER = {"display_name": "Nieuw Lid", "username": "nieuw.lid", "password": "een lang wachtwoord"}


class TestSettings:
    def test_every_limit_is_a_setting(self) -> None:
        tuned = rules_from(Settings(limit_replies_per_account="2/minute;9/hour",
                                    limit_ws_connections_per_address="7/hour"))
        assert [(i.amount, i.GRANULARITY.name) for i in tuned["reply"].per_account] == [(2, "minute"), (9, "hour")]
        assert [i.amount for i in tuned["ws_connect"].per_address] == [7]

    def test_a_bad_limit_names_the_setting(self) -> None:
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="limit_flags_per_account") as caught:
            Settings(limit_flags_per_account="veel")
        assert "write it like 5/minute;20/hour" in str(caught.value)


class TestWhenRedisIsDown:
    def test_limits_still_hold_counted_in_this_process(self, caplog) -> None:
        # Nothing listens on this port: every call to Redis fails, and the limiter counts in the process.
        limiter = Limiter(f"redis://127.0.0.1:{free_port()}/0", key_prefix="plein-test-down",
                          rules={"reply": rule("replies", "2/minute", "100/minute")})
        with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
            limiter.take("reply", account="7", address="10.0.0.1")
            limiter.take("reply", account="7", address="10.0.0.1")
            with pytest.raises(Exception, match="Too many replies") as caught:
                limiter.take("reply", account="7", address="10.0.0.1")
        assert getattr(caught.value, "status_code", None) == 429
        assert caplog.text.count("Redis unreachable") == 1  # said once, not per request

    def test_with_redis_two_workers_share_one_count(self) -> None:
        prefix = f"plein-test-shared-{free_port()}"
        workers = [Limiter(redis_test_url(), key_prefix=prefix, rules={"flag": rule("reports", "3/minute",
                                                                                    "100/minute")})
                   for _ in range(2)]
        try:
            workers[0].take("flag", account="5", address="10.0.0.1")
            workers[1].take("flag", account="5", address="10.0.0.1")
            workers[0].take("flag", account="5", address="10.0.0.1")
            with pytest.raises(Exception, match="Too many reports"):
                workers[1].take("flag", account="5", address="10.0.0.1")
        finally:
            workers[0].reset()
