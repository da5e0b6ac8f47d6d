"""Two members in two browsers: what one posts appears at the other's without reloading."""
from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.servers import TcpProxy


def test_a_question_and_its_reply_appear_live(member_in, site) -> None:
    anna, bert = member_in("anna"), member_in("bert")
    bert.page.goto(f"/groups/{site.group_slug}")
    bert.wait_live()
    anna.page.goto(f"/groups/{site.group_slug}")
    anna.screenshot("group-desktop")

    # Anna asks a question in the theme group.
    anna.page.get_by_text("Nieuw onderwerp in #").click()
    anna.page.get_by_label("Vraag", exact=True).check()
    anna.page.get_by_label("Titel").fill("Wie heeft ervaring met warmtenetten?")
    anna.page.get_by_label("Bericht").fill("We willen een **motie** indienen over een warmtenet in Alkmaar.")
    posted = time.monotonic()
    anna.page.get_by_role("button", name="Plaatsen").click()
    anna.page.wait_for_url("**/threads/*")

    # Bert sees it in the group's list without reloading, within a second.
    item = bert.page.locator(".thread-item", has_text="Wie heeft ervaring met warmtenetten?")
    expect(item).to_be_visible(timeout=1000)
    assert time.monotonic() - posted < 2.0
    expect(item.locator(".badge")).to_have_text("Vraag")

    # He opens it and replies; Anna, on the thread page, sees the reply appear.
    anna.wait_live()
    item.get_by_role("link").click()
    bert.page.wait_for_url("**/threads/*")
    bert.page.get_by_label("Bericht").fill("In Delft hebben we er een aangenomen, ik stuur je de tekst.")
    bert.page.get_by_role("button", name="Reageren", exact=True).click()
    mine = bert.page.locator("article.post", has_text="In Delft hebben we er een aangenomen")
    expect(mine).to_have_count(1)
    reply = anna.page.locator("article.post", has_text="In Delft hebben we er een aangenomen")
    expect(reply).to_be_visible(timeout=1000)
    expect(reply.locator(".author")).to_have_text("Bert Jansen")
    expect(anna.page.locator("#reply-count")).to_have_text("1 reactie")
    # His own reply is shown once: the optimistic copy and the server's event became one post.
    bert.page.wait_for_timeout(300)
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class("pending")
    anna.screenshot("thread-desktop")
    anna.page.set_viewport_size({"width": 360, "height": 740})
    anna.screenshot("thread-phone")


def test_after_the_network_drops_missed_posts_appear_once(member_in, site) -> None:
    link = TcpProxy(int(site.url.rsplit(":", 1)[1]))
    with link:
        _network_drop(member_in, site, link)


def _network_drop(member_in, site, link: TcpProxy) -> None:
    anna, bert = member_in("anna", link.url), member_in("bert")
    channel = bert.api("GET", f"/api/v1/groups/{_group_id(bert, site.group_slug)}/channels")[0]  # type: ignore[index]
    thread = bert.api("POST", f"/api/v1/channels/{channel['id']}/threads",
                      {"title": "Deelauto's in de wijk", "body": "Ervaringen?"})
    anna.page.goto(f"/threads/{thread['id']}")  # type: ignore[index]
    anna.wait_live()

    link.cut()
    anna.context.set_offline(True)
    anna.page.wait_for_function("() => document.body.dataset.live === 'lost'", timeout=15000)
    expect(anna.page.locator("#live-status")).to_have_text("Verbinding verbroken. Opnieuw verbinden…")
    missed = [bert.api("POST", f"/api/v1/threads/{thread['id']}/replies", {"body": f"Gemist bericht {i}"})  # type: ignore[index]
              for i in range(3)]
    anna.context.set_offline(False)
    link.restore()
    anna.wait_live()
    expect(anna.page.locator("#live-status")).to_have_text("Weer verbonden.")
    for i in range(3):
        expect(anna.page.locator("article.post", has_text=f"Gemist bericht {i}")).to_have_count(1, timeout=5000)
    bert.api("POST", f"/api/v1/threads/{thread['id']}/replies", {"body": "Na het herstel"})  # type: ignore[index]
    expect(anna.page.locator("article.post", has_text="Na het herstel")).to_have_count(1, timeout=2000)
    anna.page.wait_for_timeout(500)
    for i in range(3):
        expect(anna.page.locator("article.post", has_text=f"Gemist bericht {i}")).to_have_count(1)
    expect(anna.page.locator("#reply-count")).to_have_text("4 reacties")
    assert len(missed) == 3


def _group_id(member, slug: str) -> int:
    found = member.api("GET", f"/api/v1/groups?q={slug}")
    items = found["items"] if isinstance(found, dict) else found  # type: ignore[index]
    return next(g["id"] for g in items if g["slug"] == slug)
