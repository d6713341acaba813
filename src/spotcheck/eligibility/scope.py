"""A task's targets, their check history and items read as plain tuples (a 1M-target registry in
seconds, see docs/benchmarks.md). The tests the rules make of one target are in eligibility.strata.

Scope = targets of the initiating department's subtree whose type the profile admits, narrowed by
the task's sub-registry (its tag) and filters. Only the columns the eligibility rules need are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Executable, Select, distinct, func, select
from sqlalchemy.orm import Session

from spotcheck.catalog.models import CheckItem, CheckItemVersion
from spotcheck.departments.models import Department, path_ids
from spotcheck.history.models import CheckRecord
from spotcheck.plans.models import Task, TaskItem
from spotcheck.rulebooks.schema import Profile
from spotcheck.targets.models import SubRegistry, Target


@dataclass(frozen=True)
class ItemInfo:
    """One item of the task as pinned to its version."""

    code: str
    name: str
    kind: str
    ratio_bp: int | None
    domains: tuple[str, ...]
    is_main: bool


class Row(NamedTuple):
    """The columns of one target that eligibility needs (a tuple: a million are cheap)."""

    id: int
    key: str
    name: str
    risk_class: str
    status: str
    abnormal: bool
    dishonest: bool
    complaints: int


class Check(NamedTuple):
    """The columns of one completed check that eligibility reads; sorts by (day, id)."""

    completed_on: dt.date
    id: int
    department_id: int
    item_code: str
    found_problem: bool


# Up to FEW_KEYS keys the history is read with IN (...) lists; above, with one query: all the
# checks when there are at most READ_ALL times as many as keys, else those of the scope's keys.
FEW_KEYS = 4_000
READ_ALL = 2
_CHUNK = 800  # keys per IN (...): under SQLite's parameter limit with room to spare
_BATCH = 20_000  # rows fetched at a time: PostgreSQL streams them from a server-side cursor


def subtree(department: Department) -> Select[Any]:
    """Ids of the department and everything below it (materialised path prefix)."""
    return select(Department.id).where(Department.path.startswith(department.path))


def industries(session: Session) -> dict[int, str]:
    """Each department's industry; a department without one takes its nearest ancestor's.

    Sections (科室) often leave the industry blank: they work in their agency's industry.
    """
    rows = session.execute(select(Department.id, Department.path, Department.industry)).all()
    own = {dep_id: industry for dep_id, _path, industry in rows}
    out: dict[int, str] = {}
    for dep_id, path, industry in rows:
        found = industry
        if not found:
            for ancestor in reversed(path_ids(path)):
                if own.get(ancestor):
                    found = own[ancestor]
                    break
        out[dep_id] = found
    return out


def _region_prefix(region: str) -> str:
    # As on the registry pages: 370300 means the whole city, 370000 the whole province.
    region = region.strip()
    if region.endswith("0000"):
        return region[:2]
    if region.endswith("00"):
        return region[:4]
    return region


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.replace("|", ",").split(",") if v.strip()]
    return [str(v) for v in value or [] if str(v).strip()]


def conditions(session: Session, task: Task, profile: Profile) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the task's scope (without the department subtree)."""
    filters: dict[str, Any] = dict(task.filters or {})
    types = list(profile.scope.target_types)
    if filters.get("target_types"):
        wanted = set(_as_list(filters["target_types"]))
        types = [t for t in types if t in wanted]
    where: list[ColumnElement[bool]] = [Target.target_type.in_(types)]
    if task.sub_registry_id is not None:
        registry = session.get(SubRegistry, task.sub_registry_id)
        if registry is not None:
            where.append(Target.tags.contains(f"|{registry.tag}|", autoescape=True))
    if str(filters.get("region") or "").strip():
        where.append(
            Target.region_code.startswith(_region_prefix(str(filters["region"])), autoescape=True)
        )
    if str(filters.get("industry") or "").strip():
        where.append(
            Target.industry_code.startswith(str(filters["industry"]).strip(), autoescape=True)
        )
    if filters.get("risk_classes"):
        where.append(Target.risk_class.in_(_as_list(filters["risk_classes"])))
    if str(filters.get("tag") or "").strip():
        where.append(Target.tags.contains(f"|{str(filters['tag']).strip()}|", autoescape=True))
    if str(filters.get("q") or "").strip():
        where.append(Target.name.contains(str(filters["q"]).strip(), autoescape=True))
    return where


def scope_where(
    session: Session, task: Task, department: Department, profile: Profile
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the task's scope, the department subtree included."""
    return [Target.department_id.in_(subtree(department)), *conditions(session, task, profile)]


def load(
    session: Session, task: Task, department: Department, profile: Profile
) -> tuple[list[Row], int]:
    """The targets in the task's scope, one per key (lowest id wins), and how many duplicates.

    A company may sit in both a city's and a county's registry under one 统一社会信用代码: it is
    one target and is drawn at most once.
    """
    query = (
        select(
            Target.id,
            Target.key,
            Target.name,
            func.coalesce(Target.risk_class, ""),
            Target.status,
            Target.abnormal,
            Target.dishonest,
            func.coalesce(Target.complaints, 0),
        )
        .where(*scope_where(session, task, department, profile))
        .order_by(Target.id)
    )
    # Rows as the database driver gives them: SQLite's booleans are 0/1, which the rules read
    # as truth values like True/False.
    rows = list(map(Row._make, _raw(session, query)))
    keys = [row.key for row in rows]
    if len(set(keys)) == len(keys):
        return rows, 0
    seen: set[str] = set()
    unique: list[Row] = []
    for row in rows:  # ordered by id: the lowest id of a key wins
        if row.key not in seen:
            seen.add(row.key)
            unique.append(row)
    return unique, len(rows) - len(unique)


def _stream(session: Session, query: Executable) -> Iterable[Any]:
    """The rows of a column query in batches, past the ORM's per-row work (a third faster)."""
    if session.autoflush:
        session.flush()  # as the ORM would before a query: pending changes are seen
    return session.connection().execute(query.execution_options(yield_per=_BATCH))


def _raw(session: Session, query: Executable) -> Iterator[tuple[Any, ...]]:
    """The rows of a column query as the driver's own tuples, in batches (PostgreSQL streams
    them from a server-side cursor). Past SQLAlchemy's per-row processing: the caller takes
    the driver's types (SQLite: dates as ISO text, booleans as 0/1)."""
    result = _stream(session, query)
    cursor = result.cursor  # type: ignore[attr-defined]
    try:
        # With yield_per, SQLAlchemy may already have read the first rows into its buffer
        # (they are the driver's tuples too): those come first.
        early = getattr(result.cursor_strategy, "_rowbuffer", None)  # type: ignore[attr-defined]
        if early:
            yield from list(early)
            early.clear()
        while batch := cursor.fetchmany(_BATCH):
            yield from batch
    finally:
        result.close()  # type: ignore[attr-defined]


def history(
    session: Session, task: Task, department: Department, profile: Profile, keys: Iterable[str]
) -> dict[str, list[Check]]:
    """Every completed check of each key (newest first: by day, then by id), any department."""
    wanted = set(keys)
    columns = select(
        CheckRecord.target_key,
        CheckRecord.completed_on,
        CheckRecord.id,
        CheckRecord.department_id,
        CheckRecord.item_code,
        CheckRecord.found_problem,
    )
    if len(wanted) <= FEW_KEYS:
        ordered = sorted(wanted)
        chunks = [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]
        queries = [columns.where(CheckRecord.target_key.in_(chunk)) for chunk in chunks]
    elif (session.scalar(select(func.max(CheckRecord.id))) or 0) <= READ_ALL * len(wanted):
        # History hardly larger than the scope: one sequential read beats a lookup per key.
        queries = [columns]
    else:
        keys_in_scope = select(Target.key).where(*scope_where(session, task, department, profile))
        queries = [columns.where(CheckRecord.target_key.in_(keys_in_scope))]
    out: dict[str, list[Check]] = {}
    codes: dict[str, str] = {}  # one string per item code instead of one per record
    days: dict[Any, dt.date] = {}  # SQLite gives days as text: each is parsed once
    for query in queries:
        for key, day, cid, department_id, code, problem in _raw(session, query):
            if key in wanted:
                when = days.get(day)
                if when is None:
                    when = days[day] = (
                        day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
                    )
                check = Check(when, cid, department_id, codes.setdefault(code, code), bool(problem))
                out.setdefault(key, []).append(check)
    for checks in out.values():
        if len(checks) > 1:
            checks.sort(reverse=True)
    return out


def scope_count(session: Session, department: Department, profile: Profile) -> int:
    """Distinct drawable targets of the subtree of the types the profile admits (annual ratios)."""
    query = select(func.count(distinct(Target.key))).where(
        Target.department_id.in_(subtree(department)),
        Target.target_type.in_(list(profile.scope.target_types)),
        Target.status.in_(list(profile.exclusions.status.drawable)),
    )
    return int(session.execute(query).scalar() or 0)


def task_items(session: Session, task: Task) -> list[ItemInfo]:
    """The task's items as pinned to their versions, main item first."""
    query = (
        select(
            CheckItem.code,
            CheckItemVersion.name,
            CheckItemVersion.kind,
            CheckItemVersion.ratio_bp,
            CheckItemVersion.domains,
            TaskItem.is_main,
        )
        .join(CheckItem, CheckItem.id == TaskItem.item_id)
        .join(CheckItemVersion, CheckItemVersion.id == TaskItem.item_version_id)
        .where(TaskItem.task_id == task.id)
        .order_by(TaskItem.is_main.desc(), TaskItem.position, TaskItem.id)
    )
    return [
        ItemInfo(code, name, kind, ratio_bp, tuple(d for d in domains.split("|") if d), bool(main))
        for code, name, kind, ratio_bp, domains, main in session.execute(query)
    ]
