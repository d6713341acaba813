"""Inspector verbs: search, eligibility with reasons, create/update with history, import, conflicts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from spotcheck import scoping
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import (
    CERTIFIED_CATEGORIES,
    Conflict,
    Inspector,
    InspectorHistory,
)
from spotcheck.rulebooks.schema import cite

FIELDS = (
    "name",
    "gender",
    "post",
    "rank",
    "category",
    "cert_no",
    "cert_issuer",
    "cert_valid_until",
    "enforcement_post",
    "expertise",
    "phone",
    "status",
)
FIELD_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "department": "部门",
    "post": "职务",
    "rank": "职级",
    "cert_no": "执法证号",
    "cert_issuer": "发证机关",
    "cert_valid_until": "证件有效期至",
    "enforcement_post": "执法岗位",
    "expertise": "专业领域",
    "phone": "联系电话",
    "category": "人员类别",
    "status": "状态",
}


def derived_key(department_code: str, name: str, phone: str) -> str:
    """A stable key for someone without a certificate (日常监管人员, experts): re-imports match."""
    digest = hashlib.sha256(f"{department_code}|{name}|{phone}".encode()).hexdigest()[:12].upper()
    return f"NC-{digest}"


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as stored: every field present, expertise joined with '|'."""
    out: dict[str, Any] = {}
    for field in FIELDS:
        value = record.get(field)
        if field == "expertise":
            items = value.split("|") if isinstance(value, str) else list(value or [])
            clean = sorted({t.strip() for t in items if t and t.strip()})
            out[field] = "|" + "|".join(clean) + "|" if clean else ""
        elif field == "cert_valid_until":
            out[field] = value or None
        elif field == "status":
            out[field] = (value or "在岗").strip()
        else:
            out[field] = (value or "").strip()
    return out


def ineligibility(
    inspector: Inspector, on: dt.date, *, certificate_required: bool = True
) -> list[str]:
    """Why the inspector cannot be drawn on a date (empty when they can); reasons in Chinese."""
    reasons: list[str] = []
    if inspector.status != "在岗":
        reasons.append(f"人员状态为“{inspector.status}”，不在岗")
    if certificate_required and inspector.category in CERTIFIED_CATEGORIES:
        problem = certificate_problem(inspector, on)
        if problem:
            reasons.append(problem)
    if certificate_required and inspector.category == "日常监管人员":
        reasons.append("日常监管人员无执法证（细则要求持证时不得抽取；001 第十条允许时除外）")
    return reasons


def certificate_problem(inspector: Inspector, on: dt.date) -> str:
    """Why the inspector holds no valid enforcement certificate on a date ("" when they do)."""
    if inspector.category not in CERTIFIED_CATEGORIES:
        return f"人员类别为“{inspector.category}”，无执法证"
    if not inspector.cert_no:
        return "无执法证"
    if inspector.cert_valid_until is not None and inspector.cert_valid_until < on:
        return f"执法证已于 {inspector.cert_valid_until.isoformat()} 过期"
    return ""


def certificate_required(session: Session, department_id: int) -> tuple[bool, str]:
    """Whether the department's adopted rulebook requires a valid certificate, and its article."""
    from spotcheck.departments.models import Department
    from spotcheck.rulebooks import service as rulebooks_service

    department = session.get(Department, department_id)
    found = rulebooks_service.adoption_for(session, department) if department else None
    if found is None:
        return True, ""
    group = rulebooks_service.get(session, found[0]).group
    return group.certificate_required, group.certificate_article or group.article


def reasons_for(
    session: Session, inspectors: Sequence[Inspector], on: dt.date
) -> dict[int, list[str]]:
    """Each inspector's ineligibility under their own department's rulebook (certificates)."""
    rules: dict[int, tuple[bool, str]] = {}
    out: dict[int, list[str]] = {}
    for inspector in inspectors:
        if inspector.department_id not in rules:
            rules[inspector.department_id] = certificate_required(session, inspector.department_id)
        required, article = rules[inspector.department_id]
        reasons = ineligibility(inspector, on, certificate_required=required)
        out[inspector.id] = [
            f"{r}（{cite(article)}）" if article and "执法证" in r else r for r in reasons
        ]
    return out


def get_in_scope_or_404(session: Session, inspector_id: int, scope: Sequence[int]) -> Inspector:
    """The inspector if their department is in scope, else NotFound."""
    return scoping.get_or_404(session, Inspector, inspector_id, scope, "人员")


@dataclass(frozen=True)
class Filters:
    """Search filters of the inspector pages and exports."""

    q: str = ""
    category: str = ""
    rank: str = ""
    status: str = ""
    expertise: str = ""
    department_id: int | None = None


def _query(scope: Sequence[int], filters: Filters) -> Select[Inspector]:
    query = select(Inspector)
    if filters.department_id is not None and filters.department_id in scope:
        query = query.where(Inspector.department_id == filters.department_id)
    else:
        query = query.where(Inspector.department_id.in_(scope))
    if filters.q:
        q = filters.q.strip()
        query = query.where(
            or_(
                Inspector.name.contains(q, autoescape=True),
                Inspector.key.startswith(q, autoescape=True),
            )
        )
    if filters.category:
        query = query.where(Inspector.category == filters.category)
    if filters.rank:
        query = query.where(Inspector.rank == filters.rank)
    if filters.status:
        query = query.where(Inspector.status == filters.status)
    if filters.expertise:
        query = query.where(
            Inspector.expertise.contains(f"|{filters.expertise.strip()}|", autoescape=True)
        )
    return query


def search(
    session: Session, scope: Sequence[int], filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[list[Inspector], int]:
    """One page of inspectors and the total."""
    query = _query(scope, filters)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(Inspector.department_id, Inspector.name)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).scalars()
    return list(rows), total


def all_matching(session: Session, scope: Sequence[int], filters: Filters) -> list[Inspector]:
    """Every match, for exports."""
    return list(session.execute(_query(scope, filters).order_by(Inspector.key)).scalars())


def history(session: Session, inspector: Inspector) -> list[InspectorHistory]:
    """The inspector's changes, newest first."""
    return list(
        session.execute(
            select(InspectorHistory)
            .where(InspectorHistory.inspector_id == inspector.id)
            .order_by(InspectorHistory.version.desc())
        ).scalars()
    )


def _snapshot(inspector: Inspector) -> dict[str, Any]:
    return {field: getattr(inspector, field) for field in FIELDS} | {
        "department_id": inspector.department_id
    }


def upsert(
    session: Session,
    actor: Actor,
    department: Department,
    record: Mapping[str, Any],
    source: str,
    scope: Sequence[int],
    *,
    dry_run: bool = False,
) -> tuple[Inspector | None, str]:
    """Create or update one inspector by key; the outcome is 'created', 'updated' or 'unchanged'.

    A record without 状态 keeps the stored status (imports do not carry it). With dry_run
    nothing is written and the inspector is None for a new one.
    """
    values = normalise(record)
    key = values["cert_no"] or derived_key(department.code, values["name"], values["phone"])
    inspector = session.execute(select(Inspector).where(Inspector.key == key)).scalar()
    if inspector is None and dry_run:
        return None, "created"
    if inspector is None:
        inspector = Inspector(key=key, department_id=department.id, **values)
        session.add(inspector)
        session.flush()
        session.add(
            InspectorHistory(
                inspector_id=inspector.id,
                version=1,
                actor_name=actor.name,
                source=source,
                changes={"新建": [None, values["name"]]},
            )
        )
        return inspector, "created"
    if inspector.department_id not in scope:
        # A certificate number is national; someone else's staff is not ours to overwrite.
        raise DomainError(
            f"执法证号 {key} 已登记在其他部门（不在您的管理范围内），请与该部门核实",
            field="cert_no",
        )
    if "status" not in record:
        values["status"] = inspector.status
    before = _snapshot(inspector)
    after = values | {"department_id": department.id}
    changes = {f: [_json(before[f]), _json(after[f])] for f in after if before[f] != after[f]}
    if not changes:
        return inspector, "unchanged"
    if dry_run:
        return inspector, "updated"
    for field, value in after.items():
        setattr(inspector, field, value)
    new_version(session, inspector, actor, source, changes)
    session.flush()
    return inspector, "updated"


def new_version(
    session: Session, inspector: Inspector, actor: Actor, source: str, changes: dict[str, Any]
) -> None:
    """Count a change of the entry as its next version and keep what changed in its history."""
    inspector.version += 1
    inspector.updated_at = utcnow()
    session.add(
        InspectorHistory(
            inspector_id=inspector.id,
            version=inspector.version,
            actor_name=actor.name,
            source=source,
            changes=changes,
        )
    )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def conflicts_of(session: Session, inspector: Inspector) -> list[Conflict]:
    """The inspector's declared conflicts."""
    return list(
        session.execute(
            select(Conflict).where(Conflict.inspector_id == inspector.id).order_by(Conflict.at)
        ).scalars()
    )


def declare_conflict(
    session: Session, actor: Actor, inspector: Inspector, target_key: str, reason: str
) -> Conflict:
    """Record a relation that requires recusal (回避) between the inspector and a target."""
    target_key, reason = target_key.strip().upper(), reason.strip()
    if not target_key or not reason:
        raise DomainError("请填写检查对象代码和回避事由")
    if (
        session.execute(
            select(Conflict.id).where(
                Conflict.inspector_id == inspector.id, Conflict.target_key == target_key
            )
        ).scalar()
        is not None
    ):
        raise DomainError(f"已登记过 {inspector.name} 与 {target_key} 的利害关系")
    conflict = Conflict(
        inspector_id=inspector.id,
        target_key=target_key,
        reason=reason[:200],
        declared_by=actor.name,
    )
    session.add(conflict)
    session.flush()
    audit_service.record(
        session,
        actor,
        "conflict.declare",
        object_type="inspector",
        object_id=inspector.id,
        summary=f"登记利害关系：{inspector.name} 与 {target_key}（{reason[:60]}）",
    )
    return conflict


def count(session: Session, scope: Sequence[int]) -> int:
    """How many inspectors the scope has."""
    return session.execute(
        select(func.count(Inspector.id)).where(Inspector.department_id.in_(scope))
    ).scalar_one()
