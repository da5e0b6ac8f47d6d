"""The publishing pages, server-rendered: what members read (the list, an article, the featured spot on the
home page) and what only editors reach (the editorial list, the editor, the series calendar)."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from app.db import utcnow
from app.events import site_topic, thread_topic
from tests.api.helpers import API
from tests.web.test_pages import assert_not_found_page, assert_page, links, page_data


@pytest.fixture
def desk(client_for, manager):
    return client_for(manager)


def write(desk: Any, title: str, **fields: Any) -> dict[str, Any]:
    response = desk.post(f"{API}/articles", json={"title": title, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def publish(desk: Any, article: dict[str, Any]) -> dict[str, Any]:
    response = desk.post(f"{API}/articles/{article['id']}/publish")
    assert response.status_code == 200, response.text
    return response.json()


def series(desk: Any, name: str = "Raadslid in beeld", first_slot: date | None = None) -> dict[str, Any]:
    response = desk.post(f"{API}/series", json={"name": name,
                                                "first_slot": str(first_slot or utcnow().date() + timedelta(days=3))})
    assert response.status_code == 201, response.text
    return response.json()


class TestArticleList:
    def test_lists_published_articles_only(self, desk, client_for, member) -> None:
        shown = publish(desk, write(desk, "Waarom ik raadslid werd", lead="Een gesprek met Anna"))
        write(desk, "Nog een concept")
        text = assert_page(client_for(member).get("/articles"))
        assert "Waarom ik raadslid werd" in text and "Een gesprek met Anna" in text
        assert "Nog een concept" not in text
        assert shown["url"] in links(text) and "/feeds/articles.atom" in links(text)

    def test_filtered_by_series(self, desk, client_for, member) -> None:
        one = series(desk)
        publish(desk, write(desk, "In de reeks", series_id=one["id"]))
        publish(desk, write(desk, "Buiten de reeks"))
        text = assert_page(client_for(member).get(f"/articles?series={one['slug']}"))
        assert "In de reeks" in text and "Buiten de reeks" not in text
        assert one["feed_url"] in links(text)
        assert_not_found_page(client_for(member).get("/articles?series=bestaat-niet"))


class TestArticlePage:
    def test_a_draft_is_not_found_for_a_member(self, desk, client_for, member) -> None:
        draft = write(desk, "Geheim concept")
        assert_not_found_page(client_for(member).get(draft["url"]))
        text = assert_page(desk.get(draft["url"]))
        assert "Geheim concept" in text and "alleen redacteuren" in text

    def test_shows_the_publication_time_the_text_and_comments(
            self, desk, client_for, member, make_user) -> None:
        subject = make_user(username="carla", display_name="Carla Smit", title="wethouder", municipality="Delft")
        article = publish(desk, write(desk, "Carla over de warmtetransitie", lead="Wat ze tegenkomt",
                                      body="## Waarom\n\nOmdat **Delft** het kan.", subject_id=subject.id))
        reader = client_for(member)
        assert reader.post(f"{API}/articles/{article['id']}/comments", json={"body": "Herkenbaar!"}).status_code == 201
        response = reader.get(article["url"])
        text = assert_page(response)
        assert "<h2>Waarom</h2>" in text and "<strong>Delft</strong>" in text
        assert "Gepubliceerd" in text and article["published_at"][:10] in text  # the <time datetime=…>
        assert "/members/carla" in links(text) and "Carla Smit" in text
        assert "Herkenbaar!" in text and "1 reactie" in text
        assert page_data(response)["topics"] == [thread_topic(article["thread_id"])]
        assert 'id="reply-form"' in text and f'data-article-id="{article["id"]}"' in text
        assert f"/manage/articles/{article['id']}" not in links(text)  # no edit link for a member
        assert f"/manage/articles/{article['id']}" in links(desk.get(article["url"]).text)

    def test_the_cover_in_several_sizes(self, desk, client_for, member) -> None:
        article = write(desk, "Met een foto", cover_alt="Carla op de markt")
        image = io.BytesIO()
        Image.new("RGB", (1800, 900), (20, 120, 60)).save(image, format="PNG")
        response = desk.put(f"{API}/articles/{article['id']}/cover", files={"file": ("foto.png", image.getvalue(),
                                                                                   "image/png")})
        assert response.status_code == 200, response.text
        article = publish(desk, article)
        text = assert_page(client_for(member).get(article["url"]))
        assert 'alt="Carla op de markt"' in text and "400w" in text and "1600w" in text


class TestHomeFeatured:
    def test_the_newest_publication_is_featured(self, desk, client_for, member) -> None:
        reader = client_for(member)
        text = assert_page(reader.get("/"))
        assert "Het volgende interview van de communitymanager verschijnt hier" in text
        publish(desk, write(desk, "Eerste interview"))
        newest = publish(desk, write(desk, "Tweede interview"))
        response = reader.get("/")
        text = assert_page(response)
        spot = text[text.index('id="featured"'):text.index('id="no-featured"')]
        assert "Tweede interview" in spot and newest["url"] in links(spot) and "Eerste interview" not in spot
        assert site_topic() in page_data(response)["topics"]


class TestEditorsPages:
    @pytest.mark.parametrize("path", ["/manage/articles", "/manage/articles/new", "/manage/series"])
    def test_members_are_refused(self, client_for, member, path: str) -> None:
        text = assert_page(client_for(member).get(path), 403)
        assert "Alleen redacteuren" in text

    def test_the_editorial_list_and_the_editor(self, desk, client_for, member) -> None:
        draft = write(desk, "Concept over wonen")
        published = publish(desk, write(desk, "Gepubliceerd stuk"))
        text = assert_page(desk.get("/manage/articles"))
        assert f"/manage/articles/{draft['id']}" in links(text) and f"/manage/articles/{published['id']}" in links(text)
        assert "Concept" in text and "Gepubliceerd" in text and "/manage/articles/new" in links(text)
        editor = assert_page(desk.get(f"/manage/articles/{draft['id']}"))
        assert 'id="article-form"' in editor and "Concept over wonen" in editor and 'id="schedule-form"' in editor
        assert_not_found_page(desk.get("/manage/articles/999999"))
        assert_page(client_for(member).get(f"/manage/articles/{draft['id']}"), 404)

    def test_an_editor_member_gets_the_desk(self, client_for, manager, make_user) -> None:
        writer = make_user(display_name="Redacteur Rik")
        assert client_for(manager).patch(f"{API}/admin/users/{writer.id}", json={"is_editor": True}).status_code == 200
        text = assert_page(client_for(writer).get("/"))
        assert "/manage/articles" in links(text)
        assert_page(client_for(writer).get("/manage/articles/new"))

    def test_the_series_calendar(self, desk, client_for, member) -> None:
        one = series(desk, first_slot=utcnow().date() + timedelta(days=2))
        text = assert_page(desk.get("/manage/series"))
        assert f"/manage/series/{one['slug']}" in links(text)
        calendar = desk.get(f"{API}/series/{one['id']}/calendar").json()
        slot = next(s for s in calendar["slots"] if s["state"] == "empty" and s["remind_at"])
        planned = write(desk, "Het interview van de eerste plek", series_id=one["id"])
        assert desk.post(f"{API}/articles/{planned['id']}/schedule",
                         json={"publish_at": slot["publish_at"]}).status_code == 200
        text = assert_page(desk.get(f"/manage/series/{one['slug']}"))
        assert "Het interview van de eerste plek" in text and "Ingepland" in text and "Leeg" in text
        assert "Plan een artikel" in text
        assert_page(client_for(member).get(f"/manage/series/{one['slug']}"), 403)

    def test_plan_an_article_links_to_a_moment_that_survives_the_link(self, desk) -> None:
        """The slot's moment has a time zone offset ("+00:00"): unencoded, its "+" arrived as a space."""
        one = series(desk, first_slot=utcnow().date() + timedelta(days=2))
        text = assert_page(desk.get(f"/manage/series/{one['slug']}"))
        planned = [href for href in links(text) if href.startswith("/manage/articles/new?")]
        assert planned
        for href in planned:
            query = parse_qs(urlsplit(href).query)
            assert query["series"] == [str(one["id"])]
            moment = datetime.fromisoformat(query["at"][0])
            assert moment.tzinfo is not None and moment > utcnow()


class TestProfileAndSettings:
    def test_a_profile_lists_the_interviews_about_her(self, desk, client_for, member, make_user) -> None:
        carla = make_user(username="carla", display_name="Carla Smit")
        shown = publish(desk, write(desk, "Carla in beeld", subject_id=carla.id))
        write(desk, "Concept over Carla", subject_id=carla.id)
        text = assert_page(client_for(member).get("/members/carla"))
        assert "Interviews en artikelen over Carla Smit" in text and shown["url"] in links(text)
        assert "Concept over Carla" not in text
        assert 'id="editor-role"' not in text  # only staff give the editor role

    def test_staff_see_the_editor_role_switch(self, desk, make_user) -> None:
        make_user(username="rik", display_name="Rik")
        text = assert_page(desk.get("/members/rik"))
        assert 'id="editor-role"' in text and "Redacteur: schrijft" in text

    def test_the_article_setting(self, client_for, member) -> None:
        reader = client_for(member)
        assert 'name="articles" checked' in assert_page(reader.get("/settings/notifications"))
        assert reader.patch(f"{API}/me/notification-settings", json={"articles": False}).status_code == 200
        text = assert_page(reader.get("/settings/notifications"))
        assert 'name="articles" checked' not in text and 'name="articles"' in text
