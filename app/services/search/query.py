"""Searching: one interface over PostgreSQL full-text search and SQLite FTS5.

What she may find is decided in SQL, in the same query that matches: a document of a group she may read (an
open group, one she is a member of, every group for staff), the entry of a group she may see, a published
article, an active member. Counts come from the same condition, so nothing is counted that she may not
read, and being removed from a group removes its content from her results at once.

Ranking: the best matches among the newest. A frequent word ("motie", "gemeente") matches a large part of
a big site, and ranking every match of it is what makes full-text search slow for someone who may read
everything. So the candidates are the newest CANDIDATES matches she may read (FTS5 walks its index newest
first; on PostgreSQL see _newest_matches), ranked by relevance (title matches first); the next page goes on in
that window and then in the next, older one. A rare word has few matches, all of them candidates. The tabs
count each kind up to COUNT_UP_TO ("100+"): an exact count of a common word's matches means reading them all.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    TextClause,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Session, defer

from app.access import readable_groups, visible_groups
from app.i18n import TIMEZONE
from app.models import Article, Group, SearchDocument, Thread, User
from app.models.enums import MotionStatus, ThreadKind
from app.pagination import decode_cursor, encode_cursor, keyset
from app.schemas.groups import GroupRef
from app.schemas.search import DocumentKind, SearchFilters, SearchHit, SearchPage, SearchSort, Suggestion
from app.services.search.text import query_words, snippet, stems, typed_words
from app.services.views import user_summary_or_none, users_by_id

D = SearchDocument
CANDIDATES = 200   # ranked per window
# PostgreSQL: how the newest matches are found (see _newest_matches). The costs per entry walked and per match
# read through the GIN index were measured at a million entries (docs/performance.md): about 1.1 and 1.8 µs.
WALK_COST, READ_COST = 1.1, 1.8
RECENT_SLICE = 20_000  # the first slice walked when the planner has no estimate
MIN_SLICE = 2_000  # a density measured over fewer entries says little
PRIOR = 2_000  # how many walked entries the planner's estimate weighs as
# Kinds with few entries whatever the site's size (members, groups, articles): counted together, through a
# partial GIN index of their own on PostgreSQL.
SMALL_KINDS = (DocumentKind.article, DocumentKind.group, DocumentKind.member)
COUNT_UP_TO = 100  # counts stop here ("100+")
# What a hit shows: not the stemmed terms, which are as long as the text and only the databases read.
SHOWN = (defer(D.title_terms), defer(D.body_terms))
_DOCUMENT = literal_column("search_documents.document", type_=TSVECTOR)
_FTS = table("search_fts", column("rowid"))
_PREFIX = re.compile(r"^[^\W_]+$")


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def visible(actor: User) -> ColumnElement[bool]:
    """The documents she may find: the content of groups she may read, the entries of groups she may see (both
    app/access/statements.py), and what belongs to no group (published articles, active members)."""
    return or_(D.group_id.is_(None), D.group_id.in_(readable_groups(actor)),
               and_(D.kind == DocumentKind.group, D.group_id.in_(visible_groups(actor))))


def _filters(filters: SearchFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.kind:
        where.append(D.kind.in_([k.value for k in filters.kind]))
    if filters.group_id is not None:
        where.append(D.group_id == filters.group_id)
    if filters.group_kind is not None:
        where.append(D.group_kind == filters.group_kind)
    if filters.thread_kind is not None:
        where.append(D.thread_kind == filters.thread_kind)
    if filters.motion_status is not None:
        where.append(D.motion_status == filters.motion_status)
    if filters.municipality:
        where.append(func.lower(D.municipality) == filters.municipality.strip().lower())
    if filters.province is not None:
        where.append(D.province == filters.province)
    if filters.author_id is not None:
        where.append(D.author_id == filters.author_id)
    # Dates are days in Amsterdam, both ends included.
    if filters.since is not None:
        where.append(D.created_at >= datetime.combine(filters.since, time(0), tzinfo=TIMEZONE).astimezone(UTC))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time(0), tzinfo=TIMEZONE).astimezone(UTC)
        where.append(D.created_at < end)
    return where


@dataclass(frozen=True)
class _Match:
    """The full-text condition and its rank for one query, per database."""

    condition: ColumnElement[bool] | TextClause  # SQLite's is FTS5's MATCH, as text
    rank: ColumnElement[Any]
    fts_join: bool  # SQLite: the FTS5 table must be joined


def _quote(term: str) -> str:
    return term.replace('"', "")


def _match(session: Session, query: list[str], prefix: str | None = None, *, titles_only: bool = False,
           any_word: bool = False) -> _Match:
    """All query words (each by either of its stems; or any of them) and, while typing, the last word as a
    prefix."""
    if _postgres(session):
        weight = "A" if titles_only else ""
        parts = ["(" + " | ".join(f"'{s}':{weight}" if weight else f"'{s}'" for s in stems(w)) + ")" for w in query]
        if prefix:  # the start of a word, or the word typed whole (then its stems may be shorter than it)
            parts.append("(" + " | ".join([f"'{prefix}':*{weight}", *(f"'{s}':{weight}" if weight else f"'{s}'"
                                                                      for s in stems(prefix))]) + ")")
        # The query as a literal, not a bound parameter: psycopg prepares a statement it has run five times, and
        # PostgreSQL's generic plan for it cannot know how common the words are (it walked the whole table in id
        # order for two common words that rarely meet: 0.9 s instead of 10 ms). Safe: the words are letters and
        # digits only (see text.py), and quotes are doubled anyway.
        expression = (" | " if any_word else " & ").join(parts).replace("'", "''")
        tsquery = func.to_tsquery(text("'simple'::regconfig"), literal_column(f"'{expression}'"))
        return _Match(condition=_DOCUMENT.op("@@")(tsquery), rank=func.ts_rank(_DOCUMENT, tsquery, 1).cast(Float),
                      fts_join=False)
    scope = "{title_terms} : " if titles_only else ""
    parts = ["(" + " OR ".join(f'"{_quote(s)}"' for s in stems(w)) + ")" for w in query]
    if prefix:
        parts.append("(" + " OR ".join([f'"{_quote(prefix)}"*', *(f'"{_quote(s)}"' for s in stems(prefix))]) + ")")
    expression = scope + "(" + (" OR " if any_word else " AND ").join(parts) + ")"
    condition = text("search_fts MATCH :fts_query").bindparams(fts_query=expression)
    # bm25 is lower for better matches; a title match weighs four times a body match.
    return _Match(condition=condition, rank=-func.bm25(literal_column("search_fts"), 4.0, 1.0), fts_join=True)


def _base(match: _Match, *columns: Any) -> Any:
    stmt = select(*columns)
    if match.fts_join:
        stmt = stmt.select_from(_FTS).join(D, D.id == _FTS.c.rowid)
    return stmt.where(match.condition)


def _order_newest(match: _Match) -> Any:
    # SQLite: in the FTS5 table's rowid order, so FTS5 walks its index newest first and stops at the limit.
    return _FTS.c.rowid.desc() if match.fts_join else D.id.desc()


@dataclass(frozen=True)
class _Candidate:
    id: int
    kind: str
    rank: float
    in_title: int  # how many of the query's words are in the title

    def order(self) -> tuple[int, float, int]:
        """Best first: more query words in the title, then the database's rank, then the newest."""
        return (-self.in_title, -self.rank, -self.id)


def _candidates(session: Session, match: _Match, where: list[ColumnElement[bool]], *, below: int | None,
                limit: int, query: Sequence[str] = ()) -> list[_Candidate]:
    columns = (D.id, D.kind, match.rank, D.title_terms)
    if match.fts_join:
        # SQLite: FTS5 walks its index newest first and stops at the limit; bm25 ranks those only.
        newest = _base(match, *columns).where(*where)
        if below is not None:
            newest = newest.where(D.id < below)
        rows = list(session.execute(newest.order_by(_order_newest(match)).limit(limit)))
    else:
        # PostgreSQL: ranked as they are found, and only these (not every match of a common word).
        rows = _newest_matches(session, match, where, columns, below=below, limit=limit)
    wanted = [set(stems(w)) for w in query]
    out = []
    for i, kind, r, title_terms in rows:
        in_title = set(title_terms.split()) if wanted else set()
        out.append(_Candidate(i, kind, float(r or 0.0), sum(1 for w in wanted if w & in_title)))
    return out


def _newest_matches(session: Session, match: _Match, where: list[ColumnElement[bool]], columns: Sequence[Any], *,
                    below: int | None, limit: int) -> list[Any]:
    """PostgreSQL: the newest `limit` matches (these columns of them, the first the id), with the rank computed
    in the same statement for the rows returned only.

    There are two ways to find them, and which is cheaper depends on how common the words are. Walking the
    table backwards by id and testing each entry costs about WALK_COST per entry walked: `limit / density`
    entries, cheap for a common word and ruinous for two words that rarely meet (0.35 s for "raad besluit").
    Reading every match from the GIN index and keeping the newest costs about READ_COST per match, whatever
    its age: cheap for a rare word, slow for a common one. Left to itself PostgreSQL picks between them by its
    own estimate, in one plan for the whole table, and got words in between wrong. So the choice is made here,
    step by step: the GIN read costs every match of the words (the planner's estimate from its statistics), the
    walk `needed` over the density of matches she may read among the entries walked so far (before the first
    step: the planner's estimate again). A walk is bounded to a slice twice the size that density says it
    needs; the GIN read sits behind OFFSET 0 so the planner cannot turn it into a walk."""
    ceiling = below if below is not None else (session.scalar(select(func.max(D.id))) or 0) + 1
    matching = _estimated_density(session, match, entries=ceiling)  # of all entries, whoever may read them
    readable = matching  # of the entries walked, what matched and she may read (until walked: the estimate)
    found: list[Any] = []
    walked = 0
    while len(found) < limit and ceiling > 0:
        needed = limit - len(found)
        every_match = (matching if matching is not None else readable or 0.0) * ceiling * READ_COST
        if readable is not None and (not readable or every_match <= needed / readable * WALK_COST):
            older = _base(match, D.id.label("id")).where(*where, D.id < ceiling).offset(0).subquery()
            newest = select(older.c.id).order_by(older.c.id.desc()).limit(needed).scalar_subquery()
            found += list(session.execute(select(*columns).where(D.id.in_(newest))))
            break
        size = RECENT_SLICE if readable is None else max(MIN_SLICE, int(needed / readable * 2))
        floor = max(0, ceiling - size)
        found += list(session.execute(_base(match, *columns).where(*where, D.id >= floor, D.id < ceiling)
                                      .order_by(D.id.desc()).limit(needed)))
        walked += ceiling - floor
        # What was found, with the estimate counted as if PRIOR entries had been walked: the newest entries
        # are not a fair sample (members and groups written last, one busy thread), so a slice without a match
        # is not taken to mean that the words are rare.
        readable = (len(found) + (matching or 0.0) * PRIOR) / (walked + (PRIOR if matching is not None else 0))
        ceiling = floor
    return found


def _estimated_density(session: Session, match: _Match, *, entries: int) -> float | None:
    """The share of all entries that the planner expects to match (None when it has no statistics of the words
    yet: after a bulk load or a restore, until autovacuum analyzes the table, its guess is a constant)."""
    if entries <= 0 or not _has_statistics(session):
        return None
    counted: Select[Any] = select(literal_column("1")).select_from(D).where(match.condition)
    sql = counted.compile(session.get_bind(), compile_kwargs={"literal_binds": True})  # the words are a literal
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").scalar()  # no binds: ":*A" is a word
    rows = plan[0]["Plan"]["Plan Rows"] if plan else None
    return min(1.0, rows / entries) if rows else None


_STATISTICS: dict[str, float] = {}  # database → until when it is known to have statistics of the words
STATISTICS_CHECKED_FOR = 300.0  # seconds


def _has_statistics(session: Session) -> bool:
    key = session.get_bind().engine.url.render_as_string()
    if _STATISTICS.get(key, 0.0) > monotonic():
        return True
    known = session.scalar(text("SELECT EXISTS (SELECT 1 FROM pg_stats WHERE tablename = 'search_documents' "
                                "AND attname = 'document' AND most_common_elems IS NOT NULL)"))
    if known:
        _STATISTICS[key] = monotonic() + STATISTICS_CHECKED_FOR
    return bool(known)


def _ranked(candidates: list[_Candidate]) -> list[_Candidate]:
    return sorted(candidates, key=_Candidate.order)


def search(session: Session, actor: User, *, q: str, filters: SearchFilters | None = None,
           sort: SearchSort = SearchSort.relevance, cursor: str | None = None, limit: int = 20) -> SearchPage:
    filters = filters or SearchFilters()
    query = query_words(q)
    limit = max(1, min(limit, 50))
    if not query:
        return SearchPage(items=[], next_cursor=None, counts={}, counted_up_to=COUNT_UP_TO, words=[])
    match = _match(session, query)
    where = [visible(actor), *_filters(filters)]
    first_window: list[_Candidate] | None = None
    if sort == SearchSort.newest:
        ids, next_cursor = _newest_page(session, match, where, cursor, limit)
    else:
        ids, next_cursor, first_window = _relevant_page(session, match, where, cursor, limit, query)
    counts: dict[DocumentKind, int] = {}
    if cursor is None:
        # Counted per kind without the kind filter: the tabs of the search page show what each would hold.
        every_kind = [visible(actor), *_filters(filters.model_copy(update={"kind": []}))]
        counts = _counts(session, match, every_kind, _settled(first_window, filters.kind))
    return SearchPage(items=_hits(session, ids, query), next_cursor=next_cursor, counts=counts,
                      counted_up_to=COUNT_UP_TO, words=query)


def _newest_page(session: Session, match: _Match, where: list[ColumnElement[bool]], cursor: str | None,
                 limit: int) -> tuple[list[int], str | None]:
    """By the moment of writing (not of indexing: a post approved later, an index filled again)."""
    stmt = _base(match, D.id, D.created_at).where(*where)
    stmt = keyset(stmt, (D.created_at, D.id), cursor, descending=True, types=(datetime, int))
    rows = list(session.execute(stmt.limit(limit + 1)))
    shown = rows[:limit]
    return [r.id for r in shown], encode_cursor(shown[-1].created_at, shown[-1].id) if len(rows) > limit else None


def _relevant_page(session: Session, match: _Match, where: list[ColumnElement[bool]], cursor: str | None,
                   limit: int, query: Sequence[str]) -> tuple[list[int], str | None, list[_Candidate] | None]:
    # The cursor: the window's upper id bound (exclusive; pinned at the first page, so what is posted while
    # she pages does not shift the windows) and how many of the window's ranked hits were shown. A place, not a
    # rank: bm25 (SQLite) changes a little as matches are added, a place in the same window does not.
    top, skip = decode_cursor(cursor, (int, int)) if cursor else (0, 0)
    page: list[tuple[int, int, int]] = []  # (the window's top, the hit's place in it, the hit)
    first: list[_Candidate] | None = None
    while len(page) <= limit:
        window = _candidates(session, match, where, below=top or None, limit=CANDIDATES, query=query)
        if first is None and not cursor:
            first = window
        if not window:
            break
        top = top or max(c.id for c in window) + 1
        page.extend((top, place, c.id) for place, c in enumerate(_ranked(window)) if place >= skip)
        skip = 0
        if len(window) < CANDIDATES:
            break
        top = min(c.id for c in window)
    shown = page[:limit]
    if len(page) <= limit:
        return [i for _, _, i in shown], None, first
    last_top, last_place, _ = shown[-1]
    return [i for _, _, i in shown], encode_cursor(last_top, last_place + 1), first


def _settled(window: list[_Candidate] | None, kinds: Sequence[DocumentKind]) -> dict[DocumentKind, int]:
    """The counts that the first window of candidates (the newest matches she may read, of the kinds chosen)
    already tells: every count, when the window is not full (it holds every match); else the kinds that reach
    the cap in it. For a common word that is the replies, which would take the longest to count."""
    if window is None:
        return {}
    seen = Counter(DocumentKind(c.kind) for c in window)
    held = kinds or list(DocumentKind)
    if len(window) < CANDIDATES:
        return {kind: min(seen[kind], COUNT_UP_TO) for kind in held}
    return {kind: COUNT_UP_TO for kind in held if seen[kind] >= COUNT_UP_TO}


def _counts(session: Session, match: _Match, where: list[ColumnElement[bool]],
            settled: dict[DocumentKind, int]) -> dict[DocumentKind, int]:
    """Matches she may read, per kind, each counted up to COUNT_UP_TO (any of them: no order needed to count);
    the kinds already settled are not counted again."""
    counts = dict(settled)
    left = [kind for kind in DocumentKind if kind not in settled]
    if left:
        counts.update(_count(session, match, where, left))
    return {kind: n for kind, n in counts.items() if n}


def _count(session: Session, match: _Match, where: list[ColumnElement[bool]],
           kinds: list[DocumentKind]) -> dict[DocumentKind, int]:
    if match.fts_join:
        # SQLite: one pass of FTS5's match, grouped (a capped pass per kind ran the match five times). Every kind
        # is counted: a condition on the kind lets SQLite walk that kind's entries and probe FTS5 for each.
        grouped = _base(match, D.kind, func.count()).where(*where).group_by(D.kind)
        return {DocumentKind(kind): min(n, COUNT_UP_TO) for kind, n in session.execute(grouped)
                if DocumentKind(kind) in kinds}
    # PostgreSQL: threads and the small kinds have GIN indexes of their own (partial: among threads a common
    # word has a tenth of its matches, among members, groups and articles a handful); replies, nine in ten
    # entries, are read through the whole index or row by row, as the planner estimates cheaper. The small kinds'
    # condition is the index's own predicate, word for word, so the planner sees that it applies.
    parts = [_base(match, D.kind.label("kind")).where(*where, D.kind == kind).limit(COUNT_UP_TO)
             for kind in (DocumentKind.thread, DocumentKind.reply) if kind in kinds]
    if any(kind in SMALL_KINDS for kind in kinds):
        parts.append(_base(match, D.kind.label("kind")).where(*where, D.kind.in_([k.value for k in SMALL_KINDS])))
    every = union_all(*(select(part.subquery()) for part in parts)).subquery()
    return {DocumentKind(kind): min(n, COUNT_UP_TO) for kind, n in session.execute(
        select(every.c.kind, func.count()).group_by(every.c.kind))}


# --- what a hit shows ---------------------------------------------------------------------------------------


def _hits(session: Session, ids: Sequence[int], query: list[str], prefix: str | None = None) -> list[SearchHit]:
    if not ids:
        return []
    docs = {d.id: d for d in session.scalars(select(D).options(*SHOWN).where(D.id.in_(ids)))}
    thread_titles = dict(session.execute(select(Thread.id, Thread.title).where(
        Thread.id.in_({d.thread_id for d in docs.values() if d.thread_id}))).all())
    groups = {g.id: g for g in session.scalars(select(Group).where(
        Group.id.in_({d.group_id for d in docs.values() if d.group_id})))}
    people = users_by_id(session, [*(d.author_id for d in docs.values()),
                                   *(d.ref_id for d in docs.values() if d.kind == DocumentKind.member)])
    slugs = dict(session.execute(select(Article.id, Article.slug).where(
        Article.id.in_({d.ref_id for d in docs.values() if d.kind == DocumentKind.article}))).all())
    out = []
    for doc_id in ids:
        doc = docs[doc_id]
        kind = DocumentKind(doc.kind)
        group = groups.get(doc.group_id) if doc.group_id else None
        if kind == DocumentKind.reply:
            title = thread_titles.get(doc.thread_id, "") if doc.thread_id is not None else ""
        else:
            title = doc.title
        out.append(SearchHit(
            kind=kind, id=doc.ref_id, title=title, title_html=str(snippet(title, query, length=len(title) + 1,
                                                                          prefix=prefix)),
            snippet_html=str(snippet(f"{doc.body} {doc.extra}".strip(), query, prefix=prefix)),
            url=_url(kind, doc, group, people, slugs),
            group=GroupRef(id=group.id, slug=group.slug, name=group.name) if group else None,
            author=user_summary_or_none(people.get(doc.author_id) if doc.author_id else None),
            created_at=doc.created_at, thread_kind=ThreadKind(doc.thread_kind) if doc.thread_kind else None,
            motion_status=MotionStatus(doc.motion_status) if doc.motion_status else None,
            municipality=doc.municipality))
    return out


def _url(kind: DocumentKind, doc: SearchDocument, group: Group | None, people: dict[int, User],
         slugs: dict[int, str]) -> str:
    match kind:
        case DocumentKind.thread:
            return f"/threads/{doc.ref_id}"
        case DocumentKind.reply:
            return f"/threads/{doc.thread_id}#post-{doc.ref_id}"
        case DocumentKind.article:
            return f"/articles/{slugs.get(doc.ref_id, '')}"
        case DocumentKind.group:
            return f"/groups/{group.slug}" if group else "/groups"
        case DocumentKind.member:
            person = people.get(doc.ref_id)
            return f"/members/{person.username}" if person else "/"


def similar_answered_questions(session: Session, actor: User, *, text: str, limit: int = 5) -> list[SearchHit]:
    """While she writes a question: questions already asked and answered (an answer marked) that share its words."""
    query = query_words(text)
    if not query:
        return []
    match = _match(session, query, any_word=True)
    answered = select(Thread.id).where(Thread.id == D.ref_id, Thread.answer_post_id.is_not(None)).exists()
    window = _candidates(session, match, [visible(actor), D.kind == DocumentKind.thread,
                                          D.thread_kind == ThreadKind.question, answered], below=None,
                         limit=CANDIDATES, query=query)
    return _hits(session, [c.id for c in _ranked(window)[:max(1, min(limit, 10))]], query)


def recent_by(session: Session, actor: User, *, author_id: int, limit: int = 10) -> list[SearchHit]:
    """A member's newest threads and replies that the actor may read (her profile page)."""
    ids = list(session.scalars(select(D.id).where(
        D.author_id == author_id, D.kind.in_([DocumentKind.thread, DocumentKind.reply]), visible(actor))
        .order_by(D.id.desc()).limit(max(1, min(limit, 50)))))
    return _hits(session, ids, [])


# --- suggestions while typing -------------------------------------------------------------------------------


def suggest(session: Session, actor: User, *, q: str, limit: int = 8) -> list[Suggestion]:
    """Titles (threads, articles, groups, members) for what she is typing: the last word as a prefix
    ("duurz" → "duurzaamheid"), the words before it whole."""
    typed = typed_words(q)
    if not typed or q[-1:].isspace():
        query, prefix = query_words(q), None
    else:  # the last word is being typed: a prefix, even of a stop word ("onder" → "onderwijs")
        query, prefix = query_words(" ".join(typed[:-1])), typed[-1]
    if prefix is not None and (len(prefix) < 2 or not _PREFIX.match(prefix)):
        prefix = None
    if not query and prefix is None:
        return []
    match = _match(session, query, prefix, titles_only=True)
    where = [visible(actor), D.kind.in_([DocumentKind.thread, DocumentKind.article, DocumentKind.group,
                                        DocumentKind.member])]
    window = _candidates(session, match, where, below=None, limit=CANDIDATES, query=query)
    ids = [c.id for c in _ranked(window)[:max(1, min(limit, 20))]]
    return [Suggestion(kind=h.kind, title=h.title, title_html=h.title_html, url=h.url)
            for h in _hits(session, ids, query, prefix)]
