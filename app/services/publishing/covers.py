"""An article's cover: re-encoded to JPEGs of a few widths, served under the storage key."""
from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import on_rollback, utcnow
from app.errors import NotFound
from app.models import Article, User
from app.models.enums import ArticleStatus as Status
from app.schemas.publishing import (
    ArticleOut,
)
from app.services import images
from app.services.attachments import storage
from app.services.publishing.articles import access_article, article_out

COVER_WIDTHS = (1600, 800, 400)


MAX_COVER_PIXELS = 50_000_000


def set_cover(session: Session, actor: User, *, article_id: int, source: BinaryIO) -> ArticleOut:
    """Re-encode the upload to JPEGs of a few widths (no metadata, nothing hidden in the original)."""
    article = access_article(session, actor, article_id, edit=True)

    def jpegs(picture: Image.Image) -> dict[str, bytes]:
        sizes = {}
        for width in COVER_WIDTHS:
            copy = picture.copy()
            copy.thumbnail((width, width * 4), Image.Resampling.LANCZOS)  # never enlarged
            out = io.BytesIO()
            copy.save(out, format="JPEG", quality=82, optimize=True, progressive=True)
            sizes[str(width)] = out.getvalue()
        return sizes

    sizes = images.reencode(source, max_bytes=get_settings().cover_max_bytes, max_pixels=MAX_COVER_PIXELS,
                            mode="RGB", make=jpegs)
    old = list((article.cover or {}).values())
    keys = {width: storage().save_bytes(blob) for width, blob in sizes.items()}

    def remove_new_files() -> None:
        for key in keys.values():
            storage().delete(key)

    on_rollback(session, remove_new_files)
    article.cover = keys
    article.updated_at = utcnow()
    session.flush()
    for key in old:
        storage().delete(key)
    return article_out(session, actor, article)


def cover_path(session: Session, actor: User | None, *, article_id: int, width: str) -> Path:
    """A cover for a member who may read the article; without a login only that of a public-feed article."""
    article = session.get(Article, article_id)
    public = article is not None and article.status == Status.published and article.in_public_feed
    if actor is not None and not public:
        article = access_article(session, actor, article_id)
    elif actor is None and not public:
        raise NotFound("Article not found.")
    assert article is not None
    if not article.cover or width not in article.cover:
        raise NotFound("No such cover.", field="width")
    return storage().path(article.cover[width])
