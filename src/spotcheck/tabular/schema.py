"""Declarative column specs and the validator of an uploaded table.

Kinds and the values a record holds (an empty optional cell gets the value in brackets):

- ``text``: stripped ``str`` [``""``]; numbers from Excel become their displayed text.
- ``code``: identifiers (credit code, ID number, certificate, region/industry code, phone):
  stripped ``str`` [``""``], upper-cased when ``upper``; a number cell, or text such as
  ``9.13702E+17``, is an error and is never converted.
- ``enum``: one of ``choices`` (``aliases`` map other spellings onto a choice) [``""``].
- ``bool``: ``是`` → True, ``否`` → False, nothing else [``False``].
- ``int``: ``int`` within ``min_value``/``max_value`` [``None``].
- ``date``: ``datetime.date`` from ``YYYY-MM-DD`` text or a real Excel date [``None``].
- ``tags``: ``list[str]`` split on 、，,;； and whitespace, de-duplicated, order kept;
  with ``choices`` each tag must be one (aliases apply) [``[]``].
- ``percent``: ``int`` basis points (``5%`` or ``0.05`` → 500), in (0, 100%] [``None``].

:func:`validate` collects every error: header errors (a missing required column, an unknown
column, data under a column without a header), every broken cell rule, the spec's
cross-column rules, and duplicate keys within the file (rows whose key is empty are not
compared). ``Result.records`` holds the rows without any error, as dicts keyed by
``Column.key``, with ``Result.row_numbers`` the matching row numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal, overload

from spotcheck.gcpause import paused_gc
from spotcheck.tabular.batch import compile_fast
from spotcheck.tabular.convert import (
    cell_text,
    compile_column,
    constant,
    empty_value,
    format_percent,
)
from spotcheck.tabular.reader import Cell, Table, column_label

Kind = Literal["text", "code", "enum", "bool", "int", "date", "tags", "percent"]
Record = dict[str, Any]
ERROR_COLUMN = "错误说明"  # added by the error report; ignored on import
_CHUNK = 2048


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a file: its Chinese header, the record key and the rules of its cells."""

    header: str
    key: str
    kind: Kind = "text"
    required: bool = False
    max_len: int | None = None
    choices: tuple[str, ...] | None = None
    check: Callable[[str], str | None] | None = None
    aliases: Mapping[str, str] | None = None
    upper: bool = False
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""  # one line for the template's 填写说明 sheet
    example: str = ""  # the template's example cell (must validate)

    @property
    def empty(self) -> Any:
        """The value of an empty optional cell of this column."""
        return empty_value(self.kind)


@dataclass(frozen=True, slots=True)
class Spec:
    """A file layout: columns in template order, the key column and cross-column rules.

    ``conditional(record)`` returns ``(header, rule)`` pairs for a record's broken rules.
    """

    name: str
    columns: tuple[Column, ...]
    # None: rows have no one-column identity (their duplicates are the domain's business).
    key: str | None
    conditional: Callable[[Record], list[tuple[str, str]]] | None = None
    title: str = ""
    allow_extra: bool = False
    notes: tuple[str, ...] = ()  # cross-column rules, listed in the template

    @property
    def headers(self) -> list[str]:
        """The template's header row."""
        return [c.header for c in self.columns]

    def column(self, key_or_header: str) -> Column:
        """The column with this key or header."""
        for c in self.columns:
            if key_or_header in (c.key, c.header):
                return c
        raise KeyError(key_or_header)

    @property
    def text_headers(self) -> list[str]:
        """Headers whose cells are written as text ('@') on export."""
        return [c.header for c in self.columns if c.kind not in ("int", "date")]


@dataclass(frozen=True, slots=True)
class RowError:
    """One broken rule: row number as in the file, Chinese header, the cell as text, the rule."""

    row: int
    column: str
    value: str
    rule: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:60] + "…"
        shown = f"“{value}”" if value else ""
        return f"第 {self.row} 行【{self.column}】{shown}：{self.rule}"

    def describe(self) -> str:
        """The error without its row number, for the error column of the report."""
        return str(self).split("行", 1)[1].lstrip()


class Records(Sequence[Record]):
    """Validated rows, stored compactly as tuples; indexing or iterating yields dicts."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.tuples: list[tuple[Any, ...]] = []

    def __len__(self) -> int:
        return len(self.tuples)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> list[Record]: ...
    def __getitem__(self, index: int | slice) -> Record | list[Record]:
        keys = self.keys
        if isinstance(index, slice):
            return [dict(zip(keys, t, strict=True)) for t in self.tuples[index]]
        return dict(zip(keys, self.tuples[index], strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[Record]:
        keys = self.keys
        for t in self.tuples:
            yield dict(zip(keys, t, strict=True))


@dataclass(slots=True)
class Result:
    """What :func:`validate` found: valid records, their row numbers, and every error."""

    records: Records
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        """True when the file has no error at all."""
        return not self.errors

    def errors_by_row(self) -> dict[int, list[RowError]]:
        """Errors grouped by row number, in file order."""
        grouped: dict[int, list[RowError]] = {}
        for e in self.errors:
            grouped.setdefault(e.row, []).append(e)
        return grouped


def validate(table: Table, spec: Spec, *, progress: Callable[[int], None] | None = None) -> Result:
    """Check every row of ``table`` against ``spec``; see the module docstring.

    ``progress(rows_read)`` is called after each chunk of rows. A file that turns out to be
    unreadable part-way raises :class:`~spotcheck.tabular.reader.TableError`. The cyclic
    garbage collector is paused meanwhile (spotcheck.gcpause): a million new records would otherwise trigger
    full collections that cost a third of the time (the records hold no cycles).
    """
    result = Result(Records(_keys(spec)))
    with paused_gc():
        for numbers, records in _chunks(table, spec, result, progress):
            result.row_numbers.extend(numbers)
            result.records.tuples.extend(records)
    return result


class ValidationStream:
    """Validation a chunk at a time, for imports too large to hold every record at once.

    Iterating yields lists of ``(row_number, record)`` for the valid rows of each chunk of
    about 2,000 rows; ``errors`` grows as rows are read and is complete when the iteration
    ends. Write the chunks inside one transaction and roll it back if ``errors`` is not
    empty at the end: memory then stays at one chunk plus the keys seen.
    """

    def __init__(
        self, table: Table, spec: Spec, *, progress: Callable[[int], None] | None = None
    ) -> None:
        self.table = table
        self.spec = spec
        self.progress = progress
        self.result = Result(Records(_keys(spec)))

    @property
    def errors(self) -> list[RowError]:
        """Every error found so far."""
        return self.result.errors

    @property
    def rows_read(self) -> int:
        """Data rows read so far."""
        return self.result.rows_read

    def __iter__(self) -> Iterator[list[tuple[int, Record]]]:
        keys = _keys(self.spec)
        for numbers, records in _chunks(self.table, self.spec, self.result, self.progress):
            yield [
                (n, dict(zip(keys, r, strict=True))) for n, r in zip(numbers, records, strict=True)
            ]


def _keys(spec: Spec) -> tuple[str, ...]:
    return tuple(c.key for c in spec.columns) + (("extra",) if spec.allow_extra else ())


def _chunks(
    table: Table, spec: Spec, result: Result, progress: Callable[[int], None] | None
) -> Iterator[tuple[list[int], list[tuple[Any, ...]]]]:
    """Validate chunk by chunk, adding errors to ``result``; yield the valid rows of each."""
    keys = _keys(spec)
    errors = result.errors
    position = {h: i for i, h in enumerate(table.headers) if h and h != ERROR_COLUMN}
    header_row = table.header_row
    for c in spec.columns:
        if c.required and c.header not in position:
            errors.append(RowError(header_row, c.header, "", "缺少必填列；请使用导入模板中的表头"))
    known = {c.header for c in spec.columns}
    extras = [(h, i) for h, i in position.items() if h not in known]
    if not spec.allow_extra:
        for h, i in extras:
            errors.append(
                RowError(
                    header_row,
                    table.column_name(i),
                    h,
                    "不是模板中的列；请删除该列或改为模板中的表头",
                )
            )
    orphans = [i for i, h in enumerate(table.headers) if not h]

    # plan: (slot in the record tuple, cell index or -1, converter, column)
    # Columns are converted a chunk at a time: a C-level fast path proves a whole column
    # valid, else the per-cell converters find and word the errors.
    pending: list[tuple[str, Cell, str]] = []
    columns = [
        (position[c.header], compile_fast(c), compile_column(c, pending), c)
        for c in spec.columns
        if c.header in position
    ]
    slots = [i for i, c in enumerate(spec.columns) if c.header in position]
    absent = [(i, constant(c)) for i, c in enumerate(spec.columns) if c.header not in position]
    width = max(len(table.headers), 1)
    pad: list[Cell] = [""] * width
    key_slot = [c.key for c in spec.columns].index(spec.key) if spec.key else -1
    key_header = spec.columns[key_slot].header if spec.key else ""
    key_of = {c.header: c.key for c in spec.columns}
    order = {**position, **{table.column_name(i): i for i in orphans}}
    seen: dict[Any, int] = {}
    count = 0
    rows = table.rows()
    while chunk := list(islice(rows, _CHUNK)):
        numbers = [n for n, _ in chunk]
        cells = [c for _, c in chunk]
        if min(map(len, cells)) < width:
            cells = [c if len(c) >= width else c + pad[len(c) :] for c in cells]
        # row position in the chunk -> headers of its errors
        flagged: dict[int, set[str]] = {}
        mark = len(errors)
        if orphans or max(map(len, cells)) > width:
            for j, row in enumerate(cells):
                for e in _orphan_cells(table, numbers[j], row, orphans, width):
                    errors.append(e)
                    flagged.setdefault(j, set()).add(e.column)
        transposed = list(zip(*cells, strict=False))
        value_columns: list[list[Any]] = [[]] * len(spec.columns)
        for slot, (index, fast, convert, _col) in zip(slots, columns, strict=True):
            raw = transposed[index]
            values = fast(raw)
            if values is None:
                values = []
                for j, cell in enumerate(raw):
                    values.append(convert(cell))
                    if pending:
                        for header, bad_cell, rule in pending:
                            errors.append(
                                RowError(numbers[j], header, cell_text(bad_cell).strip(), rule)
                            )
                            flagged.setdefault(j, set()).add(header)
                        pending.clear()
            value_columns[slot] = values
        for slot, make in absent:
            value_columns[slot] = [make("") for _ in numbers]
        if spec.allow_extra:
            value_columns.append(
                [{h: cell_text(row[i]).strip() for h, i in extras} for row in cells]
            )
        records = list(zip(*value_columns, strict=True))
        if spec.conditional is not None:
            _cross_check(spec.conditional, keys, key_of, records, numbers, flagged, errors)
        if key_slot >= 0:
            _check_keys(records, key_slot, key_header, numbers, seen, flagged, errors)
        if len(errors) > mark:
            # Found column by column: put them back in reading order.
            errors[mark:] = sorted(errors[mark:], key=lambda e: (e.row, order.get(e.column, width)))
        count += len(chunk)
        result.rows_read = count
        if progress is not None:
            progress(count)
        if flagged:
            valid = [j for j in range(len(records)) if j not in flagged]
            yield [numbers[j] for j in valid], [records[j] for j in valid]
        else:
            yield numbers, records


def _orphan_cells(
    table: Table, number: int, cells: list[Cell], orphans: list[int], width: int
) -> list[RowError]:
    found: list[RowError] = []
    for i in [*orphans, *range(width, len(cells))]:
        text = cell_text(cells[i]).strip()
        if text:
            rule = "该列没有表头，数据无法导入；请补充表头或删除该列"
            found.append(RowError(number, table.column_name(i), text, rule))
    return found


def _cross_check(
    conditional: Callable[[Record], list[tuple[str, str]]],
    keys: tuple[str, ...],
    key_of: dict[str, str],
    records: list[tuple[Any, ...]],
    numbers: list[int],
    flagged: dict[int, set[str]],
    errors: list[RowError],
) -> None:
    """Cross-column rules; a rule about a cell that already has an error is not repeated."""
    for j, values in enumerate(records):
        record = dict(zip(keys, values, strict=True))
        for header, rule in conditional(record):
            if header in flagged.get(j, ()):
                continue
            shown = _shown(record.get(key_of.get(header, ""), ""))
            errors.append(RowError(numbers[j], header, shown, rule))
            flagged.setdefault(j, set()).add(header)


def _check_keys(
    records: list[tuple[Any, ...]],
    slot: int,
    header: str,
    numbers: list[int],
    seen: dict[Any, int],
    flagged: dict[int, set[str]],
    errors: list[RowError],
) -> None:
    """Duplicate keys within the file; empty keys (and keys with errors, None) are skipped."""
    chunk_keys = [r[slot] for r in records]
    if (
        all(chunk_keys)
        and len(set(chunk_keys)) == len(chunk_keys)
        and seen.keys().isdisjoint(chunk_keys)
    ):
        seen.update(zip(chunk_keys, numbers, strict=True))
        return
    for j, key in enumerate(chunk_keys):
        if not key:
            continue
        first = seen.setdefault(key, numbers[j])
        if first != numbers[j]:
            errors.append(RowError(numbers[j], header, str(key), f"与第 {first} 行重复"))
            flagged.setdefault(j, set()).add(header)


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def format_record(spec: Spec, record: Mapping[str, Any]) -> list[Cell]:
    """A record as the cells of one file row, so that it validates back to the same record."""
    row: list[Cell] = []
    for c in spec.columns:
        value = record.get(c.key, c.empty)
        if value is None:
            row.append("")
        elif c.kind == "bool":
            row.append("是" if value else "否")
        elif c.kind == "tags":
            row.append("、".join(value))
        elif c.kind == "percent":
            row.append(format_percent(value))
        else:
            row.append(value)
    return row


__all__ = [
    "Column",
    "Kind",
    "Record",
    "Records",
    "Result",
    "RowError",
    "Spec",
    "column_label",
    "format_record",
    "validate",
]
