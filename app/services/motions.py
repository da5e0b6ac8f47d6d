"""The motion library: every motion across the party that she may read, in one place, with facets (theme
group, municipality, province, status, year) counted under the other choices; similar motions from other
municipalities; and reusing a motion as the starting point of her own (linked to the original).

It reads the search index (one row per motion, with the fields it filters on and a partial index over the
motions), so the same visibility rule as search applies: search.visible().
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, case, cast, extract, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.access import GroupAction, access_thread
from app.errors import Forbidden, Invalid, NotFound
from app.models import Group, MotionCoSubmitter, Post, SearchDocument, Thread, User
from app.models.enums import GroupKind, Province, ThreadKind
from app.pagination import decode_cursor, encode_cursor
from app.schemas.groups import GroupRef
from app.schemas.motions import (
    Facets,
    FacetValue,
    LibraryPage,
    LibraryQuery,
    MotionCard,
    MotionRef,
    ReuseOut,
)
from app.schemas.search import DocumentKind
from app.services.markdown import excerpt
from app.services.search.query import SHOWN, _base, _match, _order_newest, _postgres, visible
from app.services.search.text import query_words, words
from app.services.views import user_summary, user_summary_or_none, users_by_id

D = SearchDocument
FACET_SIZE = 30
SIMILAR_WORDS = 12


def _motions() -> list[ColumnElement[bool]]:
    return [D.kind == DocumentKind.thread, D.thread_kind == ThreadKind.motion]


def _base_rows(session: Session, actor: User, query: LibraryQuery) -> Any:
    """Every motion she may read (matching the words, if any), with the values the facets count: one row per
    motion, read once (a materialized CTE) by the page, the total and every facet's count."""
    found = query_words(query.q or "")
    created: Any = D.created_at
    if _postgres(session):
        created = func.timezone("UTC", D.created_at)  # the year in UTC, as SQLite stores it
    columns = (D.id.label("id"), case((D.group_kind == GroupKind.theme, D.group_id)).label("theme"),
               func.lower(D.municipality).label("place"), D.municipality.label("municipality"),
               D.province.label("province"), D.motion_status.label("status"),
               extract("year", created).label("year"))
    if found:
        match = _match(session, found)
        # In the full-text index's own order (SQLite: without it, it walked the motions and probed FTS5 for each).
        stmt = _base(match, *columns).order_by(_order_newest(match))
    else:
        stmt = select(*columns)
    return stmt.where(visible(actor), *_motions()).cte("motions").prefix_with("MATERIALIZED")


def _chosen(rows: Any, query: LibraryQuery) -> dict[str, ColumnElement[bool]]:
    """Each choice as a condition on the rows, by facet name."""
    tests: dict[str, ColumnElement[bool]] = {}
    if query.theme_id is not None:
        tests["theme"] = rows.c.theme == query.theme_id
    if query.municipality:
        tests["municipality"] = rows.c.place == func.lower(query.municipality.strip())
    if query.province is not None:
        tests["province"] = rows.c.province == query.province
    if query.status is not None:
        tests["status"] = rows.c.status == query.status
    if query.year is not None:
        tests["year"] = rows.c.year == query.year
    return tests


def library(session: Session, actor: User, *, query: LibraryQuery) -> LibraryPage:
    rows = _base_rows(session, actor, query)
    tests = _chosen(rows, query)
    every = list(tests.values())
    page_ids = select(rows.c.id).where(*every).order_by(rows.c.id.desc()).limit(query.limit + 1)
    if query.cursor:
        page_ids = page_ids.where(rows.c.id < decode_cursor(query.cursor, (int,))[0])
    # One statement: the page's ids, the total and each facet's values with their counts (under every
    # choice but the facet's own); the database counts, the rows never travel.
    parts = [select(literal("page").label("facet"), _text(rows.c.id).label("value"),
                    literal(None, String).label("label"), literal(0).label("n"))
             .where(rows.c.id.in_(page_ids.scalar_subquery())),
             select(literal("total"), literal(None, String), literal(None, String), func.count())
             .select_from(rows).where(*every)]
    for name, value, label in (("theme", rows.c.theme, rows.c.theme), ("municipality", rows.c.place,
                                                                        func.min(rows.c.municipality)),
                               ("province", rows.c.province, rows.c.province),
                               ("status", rows.c.status, rows.c.status), ("year", rows.c.year, rows.c.year)):
        parts.append(select(literal(name), _text(value), _text(label), func.count())
                     .where(value.is_not(None), *(t for facet, t in tests.items() if facet != name))
                     .group_by(value))
    found: dict[str, list[tuple[Any, Any, int]]] = {}
    for facet, value, label, n in session.execute(union_all(*parts)):
        found.setdefault(facet, []).append((value, label, n))
    page = sorted((int(v) for v, _, _ in found.get("page", [])), reverse=True)
    shown = page[:query.limit]
    return LibraryPage(items=cards(session, shown), total=found["total"][0][2], facets=_facets(session, found),
                       next_cursor=encode_cursor(shown[-1]) if len(page) > query.limit else None)


def _text(value: Any) -> Any:
    return cast(value, String)  # one column type for every part of the union


def _top(values: list[tuple[Any, Any, int]]) -> list[tuple[Any, Any, int]]:
    return sorted(values, key=lambda v: (-v[2], v[0]))[:FACET_SIZE]


def _facets(session: Session, found: dict[str, list[tuple[Any, Any, int]]]) -> Facets:
    themes = _top(found.get("theme", []))
    ids = [int(v) for v, _, _ in themes]
    names = dict(session.execute(select(Group.id, Group.name).where(Group.id.in_(ids))).all())
    return Facets(
        theme=[FacetValue(value=v, label=names.get(int(v), ""), count=n) for v, _, n in themes],
        # Municipalities counted without regard to case, shown as written.
        municipality=[FacetValue(value=label, label=label, count=n) for _, label, n in _top(
            found.get("municipality", []))],
        province=[FacetValue(value=v, label=v, count=n) for v, _, n in _top(found.get("province", []))],
        status=[FacetValue(value=v, label=v, count=n) for v, _, n in _top(found.get("status", []))],
        year=sorted((FacetValue(value=str(int(v)), label=str(int(v)), count=n)
                     for v, _, n in _top(found.get("year", []))), key=lambda f: f.value, reverse=True),
    )


def cards(session: Session, ids: list[int]) -> list[MotionCard]:
    if not ids:
        return []
    docs = {d.id: d for d in session.scalars(select(D).options(*SHOWN).where(D.id.in_(ids)))}
    threads = {t.id: t for t in session.scalars(select(Thread).where(Thread.id.in_({d.ref_id for d in docs.values()})))}
    groups = {g.id: g for g in session.scalars(select(Group).where(Group.id.in_({d.group_id for d in docs.values()})))}
    people = users_by_id(session, (d.author_id for d in docs.values()))
    openings = dict(session.execute(select(Post.thread_id, Post.body).where(
        Post.thread_id.in_(threads), Post.is_opening.is_(True))).all())
    out = []
    for doc_id in ids:
        doc = docs[doc_id]
        assert doc.group_id is not None  # a motion's document names its group
        thread, group = threads[doc.ref_id], groups[doc.group_id]
        out.append(MotionCard(
            id=thread.id, title=thread.title, excerpt=excerpt(openings.get(thread.id, ""), 240),
            municipality=thread.motion_municipality, province=Province(doc.province) if doc.province else None,
            status=thread.motion_status,
            date=thread.motion_date, group=GroupRef(id=group.id, slug=group.slug, name=group.name),
            author=user_summary_or_none(people.get(doc.author_id) if doc.author_id else None),
            url=f"/threads/{thread.id}"))
    return out


# --- similar motions ---------------------------------------------------------------------------------------


def _readable_motion(session: Session, actor: User, thread_id: int) -> Thread:
    thread = access_thread(session, actor, thread_id, GroupAction.read).thread
    if thread.kind != ThreadKind.motion or thread.deleted_at is not None:
        raise NotFound("Motion not found.")
    return thread


def similar(session: Session, actor: User, *, thread_id: int, limit: int = 5) -> list[MotionCard]:
    """Motions from other municipalities that share the most words with this one, the same theme first."""
    thread = _readable_motion(session, actor, thread_id)
    doc = session.scalar(select(D).where(D.kind == DocumentKind.thread, D.ref_id == thread.id))
    if doc is None:
        return []
    # The title's words and the body's most frequent ones: what the motion is about.
    counts: dict[str, int] = {}
    for word in words(doc.body):
        if len(word) > 3:
            counts[word] = counts.get(word, 0) + 1
    about = list(dict.fromkeys(query_words(thread.title) + sorted(counts, key=lambda w: -counts[w])))
    about = about[:SIMILAR_WORDS]
    if not about:
        return []
    match = _match(session, about, any_word=True)
    same_theme = (D.group_id == doc.group_id).label("same_theme")
    stmt = (_base(match, D.id, match.rank.label("rank"), same_theme)
            .where(visible(actor), *_motions(), D.id != doc.id)
            .order_by(D.id.desc()).limit(200))
    if thread.motion_municipality:
        stmt = stmt.where(func.coalesce(func.lower(D.municipality), "") != thread.motion_municipality.lower())
    rows = sorted(session.execute(stmt), key=lambda r: (not r.same_theme, -float(r.rank or 0), -r.id))
    return cards(session, [r.id for r in rows[:limit]])


# --- reuse ------------------------------------------------------------------------------------------------


def motion_ref(session: Session, thread: Thread) -> MotionRef:
    authors = [thread.author_id] if thread.author_id else []
    authors += list(session.scalars(select(MotionCoSubmitter.user_id).where(MotionCoSubmitter.thread_id == thread.id)
                                    .order_by(MotionCoSubmitter.user_id)))
    people = users_by_id(session, authors)
    return MotionRef(id=thread.id, title=thread.title, municipality=thread.motion_municipality,
                     authors=[user_summary(people[a]) for a in authors if a in people], url=f"/threads/{thread.id}")


def reuse(session: Session, actor: User, *, thread_id: int) -> ReuseOut:
    """The starting point for her own motion: the text of this one, and who wrote it where."""
    thread = _readable_motion(session, actor, thread_id)
    opening = session.scalar(select(Post).where(Post.thread_id == thread.id, Post.is_opening.is_(True)))
    return ReuseOut(based_on=motion_ref(session, thread), title=thread.title, body=opening.body if opening else "",
                    municipality_hint=actor.municipality)


def check_based_on(session: Session, actor: User, based_on_id: int) -> int:
    """The motion a new one is based on must be one she may read (else: no such motion, nothing more)."""
    try:
        _readable_motion(session, actor, based_on_id)
    except (NotFound, Forbidden):
        raise Invalid("There is no such motion to base this one on.", field="based_on_id") from None
    return based_on_id


def links(session: Session, actor: User, thread: Thread) -> tuple[MotionRef | None, list[MotionRef]]:
    """What this motion was based on, and the motions based on it: only those she may read."""
    based_on = None
    if thread.based_on_id:
        original = session.get(Thread, thread.based_on_id)
        if original is not None and _may_read(session, actor, original.id):
            based_on = motion_ref(session, original)
    reused = [motion_ref(session, t) for t in session.scalars(
        select(Thread).where(Thread.based_on_id == thread.id, Thread.deleted_at.is_(None), Thread.held_at.is_(None))
        .order_by(Thread.id)) if _may_read(session, actor, t.id)]
    return based_on, reused


def _may_read(session: Session, actor: User, thread_id: int) -> bool:
    try:
        _readable_motion(session, actor, thread_id)
    except (NotFound, Forbidden):
        return False
    return True
