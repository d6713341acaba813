"""Department verbs: get, list, subtree scoping, create, update."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.departments.models import (
    ALLOWED_CHILDREN,
    LEVEL_LABELS,
    Department,
    DepartmentLevel,
)
from spotcheck.errors import DomainError, NotFound


def get(session: Session, department_id: int) -> Department | None:
    """The department with this id, or None."""
    return session.get(Department, department_id)


def get_by_code(session: Session, code: str) -> Department | None:
    """The department with this code, or None."""
    return session.execute(select(Department).where(Department.code == code)).scalar()


def get_by_name(session: Session, name: str) -> Department | None:
    """The department with this exact name, or None (names are not unique: first by code)."""
    return session.execute(
        select(Department).where(Department.name == name).order_by(Department.code)
    ).scalar()


def subtree_ids(session: Session, department: Department) -> list[int]:
    """Ids of the department and every department below it."""
    rows = session.execute(
        select(Department.id).where(Department.path.startswith(department.path))
    ).scalars()
    return list(rows)


def agency_of(session: Session, department: Department) -> Department:
    """The department a section works for: itself, or the nearest ancestor that is not a 科室."""
    current = department
    while current.level == DepartmentLevel.SECTION and current.parent_id is not None:
        parent = session.get(Department, current.parent_id)
        if parent is None:
            break
        current = parent
    return current


def top(session: Session) -> Department | None:
    """The top department: the root of the tree, the first department made without a parent.

    Other parentless departments (agencies whose superior is not on the platform) head their own
    subtree only; settings every department shares belong to the top department's administrators.
    """
    return session.scalar(
        select(Department).where(Department.parent_id.is_(None)).order_by(Department.id).limit(1)
    )


def is_top(session: Session, department: Department) -> bool:
    """Whether a user of the department acts for the top department (its 科室 act for it too)."""
    found = top(session)
    return found is not None and agency_of(session, department).id == found.id


def acting_scope(session: Session, department: Department) -> list[int]:
    """What a user of the department sees: their agency's subtree (a 科室 acts for its 局)."""
    return subtree_ids(session, agency_of(session, department))


def get_in_scope_or_404(
    session: Session, department_id: int, scope: Sequence[int] | None
) -> Department:
    """The department if it is inside the scope (None = everything), else NotFound."""
    department = session.get(Department, department_id)
    if department is None or (scope is not None and department.id not in scope):
        raise NotFound("未找到该部门，或您无权查看")
    return department


def get_all(session: Session, scope: Sequence[int] | None = None) -> list[Department]:
    """Departments in tree order (by path), limited to the scope when given."""
    query = select(Department).order_by(Department.path)
    if scope is not None:
        query = query.where(Department.id.in_(scope))
    return list(session.execute(query).scalars())


def depth(department: Department) -> int:
    """How deep the department sits in the tree (root = 0)."""
    return department.path.strip("/").count("/")


def _check_parent(level: DepartmentLevel, parent: Department | None) -> None:
    if parent is None:
        # An agency whose superior is not on the platform stands at the top; a 科室 never does.
        if level is DepartmentLevel.SECTION:
            raise DomainError("科室不能作为顶级部门，请选择所属部门", field="parent_id")
        return
    if level not in ALLOWED_CHILDREN[parent.level]:
        raise DomainError(
            f"{LEVEL_LABELS[parent.level]}部门“{parent.name}”下不能设立{LEVEL_LABELS[level]}部门",
            field="level",
        )


def _snapshot(department: Department) -> dict[str, object]:
    return {
        "code": department.code,
        "name": department.name,
        "level": department.level.value,
        "parent_id": department.parent_id,
        "industry": department.industry,
        "region_code": department.region_code,
        "active": department.active,
    }


def create(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    level: DepartmentLevel,
    parent: Department | None,
    industry: str = "",
    region_code: str = "",
) -> Department:
    """Create a department under its parent; codes are unique."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise DomainError("部门编码和名称不能为空", field="code" if not code else "name")
    if get_by_code(session, code) is not None:
        raise DomainError(f"部门编码“{code}”已存在", field="code")
    _check_parent(level, parent)
    department = Department(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        industry=industry.strip(),
        region_code=region_code.strip(),
    )
    session.add(department)
    session.flush()
    department.path = f"{parent.path if parent else '/'}{department.id}/"
    session.flush()
    audit_service.record(
        session,
        actor,
        "department.create",
        object_type="department",
        object_id=department.id,
        summary=f"新建部门 {name}（{code}）",
        after=_snapshot(department),
    )
    return department


def update(
    session: Session,
    actor: Actor,
    department: Department,
    *,
    name: str,
    industry: str,
    region_code: str,
    active: bool,
) -> Department:
    """Change a department's descriptive fields (its place in the tree stays)."""
    if not name.strip():
        raise DomainError("部门名称不能为空", field="name")
    before = _snapshot(department)
    department.name = name.strip()
    department.industry = industry.strip()
    department.region_code = region_code.strip()
    department.active = active
    after = _snapshot(department)
    if before != after:
        session.flush()
        audit_service.record(
            session,
            actor,
            "department.update",
            object_type="department",
            object_id=department.id,
            summary=f"修改部门 {department.name}",
            before=before,
            after=after,
        )
    return department
