"""The 检查记录 adapter: past checks from a file into the shared history, and back out again.

Decisions (where issue 5 leaves room):
- 检查部门编码 may name any department of the platform, in the importer's scope or not: the
  history is shared (002 第十二条 and 001 第十六条 count checks by any department), and an
  agency's past checks include other departments' (the provincial platform's export). Rows of
  departments outside the importer's scope are counted in a warning of the preview, and the
  audit event names the file and its SHA-256, so such rows stay attributable.
- A row whose code, department, item and completion date equal a stored check is skipped and
  counted as unchanged, even when its other columns differ (a warning says how many): an import
  never edits a stored check, be it recorded by an inspection or by an earlier import.
- An empty 检查对象名称 is filled from the registries of the importer's departments.
- The export is the history of the user's scope: checks made by the user's departments, and
  the published checks of targets in their registries by other departments (another
  department's unpublished result is not the user's to pass on; DESIGN "Confidentiality").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.history import service as history_service
from spotcheck.history.models import CheckRecord
from spotcheck.imports.adapters import ImportRefused, Outcome
from spotcheck.tabular.history_spec import HISTORY, history_duplicates
from spotcheck.tabular.schema import RowError
from spotcheck.targets.models import Target

_CHUNK = 800  # values per IN (...): under SQLite's parameter limit
_INSERT_BATCH = 5000
Identity = tuple[str, int, str, dt.date]


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = list(dict.fromkeys(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _department_ids(session: Session, codes: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        rows = session.execute(
            select(Department.code, Department.id).where(Department.code.in_(chunk))
        )
        found.update({code: department_id for code, department_id in rows})
    return found


def problems(
    session: Session, records: Sequence[Mapping[str, Any]], row_numbers: Sequence[int]
) -> tuple[list[RowError], dict[str, int]]:
    """Rows repeating an earlier row and unknown department codes, with the code → id map."""
    errors = history_duplicates(records, row_numbers)
    ids = _department_ids(session, (r["department_code"] for r in records))
    for number, record in zip(row_numbers, records, strict=True):
        code = record["department_code"]
        if code not in ids:
            errors.append(
                RowError(
                    number,
                    "检查部门编码",
                    code,
                    "平台中没有这个部门编码；请填写平台部门管理中的部门编码（区分大小写）",
                )
            )
    order = {c.header: i for i, c in enumerate(HISTORY.columns)}
    errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
    return errors, ids


def _stored(session: Session, keys: Iterable[str]) -> dict[Identity, CheckRecord]:
    stored: dict[Identity, CheckRecord] = {}
    for rows in history_service.for_keys(session, keys).values():
        for row in rows:
            identity = (row.target_key, row.department_id, row.item_code, row.completed_on)
            stored.setdefault(identity, row)
    return stored


def _names_in_scope(session: Session, keys: Iterable[str], scope: Sequence[int]) -> dict[str, str]:
    names: dict[str, str] = {}
    for chunk in _chunks(keys):
        rows = session.execute(
            select(Target.key, Target.name).where(
                Target.key.in_(chunk), Target.department_id.in_(scope)
            )
        )
        for key, name in rows:
            names.setdefault(key, name)
    return names


def _flags(record: Mapping[str, Any]) -> tuple[bool, bool, bool]:
    # 是否随机抽查 / 是否已公示 are 是 when left empty (specs.HISTORY).
    return record["random"] != "否", bool(record["found_problem"]), record["published"] != "否"


def apply(
    session: Session,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    row_numbers: Sequence[int],
    scope: Sequence[int],
    *,
    filename: str,
    sha256: str,
    dry_run: bool = False,
) -> Outcome:
    """Add the checks not yet recorded, in bulk, with one audit event (never commits)."""
    errors, ids = problems(session, records, row_numbers)
    if errors:
        raise ImportRefused(errors)
    keys = [r["key"] for r in records]
    stored = _stored(session, keys)
    names = _names_in_scope(session, keys, scope)
    in_scope = set(scope)
    now = utcnow()
    new: list[dict[str, Any]] = []
    unchanged = differing = outside = 0
    for record in records:
        department_id = ids[record["department_code"]]
        outside += department_id not in in_scope
        random, found_problem, published = _flags(record)
        same = stored.get(
            (record["key"], department_id, record["item_code"], record["completed_on"])
        )
        if same is not None:
            unchanged += 1
            differing += (same.random, same.found_problem, same.published) != (
                random,
                found_problem,
                published,
            )
            continue
        new.append(
            {
                "target_key": record["key"],
                "target_name": record["target_name"] or names.get(record["key"], ""),
                "department_id": department_id,
                "item_code": record["item_code"],
                "completed_on": record["completed_on"],
                "random": random,
                "found_problem": found_problem,
                "published": published,
                "task_id": None,
                "source": "import",
                "note": record["note"],
                "recorded_by": actor.name,
                "recorded_at": now,
            }
        )
    unmatched = sum(1 for r in records if r["key"] not in names)
    warnings = _warnings(outside, unmatched, differing)
    if not dry_run:
        for start in range(0, len(new), _INSERT_BATCH):
            session.execute(insert(CheckRecord), new[start : start + _INSERT_BATCH])
        audit_service.record(
            session,
            actor,
            "history.import",
            object_type="import",
            object_id=sha256[:16],
            summary=(
                f"导入检查记录 {filename[:80]}：共 {len(records)} 行，新增 {len(new)}，"
                f"未变 {unchanged}"
            ),
            after={
                "sha256": sha256,
                "filename": filename[:120],
                "rows": len(records),
                "created": len(new),
                "unchanged": unchanged,
                "other_departments": outside,
            },
        )
    return Outcome(len(records), len(new), 0, unchanged, warnings=warnings)


def _warnings(outside: int, unmatched: int, differing: int) -> tuple[str, ...]:
    out: list[str] = []
    if outside:
        out.append(
            f"{outside} 行的检查部门不在您的管理范围内：检查记录各部门共用，"
            "这些记录也会计入该部门对象的抽查频次，请确认部门编码无误。"
        )
    if unmatched:
        out.append(
            f"{unmatched} 行的代码在您管理范围内的名录库中没有对应的检查对象：记录照常导入，"
            "按代码计入；请核对代码是否有误。"
        )
    if differing:
        out.append(
            f"{differing} 行与已有检查记录的代码、检查部门、事项、完成日期相同，但随机抽查、"
            "发现问题或公示情况不同：已有记录保持不变，导入不修改已有记录。"
        )
    return tuple(out)


def export_query(scope: Sequence[int]) -> Any:
    """The checks a user of these departments may export (see the module docstring)."""
    registry_keys = select(Target.key).where(Target.department_id.in_(scope))
    return (
        select(CheckRecord)
        .where(
            or_(
                CheckRecord.department_id.in_(scope),
                and_(CheckRecord.published.is_(True), CheckRecord.target_key.in_(registry_keys)),
            )
        )
        .order_by(CheckRecord.target_key, CheckRecord.completed_on, CheckRecord.id)
    )


def export_rows(session: Session, scope: Sequence[int]) -> Iterator[list[Any]]:
    """The exportable checks as rows in template order; importing them again changes nothing."""
    codes = {i: code for i, code in session.execute(select(Department.id, Department.code))}
    for row in session.scalars(export_query(scope)).yield_per(2000):
        yield [
            row.target_key,
            row.target_name,
            codes.get(row.department_id, ""),
            row.item_code,
            row.completed_on,
            row.random,
            row.found_problem,
            row.published,
            row.note,
        ]
