"""The migration harness: a populated database at any revision, upgraded, and checked for lost data.

`populate` writes rows for the tables that exist *at that revision* (read from the database itself, not from
today's models): realistic values where the party's vocabulary applies (roles, provinces, kinds, statuses),
references that point at real rows (including the references that form cycles, filled in afterwards), and
unique values wherever a unique constraint or index asks for them. `snapshot` reduces every table to its row
count and a checksum per column, so "nothing was lost" is a comparison of two snapshots over the tables and
columns that exist on both sides.

Used by tests/migrations/test_history.py (small data, every revision, both databases) and by
bench/migrations.py (100,000 posts, timed).
"""
from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, MetaData, Table, inspect, select, text, update
from sqlalchemy import types as sqltypes
from sqlalchemy.sql import bindparam

from app import migrate
from app.models import enums

# How many rows each table gets per unit of `scale` (the rest get DEFAULT_ROWS); posts is the measure.
ROWS_PER_SCALE = {
    "users": 8, "portfolios": 1, "user_portfolios": 10, "groups": 3, "channels": 6, "memberships": 30,
    "threads": 25, "posts": 100, "mentions": 10, "post_revisions": 5, "attachments": 3, "reactions": 20,
    "notifications": 40, "thread_states": 30, "jobs": 5, "search_documents": 0, "audit_log": 4,
}
DEFAULT_ROWS = 3
PORTFOLIOS = ["zorg", "wmo", "duurzaamheid", "wonen", "onderwijs", "financien", "veiligheid", "verkeer",
              "cultuur", "sport", "jeugd", "armoede", "economie", "landbouw", "water", "energie"]
WORDS = ("de gemeente raad motie vraag wethouder woningbouw zorg jeugd duurzaamheid fractie provincie "
         "inwoners begroting voorstel amendement wijk buurt energie armoede onderwijs bibliotheek "
         "Fryslân Alkmaar Delft Utrecht Groningen Maastricht verzoekt college overwegende dat").split()

# The party's vocabulary, by column name (first) or by table and column.
_VOCAB: dict[str, list[str]] = {
    "users.role": [e.value for e in enums.SiteRole], "title": [e.value for e in enums.Title],
    "province": [e.value for e in enums.Province], "language": [e.value for e in enums.Language],
    "audience_province": [e.value for e in enums.Province], "audience_title": [e.value for e in enums.Title],
    "groups.kind": [e.value for e in enums.GroupKind], "group_kind": [e.value for e in enums.GroupKind],
    "visibility": [e.value for e in enums.Visibility], "memberships.role": [e.value for e in enums.GroupRole],
    "join_requests.status": [e.value for e in enums.RequestStatus],
    "group_invitations.status": [e.value for e in enums.RequestStatus],
    "threads.kind": [e.value for e in enums.ThreadKind], "thread_kind": [e.value for e in enums.ThreadKind],
    "motion_status": [e.value for e in enums.MotionStatus],
    "notification_level": [e.value for e in enums.NotificationLevel],
    "level": [e.value for e in enums.NotificationLevel],
    "notifications.kind": [e.value for e in enums.NotificationKind],
    "digest": [e.value for e in enums.DigestFrequency], "audience_status": [e.value for e in enums.AudienceStatus],
    "moderation_items.status": ["pending", "approved", "rejected", "dismissed"],
    "articles.status": ["draft", "scheduled", "published"],
    "search_documents.kind": ["thread", "reply", "article", "group", "member"],
    "flags.reason": ["spam", "off_topic", "inappropriate", "personal_data", "other"],
    "jobs.status": ["pending", "running", "done", "failed"],
    "municipality": ["Alkmaar", "Delft", "Utrecht", "Groningen", "Súdwest-Fryslân", "Maastricht", "Zwolle"],
}
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

# Columns a revision rewrites on purpose (a data migration), by revision: not counted as lost when the upgrade
# passes through it. Everything else must come through unchanged.
DATA_CHANGES: dict[str, set[tuple[str, str]]] = {
    # Duplicate pending join requests and invitations (left by the race its unique indexes close) cancelled.
    "7c1f0e9b2a54": {("join_requests", "status"), ("join_requests", "decided_at"),
                     ("group_invitations", "status"), ("group_invitations", "decided_at")},
    # Duplicate open invites for one address revoked (the newest stays open).
    "b5e2a91c7d30": {("invites", "revoked_at")},
}


# Tables ("table", None) and columns ("table", "column") a revision drops on purpose, by revision. Anything
# else that is there before an upgrade and gone after it counts as lost. None so far.
DROPS: dict[str, set[tuple[str, str | None]]] = {}


def _after(revision: str, table: dict[str, set[Any]]) -> set[Any]:
    later = migrate.history()
    return {c for r in later[later.index(revision) + 1:] for c in table.get(r, set())}


def changed_after(revision: str) -> set[tuple[str, str]]:
    """What the revisions after `revision` may rewrite or drop on purpose (both count as allowed changes)."""
    return _after(revision, DATA_CHANGES) | _after(revision, DROPS)  # type: ignore[arg-type]


def user_tables(engine: Engine) -> list[str]:
    names = inspect(engine).get_table_names()
    return [n for n in names if n != "alembic_version" and n not in migrate.SEARCH_INTERNALS]


def reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine, only=user_tables(engine))
    return metadata


def _unique_sets(engine: Engine, table: Table) -> list[tuple[str, ...]]:
    inspector = inspect(engine)
    sets = [tuple(c["column_names"]) for c in inspector.get_unique_constraints(table.name)]
    sets += [tuple(i["column_names"]) for i in inspector.get_indexes(table.name)
             if i.get("unique") and all(i["column_names"])]
    return list(dict.fromkeys(s for s in sets if s))


def _order(metadata: MetaData) -> tuple[list[Table], set[tuple[str, str]]]:
    """Tables parents first, by their NOT NULL references; the nullable references that would close a cycle
    (or point forward) are filled in afterwards: returned as (table, column)."""
    tables = dict(metadata.tables)
    done: list[Table] = []
    placed: set[str] = set()
    deferred: set[tuple[str, str]] = set()
    pending = sorted(tables)
    while pending:
        progressed = False
        # Tables whose every reference is placed come first; only then one whose NOT NULL references are (its
        # nullable ones are filled in afterwards, with an UPDATE — which an append-only table such as the audit
        # log refuses, so that is kept for the references that really close a cycle).
        for all_references in (True, False):
            for name in list(pending):
                table = tables[name]
                needs = {fk.column.table.name for col in table.columns if all_references or not col.nullable
                         for fk in col.foreign_keys if fk.column.table.name != name}
                if needs <= placed:
                    done.append(table)
                    placed.add(name)
                    pending.remove(name)
                    progressed = True
                    if not all_references:
                        break
            if progressed:
                break
        if not progressed:
            raise RuntimeError(f"NOT NULL references form a cycle among {pending}")
    seen: set[str] = set()
    for table in done:
        for col in table.columns:
            for fk in col.foreign_keys:
                parent = fk.column.table.name
                if parent not in seen and parent != table.name:
                    assert col.nullable
                    deferred.add((table.name, col.name))
        seen.add(table.name)
    return done, deferred


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _value(rng: random.Random, table: Table, column: Any, i: int, unique: bool) -> Any:
    name, kind = column.name, column.type
    vocab = _VOCAB.get(f"{table.name}.{name}") or _VOCAB.get(name)
    if vocab and not unique:
        return rng.choice(vocab)
    if isinstance(kind, sqltypes.Boolean):
        return rng.random() < 0.5
    if isinstance(kind, sqltypes.DateTime):
        return START + timedelta(minutes=7 * i + rng.randrange(5))
    if isinstance(kind, sqltypes.Date):
        return date(2026, 1, 1) + timedelta(days=i % 300)
    if isinstance(kind, sqltypes.Time):
        return time(19, 30)
    if isinstance(kind, sqltypes.JSON):
        return {"reasons": [rng.choice(["watched_word", "new_member"])], "n": i} if rng.random() < 0.5 else []
    if isinstance(kind, sqltypes.Integer):
        return i if unique else rng.randrange(0, 5000)
    if isinstance(kind, sqltypes.Numeric | sqltypes.Float):
        return Decimal(i) / 4
    if isinstance(kind, sqltypes.String | sqltypes.Text):
        length = getattr(kind, "length", None)
        if name == "email":
            value = f"lid{i}@partij.example"
        elif name in {"username", "slug"} or name.endswith("_slug"):
            value = f"{rng.choice(WORDS).lower()}-{i}"
        elif name.endswith(("_hash", "token", "_key", "prefix")) or name == "key":
            value = hashlib.sha256(f"{table.name}.{name}.{i}".encode()).hexdigest()
        elif isinstance(kind, sqltypes.Text) or (length or 0) > 200:
            value = _text(rng, rng.randrange(5, 60)) + (f" #{i}" if unique else "")
        else:
            value = _text(rng, 3) + (f" {i}" if unique else "")
        return value[:length] if length else value
    raise TypeError(f"no generator for {table.name}.{name} ({kind!r})")


@dataclass
class Populated:
    rows: dict[str, int]


def populate(engine: Engine, *, scale: int = 1, seed: int = 15, batch: int = 5000) -> Populated:
    """Write realistic rows into every table of the database as it is now (at whatever revision)."""
    rng = random.Random(seed)
    metadata = reflect(engine)
    order, deferred = _order(metadata)
    ids: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        for table in order:
            want = ROWS_PER_SCALE.get(table.name, DEFAULT_ROWS) * scale  # search_documents: 0 (the app fills it)
            pk = [c.name for c in table.primary_key.columns]
            simple_pk = len(pk) == 1 and isinstance(table.c[pk[0]].type, sqltypes.Integer)
            uniques = _unique_sets(engine, table) + ([] if simple_pk else [tuple(pk)])
            unique_columns = {c for s in uniques if len(s) == 1 for c in s}
            seen: dict[tuple[str, ...], set[tuple[Any, ...]]] = {s: set() for s in uniques}
            rows: list[dict[str, Any]] = []
            for i in range(1, want + 1):
                for _attempt in range(20):
                    row: dict[str, Any] = {}
                    for column in table.columns:
                        if column.computed is not None:
                            continue
                        if simple_pk and column.name == pk[0]:
                            row[column.name] = i
                            continue
                        fks = list(column.foreign_keys)
                        if fks:
                            parent = fks[0].column.table.name
                            pool = ids.get(parent) if parent != table.name else list(range(1, i))
                            if (table.name, column.name) in deferred or not pool or (
                                    column.nullable and rng.random() < 0.15):
                                if not column.nullable:
                                    raise RuntimeError(f"{table.name}.{column.name} needs a {parent} first")
                                row[column.name] = None
                            else:
                                row[column.name] = rng.choice(pool)
                            continue
                        if column.nullable and rng.random() < 0.2:
                            row[column.name] = None
                            continue
                        row[column.name] = _value(rng, table, column, i, column.name in unique_columns)
                    keys = {s: tuple(row.get(c) for c in s) for s in uniques}
                    if all(None in k or k not in seen[s] for s, k in keys.items()):
                        for s, k in keys.items():
                            seen[s].add(k)
                        rows.append(row)
                        break
            for start in range(0, len(rows), batch):
                connection.execute(table.insert(), rows[start:start + batch])
            counts[table.name] = len(rows)
            if simple_pk:
                ids[table.name] = [r[pk[0]] for r in rows]
        for table_name, column_name in sorted(deferred):
            table = metadata.tables[table_name]
            parent = next(iter(table.c[column_name].foreign_keys)).column.table.name
            pk = table.primary_key.columns.values()[0]
            pool = ids.get(parent) or []
            if not pool or table_name not in ids:
                continue
            values = [{"_id": row_id, "_v": rng.choice(pool)} for row_id in ids[table_name] if rng.random() < 0.7]
            if values:
                connection.execute(update(table).where(pk == bindparam("_id"))
                                   .values({column_name: bindparam("_v")}), values)
        if engine.dialect.name == "postgresql":
            for table_name in ids:
                table = metadata.tables[table_name]
                pk = table.primary_key.columns.values()[0].name
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', '{pk}'), "
                    f"COALESCE((SELECT max({pk}) FROM {table_name}), 1))"))
    return Populated(rows=counts)


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


Snapshot = dict[str, dict[str, Any]]  # table → {"rows": n, "columns": {column: checksum}}


def snapshot(engine: Engine, tables: Iterable[str] | None = None) -> Snapshot:
    """Row counts and a checksum of every column, per table (in primary-key order)."""
    metadata = reflect(engine)
    result: Snapshot = {}
    with engine.connect() as connection:
        for name in sorted(tables if tables is not None else metadata.tables):
            if name not in metadata.tables:
                continue
            table = metadata.tables[name]
            columns = [c for c in table.columns if c.computed is None]
            order = list(table.primary_key.columns) or columns
            digests = {c.name: hashlib.sha256() for c in columns}
            count = 0
            for row in connection.execute(select(*columns).order_by(*order)).yield_per(5000):
                count += 1
                for column, value in zip(columns, row, strict=True):
                    digests[column.name].update(json.dumps(_normal(value), sort_keys=True, default=str).encode())
                    digests[column.name].update(b"\x00")
            result[name] = {"rows": count, "columns": {k: d.hexdigest() for k, d in digests.items()}}
    return result


def lost(before: Snapshot, after: Snapshot, *,
         changed: set[tuple[str, str | None]] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """What `before` had that `after` lost, dropped or altered, but for the declared `changed` (tables as
    (table, None), columns as (table, column))."""
    problems = []
    for name, was in before.items():
        now = after.get(name)
        if now is None:
            if (name, None) not in changed:
                problems.append(f"{name}: the table is gone")
            continue
        if was["rows"] != now["rows"]:
            problems.append(f"{name}: {was['rows']} rows became {now['rows']}")
            continue
        for column, digest in was["columns"].items():
            if (name, column) in changed:
                continue
            if column not in now["columns"]:
                problems.append(f"{name}.{column}: the column is gone")
            elif now["columns"][column] != digest:
                problems.append(f"{name}.{column}: values changed")
    return problems
