"""Atom feeds of published articles (all, or one series) for the party website, made with feedgen.

Only what may leave the intranet: published articles whose editors left "in the public feed" on. Never a
draft, a scheduled piece, a member-only article or a comment. No login: a feed reader has none.
"""
from __future__ import annotations

import re
from typing import cast
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import Article, Series
from app.models.enums import ArticleStatus
from app.services.publishing.series import series_id_by_slug
from app.services.views import users_by_id

FEED_SIZE = 20
SITE_TITLE = "Plein"
# What XML 1.0 cannot hold (C0 controls but tab, newline and return; U+FFFE, U+FFFF). A vertical tab pasted
# from a word processor would otherwise break the whole feed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


def _tag(kind: str, ident: int | str) -> str:
    """A permanent id (RFC 4151 tag URI): it survives a new domain name or a renamed article."""
    host = urlsplit(get_settings().base_url).hostname or "plein.local"
    return f"tag:{host},2026:{kind}:{ident}"


def atom_feed(session: Session, *, series_slug: str | None = None) -> bytes:
    base = get_settings().base_url
    stmt = select(Article).where(Article.status == ArticleStatus.published, Article.in_public_feed.is_(True))
    feed = FeedGenerator()
    if series_slug is None:
        feed.id(_tag("articles", "all"))
        feed.title(f"{SITE_TITLE} — interviews en artikelen")
        feed.subtitle("Interviews en artikelen van Plein")
        self_url = f"{base}/feeds/articles.atom"
        alternate = f"{base}/articles"
    else:
        series = session.get(Series, series_id_by_slug(session, series_slug))
        assert series is not None
        stmt = stmt.where(Article.series_id == series.id)
        feed.id(_tag("series", series.id))
        feed.title(_xml(f"{SITE_TITLE} — {series.name}"))
        if series.description:
            feed.subtitle(_xml(series.description))
        self_url = f"{base}/feeds/series/{series.slug}.atom"
        alternate = f"{base}/articles?series={series.slug}"
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.language("nl")
    feed.author({"name": SITE_TITLE})  # the feed's author: an entry without its own author falls back on it
    feed.generator("Plein")
    articles = list(session.scalars(stmt.order_by(Article.published_at.desc(), Article.id.desc()).limit(FEED_SIZE)))
    authors = {i: u.display_name for i, u in users_by_id(session, (a.author_id for a in articles)).items()}
    # feedgen writes entries in the reverse order of adding them: add the oldest first.
    for article in reversed(articles):
        assert article.published_at is not None
        entry = feed.add_entry()
        entry.id(_tag("article", article.id))
        entry.title(_xml(article.title))
        entry.link(href=f"{base}/articles/{article.slug}", rel="alternate", type="text/html")
        entry.published(article.published_at)
        entry.updated(max(article.published_at, article.updated_at))
        if article.lead:
            entry.summary(_xml(article.lead))
        entry.content(_xml(article.body_html), type="html")
        if article.author_id in authors:
            entry.author({"name": _xml(authors[article.author_id])})
    newest = max((max(a.published_at, a.updated_at) for a in articles if a.published_at), default=None)
    if newest is not None:
        feed.updated(newest)
    return cast(bytes, feed.atom_str(pretty=True))  # feedgen ships no types: atom_str returns the encoded XML
