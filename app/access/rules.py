"""Who may do what, as pure functions of plain values: the one statement of the rules.

The loaders (loading.py), the SQL statements (statements.py), the websocket hub and the notification code all
ask these; none of them writes the rule again. docs/architecture.md ("Who may do what") shows the same table,
and tests/api/test_permission_matrix.py checks the two agree, against these functions and the SQL on real rows.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import assert_never

from app.models.enums import GroupRole, Visibility


class GroupAction(StrEnum):
    view = "view"            # know the group exists: name, description, member count
    read = "read"            # read its channels, threads, replies and attachments
    post = "post"            # start threads, reply, react
    moderate = "moderate"    # edit or delete others' posts, mark answers
    administer = "administer"  # settings, channels, members, requests


class PostAction(StrEnum):
    """What the loaders check on one post (access_post)."""

    read = "read"
    react = "react"
    edit = "edit"
    delete = "delete"


class ThreadAction(StrEnum):
    """What one may do to a thread or a reply she can read."""

    edit = "edit"          # change the text (a thread: its title and settings)
    delete = "delete"
    answer = "answer"      # mark or unmark the answer of a question
    moderate = "moderate"  # see what is held, decide on it, restore


# --- groups --------------------------------------------------------------------------------------


def _value(visibility: Visibility | str) -> str:
    return visibility.value if isinstance(visibility, Visibility) else visibility


def can_view_group(visibility: Visibility | str, role: GroupRole | str | None, staff: bool) -> bool:
    """Know it exists. The community manager and admins look after every group, secret ones included."""
    return staff or _value(visibility) != Visibility.secret or role is not None


def can_read_group(visibility: Visibility | str, role: GroupRole | str | None, staff: bool) -> bool:
    return staff or _value(visibility) == Visibility.open or role is not None


def can_post(visibility: Visibility | str, role: GroupRole | str | None, staff: bool) -> bool:
    return staff or role is not None


def can_moderate(visibility: Visibility | str, role: GroupRole | str | None, staff: bool) -> bool:
    return staff or role in (GroupRole.moderator, GroupRole.admin)


def can_administer(visibility: Visibility | str, role: GroupRole | str | None, staff: bool) -> bool:
    return staff or role == GroupRole.admin


GROUP_RULES: dict[GroupAction, Callable[[Visibility | str, GroupRole | str | None, bool], bool]] = {
    GroupAction.view: can_view_group,
    GroupAction.read: can_read_group,
    GroupAction.post: can_post,
    GroupAction.moderate: can_moderate,
    GroupAction.administer: can_administer,
}


def group_allows(action: GroupAction, visibility: Visibility | str, role: GroupRole | str | None,
                 staff: bool) -> bool:
    return GROUP_RULES[action](visibility, role, staff)


# --- threads and posts (given she may read the group) ---------------------------------------------


def can_see_content(*, held: bool, deleted: bool, own: bool, moderator: bool, tombstone: bool = False) -> bool:
    """A held thread or reply waits for a moderator: it does not exist for anyone but its author and the
    moderators. A deleted thread exists for moderators only; a deleted reply shows as a tombstone in its
    thread (`tombstone`: the caller only reads it)."""
    if held and not (own or moderator):
        return False
    if deleted and not (moderator or tombstone):
        return False
    return True


def can_edit_post(*, own: bool, moderator: bool, member: bool, deleted: bool = False) -> bool:
    """Her own post while she is a member; anyone's for the group's moderators."""
    return not deleted and (moderator or (own and member))


def can_delete_post(*, own: bool, moderator: bool, deleted: bool = False) -> bool:
    return not deleted and (moderator or own)


def can_flag_post(*, own: bool, deleted: bool = False) -> bool:
    """Report it to the moderators: anyone who reads it, but not her own (she edits or deletes that)."""
    return not deleted and not own


def thread_allows(action: ThreadAction, *, own: bool, moderator: bool, member: bool, deleted: bool = False) -> bool:
    match action:
        case ThreadAction.edit:
            return can_edit_post(own=own, moderator=moderator, member=member, deleted=deleted)
        case ThreadAction.delete:
            return can_delete_post(own=own, moderator=moderator, deleted=deleted)
        case ThreadAction.answer:
            return not deleted and (own or moderator)
        case ThreadAction.moderate:
            return moderator
        case _:
            assert_never(action)


def can_join_directly(visibility: Visibility | str, *, staff: bool, invited: bool) -> bool:
    """Joining an open group, or one she is invited to, needs nobody's yes; a closed one takes a request, and a
    secret one cannot be asked for (it does not exist for her)."""
    return staff or invited or _value(visibility) == Visibility.open


def can_request_to_join(visibility: Visibility | str) -> bool:
    return _value(visibility) == Visibility.closed
