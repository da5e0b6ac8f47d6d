"""/settings/account, as the server sends it: her login address, where she is logged in (this device first,
each other one with its own button), and her API keys (the secret never again after it was made)."""
from __future__ import annotations

import re

from app.services import accounts
from tests.web.test_member_pages import by_id, elements, with_class
from tests.web.test_pages import EVIL, assert_login_redirect, assert_page, links

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


def test_a_visitor_is_sent_to_login(anon) -> None:
    assert_login_redirect(anon.get("/settings/account", follow_redirects=False), "/settings/account")


def test_the_settings_pages_link_to_each_other(client_for, member) -> None:
    me = client_for(member)
    for path in ("/settings/profile", "/settings/account", "/settings/notifications"):
        assert {"/settings/profile", "/settings/account", "/settings/notifications"} <= links(assert_page(me.get(path)))


def test_her_logins_this_device_first_and_in_words(client_for, member, other, run) -> None:
    me = client_for(member)
    run(accounts.start_session, member, ip_address="192.0.2.7", user_agent=ANDROID)
    run(accounts.start_session, member, ip_address="192.0.2.8", user_agent=IPHONE)
    run(accounts.start_session, member, ip_address=None, user_agent=EVIL)
    run(accounts.start_session, other, ip_address="192.0.2.9", user_agent=ANDROID)  # not hers
    text = assert_page(me.get("/settings/account"))
    items = with_class(text, "li", "login-item")
    assert len(items) == 4
    first = items[0]
    assert "Dit apparaat" in first.text and not [e for e in elements(text) if e.within(first) and e.tag == "button"]
    devices = {next(e.text for e in elements(text) if e.within(item) and e.tag == "strong") for item in items[1:]}
    assert devices == {"Chrome Mobile op Android", "Mobile Safari op iOS", "Onbekende browser"}
    assert "192.0.2.7" in text and "192.0.2.9" not in text
    buttons = with_class(text, "button", "end-session")
    assert len(buttons) == 3 and all(b.attrs["aria-label"].startswith("Uitloggen op ") for b in buttons)
    assert by_id(text, "end-others") is not None
    assert EVIL not in text  # a user agent is text, never markup
    assert not re.search(r"\d{4}-\d\d-\d\d", by_id(text, "logins").text)  # moments in words, not ISO


def test_alone_there_is_no_log_out_everywhere_else(client_for, member) -> None:
    text = assert_page(client_for(member).get("/settings/account"))
    assert len(with_class(text, "li", "login-item")) == 1 and by_id(text, "end-others") is None


def test_her_keys_without_their_secret(client_for, member, other, run) -> None:
    me = client_for(member)
    text = assert_page(me.get("/settings/account"))
    assert "Je hebt geen API-sleutels." in text
    _, secret = run(accounts.create_api_token, member, name="Agenda <b>app</b>")
    _, theirs = run(accounts.create_api_token, other, name="Hun sleutel")
    text = assert_page(me.get("/settings/account"))
    items = with_class(text, "li", "token-item")
    assert len(items) == 1 and "Agenda <b>app</b>" in items[0].text and "nog nooit gebruikt" in items[0].text
    assert secret not in text and secret[:12] in text and "Hun sleutel" not in text
    assert with_class(text, "button", "revoke-token")[0].attrs["aria-label"] == "Sleutel Agenda <b>app</b> intrekken"
    assert "<b>app</b>" not in text  # escaped


def test_in_english(client_for, make_user) -> None:
    english = make_user(language="en")
    text = assert_page(client_for(english).get("/settings/account"))
    assert "Where you are logged in" in text and "This device" in text and "API keys" in text
