"""Bulk loading of a registry: one import of many rows in the caller's transaction (new rows in
chunked multi-row inserts, changed rows updated with their history, unchanged rows skipped by
fingerprint), recorded as one import batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, insert, select, text, update
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.gcpause import paused_gc
from spotcheck.pinyin import initials
from spotcheck.targets import registry_codes
from spotcheck.targets.models import MARKET_ENTITY_TYPES, ImportBatch, Target, TargetHistory
from spotcheck.targets.service import FIELDS, diff, normalised, tags_text
from spotcheck.targets.service import digest as _digest


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
    "registry_code",
)


def _existing(
    session: Session, department: Department
) -> tuple[dict[str, tuple[int, bytes, str]], dict[str, str]]:
    """key → (id, fingerprint, registry code) of the department's registry, streamed as plain
    rows, and ID number → key of its targets known only by an ID number."""
    query = select(Target.id, *_COLUMNS, Target.registry_code).where(
        Target.department_id == department.id
    )
    out: dict[str, tuple[int, bytes, str]] = {}
    persons: dict[str, str] = {}
    digest = _digest
    for rows in session.execute(query.execution_options(yield_per=20000)).partitions():
        for row in rows:
            out[row[1]] = (row[0], digest(row[1:-1]), row[-1])
            if row[1] == row[-1] and row[-2]:
                persons[row[-2]] = row[1]
    return out, persons


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


def _fresh(code: str, in_use: set[str], name: str) -> str:
    """A registry code given by the import for a new target, once it is known to be free."""
    if code in in_use:
        raise DomainError(
            f"登记编号“{code}”已在本部门名录库中使用（对象“{name}”）", field="registry_code"
        )
    in_use.add(code)
    return code


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
    with paused_gc():
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
    existing, persons = _existing(session, department)
    codes_in_use = {hit[2] for hit in existing.values()}
    # Made before the bulk writer starts: PostgreSQL's COPY holds the connection until the end.
    serials = registry_codes.Serials(session, department)
    serials.taken = codes_in_use  # given codes are never handed out again

    def next_code() -> str:
        code = serials.next()
        codes_in_use.add(code)
        return code

    is_person, market = registry_codes.is_resident_id, MARKET_ENTITY_TYPES
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
            values = normalised(record)
            if extra_tag:
                values = (
                    *values[:14],
                    tags_text([*values[14].split("|"), extra_tag]),
                    *values[15:],
                )
            given = record.get("registry_code") or ""
            by_code = False
            if values[2] not in market and is_person(values[0]):
                # Known only by an ID number: keyed by its registry code (see registry_codes).
                person = values[0]
                known = persons.get(person)
                if known is None:
                    known = _fresh(given, codes_in_use, values[1]) if given else next_code()
                    persons[person] = known
                values = (known, *values[1:16], values[16] or person)
                by_code = True
            hit = lookup(values[0])
            if hit is not None and given and given != hit[2]:
                raise DomainError(
                    f"登记编号不可修改：对象“{values[1]}”的登记编号为 {hit[2]}，"
                    f"导入文件中为 {given}",
                    field="registry_code",
                )
            if hit is None:
                created += 1
                if by_code:
                    code = values[0]
                elif given:
                    code = _fresh(given, codes_in_use, values[1])
                else:
                    code = next_code()
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
                            code,
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
            changes = diff(before, after)
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
                    "changes": changes,
                }
            )
        session.execute(update(Target), updates)
        session.execute(insert(TargetHistory), histories)
