"""Types shared by the request schemas."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from app.errors import NotFound

# Ids are PostgreSQL `integer` serials: anything outside this range cannot name a row.
MAX_ID = 2**31 - 1

# An id in a request body or query: out of range is a bad value (422, naming the field).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _row_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFound("Not found.")
    return value


# An id in a URL path: out of range is simply something that does not exist (404), like any unknown id.
PathId = Annotated[int, AfterValidator(_row_id)]
