"""Target verbs: search, get, create, update with history, bulk import, export, sub-registries."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Dialect, Select, and_, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from spotcheck import scoping
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
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
    if not tags:
        return ""
    items = tags.split("|") if isinstance(tags, str) else list(tags)
    clean = sorted({t.strip() for t in items if t and t.strip()})
    return "|" + "|".join(clean) + "|" if clean else ""


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else value


def _normalised(record: Mapping[str, Any]) -> tuple[Any, ...]:
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
        _tags_text(get("tags") or []),
        _text(get("jurisdiction_level")),
        _text(get("id_number")),
    )


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as stored: every field present, tags joined, strings stripped."""
    return dict(zip(FIELDS, _normalised(record), strict=True))


def _digest(values: Sequence[Any]) -> bytes:
    # str(True) is "True" on both sides: stored booleans come back as bool, not 0/1.
    joined = "\x1f".join(map(str, values))
    return hashlib.blake2b(joined.encode(), digest_size=12).digest()


def fingerprint(values: Mapping[str, Any]) -> bytes:
    """A short digest of the stored fields, to tell unchanged rows apart without loading them."""
    return _digest([values[f] for f in FIELDS])


def _snapshot(target: Target) -> dict[str, Any]:
    return {field: getattr(target, field) for field in FIELDS}


def get_in_scope_or_404(session: Session, target_id: int, scope: Sequence[int]) -> Target:
    """The target if its department is in scope, else NotFound."""
    return scoping.get_or_404(session, Target, target_id, scope, "检查对象")


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


def _starts(column: Any, prefix: str, hint: bool) -> ColumnElement[bool]:
    """``column LIKE 'prefix%'``, plus (``hint``) the equivalent range that an index can use.

    Neither SQLite (BINARY columns) nor PostgreSQL (a non-C collation such as C.UTF-8) can
    use a B-tree index for LIKE. The range is only added for an ASCII letters-and-digits
    prefix whose last character is not 9, Z or z, so that it holds every LIKE match in any
    collation that orders letters and digits as usual; the LIKE still decides.
    """
    like = column.startswith(prefix, autoescape=True)
    last = prefix[-1:]
    if not hint or not (prefix.isascii() and prefix.isalnum()) or last in ("9", "Z", "z"):
        return cast(ColumnElement[bool], like)
    upper = prefix[:-1] + chr(ord(last) + 1)
    return and_(column >= prefix, column < upper, like)


def _conditions(
    scope: Sequence[int], filters: Filters, hint: bool = True
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.department_id is not None:
        where.append(Target.department_id == filters.department_id)
    else:
        where.append(Target.department_id.in_(scope))
    if filters.q:
        q = filters.q.strip()
        lowered = q.lower()
        conditions = [Target.name.contains(q, autoescape=True)]
        if lowered.isascii() and lowered.isalnum():
            conditions.append(Target.initials.startswith(lowered, autoescape=True))
            conditions.append(Target.key.startswith(q.upper(), autoescape=True))
        where.append(or_(*conditions))
    if filters.key:
        where.append(_starts(Target.key, filters.key.strip().upper(), hint))
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
        where.append(_starts(Target.region_code, prefix, hint))
    if filters.level:
        where.append(Target.jurisdiction_level == filters.level)
    if filters.target_type:
        where.append(Target.target_type == filters.target_type)
    if filters.industry:
        where.append(_starts(Target.industry_code, filters.industry.strip(), hint))
    if filters.scope_text:
        where.append(Target.business_scope.contains(filters.scope_text.strip(), autoescape=True))
    if filters.status:
        where.append(Target.status == filters.status)
    if filters.risk:
        where.append(Target.risk_class == filters.risk)
    if filters.abnormal:
        where.append(Target.abnormal.is_(True))
    if filters.dishonest:
        where.append(Target.dishonest.is_(True))
    if filters.tag:
        where.append(Target.tags.contains(f"|{filters.tag.strip()}|", autoescape=True))
    return where


def _query(scope: Sequence[int], filters: Filters) -> Select[Target]:
    return select(Target).where(*_conditions(scope, filters))


def search(
    session: Session, scope: Sequence[int], filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[list[Target], int, bool]:
    """One page of matches, their count up to COUNT_CAP, and whether the count was capped.

    The capped count comes first and keeps the ids it finds: a fragment of a name cannot use
    an index, so a rare one costs a full scan, and doing it once is what keeps the search
    fast. Up to COUNT_CAP matches, the page is sorted from those ids; beyond it, the page's
    ids are read in name order from the (name, id, …) index, which stops after one page.
    """
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares a statement run 5 times; PostgreSQL then may switch to a generic
        # plan that cannot see the LIKE pattern and scans the name index for a rare fragment
        # (5x slower). Plans are cheap next to that; this lasts to the end of the transaction.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    ids = list(
        session.execute(
            select(Target.id).where(*_conditions(scope, filters)).limit(COUNT_CAP + 1)
        ).scalars()
    )
    total = len(ids)
    if total > COUNT_CAP:
        # The page's ids in name order, read from the name index alone when the filters are
        # on its columns; without the range hints, which tempt SQLite away from that order.
        ids = list(
            session.execute(
                select(Target.id)
                .where(*_conditions(scope, filters, hint=False))
                .order_by(Target.name, Target.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
        )
        page, per_page = 1, len(ids)
    rows: list[Target] = []
    if ids:
        rows = list(
            session.execute(
                select(Target)
                .where(Target.id.in_(ids))
                .order_by(Target.name, Target.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
        )
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
ANALYZE_AFTER = 50_000  # rows created or changed by one import
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
# Columns of a new row, in the order the bulk writers send them.
_NEW_COLUMNS = (
    *FIELDS,
    "department_id",
    "initials",
    "version",
    "created_batch_id",
    "created_at",
    "updated_at",
)


def _existing(session: Session, department: Department) -> dict[str, tuple[int, bytes]]:
    """key → (id, fingerprint) of the department's registry, streamed as plain rows."""
    query = select(Target.id, *_COLUMNS).where(Target.department_id == department.id)
    out: dict[str, tuple[int, bytes]] = {}
    digest = _digest
    for rows in session.execute(query.execution_options(yield_per=20000)).partitions():
        for row in rows:
            out[row[1]] = (row[0], digest(row[1:]))
    return out


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A million rows create millions of short-lived containers without cycles; the cyclic
    # collector would re-scan everything alive (the caller's records too) again and again.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_Writer = Callable[[list[tuple[Any, ...]]], None]


@contextmanager
def _bulk_writer(session: Session, now: dt.datetime) -> Iterator[tuple[_Writer, Any]]:
    """A function that inserts rows of _NEW_COLUMNS in the session's transaction, and the
    value to put in their timestamp columns; everything is written when the block ends.

    PostgreSQL (psycopg) gets one COPY for the whole import, streamed while the rows are
    being prepared, so that the server updates its indexes on the other core meanwhile.
    SQLite gets a prepared executemany on the DBAPI cursor. (The ORM's bulk insert spends
    most of its time building and processing parameter dicts.) str, int and bool values
    bind natively on both drivers exactly as the ORM binds them; the timestamp (the same
    for every row) goes through the column type's own processor.
    """
    connection = session.connection()
    dialect = connection.dialect
    driver: Any = connection.connection.driver_connection
    columns = ", ".join(_NEW_COLUMNS)
    stamp = _bound(dialect, "created_at", now)
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        with driver.cursor() as cursor, cursor.copy(f"COPY target ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row

            def stream(rows: list[tuple[Any, ...]]) -> None:
                for row in rows:
                    write_row(row)

            yield stream, stamp
        return
    if dialect.name == "sqlite":
        marks = ", ".join("?" * len(_NEW_COLUMNS))
        insert_sql = f"INSERT INTO target ({columns}) VALUES ({marks})"  # noqa: S608 (constants)
        # The target table has a dozen indexes; with SQLite's default 2 MiB page cache their
        # pages are evicted and read back for every few rows (a million rows: 3x slower).
        # The cache grows only as pages are used, and goes back after the import.
        cursor = driver.cursor()
        default = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
        try:
            yield (lambda rows: cursor.executemany(insert_sql, rows)), stamp
        finally:
            cursor.execute(f"PRAGMA cache_size = {default}")
            cursor.close()
        return

    def orm(rows: list[tuple[Any, ...]]) -> None:
        if rows:
            session.execute(insert(Target), [dict(zip(_NEW_COLUMNS, r, strict=True)) for r in rows])

    yield orm, now


def _bound(dialect: Dialect, column: str, value: Any) -> Any:
    """``value`` as the column's type binds it on this dialect (for the raw writers)."""
    type_ = Target.__table__.c[column].type
    process = type_.dialect_impl(dialect).bind_processor(dialect)
    return value if process is None else process(value)


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
    with _gc_paused():
        return _import(session, actor, department, records, filename, sha256, extra_tag, dry_run)


def _import(
    session: Session,
    actor: Actor,
    department: Department,
    records: Sequence[Mapping[str, Any]],
    filename: str,
    sha256: str,
    extra_tag: str,
    dry_run: bool,
) -> ImportOutcome:
    existing = _existing(session, department)
    batch: ImportBatch | None = None
    write: _Writer | None = None
    now = utcnow()
    stamp: Any = now
    writing = ExitStack()
    if not dry_run:
        # The batch goes in first so that new rows can point at it; its counts follow below.
        batch = ImportBatch(
            kind="targets",
            department_id=department.id,
            filename=filename[:200],
            sha256=sha256,
            rows=len(records),
            actor_name=actor.name,
        )
        session.add(batch)
        session.flush()
        write, stamp = writing.enter_context(_bulk_writer(session, now))
    department_id, batch_id = department.id, (batch.id if batch is not None else None)
    pending: list[tuple[Any, ...]] = []
    changed: dict[int, dict[str, Any]] = {}
    created = unchanged = 0
    lookup, digest, make_initials = existing.get, _digest, initials
    with writing:
        for record in records:
            values = _normalised(record)
            if extra_tag:
                values = (
                    *values[:14],
                    _tags_text([*values[14].split("|"), extra_tag]),
                    *values[15:],
                )
            hit = lookup(values[0])
            if hit is None:
                created += 1
                if write is not None:
                    pending.append(
                        (
                            *values,
                            department_id,
                            make_initials(values[1]),
                            1,
                            batch_id,
                            stamp,
                            stamp,
                        )
                    )
                    if len(pending) >= CHUNK:
                        write(pending)
                        pending = []
            elif hit[1] != digest(values):
                changed[hit[0]] = dict(zip(FIELDS, values, strict=True))
            else:
                unchanged += 1
        if pending and write is not None:
            write(pending)
    if batch is None:
        return ImportOutcome(None, len(records), created, len(changed), unchanged)
    del existing, pending
    batch.created, batch.updated, batch.unchanged = created, len(changed), unchanged
    session.flush()
    _apply_changes(session, actor, changed, f"导入批次 {batch.id}（{filename[:60]}）", now)
    if created + len(changed) >= ANALYZE_AFTER:
        # Fresh planner statistics, or the first searches of a big new registry pick the
        # wrong index (SQLite never gathers them by itself; PostgreSQL's autovacuum, later).
        session.execute(text("ANALYZE target"))
    audit_service.record(
        session,
        actor,
        "target.import",
        object_type="import_batch",
        object_id=batch.id,
        summary=(
            f"导入检查对象 {filename[:80]}：共 {len(records)} 行，新增 {created}，"
            f"修改 {len(changed)}，未变 {unchanged}"
        ),
        after={"sha256": sha256, "rows": len(records), "department_id": department.id},
    )
    return ImportOutcome(batch.id, len(records), created, len(changed), unchanged)


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
