"""The site-level gate: what only the community manager and admins (or editors) may do, whatever the group.

`require(actor, SiteAction.merge)` instead of a hand-written role check in each service; each refusal has its
own stable code (`<action>_not_allowed`), by which the pages translate it.
"""
from __future__ import annotations

from enum import StrEnum

from app.errors import Forbidden
from app.i18n import N_
from app.models import User
from app.models.enums import SiteRole
from app.services import roles


class SiteAction(StrEnum):
    moderate = "moderate"                  # every group's queue; posts skip pre-moderation
    silence_members = "silence_members"    # silence or suspend a member
    watch_words = "watch_words"            # the watched words that block or hold a post
    merge = "merge"                        # merge groups
    find_duplicates = "find_duplicates"    # see possible duplicate groups
    audit = "audit"                        # read the audit log
    edit_articles = "edit_articles"        # write, schedule and publish articles; see drafts
    manage_users = "manage_users"          # change accounts (role, active, editor); see deactivated members
    invite = "invite"                      # invite people, see and revoke invites
    community_health = "community_health"  # the community's health
    decide_questions = "decide_questions"  # approve or decline a question to a large audience
    create_groups = "create_groups"
    organise_groups = "organise_groups"    # move (parent) or archive groups
    tag_portfolios = "tag_portfolios"      # add portfolio tags


_EDITOR_ACTIONS = {SiteAction.edit_articles}

REFUSALS: dict[SiteAction, str] = {
    SiteAction.moderate: N_("Only the community manager and admins moderate every group."),
    SiteAction.silence_members: N_("Only the community manager and admins silence or suspend members."),
    SiteAction.watch_words: N_("Only the community manager and admins manage the watched words."),
    SiteAction.merge: N_("Only the community manager and admins merge groups."),
    SiteAction.find_duplicates: N_("Only the community manager and admins see possible duplicates."),
    SiteAction.audit: N_("Only the community manager and admins read the audit log."),
    SiteAction.edit_articles: N_("Only editors (the community manager, admins and members with the editor role) do "
                                 "this."),
    SiteAction.manage_users: N_("Only the community manager and admins manage accounts."),
    SiteAction.invite: N_("Only the community manager and admins can invite people."),
    SiteAction.community_health: N_("Only the community manager and admins see the community's health."),
    SiteAction.decide_questions: N_("Only the community manager and admins decide on large questions."),
    SiteAction.create_groups: N_("Only the community manager and admins create groups."),
    SiteAction.organise_groups: N_("Only the community manager and admins move or archive groups."),
    SiteAction.tag_portfolios: N_("Only the community manager and admins add portfolio tags."),
}


def refusal_code(action: SiteAction) -> str:
    return f"{action.value}_not_allowed"


def is_staff_role(role: SiteRole | str | None) -> bool:
    """The community manager and admins: they look after every group, secret ones included."""
    return role in roles.STAFF_ROLES


def allowed(actor: User, action: SiteAction) -> bool:
    if action in _EDITOR_ACTIONS:
        return roles.is_editor(actor)
    return roles.is_staff(actor)


def require(actor: User, action: SiteAction, *, field: str | None = None) -> None:
    if not allowed(actor, action):
        refused = f"site.{action.value}"
        raise Forbidden(REFUSALS[action], code=refusal_code(action), field=field, refused=refused)
