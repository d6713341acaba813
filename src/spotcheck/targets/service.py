"""Target verbs: the fields, get, create, update with history, sub-registries (search and
exports are in targets.search, imports in targets.bulk)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import scoping
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.pinyin import initials
from spotcheck.targets import registry_codes
from spotcheck.targets.models import SubRegistry, Target, TargetHistory

# The fields an import or a form sets, in template order; `key` identifies the row.
FIELDS = (
    "key",
    "name",
    "target_type",
    "address",
    "region_code",
    "industry_code",
    "legal_rep",
    "phone",
    "business_scope",
    "status",
    "risk_class",
    "abnormal",
    "dishonest",
    "complaints",
    "tags",
    "jurisdiction_level",
    "id_number",
)
FIELD_LABELS = {
    "key": "统一社会信用代码",
    "name": "名称",
    "target_type": "对象类型",
    "address": "住所",
    "region_code": "行政区划代码",
    "industry_code": "行业代码",
    "legal_rep": "法定代表人",
    "phone": "联系电话",
    "business_scope": "经营范围",
    "status": "登记状态",
    "risk_class": "信用风险等级",
    "abnormal": "经营异常名录",
    "dishonest": "严重违法失信名单",
    "complaints": "投诉举报次数",
    "tags": "标签",
    "jurisdiction_level": "管辖层级",
    "id_number": "身份证号",
    "registry_code": "登记编号",
}


def tags_text(tags: Sequence[str] | str) -> str:
    """Tags as stored: sorted, unique, "|a|b|" (empty when none)."""
    if not tags:
        return ""
    items = tags.split("|") if isinstance(tags, str) else list(tags)
    clean = sorted({t.strip() for t in items if t and t.strip()})
    return "|" + "|".join(clean) + "|" if clean else ""


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else value


def normalised(record: Mapping[str, Any]) -> tuple[Any, ...]:
    """normalise() as a tuple in FIELDS order, unrolled: it runs once per imported row."""
    get = record.get
    status = get("status")
    return (
        _text(get("key")),
        _text(get("name")),
        _text(get("target_type")),
        _text(get("address")),
        _text(get("region_code")),
        _text(get("industry_code")),
        _text(get("legal_rep")),
        _text(get("phone")),
        _text(get("business_scope")),
        (status or "存续").strip(),
        _text(get("risk_class")),
        bool(get("abnormal")),
        bool(get("dishonest")),
        int(get("complaints") or 0),
        tags_text(get("tags") or []),
        _text(get("jurisdiction_level")),
        _text(get("id_number")),
    )


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as stored: every field present, tags joined, strings stripped."""
    return dict(zip(FIELDS, normalised(record), strict=True))


def digest(values: Sequence[Any]) -> bytes:
    """A short digest of values in FIELDS order (see fingerprint)."""
    # str(True) is "True" on both sides: stored booleans come back as bool, not 0/1.
    joined = "\x1f".join(map(str, values))
    return hashlib.blake2b(joined.encode(), digest_size=12).digest()


def fingerprint(values: Mapping[str, Any]) -> bytes:
    """A short digest of the stored fields, to tell unchanged rows apart without loading them."""
    return digest([values[f] for f in FIELDS])


def _snapshot(target: Target) -> dict[str, Any]:
    return {field: getattr(target, field) for field in FIELDS}


def get_in_scope_or_404(session: Session, target_id: int, scope: Sequence[int]) -> Target:
    """The target if its department is in scope, else NotFound."""
    return scoping.get_or_404(session, Target, target_id, scope, "检查对象")


def history(session: Session, target: Target) -> list[TargetHistory]:
    """The target's changes, newest first."""
    return list(
        session.execute(
            select(TargetHistory)
            .where(TargetHistory.target_id == target.id)
            .order_by(TargetHistory.version.desc())
        ).scalars()
    )


def create(
    session: Session, actor: Actor, department: Department, record: Mapping[str, Any]
) -> Target:
    """Create one target (from the form); the key must be new in the department."""
    values = normalise(record)
    code = str(record.get("registry_code") or "").strip().upper()
    if code:
        taken = session.execute(
            select(Target.id).where(
                Target.department_id == department.id, Target.registry_code == code
            )
        ).scalar()
        if taken is not None:
            raise DomainError(f"登记编号“{code}”已在本部门名录库中使用", field="registry_code")
    else:
        code = registry_codes.Serials(session, department).next()
    if registry_codes.is_resident_id(values["key"]):
        # Known only by a natural person's ID number: keyed by the registry code, so that the
        # ID number never enters a draw (spec/draw-v1.md "Commitments").
        person = values["key"]
        same = session.execute(
            select(Target.registry_code).where(
                Target.department_id == department.id,
                Target.id_number == person,
                Target.key == Target.registry_code,
            )
        ).scalar()
        if same is not None:
            raise DomainError(f"该身份证号的对象已在本部门名录库中（登记编号 {same}）", field="key")
        values["id_number"] = values["id_number"] or person
        values["key"] = code
    exists = session.execute(
        select(Target.id).where(Target.department_id == department.id, Target.key == values["key"])
    ).scalar()
    if exists is not None:
        raise DomainError(f"统一社会信用代码“{values['key']}”已在本部门名录库中", field="key")
    target = Target(
        department_id=department.id,
        initials=initials(values["name"]),
        registry_code=code,
        **values,
    )
    session.add(target)
    session.flush()
    session.add(
        TargetHistory(
            target_id=target.id,
            version=1,
            actor_name=actor.name,
            source="网页新增",
            changes={
                "registry_code": [None, code],
                **{f: [None, v] for f, v in values.items() if v not in ("", False, 0)},
            },
        )
    )
    audit_service.record(
        session,
        actor,
        "target.create",
        object_type="target",
        object_id=target.id,
        summary=f"新增检查对象 {target.name}（登记编号 {code}）",
        after={**values, "registry_code": code},
    )
    return target


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field → [old, new] for every field that changed."""
    return {f: [before[f], after[f]] for f in FIELDS if before[f] != after[f]}


def update_target(
    session: Session,
    actor: Actor,
    target: Target,
    record: Mapping[str, Any],
    source: str = "网页修改",
) -> bool:
    """Apply a change, keeping it as history; returns False when nothing changed."""
    values = normalise({**record, "key": target.key})
    before = _snapshot(target)
    changes = diff(before, values)
    if not changes:
        return False
    for field, (_old, new) in changes.items():
        setattr(target, field, new)
    target.initials = initials(target.name)
    target.version += 1
    target.updated_at = utcnow()
    session.add(
        TargetHistory(
            target_id=target.id,
            version=target.version,
            actor_name=actor.name,
            source=source,
            changes=changes,
        )
    )
    session.flush()
    audit_service.record(
        session,
        actor,
        "target.update",
        object_type="target",
        object_id=target.id,
        summary=f"修改检查对象 {target.name}：{'、'.join(FIELD_LABELS[f] for f in changes)}",
        before={f: c[0] for f, c in changes.items()},
        after={f: c[1] for f, c in changes.items()},
    )
    return True


def registries(session: Session, scope: Sequence[int]) -> list[SubRegistry]:
    """Sub-registries of the departments in scope."""
    return list(
        session.execute(
            select(SubRegistry)
            .where(SubRegistry.department_id.in_(scope))
            .order_by(SubRegistry.name)
        ).scalars()
    )


def get_registry(session: Session, department: Department, name: str) -> SubRegistry:
    """The department's sub-registry by name, or a Chinese error naming it."""
    registry = session.execute(
        select(SubRegistry).where(
            SubRegistry.department_id == department.id, SubRegistry.name == name
        )
    ).scalar()
    if registry is None:
        raise DomainError(f"本部门没有名为“{name}”的分库")
    return registry


def create_registry(
    session: Session,
    actor: Actor,
    department: Department,
    name: str,
    tag: str,
    description: str = "",
) -> SubRegistry:
    """A new 分库: the department's targets tagged `tag`."""
    name, tag = name.strip(), tag.strip()
    if not name or not tag or "|" in tag:
        raise DomainError("分库名称和标签不能为空，标签不能含“|”")
    if (
        session.execute(
            select(SubRegistry.id).where(
                SubRegistry.department_id == department.id, SubRegistry.name == name
            )
        ).scalar()
        is not None
    ):
        raise DomainError(f"分库“{name}”已存在")
    registry = SubRegistry(
        department_id=department.id, name=name, tag=tag, description=description.strip()
    )
    session.add(registry)
    session.flush()
    audit_service.record(
        session,
        actor,
        "registry.create",
        object_type="sub_registry",
        object_id=registry.id,
        summary=f"新建分库 {name}（标签：{tag}）",
    )
    return registry
