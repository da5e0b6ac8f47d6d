"""The permission matrix of docs/architecture.md ("Who may do what"), read from the document and checked cell by
cell against the pure predicates (app/access/rules.py), the SQL statements (app/access/statements.py) on real
rows in this test's database (SQLite or PostgreSQL: PLEIN_TEST_BACKEND), and the loaders (404 for what she may
not view, 403 with its code for what she views but may not do). The document is the specification: a rule
changed in one place only fails here."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from app import access
from app.access import GroupAction, ThreadAction
from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.models import Group, Thread, User
from app.models.enums import GroupRole, Visibility
from app.services import groups

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
ROLES = ("none", "member", "moderator", "admin", "staff")


def doc_table(name: str) -> tuple[list[str], list[list[str]]]:
    """The markdown table after `<!-- permission-matrix:name -->`: its header and its rows."""
    text = DOC.read_text(encoding="utf-8")
    marker = f"<!-- permission-matrix:{name} -->"
    assert marker in text, f"docs/architecture.md lost its {name} table"
    lines = [line.strip() for line in text.split(marker, 1)[1].strip().splitlines()]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    header, separator, *body = rows
    assert all(re.fullmatch(r"-+", cell) for cell in separator)
    return header, body


def yes(cell: str) -> bool:
    assert cell in ("yes", "no"), cell
    return cell == "yes"


def group_matrix() -> dict[tuple[str, str, GroupAction], bool]:
    header, body = doc_table("groups")
    assert header[:2] == ["visibility", "role"]
    actions = [GroupAction(a) for a in header[2:]]
    assert set(actions) == set(GroupAction), "every group action has a column"
    cells = {(row[0], row[1], action): yes(value) for row in body for action, value in zip(actions, row[2:],
                                                                                            strict=True)}
    assert {(v, r) for v, r, _ in cells} == {(v.value, r) for v in Visibility for r in ROLES}, \
        "every visibility × role has a row"
    return cells


MATRIX = group_matrix()
CELLS = sorted(MATRIX)


def role_of(role: str) -> tuple[GroupRole | None, bool]:
    return (None, True) if role == "staff" else (None if role == "none" else GroupRole(role), False)


@pytest.mark.parametrize(("visibility", "role", "action"), CELLS, ids=["-".join(map(str, c)) for c in CELLS])
def test_the_pure_predicates_say_what_the_document_says(visibility: str, role: str, action: GroupAction) -> None:
    group_role, staff = role_of(role)
    assert access.group_allows(action, visibility, group_role, staff) is MATRIX[(visibility, role, action)]


@pytest.fixture
def world(make_group, make_user, admin, run) -> dict[str, Any]:
    """One group of each visibility, and for each a user in each role (staff: a site admin in no group)."""
    people: dict[tuple[str, str], User] = {}
    ids: dict[str, int] = {}
    for visibility in Visibility:
        users = {role: make_user(display_name=f"{visibility.value} {role}") for role in ROLES[:4]}
        group = make_group(f"Matrix {visibility.value}", visibility=visibility.value,
                           members=(users["member"], users["moderator"]), admins=(users["admin"],))
        run(groups.set_member_role, admin, group_id=group["id"], user_id=users["moderator"].id, role="moderator")
        ids[visibility.value] = group["id"]
        people.update({(visibility.value, role): user for role, user in users.items()})
        people[(visibility.value, "staff")] = admin
    return {"ids": ids, "people": people}


def test_the_sql_and_the_loaders_say_what_the_document_says(world, session) -> None:
    ids, people = world["ids"], world["people"]
    wrong = []
    for (visibility, role, action), expected in MATRIX.items():
        actor = session.get(User, people[(visibility, role)].id)
        group_id = ids[visibility]
        # One actor: the readable-statement form (lists, search, counts).
        if (group_id in set(session.scalars(access.allowed_groups(actor, action)))) is not expected:
            wrong.append(("allowed_groups", visibility, role, action))
        # Many users at once: the correlated form (notification fan-out, the inbox, unread counts).
        allowed_users = set(session.scalars(select(User.id).where(
            access.may_group(action, user_id=User.id, group_id=group_id))))
        if (actor.id in allowed_users) is not expected:
            wrong.append(("may_group", visibility, role, action))
        # The loader: allowed, or 404 when she may not even view it, or 403 with a code.
        try:
            access.access_group(session, actor, group_id, action)
            outcome = "ok"
        except NotFound as exc:
            outcome = "404" if exc.code == "not_found" else exc.code
        except Forbidden as exc:
            outcome = "403" if exc.code != "forbidden" else "403 without its own code"
        viewable = MATRIX[(visibility, role, GroupAction.view)]
        if outcome != ("ok" if expected else "403" if viewable else "404"):
            wrong.append(("access_group", visibility, role, action, outcome))
    assert wrong == []
    assert session.scalar(select(Group.id).where(Group.id.in_(ids.values())).limit(1)) is not None


def test_listed_threads_show_a_held_one_to_its_author_only(session, make_group, make_user, make_thread,
                                                          admin) -> None:
    author, other, outsider = make_user(), make_user(), make_user()
    group = make_group(visibility="closed", members=(author, other))
    held, shown, deleted = (make_thread(author, group["channel_id"], title=t)["id"] for t in ("Wacht", "Live", "Weg"))
    session.execute(update(Thread).where(Thread.id == held).values(held_at=utcnow()))
    session.execute(update(Thread).where(Thread.id == deleted).values(deleted_at=utcnow()))
    session.commit()
    for person, expected in ((author, {held, shown}), (other, {shown}), (admin, {shown}), (outsider, set())):
        listed = set(session.scalars(access.readable_threads(session.get(User, person.id))))
        assert listed & {held, shown, deleted} == expected


# --- threads and posts ------------------------------------------------------------------------------


WHO = {  # (own, moderator, member)
    "author, member": (True, False, True),
    "author, left the group": (True, False, False),
    "another member": (False, False, True),
    "group moderator": (False, True, True),
    "staff": (False, True, False),
}


def post_rules(who: str) -> dict[str, bool]:
    own, moderator, member = WHO[who]
    return {
        "see held": access.can_see_content(held=True, deleted=False, own=own, moderator=moderator),
        "edit": access.thread_allows(ThreadAction.edit, own=own, moderator=moderator, member=member),
        "delete": access.thread_allows(ThreadAction.delete, own=own, moderator=moderator, member=member),
        "mark answer": access.thread_allows(ThreadAction.answer, own=own, moderator=moderator, member=member),
        "flag": access.can_flag_post(own=own),
    }


def test_the_post_actions_say_what_the_document_says() -> None:
    header, body = doc_table("posts")
    assert {row[0] for row in body} == set(WHO), "every kind of person has a row"
    for row in body:
        documented = {column: yes(cell) for column, cell in zip(header[1:], row[1:], strict=True)}
        assert documented == post_rules(row[0]), row[0]
    own, moderator, member = WHO["group moderator"]
    assert access.can_edit_post(own=own, moderator=moderator, member=member, deleted=True) is False
    assert access.can_delete_post(own=own, moderator=moderator, deleted=True) is False
    assert access.can_flag_post(own=False, deleted=True) is False
    assert access.can_see_content(held=False, deleted=True, own=True, moderator=False) is False
    assert access.can_see_content(held=False, deleted=True, own=False, moderator=True) is True
