"""Who hears of an event: the group and thread levels, mentions, a question's portfolio holders, and
whether each may read what it is about."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    and_,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.access import GroupAction, can_read_group, is_staff_role, may_group
from app.models import (
    Group,
    Membership,
    Thread,
    ThreadState,
    User,
    UserPortfolio,
)
from app.models.enums import (
    DEFAULT_GROUP_LEVEL,
)
from app.models.enums import NotificationLevel as Level


def default_level(group: Group) -> Level:
    return DEFAULT_GROUP_LEVEL.get(group.kind, Level.normal)


def level_in_group(group: Group, member: bool, chosen: str | None) -> Level:
    if not member:
        return Level.normal  # an open group she reads without joining: only what concerns her
    return Level(chosen) if chosen else default_level(group)


def level_in_thread(group_level: Level, chosen: str | None, participated: bool) -> Level:
    # Taking part is a choice too (as starting a topic is in Discourse): it beats the group's level, even muted.
    if chosen:
        return Level(chosen)
    return Level.watching if participated else group_level


@dataclass(frozen=True)
class Person:
    """What delivering needs of a recipient; read as plain columns, since a busy group has hundreds."""

    id: int
    email: str
    language: str
    role: str
    email_mentions: bool
    email_replies: bool


PERSON_COLUMNS = (User.id, User.email, User.language, User.role, User.email_mentions, User.email_replies)


@dataclass
class _Candidate:
    user: Person
    can_read: bool
    group_level: Level
    thread_level: Level


def candidates(session: Session, group: Group, thread: Thread | None, user_ids: Iterable[int]) -> list[_Candidate]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    thread_columns = (ThreadState.level, ThreadState.participated) if thread is not None else (null(), null())
    stmt = (
        select(*PERSON_COLUMNS, Membership.role, Membership.notification_level, *thread_columns)
        .outerjoin(Membership, (Membership.user_id == User.id) & (Membership.group_id == group.id))
        .where(User.id.in_(ids), User.is_active.is_(True))
    )
    if thread is not None:
        stmt = stmt.outerjoin(ThreadState, (ThreadState.user_id == User.id) & (ThreadState.thread_id == thread.id))
    out = []
    for row in session.execute(stmt):
        person = Person(*row[:len(PERSON_COLUMNS)])
        role, chosen_group, chosen_thread, participated = row[len(PERSON_COLUMNS):]
        member = role is not None
        can_read = can_read_group(group.visibility, role, is_staff_role(person.role))
        glevel = level_in_group(group, member, chosen_group)
        out.append(_Candidate(user=person, can_read=can_read, group_level=glevel,
                              thread_level=level_in_thread(glevel, chosen_thread, bool(participated))))
    return out


def members_at(session: Session, group: Group, levels: set[Level]) -> list[int]:
    """Members of the group whose level (chosen, or the kind's default) is one of `levels`."""
    chosen = Membership.notification_level.in_([level.value for level in levels])
    condition = or_(chosen, Membership.notification_level.is_(None)) if default_level(group) in levels else chosen
    return list(session.scalars(select(Membership.user_id).where(Membership.group_id == group.id, condition)))


def thread_watchers(session: Session, thread: Thread) -> list[int]:
    return list(session.scalars(select(ThreadState.user_id).where(
        ThreadState.thread_id == thread.id,
        or_(ThreadState.level == Level.watching, and_(ThreadState.level.is_(None), ThreadState.participated)))))


def portfolio_audience(session: Session, group: Group, *, portfolio_ids: Sequence[int], province: str | None,
                       title: str | None, exclude: int | None = None) -> list[User]:
    """The current holders of any of the portfolios (narrowed to a province and a title) who can read the group."""
    if not portfolio_ids:
        return []
    stmt = select(User).where(User.is_active.is_(True), User.id.in_(
        select(UserPortfolio.user_id).where(UserPortfolio.portfolio_id.in_(portfolio_ids))))
    if province:
        stmt = stmt.where(User.province == province)
    if title:
        stmt = stmt.where(User.title == title)
    if exclude is not None:
        stmt = stmt.where(User.id != exclude)
    # Who muted the group hears nothing from it, questions included: she is not reached, so not counted.
    stmt = stmt.where(User.id.not_in(select(Membership.user_id).where(
        Membership.group_id == group.id, Membership.notification_level == Level.muted)))
    stmt = stmt.where(may_group(GroupAction.read, user_id=User.id, group_id=group.id))
    return list(session.scalars(stmt.order_by(User.id)))


def reachable(candidate: _Candidate, actor: User) -> bool:
    """Never about her own action, never about what she cannot read, nothing from what she muted."""
    return candidate.user.id != actor.id and candidate.can_read and candidate.thread_level != Level.muted
