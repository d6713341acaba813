"""Target verbs: search, get, create, update with history, bulk import, export, sub-registries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, NotFound
from spotcheck.pinyin import initials
from spotcheck.targets.models import ImportBatch, SubRegistry, Target, TargetHistory

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
}
COUNT_CAP = 10_000  # counting a million matches costs more than it tells


def _tags_text(tags: Sequence[str] | str) -> str:
    items = tags.split("|") if isinstance(tags, str) else list(tags)
    clean = sorted({t.strip() for t in items if t and t.strip()})
    return "|" + "|".join(clean) + "|" if clean else ""


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as stored: every field present, tags joined, strings stripped."""
    out: dict[str, Any] = {}
    for field in FIELDS:
        value = record.get(field)
        if field == "tags":
            out[field] = _tags_text(value or [])
        elif field in ("abnormal", "dishonest"):
            out[field] = bool(value)
        elif field == "complaints":
            out[field] = int(value or 0)
        elif field == "status":
            out[field] = (value or "存续").strip()
        else:
            out[field] = (value or "").strip() if isinstance(value, str) or value is None else value
    return out


def fingerprint(values: Mapping[str, Any]) -> bytes:
    """A short digest of the stored fields, to tell unchanged rows apart without loading them."""
    joined = "\x1f".join(str(values[f]) for f in FIELDS)
    return hashlib.blake2b(joined.encode(), digest_size=12).digest()


def _snapshot(target: Target) -> dict[str, Any]:
    return {field: getattr(target, field) for field in FIELDS}


def get_in_scope_or_404(session: Session, target_id: int, scope: Sequence[int]) -> Target:
    """The target if its department is in scope, else NotFound."""
    target = session.get(Target, target_id)
    if target is None or target.department_id not in scope:
        raise NotFound("未找到该检查对象，或您无权查看")
    return target


@dataclass(frozen=True)
class Filters:
    """Search filters of the registry pages, the API and exports."""

    q: str = ""
    key: str = ""
    region: str = ""
    level: str = ""
    target_type: str = ""
    industry: str = ""
    scope_text: str = ""
    status: str = ""
    risk: str = ""
    abnormal: bool = False
    dishonest: bool = False
    tag: str = ""
    department_id: int | None = None


def _query(scope: Sequence[int], filters: Filters) -> Select[Target]:
    query = select(Target)
    if filters.department_id is not None:
        query = query.where(Target.department_id == filters.department_id)
    else:
        query = query.where(Target.department_id.in_(scope))
    if filters.q:
        q = filters.q.strip()
        lowered = q.lower()
        conditions = [Target.name.contains(q, autoescape=True)]
        if lowered.isascii() and lowered.isalnum():
            conditions.append(Target.initials.startswith(lowered, autoescape=True))
            conditions.append(Target.key.startswith(q.upper(), autoescape=True))
        query = query.where(or_(*conditions))
    if filters.key:
        query = query.where(Target.key.startswith(filters.key.strip().upper(), autoescape=True))
    if filters.region:
        # 370300 means the whole city: trailing zeros of a prefecture or province widen the match.
        region = filters.region.strip()
        prefix = (
            region[:2]
            if region.endswith("0000")
            else region[:4]
            if region.endswith("00")
            else region
        )
        query = query.where(Target.region_code.startswith(prefix, autoescape=True))
    if filters.level:
        query = query.where(Target.jurisdiction_level == filters.level)
    if filters.target_type:
        query = query.where(Target.target_type == filters.target_type)
    if filters.industry:
        query = query.where(
            Target.industry_code.startswith(filters.industry.strip(), autoescape=True)
        )
    if filters.scope_text:
        query = query.where(
            Target.business_scope.contains(filters.scope_text.strip(), autoescape=True)
        )
    if filters.status:
        query = query.where(Target.status == filters.status)
    if filters.risk:
        query = query.where(Target.risk_class == filters.risk)
    if filters.abnormal:
        query = query.where(Target.abnormal.is_(True))
    if filters.dishonest:
        query = query.where(Target.dishonest.is_(True))
    if filters.tag:
        query = query.where(Target.tags.contains(f"|{filters.tag.strip()}|", autoescape=True))
    return query


def search(
    session: Session, scope: Sequence[int], filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[list[Target], int, bool]:
    """One page of matches, their count up to COUNT_CAP, and whether the count was capped."""
    query = _query(scope, filters)
    rows = list(
        session.execute(
            query.order_by(Target.name, Target.id).offset((page - 1) * per_page).limit(per_page)
        ).scalars()
    )
    capped_ids = query.with_only_columns(Target.id).limit(COUNT_CAP + 1).subquery()
    total = session.execute(select(func.count()).select_from(capped_ids)).scalar_one()
    return rows, min(total, COUNT_CAP), total > COUNT_CAP


def iter_export(session: Session, scope: Sequence[int], filters: Filters) -> Iterator[Target]:
    """Every match, streamed in key order, for exports."""
    query = _query(scope, filters).order_by(Target.key).execution_options(yield_per=5000)
    yield from session.execute(query).scalars()


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
    exists = session.execute(
        select(Target.id).where(Target.department_id == department.id, Target.key == values["key"])
    ).scalar()
    if exists is not None:
        raise DomainError(f"统一社会信用代码“{values['key']}”已在本部门名录库中", field="key")
    target = Target(department_id=department.id, initials=initials(values["name"]), **values)
    session.add(target)
    session.flush()
    session.add(
        TargetHistory(
            target_id=target.id,
            version=1,
            actor_name=actor.name,
            source="网页新增",
            changes={f: [None, v] for f, v in values.items() if v not in ("", False, 0)},
        )
    )
    audit_service.record(
        session,
        actor,
        "target.create",
        object_type="target",
        object_id=target.id,
        summary=f"新增检查对象 {target.name}（{target.key}）",
        after=values,
    )
    return target


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
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
    changes = _diff(before, values)
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


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did."""

    batch_id: int | None
    rows: int
    created: int
    updated: int
    unchanged: int


_COLUMNS = [getattr(Target, f) for f in FIELDS]
CHUNK = 5000


def _existing(session: Session, department: Department) -> dict[str, tuple[int, bytes]]:
    """key → (id, fingerprint) of the department's registry, streamed as plain rows."""
    query = select(Target.id, *_COLUMNS).where(Target.department_id == department.id)
    out: dict[str, tuple[int, bytes]] = {}
    for row in session.execute(query.execution_options(yield_per=20000)):
        values = dict(zip(FIELDS, row[1:], strict=True))
        out[values["key"]] = (row[0], fingerprint(values))
    return out


def apply_import(
    session: Session,
    actor: Actor,
    department: Department,
    records: Sequence[Mapping[str, Any]],
    *,
    filename: str,
    sha256: str,
    extra_tag: str = "",
    dry_run: bool = False,
) -> ImportOutcome:
    """Upsert validated records by key in the caller's transaction; counts what changed."""
    existing = _existing(session, department)
    new_rows: list[dict[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    unchanged = 0
    for record in records:
        values = normalise(record)
        if extra_tag:
            values["tags"] = _tags_text([*values["tags"].split("|"), extra_tag])
        hit = existing.get(values["key"])
        if hit is None:
            new_rows.append(values)
        elif hit[1] != fingerprint(values):
            changed[hit[0]] = values
        else:
            unchanged += 1
    if dry_run:
        return ImportOutcome(None, len(records), len(new_rows), len(changed), unchanged)
    batch = ImportBatch(
        kind="targets",
        department_id=department.id,
        filename=filename[:200],
        sha256=sha256,
        rows=len(records),
        created=len(new_rows),
        updated=len(changed),
        unchanged=unchanged,
        actor_name=actor.name,
    )
    session.add(batch)
    session.flush()
    now = utcnow()
    for start in range(0, len(new_rows), CHUNK):
        chunk = new_rows[start : start + CHUNK]
        session.execute(
            insert(Target),
            [
                {
                    **v,
                    "department_id": department.id,
                    "initials": initials(v["name"]),
                    "version": 1,
                    "created_batch_id": batch.id,
                    "created_at": now,
                    "updated_at": now,
                }
                for v in chunk
            ],
        )
    _apply_changes(session, actor, changed, f"导入批次 {batch.id}（{filename[:60]}）", now)
    audit_service.record(
        session,
        actor,
        "target.import",
        object_type="import_batch",
        object_id=batch.id,
        summary=(
            f"导入检查对象 {filename[:80]}：共 {len(records)} 行，新增 {len(new_rows)}，"
            f"修改 {len(changed)}，未变 {unchanged}"
        ),
        after={"sha256": sha256, "rows": len(records), "department_id": department.id},
    )
    return ImportOutcome(batch.id, len(records), len(new_rows), len(changed), unchanged)


def _apply_changes(
    session: Session, actor: Actor, changed: Mapping[int, dict[str, Any]], source: str, now: Any
) -> None:
    ids = list(changed)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = session.execute(
            select(Target.id, Target.version, *_COLUMNS).where(Target.id.in_(chunk))
        ).all()
        updates: list[dict[str, Any]] = []
        histories: list[dict[str, Any]] = []
        for row in rows:
            before = dict(zip(FIELDS, row[2:], strict=True))
            after = changed[row[0]]
            diff = _diff(before, after)
            updates.append(
                {
                    **after,
                    "id": row[0],
                    "version": row[1] + 1,
                    "initials": initials(after["name"]),
                    "updated_at": now,
                }
            )
            histories.append(
                {
                    "target_id": row[0],
                    "version": row[1] + 1,
                    "at": now,
                    "actor_name": actor.name,
                    "source": source,
                    "changes": diff,
                }
            )
        session.execute(update(Target), updates)
        session.execute(insert(TargetHistory), histories)


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


def count(session: Session, scope: Sequence[int]) -> int:
    """How many targets the scope's registries hold."""
    return session.execute(
        select(func.count(Target.id)).where(Target.department_id.in_(scope))
    ).scalar_one()
