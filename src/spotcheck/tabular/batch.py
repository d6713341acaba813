"""Column-at-a-time fast paths of validation.

Each fast path takes one column of a chunk of rows and either returns the converted values,
having proved with C-level operations (comprehensions, ``map``, one regex over the joined
column) that every cell is valid, or returns None: then the validator converts that column
cell by cell with :mod:`spotcheck.tabular.convert`, which finds and words each error.
The two paths must agree on valid input; the tests run both.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spotcheck.tabular.convert import QUOTED, TAG_SPLIT

if TYPE_CHECKING:
    from spotcheck.tabular.reader import Cell
    from spotcheck.tabular.schema import Column

FastPath = Callable[[tuple["Cell", ...]], "list[Any] | None"]

_NOT_VALID = "\x00not valid\x00"  # a sentinel no cell can equal after a lookup
# Number-like text (1.1E+17, 370303.0) anywhere in a newline-joined column.
_NUMBER_LINE = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$|^\d+\.0+$", re.MULTILINE)
_DATE_LINES = re.compile(r"(?:\d{4}-\d{2}-\d{2}\n)*\d{4}-\d{2}-\d{2}")
_STR_ONLY = {str}


def compile_fast(col: Column) -> FastPath:
    """The fast path of one column (always None for kinds that are checked cell by cell)."""
    return _BUILDERS.get(col.kind, _never)(col)


def _never(col: Column) -> FastPath:
    return lambda cells: None


def _text(col: Column) -> FastPath:
    required, max_len, check, upper = col.required, col.max_len, col.check, col.upper
    code = col.kind == "code"
    shared = _Shared()

    def fast(cells: tuple[Cell, ...]) -> list[Any] | None:
        if set(map(type, cells)) != _STR_ONLY:
            return None
        values: list[str] = [c.strip() for c in cells]  # type: ignore[union-attr]
        if "'" in "".join(values):
            values = [v[1:] if v.startswith(QUOTED) else v for v in values]
        has_empty = "" in values
        if has_empty and required:
            return None
        if upper:
            values = [v.upper() for v in values]
        if max_len is not None and max(map(len, values)) > max_len:
            return None
        if code:
            suspects = [v for v in values if "." in v or "E" in v or "e" in v]
            if suspects and _NUMBER_LINE.search("\n".join(suspects)):
                return None
        if check is not None:
            filled = [v for v in values if v] if has_empty else values
            if any(map(check, filled)):
                return None
        return shared(values)

    return fast


class _Shared:
    """Makes equal strings of a column one object (region codes, names, tags repeat a lot).

    A million records otherwise hold a million copies of "370303". It gives up once a column
    has shown more than ``limit`` distinct values (credit codes, addresses).
    """

    def __init__(self, limit: int = 20000) -> None:
        self.memo: dict[str, str] | None = {}
        self.limit = limit

    def __call__(self, values: list[str]) -> list[str]:
        memo = self.memo
        if memo is None:
            return values
        share = memo.setdefault
        values = [share(v, v) for v in values]
        if len(memo) > self.limit:
            self.memo = None
        return values

    def tags(self, values: list[list[str]]) -> list[list[str]]:
        memo = self.memo
        if memo is None:
            return values
        share = memo.setdefault
        values = [[share(t, t) for t in tags] for tags in values]
        if len(memo) > self.limit:
            self.memo = None
        return values


def _lookup(col: Column, table: dict[str, Any]) -> FastPath:
    if not col.required:
        table[""] = col.empty

    def fast(cells: tuple[Cell, ...]) -> list[Any] | None:
        if set(map(type, cells)) != _STR_ONLY:
            return None
        get = table.get
        values = [get(c.strip(), _NOT_VALID) for c in cells]  # type: ignore[union-attr]
        if _NOT_VALID in values:
            return None
        return values

    return fast


def _enum(col: Column) -> FastPath:
    table: dict[str, Any] = {c: c for c in col.choices or ()}
    table.update(col.aliases or {})
    return _lookup(col, table)


def _bool(col: Column) -> FastPath:
    return _lookup(col, {"是": True, "否": False})


def _int(col: Column) -> FastPath:
    required, low, high = col.required, col.min_value, col.max_value

    def fast(cells: tuple[Cell, ...]) -> list[Any] | None:
        if set(map(type, cells)) != _STR_ONLY:
            return None
        values: list[str] = [c.strip() for c in cells]  # type: ignore[union-attr]
        joined = "".join(values)
        if not (joined.isascii() and joined.isdigit()):  # also refuses an all-empty column
            return None
        if "" in values:
            if required:
                return None
            numbers: list[Any] = [int(v) if v else None for v in values]
            present = [n for n in numbers if n is not None]
        else:
            numbers = present = list(map(int, values))
        if (low is not None and min(present) < low) or (high is not None and max(present) > high):
            return None
        return numbers

    return fast


def _date(col: Column) -> FastPath:
    required = col.required
    parse = dt.date.fromisoformat

    def fast(cells: tuple[Cell, ...]) -> list[Any] | None:
        if set(map(type, cells)) != _STR_ONLY:
            return None
        values: list[str] = [c.strip() for c in cells]  # type: ignore[union-attr]
        filled = [v for v in values if v]
        if (required and len(filled) < len(values)) or not filled:
            return None
        if not _DATE_LINES.fullmatch("\n".join(filled)):
            return None
        try:
            return [parse(v) if v else None for v in values]
        except ValueError:  # 2025-02-30 and the like: let the slow path word it
            return None

    return fast


def _tags(col: Column) -> FastPath:
    required, max_len = col.required, col.max_len
    table: dict[str, str] | None = None
    if col.choices:
        table = {c: c for c in col.choices}
        table.update(col.aliases or {})
    split = TAG_SPLIT.split
    shared = _Shared()

    def fast(cells: tuple[Cell, ...]) -> list[Any] | None:
        if set(map(type, cells)) != _STR_ONLY:
            return None
        values = [list(dict.fromkeys(filter(None, split(c)))) for c in cells]  # type: ignore[arg-type]
        if required and [] in values:
            return None
        used: set[str] = set().union(*values)
        if max_len is not None and used and max(map(len, used)) > max_len:
            return None
        if table is not None:
            if not used.issubset(table):
                return None
            if any(table[t] != t for t in used):
                values = [list(dict.fromkeys(table[t] for t in tags)) for tags in values]
        return shared.tags(values)

    return fast


_BUILDERS: dict[str, Callable[[Column], FastPath]] = {
    "text": _text,
    "code": _text,
    "enum": _enum,
    "bool": _bool,
    "int": _int,
    "date": _date,
    "tags": _tags,
}
