"""Keyset pagination, the one way lists are paged: an opaque cursor holding the last row's sort key."""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import Invalid
from app.schemas.common import MAX_ID

T = TypeVar("T")
Row = TypeVarTuple("Row")
DEFAULT_LIMIT = 30
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(*values: Any) -> str:
    raw = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple[Any, ...]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            raise ValueError
        if any(t is int and (not isinstance(v, int) or isinstance(v, bool)) for v, t in zip(raw, types, strict=True)):
            raise ValueError("an id or a place is a whole number")
        values = tuple(
            datetime.fromisoformat(v) if t is datetime else t(v) for v, t in zip(raw, types, strict=True)
        )
        if any(isinstance(v, datetime) and v.tzinfo is None for v in values):
            raise ValueError("cursor times carry their zone")
        if any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in values):
            raise ValueError("cursor id out of range")
        return values
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise Invalid("This cursor is not valid; start again without it.", field="cursor") from None


def keyset(
    stmt: Select[*Row], columns: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...],
    cursor: str | None, *, descending: bool, types: tuple[type, ...],
) -> Select[*Row]:
    """Order by `columns` and start after the cursor's row (a row-value comparison, index friendly)."""
    if cursor:
        values = decode_cursor(cursor, types)
        conditions = []
        for i, column in enumerate(columns):
            earlier = [c == v for c, v in zip(columns[:i], values[:i], strict=True)]
            step = column < values[i] if descending else column > values[i]
            conditions.append(and_(*earlier, step))
        stmt = stmt.where(or_(*conditions))
    order = [c.desc() if descending else c.asc() for c in columns]
    return stmt.order_by(*order)


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    return max(1, min(limit, MAX_LIMIT))
