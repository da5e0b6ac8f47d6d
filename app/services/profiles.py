"""Profiles: what members say about themselves, avatars, and the portfolio tags they hold."""
from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from app.access import SiteAction, allowed, require
from app.config import get_settings
from app.db import constraint_decides, on_rollback, upsert
from app.errors import Conflict, Invalid, NotFound
from app.models import Portfolio, User, UserPortfolio
from app.models.enums import Province, Title
from app.pagination import Page, clamp_limit, encode_cursor, keyset
from app.schemas.users import (
    MeOut,
    PortfolioOut,
    ProfileOut,
    ProfileUpdate,
    UserSummary,
)
from app.services import images, search
from app.services.attachments import storage
from app.services.text import fold, slugify
from app.services.views import user_summary

AVATAR_SIZE = 256
# Decompression bombs: refuse images that would decode to more pixels than this.
MAX_AVATAR_PIXELS = 40_000_000


def profile_out(user: User) -> ProfileOut:
    return ProfileOut(
        **user_summary(user).model_dump(), province=user.province, bio=user.bio,
        portfolios=[PortfolioOut.model_validate(p) for p in user.portfolios], role=user.role,
        created_at=user.created_at, is_active=user.is_active, is_editor=user.is_editor,
    )


def me_out(user: User) -> MeOut:
    return MeOut(**profile_out(user).model_dump(), email=user.email, language=user.language,
                 storage_used=user.storage_used, storage_quota=get_settings().storage_quota_bytes)


def get_profile(session: Session, actor: User, *, user_id: int) -> ProfileOut:
    user = session.get(User, user_id)
    if user is None or (not user.is_active and not allowed(actor, SiteAction.manage_users)):
        raise NotFound("Member not found.")
    return profile_out(user)


def get_profile_by_username(session: Session, actor: User, *, username: str) -> ProfileOut:
    user_id = session.scalar(select(User.id).where(User.username == username.lower()))
    if user_id is None:
        raise NotFound("Member not found.")
    return get_profile(session, actor, user_id=user_id)


def list_members(session: Session, actor: User, *, q: str | None = None, province: Province | None = None,
                 portfolio_id: int | None = None, title: Title | None = None, municipality: str | None = None,
                 cursor: str | None = None, limit: int | None = None) -> Page[UserSummary]:
    """The member directory: by name (or username or municipality), title, municipality, province, portfolio."""
    n = clamp_limit(limit)
    stmt = select(User).where(User.is_active.is_(True))
    if title is not None:
        stmt = stmt.where(User.title == title.value)
    if municipality:
        stmt = stmt.where(func.lower(User.municipality) == municipality.strip().lower())
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(User.username.like(like), User.display_name.ilike(like),
                              User.municipality.ilike(like)))
    if province is not None:
        stmt = stmt.where(User.province == province.value)
    if portfolio_id is not None:
        stmt = stmt.where(User.id.in_(select(UserPortfolio.user_id).where(UserPortfolio.portfolio_id == portfolio_id)))
    users = list(session.scalars(keyset(stmt, (User.id,), cursor, descending=False, types=(int,)).limit(n + 1)))
    page = users[:n]
    return Page(items=[user_summary(u) for u in page],
                next_cursor=encode_cursor(page[-1].id) if len(users) > n else None)


def user_id_by_username(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username.strip().lower(), User.is_active.is_(True)))


def update_me(session: Session, actor: User, *, data: ProfileUpdate) -> MeOut:
    fields = data.model_fields_set
    for name in ("display_name", "bio", "language"):
        value = getattr(data, name)
        if value is not None:
            setattr(actor, name, value)
    for name in ("title", "municipality", "province"):
        if name in fields:  # these may be cleared with null
            value = getattr(data, name)
            setattr(actor, name, value.value if hasattr(value, "value") else value)
    if data.portfolio_ids is not None:
        unique = sorted(set(data.portfolio_ids))
        # Ordered as the relationship loads them, so this answer matches a later GET.
        found = list(session.scalars(
            select(Portfolio).where(Portfolio.id.in_(unique)).order_by(Portfolio.name))) if unique else []
        if len(found) != len(unique):
            missing = sorted(set(unique) - {p.id for p in found})
            raise Invalid("Unknown portfolio id(s): %(ids)s.", field="portfolio_ids", params={"ids": missing})
        # Written as SQL, not through the loaded collection: two tabs saving at once would each delete the
        # rows the other already deleted (a StaleDataError) or insert the same pair twice.
        session.flush()
        session.execute(delete(UserPortfolio).where(UserPortfolio.user_id == actor.id))
        upsert(session, UserPortfolio, [{"user_id": actor.id, "portfolio_id": p.id} for p in found],
               index_elements=["user_id", "portfolio_id"])
        session.expire(actor, ["portfolios"])
    session.flush()
    search.index_member(session, actor)
    return me_out(actor)


def set_avatar(session: Session, actor: User, *, source: BinaryIO) -> MeOut:
    """Re-encode to a 256 px PNG: strips metadata and anything hidden in the original file."""

    def square_png(picture: Image.Image) -> bytes:
        out = io.BytesIO()
        ImageOps.fit(picture, (AVATAR_SIZE, AVATAR_SIZE)).save(out, format="PNG", optimize=True)
        return out.getvalue()

    png = images.reencode(source, max_bytes=get_settings().avatar_max_bytes, max_pixels=MAX_AVATAR_PIXELS,
                          mode="RGBA", make=square_png)
    old = actor.avatar_key
    key = storage().save_bytes(png)
    on_rollback(session, lambda: storage().delete(key))
    actor.avatar_key = key
    session.flush()
    if old:
        storage().delete(old)
    return me_out(actor)


def avatar_path(session: Session, actor: User, *, user_id: int) -> Path:
    user = session.get(User, user_id)
    if user is None or user.avatar_key is None:
        raise NotFound("No avatar.")
    return storage().path(user.avatar_key)


def list_portfolios(session: Session) -> list[PortfolioOut]:
    return [PortfolioOut.model_validate(p) for p in session.scalars(select(Portfolio).order_by(Portfolio.name))]


def create_portfolio(session: Session, actor: User, *, name: str) -> PortfolioOut:
    require(actor, SiteAction.tag_portfolios)
    # A name may be 80 characters, the slug column only 60 (PostgreSQL refuses longer ones).
    slug = slugify(name, max_length=60)
    existing = session.scalars(select(Portfolio)).all()
    exists = Conflict("This portfolio tag already exists.", field="name", code="portfolio_exists")
    if any(p.slug == slug or fold(p.name) == fold(name) for p in existing):
        raise exists
    portfolio = Portfolio(slug=slug, name=name)
    with constraint_decides(session, exists):
        session.add(portfolio)
    return PortfolioOut.model_validate(portfolio)


