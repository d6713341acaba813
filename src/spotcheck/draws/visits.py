"""The drawn targets of a computed draw as rows (`drawn_target`): visit order, target, group.

Compute writes them in bulk from the public record; every event after the draw updates the rows
it touches. Pages, exports and the 抽取记录's appendix read these rows a page at a time, never
the whole record: a national draw selects ~145,000 targets from 1,000,000.

The list's SHA-256 (`Draw.list_sha256`) is the SHA-256 of the appendix CSV (`appendix_csv`),
so a person can check a downloaded appendix with `sha256sum` against the signed record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ARRAY, String, Table, any_, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from spotcheck.db import utcnow
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.draws.models import Draw, DrawnTarget
from spotcheck.inspectors.models import Inspector
from spotcheck.tabular.codes import check_resident_id
from spotcheck.tabular.formula import neutralise
from spotcheck.targets.models import Target

BATCH = 5_000  # keys per lookup: far below either database's limit on parameters
PER_PAGE = 50
APPENDIX_HEADERS = (
    "检查顺序",
    "检查对象名称",
    "检查对象标识（统一社会信用代码等）",
    "组长",
    "检查人员（岗位：姓名（执法证号））",
    "替换说明",
)


@dataclass
class Member:
    """One inspector of a group."""

    slot: str
    key: str
    name: str
    cert_no: str
    leader: bool = False

    @property
    def label(self) -> str:
        """Name with the certificate number (002 第七条: 姓名、执法证号 are public)."""
        return _label(self.name, self.cert_no)


def _label(name: str, cert_no: str) -> str:
    return f"{name}（{cert_no}）" if cert_no else name


@dataclass
class Visit:
    """A drawn target in visit order with its current group."""

    order: int
    commitment: str
    key: str
    name: str
    members: list[Member]
    replaces: str = ""  # the name of the target this one replaced, if any

    @property
    def shown_key(self) -> str:
        """The key as it may be shown publicly (a resident ID number is masked)."""
        return mask_key(self.key)


@dataclass
class Page:
    """One page of a draw's visits, with what the pager needs."""

    visits: list[Visit]
    total: int
    page: int
    per_page: int
    query: str

    @property
    def pages(self) -> int:
        """How many pages the (filtered) list has."""
        return max(1, -(-self.total // self.per_page))


def mask_key(key: str) -> str:
    """A key with a resident ID number masked (DESIGN "Confidentiality"); others unchanged."""
    if len(key) == 18 and check_resident_id(key) is None:
        return key[:6] + "*" * 8 + key[-4:]
    return key


# ---- lookups in batches ----------------------------------------------------------------------


def chunks(values: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    """The values in slices of `size` (one `IN (…)` each)."""
    for at in range(0, len(values), size):
        yield values[at : at + size]


def target_names(session: Session, draw: Draw, keys: Iterable[str]) -> dict[str, str]:
    """Names of targets by key, from the initiating agency's registries (batched lookups)."""
    wanted = sorted(set(keys))
    department = session.get(Department, draw.department_id)
    if department is None or not wanted:
        return {}
    scope = departments_service.acting_scope(session, department)
    names: dict[str, str] = {}
    if session.connection().dialect.name == "postgresql":
        # One array parameter per batch (`= ANY`): PostgreSQL plans 50,000 keys at once
        # faster than it parses 5,000 placeholders.
        for part in chunks(wanted, 50_000):
            keys = bindparam("keys", list(part), type_=ARRAY(String))
            rows = session.execute(
                select(Target.key, Target.name).where(
                    Target.department_id.in_(scope), Target.key == any_(keys)
                )
            )
            names.update((key, name) for key, name in rows)
        return names
    for part in chunks(wanted):
        rows = session.execute(
            select(Target.key, Target.name).where(
                Target.department_id.in_(scope), Target.key.in_(part)
            )
        )
        names.update((key, name) for key, name in rows)
    return names


def inspectors(session: Session, draw: Draw, keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(name, certificate number) of inspectors by key; people known only from the frozen
    pools (borrowed from another agency) by their label there."""
    wanted = sorted(set(keys))
    found: dict[str, tuple[str, str]] = {}
    for part in chunks(wanted):
        for key, name, cert in session.execute(
            select(Inspector.key, Inspector.name, Inspector.cert_no).where(Inspector.key.in_(part))
        ):
            found[key] = (name, cert)
    for pool in ((draw.pools_info or {}).get("slots") or {}).values():
        for key, label in (pool.get("members") or {}).items():
            if key in wanted and key not in found:
                found[key] = (str(label), "")
    return found


# ---- writing ---------------------------------------------------------------------------------

_FIELD, _MEMBER = "\x1f", "\x1e"  # unit and record separators: never in a name or a key
_SEPARATORS = str.maketrans({_FIELD: " ", _MEMBER: " "})


def pack(members: Sequence[Sequence[str]]) -> str:
    """A group as stored: "slot␟key␟name␟cert" per member, joined by "␞"."""
    return _MEMBER.join(_FIELD.join(str(v).translate(_SEPARATORS) for v in m) for m in members)


def unpack(text: str) -> list[list[str]]:
    """The stored group as [[slot, key, name, cert], …]."""
    return [m.split(_FIELD) for m in text.split(_MEMBER)] if text else []


_COPIED = (
    *("task_id", "target_key", "target_name", "drawn_at", "seq"),
    *("commitment", "members", "replaces", "search"),
)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert rows of drawn_target in bulk: COPY on PostgreSQL, executemany in batches on
    SQLite (no ORM objects either way; one statement per row cost seconds per draw)."""
    table = cast(Table, DrawnTarget.__table__)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        raw = connection.connection.driver_connection
        names = ", ".join(_COPIED)
        statement = f"COPY drawn_target ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row([row[c] for c in _COPIED])
        return
    # The driver's executemany with plain tuples, each value converted as the column type
    # would (UTCDateTime): SQLAlchemy's per-row parameter handling doubled the time.
    dialect = connection.dialect
    convert = [table.c[name].type.bind_processor(dialect) for name in _COPIED]
    compiled = (
        table.insert().values({name: bindparam(name) for name in _COPIED}).compile(dialect=dialect)
    )
    order = [_COPIED.index(name) for name in compiled.positiontup or ()]
    if sorted(order) != list(range(len(_COPIED))):  # pragma: no cover - not a positional driver
        connection.execute(table.insert(), rows)
        return
    get = operator.itemgetter(*(_COPIED[i] for i in order))
    changed = [(j, convert[i]) for j, i in enumerate(order) if convert[i] is not None]

    def driver_row(row: dict[str, Any]) -> tuple[Any, ...]:
        values = list(get(row))
        for j, process in changed:
            values[j] = process(values[j])  # type: ignore[misc]
        return tuple(values)

    raw = connection.connection.driver_connection
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(str(compiled), map(driver_row, rows))
    finally:
        cursor.close()


def _group(group: Sequence[Sequence[str]], people: dict[str, tuple[str, str]]) -> list[list[str]]:
    out = []
    for slot, key in group:
        name, cert = people.get(key, (key, ""))
        out.append([slot, key, name, cert])
    return out


def _search(name: str, key: str, members: Iterable[str]) -> str:
    """The search column: target name and key, then each member's _searched text."""
    return " ".join([name.lower(), key.lower(), *members])


def _searched(member: Sequence[str]) -> str:
    """What the search column holds of one member: name, certificate, key, in lower case."""
    return f"{member[2]} {member[3]} {member[1]}".lower()


def write(session: Session, draw: Draw, record: dict[str, Any]) -> None:
    """Write the drawn targets of a just-computed draw (its public record) in bulk."""
    openings: dict[str, dict[str, str]] = record["openings"]
    assignments = record["assignments"]
    keys = [openings[a["target"]]["key"] for a in assignments]
    names = target_names(session, draw, keys)
    people = inspectors(session, draw, {k for a in assignments for _, k in a["inspectors"]})
    now = utcnow()
    rows = []
    cells = []
    task_id = draw.task_id
    # The same few hundred people make every group: each member's stored, searchable and
    # printed forms are made once (the same functions as for one group, on one member).
    forms: dict[tuple[str, str], tuple[list[str], str, str, str]] = {}
    for seq, (assignment, key) in enumerate(zip(assignments, keys, strict=True), start=1):
        parts = []
        for slot, person in assignment["inspectors"]:
            found = forms.get((slot, person))
            if found is None:
                (member,) = _group([(slot, person)], people)
                found = forms[(slot, person)] = (
                    member,
                    pack([member]),
                    _searched(member),
                    _people([member]),
                )
            parts.append(found)
        name = names.get(key, "")
        members = [p[0] for p in parts]
        rows.append(
            {
                "task_id": task_id,
                "target_key": key,
                "target_name": name,
                "drawn_at": now,
                "seq": seq,
                "commitment": assignment["target"],
                "members": _MEMBER.join([p[1] for p in parts]),
                "replaces": "",
                "search": _search(name, key, [p[2] for p in parts]),
            }
        )
        cells.append(appendix_cells(seq, name, key, members, "", "、".join([p[3] for p in parts])))
    _insert(session, rows)
    draw.selected_count = len(rows)
    draw.list_sha256 = hashlib.sha256(_csv(cells)).hexdigest()


def replace_target(session: Session, draw: Draw, event: dict[str, Any], new_key: str) -> str:
    """Apply a replace-target event: the new target takes the old one's place and order."""
    old = _row(session, draw, event["target"])
    name = target_names(session, draw, [new_key]).get(new_key, "")
    people = inspectors(session, draw, {k for _, k in event.get("group", [])})
    members = _group(event.get("group", []), people)
    session.execute(delete(DrawnTarget).where(DrawnTarget.id == old.id))
    row = {
        "task_id": draw.task_id,
        "target_key": new_key,
        "target_name": name,
        "drawn_at": utcnow(),
        "seq": old.seq,
        "commitment": event["replacement"],
        "members": pack(members),
        "replaces": old.target_name or old.target_key,
        "search": _search(name, new_key, map(_searched, members)),
    }
    _insert(session, [row])
    return name


def change_member(session: Session, draw: Draw, event: dict[str, Any]) -> None:
    """Apply a replace-inspector or assign-manual event to the target's group."""
    row = _row(session, draw, event["target"])
    group = unpack(row.members)
    slot, new = event.get("slot", ""), event["replacement"]
    person = inspectors(session, draw, [new]).get(new, (new, ""))
    member = [slot, new, person[0], person[1]]
    old = event.get("inspector")
    at = next((i for i, m in enumerate(group) if m[0] == slot and m[1] == old), None)
    if old is not None and at is not None:
        group[at] = member
    elif old is None:  # an added member goes after the slot's last one
        last = max((i for i, m in enumerate(group) if m[0] == slot), default=None)
        group.insert(len(group) if last is None else last + 1, member)
    session.execute(
        update(DrawnTarget)
        .where(DrawnTarget.id == row.id)
        .values(
            members=pack(group),
            search=_search(row.target_name, row.target_key, map(_searched, group)),
        )
    )


def rehash(session: Session, draw: Draw) -> None:
    """Recompute the list's SHA-256 after an event changed it."""
    draw.list_sha256 = hashlib.sha256(appendix_csv(session, draw)).hexdigest()


def _row(session: Session, draw: Draw, commitment: str) -> DrawnTarget:
    row = session.scalar(
        select(DrawnTarget).where(
            DrawnTarget.task_id == draw.task_id, DrawnTarget.commitment == commitment
        )
    )
    if row is None:
        raise LookupError(f"no drawn target with commitment {commitment} in draw {draw.code}")
    return row


def backfill_all(session: Session) -> int:
    """Backfill every computed draw that needs it (run by `spotcheck db upgrade`)."""
    done = 0
    for draw in session.scalars(select(Draw).where(Draw.computed_at.is_not(None))):
        if not any_written(session, draw):
            backfill(session, draw)
            done += 1
    return done


def backfill(session: Session, draw: Draw) -> None:
    """Write the rows of a draw computed before drawn targets carried their visit order and
    group, from its stored public record and events (`spotcheck db upgrade` does it for every
    such draw; a draw that has its rows is left as it is)."""
    if draw.computed_at is None or any_written(session, draw):
        return
    from spotcheck.draws import documents

    record = documents.value(session, draw, documents.RECORD)
    order: list[str] = [a["target"] for a in record["assignments"]]
    groups = {a["target"]: [list(m) for m in a["inspectors"]] for a in record["assignments"]}
    replaced_from: dict[str, str] = {}
    payloads = [dict(e.payload) for e in sorted(draw.events, key=lambda e: e.seq)]
    for event in payloads or record.get("events", []):
        _fold(event, order, groups, replaced_from)
    session.execute(delete(DrawnTarget).where(DrawnTarget.task_id == draw.task_id))
    openings = record["openings"]
    names = target_names(session, draw, [openings[c]["key"] for c in order])
    folded = {
        **record,
        "assignments": [{"target": c, "inspectors": groups[c]} for c in order],
    }
    write(session, draw, folded)
    for c, old in replaced_from.items():
        key = openings[old]["key"]
        session.execute(
            update(DrawnTarget)
            .where(DrawnTarget.task_id == draw.task_id, DrawnTarget.commitment == c)
            .values(replaces=names.get(key, "") or target_names(session, draw, [key]).get(key, key))
        )
    draw.seed = str(record.get("seed", ""))
    rehash(session, draw)


def _fold(
    event: dict[str, Any],
    order: list[str],
    groups: dict[str, list[list[str]]],
    replaced_from: dict[str, str],
) -> None:
    """Apply one event's derived fields to the current groups (spec "Events after the draw")."""
    kind, target = event.get("type"), event.get("target", "")
    if target not in groups:
        return  # a record that does not verify is the verifier's business, not the page's
    if kind == "replace-target" and event.get("replacement"):
        new = event["replacement"]
        order[order.index(target)] = new
        groups[new] = [list(m) for m in event.get("group", [])]
        del groups[target]
        replaced_from[new] = target
    elif kind == "replace-inspector" and event.get("replacement"):
        group = groups[target]
        pair = [event.get("slot"), event.get("inspector")]
        if pair in group:
            group[group.index(pair)] = [event["slot"], event["replacement"]]
    elif kind == "assign-manual" and event.get("replacement"):
        group, slot = groups[target], event.get("slot", "")
        if event.get("inspector") is not None:
            pair = [slot, event["inspector"]]
            if pair in group:
                group[group.index(pair)] = [slot, event["replacement"]]
            return
        last = max((i for i, (name, _) in enumerate(group) if name == slot), default=None)
        group.insert(len(group) if last is None else last + 1, [slot, event["replacement"]])


# ---- reading ---------------------------------------------------------------------------------


def _make(
    seq: int, commitment: str, key: str, name: str, members: Sequence[Sequence[str]], replaces: str
) -> Visit:
    group = [Member(m[0], m[1], m[2], m[3], leader=i == 0) for i, m in enumerate(members)]
    return Visit(seq, commitment, key, name or key, group, replaces)


_COLUMNS = (
    DrawnTarget.seq,
    DrawnTarget.commitment,
    DrawnTarget.target_key,
    DrawnTarget.target_name,
    DrawnTarget.members,
    DrawnTarget.replaces,
)


def _visit(row: Any) -> Visit:
    seq, commitment, key, name, members, replaces = row
    return _make(seq or 0, commitment, key, name, unpack(members), replaces)


def _ordered(draw: Draw) -> Any:
    return (
        select(*_COLUMNS)
        .where(DrawnTarget.task_id == draw.task_id, DrawnTarget.seq.is_not(None))
        .order_by(DrawnTarget.seq)
    )


def member_clause(inspector_key: str) -> Any:
    """Rows whose current group holds the inspector (the key is a whole field of `members`)."""
    escaped = inspector_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return DrawnTarget.members.like(f"%{_FIELD}{escaped}{_FIELD}%", escape="\\")


def is_member(member: Sequence[str], inspector_key: str) -> bool:
    """Whether an unpacked member is the inspector (member_clause's rows, checked exactly)."""
    return len(member) > 1 and member[1] == inspector_key


def page(
    session: Session,
    draw: Draw,
    number: int = 1,
    query: str = "",
    per_page: int = PER_PAGE,
    member: str = "",
) -> Page:
    """One page of the visits, optionally only those whose target (name or code) or
    inspectors (name, certificate number or key) contain `query`, and only those whose group
    holds the inspector with key `member`."""
    statement = _ordered(draw)
    count = (
        select(func.count())
        .select_from(DrawnTarget)
        .where(DrawnTarget.task_id == draw.task_id, DrawnTarget.seq.is_not(None))
    )
    if member:
        statement, count = (
            statement.where(member_clause(member)),
            count.where(member_clause(member)),
        )
    words = query.strip().lower().split()
    for word in words[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = DrawnTarget.search.like(f"%{escaped}%", escape="\\")
        statement, count = statement.where(like), count.where(like)
    total = session.scalar(count) or 0
    last = max(1, -(-total // per_page))
    number = min(max(1, number), last)
    rows = session.execute(statement.offset((number - 1) * per_page).limit(per_page))
    return Page([_visit(r) for r in rows], total, number, per_page, query.strip())


def find(session: Session, draw: Draw, target_key: str) -> Visit | None:
    """The visit of a target as drawn now (None: not, or no longer, drawn)."""
    row = session.execute(
        select(*_COLUMNS).where(
            DrawnTarget.task_id == draw.task_id,
            DrawnTarget.target_key == target_key,
            DrawnTarget.seq.is_not(None),
        )
    ).first()
    return None if row is None else _visit(row)


def by_commitments(session: Session, draw: Draw, commitments: Iterable[str]) -> dict[str, Visit]:
    """The current visits of these commitments (a replaced target is no longer among them)."""
    wanted = sorted(set(commitments))
    found: dict[str, Visit] = {}
    for part in chunks(wanted):
        for row in session.execute(
            select(*_COLUMNS).where(
                DrawnTarget.task_id == draw.task_id, DrawnTarget.commitment.in_(part)
            )
        ):
            found[row[1]] = _visit(row)
    return found


def every(session: Session, draw: Draw) -> Iterator[Visit]:
    """All visits in order, read in batches (for exports)."""
    for row in session.execute(_ordered(draw).execution_options(yield_per=BATCH)):
        yield _visit(row)


def any_written(session: Session, draw: Draw) -> bool:
    """Whether the draw's visits are rows (draws computed before the rows existed are not)."""
    return (
        session.scalar(
            select(DrawnTarget.id)
            .where(DrawnTarget.task_id == draw.task_id, DrawnTarget.seq.is_not(None))
            .limit(1)
        )
        is not None
    )


# ---- the appendix ----------------------------------------------------------------------------


def _people(members: Sequence[Sequence[str]]) -> str:
    """The appendix's column of the group: "岗位：姓名（执法证号）" joined by "、"."""
    return "、".join(f"{m[0]}：{_label(m[2], m[3])}" for m in members)


def appendix_row(visit: Visit) -> list[str]:
    """One line of the appendix: the target (resident ID numbers masked) and its group."""
    members = [(m.slot, m.key, m.name, m.cert_no) for m in visit.members]
    return appendix_cells(visit.order, visit.name, visit.key, members, visit.replaces)


def appendix_cells(
    order: int,
    name: str,
    key: str,
    members: Sequence[Sequence[str]],
    replaces: str,
    people: str | None = None,
) -> list[str]:
    """appendix_row from plain values: members are (slot, key, name, cert), the 组长 first;
    `people` is _people(members) when the caller has it already."""
    leader = _label(members[0][2], members[0][3]) if members else ""
    people = _people(members) if people is None else people
    replaced = f"替换“{replaces}”" if replaces else ""
    cells = [str(order), name or key, mask_key(key), leader, people, replaced]
    return [neutralise(c) for c in cells]


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(APPENDIX_HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def appendix_csv(session: Session, draw: Draw) -> bytes:
    """The appendix as CSV (UTF-8 with BOM, opens in Excel); its SHA-256 is the list's."""
    return _csv(appendix_row(v) for v in every(session, draw))
