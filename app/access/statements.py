"""The rules of rules.py as SQL, for lists, search, counts, notification fan-out, the inbox and digests.

In the manner of Polar's `get_readable_statement(actor)`: one statement per aggregate, which every query that
lists, finds or counts joins against. The conditions are *derived* from the pure predicates (which visibilities
a non-member passes, which roles pass for each visibility), so the SQL and the Python cannot drift apart;
tests/api/test_permission_matrix.py checks both against the table in docs/architecture.md on real rows.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.access.rules import GROUP_RULES, GroupAction
from app.models import Group, Membership, Thread, User
from app.models.enums import GroupRole, Visibility
from app.services import roles

_ROLES = list(GroupRole)


def _shape(action: GroupAction) -> tuple[list[str], dict[str, list[str]]]:
    """Which visibilities anyone passes, and for the others which roles pass."""
    rule = GROUP_RULES[action]
    assert all(rule(v, None, True) for v in Visibility), "staff pass every group rule; SQL assumes it"
    anyone = [v.value for v in Visibility if rule(v, None, False)]
    by_role = {v.value: [r.value for r in _ROLES if rule(v, r, False)] for v in Visibility if v.value not in anyone}
    return anyone, by_role


def _staff(user_id: ColumnElement[int] | InstrumentedAttribute[int] | int) -> ColumnElement[bool]:
    # An alias: `user_id` may itself be users.id (fan-out), which the plain table would compare with itself.
    person = aliased(User)
    return exists().where(person.id == user_id, person.role.in_(roles.STAFF_ROLES)).correlate_except(person)


def group_allows(action: GroupAction, *, user_id: ColumnElement[int] | InstrumentedAttribute[int] | int,
                 staff: bool | ColumnElement[bool] | None = None,
                 group: type[Group] = Group) -> ColumnElement[bool]:
    """True for the rows of `groups` (correlated) that the user may `action`. `staff`: known already (one actor),
    or None to read it from her row (many users at once: the inbox, fan-out)."""
    if staff is True:
        return true()
    anyone, by_role = _shape(action)
    member_roles: dict[tuple[str, ...], list[str]] = {}
    for visibility, roles_passing in by_role.items():
        if roles_passing:
            member_roles.setdefault(tuple(roles_passing), []).append(visibility)
    parts: list[ColumnElement[bool]] = []
    if anyone:
        parts.append(group.visibility.in_(anyone))
    for passing, visibilities in member_roles.items():
        membership = exists().where(Membership.group_id == group.id, Membership.user_id == user_id,
                                    *([Membership.role.in_(passing)] if len(passing) < len(_ROLES) else [])
                                    ).correlate_except(Membership)  # the user and the group come from outside
        parts.append(and_(group.visibility.in_(visibilities), membership) if len(visibilities) < len(Visibility)
                     else membership)
    if staff is None:
        parts.append(_staff(user_id))
    elif staff is not False:
        parts.append(staff)
    return or_(*parts) if parts else false()


def allowed_groups(actor: User, action: GroupAction) -> Select[int]:
    """The ids of the groups the actor may `action` (merged ones included: their content moved with them)."""
    return select(Group.id).where(group_allows(action, user_id=actor.id, staff=roles.is_staff(actor)))


def visible_groups(actor: User) -> Select[int]:
    return allowed_groups(actor, GroupAction.view)


def readable_groups(actor: User) -> Select[int]:
    return allowed_groups(actor, GroupAction.read)


def moderated_groups(actor: User) -> Select[int]:
    return allowed_groups(actor, GroupAction.moderate)


def may_group(action: GroupAction, *, user_id: ColumnElement[int] | InstrumentedAttribute[int] | int,
              group_id: ColumnElement[int] | InstrumentedAttribute[int] | InstrumentedAttribute[int | None] | int,
              staff: bool | ColumnElement[bool] | None = None) -> ColumnElement[bool]:
    """May this user (a column: many users at once) `action` the group with this id?"""
    group = aliased(Group)
    return exists().where(group.id == group_id, group_allows(action, user_id=user_id, staff=staff, group=group)
                          ).correlate_except(group)


def listed_threads(actor: User) -> ColumnElement[bool]:
    """Which threads of a readable group a list shows her: not deleted, and a held one to its author only
    (moderators find held ones in the queue)."""
    return and_(Thread.deleted_at.is_(None), or_(Thread.held_at.is_(None), Thread.author_id == actor.id))


def readable_threads(actor: User) -> Select[int]:
    return select(Thread.id).where(Thread.group_id.in_(readable_groups(actor)), listed_threads(actor))


__all__ = ["allowed_groups", "group_allows", "listed_threads", "may_group", "moderated_groups",
           "readable_groups", "readable_threads", "visible_groups"]
