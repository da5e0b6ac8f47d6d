"""The demo loader builds a coherent party network that the app itself can use."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import demo
from app.db import utcnow
from app.models import (
    Channel,
    Group,
    Membership,
    Mention,
    MotionCoSubmitter,
    Post,
    Reaction,
    Thread,
    ThreadPortfolio,
    User,
)
from app.models.enums import REACTIONS, MotionStatus, Province, SiteRole, Title
from app.services.markdown import find_mentions, render_markdown

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,38}[a-z0-9_]$")


class TestLoad:
    def test_builds_the_party_once(self, db, session) -> None:
        assert demo.load(db, force=False) is True

        groups = list(session.scalars(select(Group)))
        by_id = {g.id: g for g in groups}
        kinds = Counter(g.kind for g in groups)
        provinces = [g for g in groups if g.kind == "province"]
        assert len(provinces) == 12 and {g.slug for g in provinces} == {p.value for p in Province}
        assert all(g.visibility == "open" for g in provinces)
        factions = [g for g in groups if g.kind == "faction"]
        assert kinds["faction"] >= 30
        assert all(g.name.startswith("Fractie ") and by_id[g.parent_id].kind == "province" for g in factions)
        themes = [g for g in groups if g.kind == "theme" and g.parent_id is None]
        assert 9 <= len(themes) <= 12
        assert any(g.visibility == "closed" for g in themes)
        assert any(g.kind == "theme" and g.parent_id is not None and by_id[g.parent_id].kind == "theme"
                   for g in groups)
        assert [g.name for g in groups if g.visibility == "secret"] == ["Bestuur"]

        # Every group: exactly one default channel "Algemeen", and a member count that matches.
        defaults = Counter(session.scalars(select(Channel.group_id).where(Channel.is_default.is_(True))))
        assert all(defaults[g.id] == 1 for g in groups)
        assert set(session.scalars(select(Channel.slug).where(Channel.is_default.is_(True)))) == {"algemeen"}
        counts = dict(session.execute(select(Membership.group_id, func.count()).group_by(Membership.group_id)).all())
        assert all(g.member_count == counts.get(g.id, 0) and g.member_count > 0 for g in groups)
        assert all(session.scalar(select(func.count()).select_from(Membership).where(
            Membership.group_id == g.id, Membership.role == "admin")) >= 1 for g in groups)

        users = list(session.scalars(select(User)))
        assert 190 <= len(users) <= 210
        assert all(USERNAME.match(u.username) for u in users)
        assert {SiteRole.admin, SiteRole.community_manager} <= {u.role for u in users}
        titles = {t.value for t in Title}
        province_of = {m: p.value for m, p, _ in demo.MUNICIPALITIES}
        members = [u for u in users if u.role == SiteRole.member]
        assert all(u.title in titles and u.province == province_of[u.municipality] for u in members)
        assert all(1 <= len(u.portfolios) <= 3 for u in members)
        for _, email in demo.DEMO_LOGINS:
            assert session.scalar(select(User.id).where(User.email == email)) is not None

        threads = list(session.scalars(select(Thread)))
        assert 130 <= len(threads) <= 180
        assert {t.kind for t in threads} == {"discussion", "question", "motion"}
        channel_group = dict(session.execute(select(Channel.id, Channel.group_id)).all())
        assert all(channel_group[t.channel_id] == t.group_id for t in threads)
        motions = [t for t in threads if t.kind == "motion"]
        assert all(t.motion_municipality and t.motion_status in set(MotionStatus) for t in motions)
        assert all(bool(t.motion_vote_result) == (t.motion_status in ("adopted", "rejected")) for t in motions)
        assert session.scalar(select(func.count()).select_from(MotionCoSubmitter)) > 0
        question_ids = {t.id for t in threads if t.kind == "question"}
        assert set(session.scalars(select(ThreadPortfolio.thread_id))) <= question_ids
        assert session.scalar(select(func.count()).select_from(ThreadPortfolio)) > 0

        posts = list(session.scalars(select(Post)))
        openings = Counter(p.thread_id for p in posts if p.is_opening)
        replies = Counter(p.thread_id for p in posts if not p.is_opening)
        assert all(openings[t.id] == 1 and t.reply_count == replies[t.id] for t in threads)
        assert 400 <= sum(replies.values()) <= 650
        post_by_id = {p.id: p for p in posts}
        answered = [t for t in threads if t.answer_post_id is not None]
        assert answered and all(t.kind == "question" and post_by_id[t.answer_post_id].thread_id == t.id
                                and not post_by_id[t.answer_post_id].is_opening for t in answered)
        quoting = [p for p in posts if p.quote_post_id is not None]
        assert quoting and all(post_by_id[p.quote_post_id].thread_id == p.thread_id
                               and p.quote_post_id < p.id for p in quoting)

        # Authors post only where they are members, and nothing happens before its thread or in the future.
        member_of = set(session.execute(select(Membership.group_id, Membership.user_id)).all())
        thread_by_id = {t.id: t for t in threads}
        now = utcnow()
        for post in posts:
            thread = thread_by_id[post.thread_id]
            assert (thread.group_id, post.author_id) in member_of
            assert thread.created_at <= post.created_at <= thread.last_activity_at <= now
        assert min(t.created_at for t in threads) >= now - timedelta(days=190)

        # What the services would have stored: rendered HTML and a Mention row per @username.
        sample = posts[::25]
        assert all(p.body_html == render_markdown(p.body) for p in sample)
        usernames = {u.username: u.id for u in users}
        expected = {(p.id, usernames[n]) for p in posts for n in find_mentions(p.body) if n in usernames}
        assert expected and set(session.execute(select(Mention.post_id, Mention.user_id)).all()) == expected
        emojis = set(session.scalars(select(Reaction.emoji)))
        assert emojis and emojis <= set(REACTIONS)

        assert demo.load(db, force=False) is False
        assert session.scalar(select(func.count()).select_from(User)) == len(users)

    def test_forced_load_next_to_data_reuses_the_demo_people(self, db, session) -> None:
        assert demo.load(db, force=False) is True
        before = session.scalar(select(func.count()).select_from(User))

        assert demo.load(db, force=True) is True

        assert session.scalar(select(func.count()).select_from(User)) == before
        slugs = list(session.scalars(select(Group.slug)))
        assert len(slugs) == len(set(slugs)) and "fractie-alkmaar-2" in slugs


class TestDemoLogin:
    def test_a_demo_member_logs_in_with_the_demo_password(self, db, app) -> None:
        demo.load(db, force=False)
        email = dict(demo.DEMO_LOGINS)["raadslid Alkmaar"]
        with TestClient(app, base_url="http://testserver") as client:
            response = client.post("/api/v1/auth/login", json={"email": email, "password": demo.DEMO_PASSWORD})
            assert response.status_code == 200, response.text
            me = response.json()["user"]
            assert (me["title"], me["municipality"]) == ("raadslid", "Alkmaar")

            groups = client.get("/api/v1/groups", params={"mine": "true"})
            assert groups.status_code == 200, groups.text
            assert "Fractie Alkmaar" in {g["name"] for g in groups.json()}
