"""The search page and the header's search box, server-rendered: results with marked words, tabs with counts,
filters kept in the links, and nothing from a group she may not read."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.test_pages import assert_page, links


def test_results_tabs_and_marks(client_for, member, manager, make_group, make_thread) -> None:
    green = make_group("Duurzaamheid", members=(member,))
    secret = make_group("Bestuur", visibility="secret")
    shown = make_thread(manager, green["channel_id"], title="Motie zonnepanelen op scholen",
                        body="Een motie over zonnepanelen: <b>veilig</b> & betaalbaar.", kind="motion",
                        motion={"municipality": "Delft", "status": "adopted"})
    make_thread(manager, secret["channel_id"], title="Geheime zonnepanelen", body="Niet voor iedereen.")
    reader = client_for(member)
    text = assert_page(reader.get("/search", params={"q": "zonnepaneel"}))
    assert f"/threads/{shown['id']}" in links(text)
    assert "<mark>zonnepanelen</mark>" in text and "&lt;b&gt;veilig&lt;/b&gt;" in text  # marked, never raw HTML
    assert "Geheime" not in text
    assert "Aangenomen" in text and "Delft" in text
    tabs = {parse_qs(urlsplit(href).query).get("kind", [""])[0] for href in links(text) if href.startswith("/search")}
    assert {"", "thread", "reply", "article", "group", "member"} <= tabs
    assert 'class="count">1</span>' in text


def test_filters_stay_in_the_links_and_bad_dates_are_named(client_for, member) -> None:
    reader = client_for(member)
    text = assert_page(reader.get("/search", params={"q": "motie", "thread_kind": "motion", "province": "utrecht"}))
    assert 'value="motion" selected' in text and 'value="utrecht" selected' in text
    assert any("thread_kind=motion" in href and "province=utrecht" in href for href in links(text))
    bad = reader.get("/search", params={"q": "motie", "since": "gisteren"})
    assert bad.status_code == 422 and "Controleer “Van”" in bad.text and "search-results" not in bad.text


def test_the_header_has_a_search_box(client_for, member) -> None:
    text = assert_page(client_for(member).get("/"))
    assert 'action="/search"' in text and 'role="combobox"' in text and "search-box.js" in text
    empty = assert_page(client_for(member).get("/search"))
    assert 'id="search-q"' in empty and "search-results" not in empty
    common = assert_page(client_for(member).get("/search", params={"q": "de het een"}))
    assert "te algemeen" in common


def test_the_member_directory(client_for, member, make_user, make_portfolio) -> None:
    from app.models import UserPortfolio

    green = make_portfolio("Duurzaamheid")
    carla = make_user(username="carla", display_name="Carla Smit", title="wethouder", municipality="Delft",
                      province="zuid-holland")
    make_user(username="dirk", display_name="Dirk Boer", title="raadslid", municipality="Delft")
    from sqlalchemy.orm import object_session

    session = object_session(carla)
    session.add(UserPortfolio(user_id=carla.id, portfolio_id=green.id))
    session.commit()
    reader = client_for(member)
    text = assert_page(reader.get("/members", params={"municipality": "delft", "title": "wethouder"}))
    assert "/members/carla" in links(text) and "/members/dirk" not in links(text)
    text = assert_page(reader.get("/members", params={"portfolio_id": green.id}))
    assert "/members/carla" in links(text) and "/members/dirk" not in links(text)
    api = reader.get("/api/v1/users", params={"province": "zuid-holland", "title": "wethouder"}).json()
    assert [u["username"] for u in api["items"]] == ["carla"]


def test_a_profile_lists_her_groups_and_posts_as_far_as_the_viewer_may_see(
        client_for, member, outsider, manager, make_group, make_thread) -> None:
    open_group = make_group("Wonen", members=(member,))
    secret = make_group("Bestuur", visibility="secret", members=(member,))
    make_thread(member, open_group["channel_id"], title="Starterswoningen in Alkmaar", body="Wie weet raad?")
    make_thread(member, secret["channel_id"], title="Kandidatenlijst", body="Vertrouwelijk.")
    username = member.username
    seen_by_outsider = assert_page(client_for(outsider).get(f"/members/{username}"))
    assert "/groups/wonen" in links(seen_by_outsider) and "Starterswoningen in Alkmaar" in seen_by_outsider
    assert "Bestuur" not in seen_by_outsider and "Kandidatenlijst" not in seen_by_outsider
    seen_by_staff = assert_page(client_for(manager).get(f"/members/{username}"))
    assert "Bestuur" in seen_by_staff and "Kandidatenlijst" in seen_by_staff


def test_a_question_shows_its_reach_who_answered_and_whether_it_is_answered(
        client_for, member, outsider, manager, make_group, make_thread, run) -> None:
    from app.schemas.posts import ReplyCreate
    from app.services import posts

    group = make_group("Jeugdzorg", members=(member, outsider))
    asked = make_thread(member, group["channel_id"], kind="question", title="Wie heeft ervaring met wachtlijsten?",
                        body="In Alkmaar lopen de wachtlijsten op.")
    reply = run(posts.create_reply, outsider, thread_id=asked["id"], data=ReplyCreate(body="Wij hebben een pilot."))
    reader = client_for(member)
    text = assert_page(reader.get(f"/threads/{asked['id']}"))
    assert "Nog niet beantwoord" in text and "Reacties van" in text and "Buiten Staander" in text
    assert reader.put(f"/api/v1/threads/{asked['id']}/answer", json={"post_id": reply.id}).status_code == 200
    assert "Beantwoord" in assert_page(reader.get(f"/threads/{asked['id']}"))
    detail = reader.get(f"/api/v1/threads/{asked['id']}").json()
    assert [u["display_name"] for u in detail["answered_by"]] == ["Buiten Staander"]
    # Someone writing a new question about waiting lists is shown this answered one.
    similar = client_for(manager).get("/api/v1/questions/similar", params={"q": "Wachtlijsten in de jeugdzorg"})
    assert [h["id"] for h in similar.json()] == [asked["id"]]
    unanswered = make_thread(member, group["channel_id"], kind="question", title="Wachtlijsten bij de GGD?",
                             body="Iemand?")
    again = client_for(manager).get("/api/v1/questions/similar", params={"q": "wachtlijsten"}).json()
    assert unanswered["id"] not in [h["id"] for h in again]


def test_search_one_group_or_one_member(client_for, member, outsider, make_group, make_thread) -> None:
    wonen = make_group("Wonen", members=(member, outsider))
    zorg = make_group("Zorg", members=(member,))
    mine = make_thread(member, wonen["channel_id"], title="Tiny houses op de zandplaat", body="Zandplaat.")
    theirs = make_thread(outsider, wonen["channel_id"], title="Zandplaat en starters", body="Zandplaat.")
    other = make_thread(member, zorg["channel_id"], title="Zandplaat in de zorg", body="Zandplaat.")
    reader = client_for(member)
    text = assert_page(reader.get("/search", params={"q": "zandplaat", "group_id": wonen["id"]}))
    assert {f"/threads/{mine['id']}", f"/threads/{theirs['id']}"} <= links(text)
    assert f"/threads/{other['id']}" not in links(text)
    text = assert_page(reader.get("/search", params={"q": "zandplaat", "author": outsider.username}))
    assert f"/threads/{theirs['id']}" in links(text) and f"/threads/{mine['id']}" not in links(text)
    nobody = assert_page(reader.get("/search", params={"q": "zandplaat", "author": "bestaat-niet"}))
    assert "search-hit" not in nobody and "Niets gevonden" in nobody
    profile = assert_page(reader.get(f"/members/{outsider.username}"))
    assert f'name="author" value="{outsider.username}"' in profile
