"""Site roles, in one place: the community manager and admins look after every group."""
from __future__ import annotations

from app.models import User
from app.models.enums import SiteRole

STAFF_ROLES = {SiteRole.admin.value, SiteRole.community_manager.value}


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def is_editor(user: User) -> bool:
    """Writes and publishes articles: the community manager, admins, and members given the editor role."""
    return is_staff(user) or bool(user.is_editor)
