"""Finding groups about the same thing ("three or four groups on the same subject is a waste").

Names and descriptions are compared with rapidfuzz after folding case and accents and dropping Dutch
stop words ("de", "het", "werkgroep" …), so "Werkgroep Duurzaamheid & Klimaat" and "klimaat en
duurzaamheid" match. The community manager's list also weighs how many members two groups share.
"""
from __future__ import annotations

import re
from itertools import combinations

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import GroupAction, SiteAction, group_access, require
from app.models import Group, Membership, User
from app.models.enums import GroupKind
from app.schemas.groups import DuplicatePair, SimilarGroup
from app.services.roles import STAFF_ROLES
from app.services.text import fold

# Words that say nothing about a group's subject.
STOP_WORDS = frozenset("""
de het een en of van voor in op aan met over bij tot uit door naar om als te ook niet wel dan
groep groepen werkgroep themagroep netwerk fractie afdeling platform overleg team
""".split())
SIMILAR_AT = 70      # a name this similar (0–100) is worth showing while creating a group
DUPLICATE_AT = 75    # a pair this likely (0–100) goes on the community manager's list
MIN_MEMBERS_FOR_OVERLAP = 3
PLACES = (GroupKind.province, GroupKind.faction)  # groups of a place rather than a subject
PLACE_TYPO_AT = 85   # two places' names this alike (0–100) are one place misspelt


def subject(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", fold(text))
    return " ".join(w for w in words if w not in STOP_WORDS)


def _similarity(a_name: str, a_description: str, b_name: str, b_description: str) -> float:
    name = fuzz.token_set_ratio(subject(a_name), subject(b_name))
    if not (a_description.strip() and b_description.strip()):
        return name
    description = fuzz.token_set_ratio(subject(a_description), subject(b_description))
    return max(name, 0.7 * name + 0.3 * description)


def similar_groups(session: Session, actor: User, *, name: str, description: str = "",
                   limit: int = 5) -> list[SimilarGroup]:
    """Existing groups like the one she is about to create (only groups she may know exist)."""
    if not subject(name):
        return []
    found = []
    for group in session.scalars(select(Group).where(Group.archived_at.is_(None))):
        score = _similarity(name, description, group.name, group.description)
        if score >= SIMILAR_AT and group_access(session, actor, group).allows(GroupAction.view):
            found.append(SimilarGroup(id=group.id, slug=group.slug, name=group.name, kind=group.kind,
                                      member_count=group.member_count, score=round(score)))
    return sorted(found, key=lambda g: (-g.score, g.name))[:limit]


def _same_place(a: str, b: str) -> float:
    """A province's or a municipality's group is about its place, and each place has one: only the same place
    makes two of them — its words inside the other's ("Fractie Ede" / "Fractie Ede 2022") or a typo ("Alkmar")
    — not a shared word ("Noord-Holland" / "Zuid-Holland") or a description written from the same template."""
    words_a, words_b = set(a.split()), set(b.split())
    if not (words_a and words_b):
        return 0.0
    if words_a <= words_b or words_b <= words_a:
        return 100.0
    typo = fuzz.ratio(a, b)
    return typo if typo >= PLACE_TYPO_AT else 0.0


def _related(parent: dict[int, int | None], a: int, b: int) -> bool:
    """Is one of the two groups under the other (at any depth)?"""
    def ancestors(group_id: int) -> set[int]:
        seen: set[int] = set()
        while (up := parent.get(group_id)) is not None and up not in seen:
            seen.add(up)
            group_id = up
        return seen

    return a in ancestors(b) or b in ancestors(a)


def duplicate_pairs(session: Session, actor: User, *, limit: int = 50) -> list[DuplicatePair]:
    """Pairs of groups that look like one: similar names (and descriptions), and members in common."""
    require(actor, SiteAction.find_duplicates)
    groups = list(session.scalars(select(Group).where(Group.archived_at.is_(None)).order_by(Group.id)))
    # The staff are in many groups by their work (the community manager creates them): they prove nothing.
    members: dict[int, set[int]] = {g.id: set() for g in groups}
    for group_id, user_id in session.execute(
            select(Membership.group_id, Membership.user_id).join(User, User.id == Membership.user_id)
            .where(User.role.not_in(STAFF_ROLES))):
        members.setdefault(group_id, set()).add(user_id)
    subjects = {g.id: subject(g.name) for g in groups}
    parent = {g.id: g.parent_id for g in groups}
    pairs = []
    for a, b in combinations(groups, 2):
        # A province and a faction, or a theme and its own working group, are different by design.
        if a.kind != b.kind or _related(parent, a.id, b.id):
            continue
        name = fuzz.token_set_ratio(subjects[a.id], subjects[b.id]) if subjects[a.id] and subjects[b.id] else 0.0
        shared = len(members[a.id] & members[b.id])
        smaller = min(len(members[a.id]), len(members[b.id]))
        if a.kind in PLACES:
            score = _same_place(subjects[a.id], subjects[b.id])
        else:
            score = _similarity(a.name, a.description, b.name, b.description)
            if smaller >= MIN_MEMBERS_FOR_OVERLAP:  # two tiny groups sharing their one member say little
                score = max(score, 0.8 * (100.0 * shared / smaller) + 0.2 * name)
        if score >= DUPLICATE_AT:
            pairs.append(DuplicatePair(
                first=SimilarGroup(id=a.id, slug=a.slug, name=a.name, kind=a.kind, member_count=a.member_count,
                                   score=round(score)),
                second=SimilarGroup(id=b.id, slug=b.slug, name=b.name, kind=b.kind, member_count=b.member_count,
                                    score=round(score)),
                name_similarity=round(name), shared_members=shared, score=round(score)))
    return sorted(pairs, key=lambda p: (-p.score, p.first.name))[:limit]
