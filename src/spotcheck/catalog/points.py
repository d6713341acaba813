"""Check points (检查要点) of an item's 抽查工作指引: validation and the one-cell text layout.

Pure: no database, no web. The form, the import and the API all validate through `clean`, so
that an officer gets the same Chinese message wherever a point is wrong:
“第2个检查要点：请填写法律依据”. A point is numbered by its place in the cleaned list.

In a spreadsheet the points of an item are one cell (column 检查要点), one point per line
(Alt+Enter in Excel), fields separated by a vertical bar ｜ (or |):

    要点｜法律依据｜检查方法（可空）｜需提供的材料（可空）

A leading number such as ``1.``, ``1、`` or ``（1）`` is optional and ignored (the order of the
lines is the order of the points); empty lines are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spotcheck.catalog.models import METHODS

MAX_POINTS = 50
LIMITS = {"text": 2000, "legal_basis": 2000, "materials": 1000}
LABELS = {
    "number": "序号",
    "text": "要点",
    "method": "检查方法",
    "legal_basis": "法律依据",
    "materials": "材料",
}
# The value a migrated free-text guideline got when its version named no legal basis (0019).
UNKNOWN_BASIS = "（原指引未列明）"
LINE_FORMAT = "要点｜法律依据｜检查方法（可空）｜材料（可空）"
_SEPARATOR = re.compile(r"[｜|]")
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.．、)）]|[（(]\s*\d{1,3}\s*[)）])\s*")

Point = dict[str, str]  # text, method, legal_basis, materials


@dataclass(frozen=True, slots=True)
class PointError:
    """A broken rule of one point: its number (0 for the list as a whole), field and message."""

    number: int
    field: str
    rule: str

    def __str__(self) -> str:
        if not self.number:
            return self.rule
        return f"第{self.number}个检查要点：{self.rule}"


def _blank(row: Mapping[str, Any]) -> bool:
    return not any(str(row.get(k) or "").strip() for k in ("text", "legal_basis", "materials"))


def clean(rows: Iterable[Mapping[str, Any]]) -> tuple[list[Point], list[PointError]]:
    """Valid points in order and every broken rule; rows with no text at all are dropped.

    A row may carry `number` (序号, from the form): rows are ordered by it (ties and rows
    without one keep their place) and then renumbered 1, 2, …; `delete` drops the row.
    """
    errors: list[PointError] = []
    kept: list[tuple[float, int, Mapping[str, Any]]] = []
    for place, row in enumerate(rows):
        if row.get("delete") or _blank(row):
            continue
        raw = str(row.get("number") or "").strip()
        order: float = place + 1
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= 999:
                errors.append(PointError(place + 1, "number", "序号应为 1–999 的整数"))
            else:
                order = int(raw) - 0.5  # before a row at that place without a number
        kept.append((order, place, row))
    kept.sort(key=lambda t: (t[0], t[1]))
    if len(kept) > MAX_POINTS:
        errors.append(
            PointError(0, "points", f"检查要点最多 {MAX_POINTS} 个（现为 {len(kept)} 个）")
        )
    points: list[Point] = []
    for number, (_order, _place, row) in enumerate(kept, start=1):
        point = {
            k: str(row.get(k) or "").strip() for k in ("text", "method", "legal_basis", "materials")
        }
        if not point["text"]:
            errors.append(PointError(number, "text", "请填写要点内容（检查什么）"))
        if not point["legal_basis"]:
            errors.append(PointError(number, "legal_basis", "请填写法律依据"))
        if point["method"] and point["method"] not in METHODS:
            errors.append(
                PointError(
                    number,
                    "method",
                    f"检查方法“{point['method']}”不在可选范围（{'、'.join(METHODS)}），可留空",
                )
            )
        for key, limit in LIMITS.items():
            if _SEPARATOR.search(point[key]):
                errors.append(
                    PointError(
                        number, key, f"{LABELS[key]}中不能有竖线“｜”（导出表格时用作分隔符）"
                    )
                )
            if len(point[key]) > limit:
                errors.append(
                    PointError(
                        number,
                        key,
                        f"{LABELS[key]}不能超过 {limit} 个字符（现为 {len(point[key])} 个）",
                    )
                )
        points.append(point)
    return points, errors


def parse_lines(cell: str) -> tuple[list[Point], list[PointError]]:
    """The points written in one spreadsheet cell (see the module docstring)."""
    rows: list[dict[str, str]] = []
    errors: list[PointError] = []
    for line in (cell or "").splitlines():
        body = _NUMBERING.sub("", line, count=1).strip()
        if not body:
            continue
        fields = [f.strip() for f in _SEPARATOR.split(body)]
        if len(fields) > 4:
            errors.append(
                PointError(
                    len(rows) + 1, "text", f"字段过多（最多 4 段，用“｜”分隔：{LINE_FORMAT}）"
                )
            )
        fields += [""] * (4 - len(fields))
        rows.append(
            {
                "text": fields[0],
                "legal_basis": fields[1],
                "method": fields[2],
                "materials": fields[3],
            }
        )
    points, found = clean(rows)
    return points, errors + found


def format_lines(points: Sequence[Mapping[str, Any]]) -> str:
    """Points as one spreadsheet cell, so that `parse_lines` reads them back unchanged."""
    lines = []
    for number, p in enumerate(points, start=1):
        fields = [p["text"], p["legal_basis"], p.get("method") or "", p.get("materials") or ""]
        while len(fields) > 2 and not fields[-1]:
            fields.pop()
        # One line per point: a line break inside a field (a migrated free text) becomes a space.
        flat = [" ".join(part.strip() for part in f.splitlines()) for f in fields]
        lines.append(f"{number}. " + "｜".join(flat))
    return "\n".join(lines)


def cell_check(cell: str) -> str | None:
    """The import column's rule: None when the cell's points are valid, else the first error."""
    _points, errors = parse_lines(cell)
    if not errors:
        return None
    extra = f"（另有 {len(errors) - 1} 处）" if len(errors) > 1 else ""
    return f"{errors[0]}{extra}；每行一个要点，格式：{LINE_FORMAT}"
