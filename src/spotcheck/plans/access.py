"""Who sees plans and tasks: the user's departments, plus the agency their sections act for.

A 科室 (section) is where an agency's coordinators and officers sit, but the annual plan belongs to
the agency (002 第四条: the 综合法规科 coordinates the bureau's plan; 业务科室 run its tasks). So a user
of a section also sees the plans and tasks of the departments above it up to the first department
that is not a section. A county below a city is its own agency and does not see the city's drafts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department, DepartmentLevel


def _ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def acting_ids(session: Session, scope: Sequence[int] | None) -> set[int] | None:
    """The scope widened by the agencies its sections act for (None = everything)."""
    if scope is None:
        return None
    ids = set(scope)
    rows = session.execute(
        select(Department.id, Department.path, Department.level).where(
            Department.id.in_(ids), Department.level == DepartmentLevel.SECTION
        )
    ).all()
    if not rows:
        return ids
    ancestors = {a for _id, path, _level in rows for a in _ids(path)[:-1]}
    levels = dict(
        session.execute(
            select(Department.id, Department.level).where(Department.id.in_(ancestors))
        ).all()
    )
    for _id, path, _level in rows:
        for ancestor in reversed(_ids(path)[:-1]):
            ids.add(ancestor)
            if levels.get(ancestor) != DepartmentLevel.SECTION:
                break  # the agency the sections belong to: stop there
    return ids


def ancestor_ids(department: Department) -> list[int]:
    """The department's ancestors and itself, root first."""
    return _ids(department.path) or [department.id]


def within(department: Department, others: Iterable[Department]) -> bool:
    """Whether the department is one of the others or below one of them."""
    return any(department.path.startswith(o.path) for o in others)
