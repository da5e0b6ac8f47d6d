"""ORM → schema conversions that several services share. ORM objects never leave the service layer."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from app.schemas.users import UserSummary


def users_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, User]:
    """The members with these ids (None and repeats ignored), in one query."""
    wanted = {i for i in ids if i}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def avatar_url(user: User) -> str | None:
    return f"/api/v1/users/{user.id}/avatar?v={user.avatar_key[:8]}" if user.avatar_key else None


def user_summary(user: User) -> UserSummary:
    return UserSummary(
        id=user.id, username=user.username, display_name=user.display_name, title=user.title,
        municipality=user.municipality, avatar_url=avatar_url(user),
    )


def user_summary_or_none(user: User | None) -> UserSummary | None:
    return user_summary(user) if user is not None else None
