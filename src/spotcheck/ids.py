"""The bounds of the integers that name stored rows, in one place.

Primary and foreign keys are INTEGER columns: 32-bit signed on PostgreSQL (64-bit on SQLite), so
a number outside 1 … 2³¹−1 can name no row on every database the platform runs on, and handing
one to the database fails (PostgreSQL's "integer out of range", SQLite's OverflowError beyond
2⁶³−1). Every route and body field that carries an id uses the types below, so such a number is
refused before any query: a path id → 404 (the app's validation handler), a body or query id →
422 naming the field, an id read from a form by hand (`parse_id`) → "not found" like an unknown
one. Widening the columns to BIGINT would widen MAX_ID here, and nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER
ID_RANGE_TEXT = f"应为 1 至 {MAX_ID} 之间的整数"


def _in_range(value: Any) -> Any:
    """Refuse an out-of-range integer with one clear error (also inside an `int | str` union)."""
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_ID:
        raise PydanticCustomError("id_range", ID_RANGE_TEXT)
    return value


# A body or query field holding a row id (also documents the bounds in the OpenAPI schema).
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_in_range)]
# A reference by id (a number) or by code / name (text); an out-of-range number is one error.
IdOrText = Annotated[Id | str, BeforeValidator(_in_range)]
# A path parameter holding a row id; a value out of range is answered 404 by the app.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="编号（1 至 2147483647）")]
# A path parameter holding a position in a short list (0-based).
PathIndex = Annotated[int, Path(ge=0, le=MAX_ID, description="序号（从 0 起）")]


# A form field holding a row id, 0 when none was chosen.
FormId = Annotated[int, Form(ge=0, le=MAX_ID)]

# Other integers of a request that reach SQL, bounded for the same reason: a page number (its
# offset must fit in 64 bits; pages below 1 are read as page 1) and a year filter.
MAX_PAGE = 1_000_000
Page = Annotated[int, Query(le=MAX_PAGE, description="页码（从 1 起）")]
Year = Annotated[int | None, Query(ge=1, le=9999, description="年度（不填为全部）")]


def parse_id(text: object) -> int | None:
    """A form field's id: its digits as a number within the bounds, else None (not found)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
