"""A computed draw as people read it: the summary (strata, slots, entropy, events, counts) and,
a page at a time, the drawn targets with their groups (`draws.visits`).

Built only from what the public record shows (plus names from the registries), so whatever is
made from it (the 抽取记录 PDF, the channel exports, the portal) cannot show an unselected
candidate or a stratum's real name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.draws import documents, visits
from spotcheck.draws.models import Draw, DrawEvent
from spotcheck.draws.visits import Member, Visit, mask_key
from spotcheck.errors import DomainError
from spotcheck.plans.models import Task

__all__ = ["EVENT_LABELS", "EventView", "Member", "Outcome", "Visit", "build", "mask_key"]

EVENT_LABELS = {
    "replace-target": "替换检查对象",
    "replace-inspector": "替换检查人员",
    "assign-manual": "人工指派（例外）",
    "exchange": "调换检查对象（回避）",
}
# The reason both assign-manual events of an exchange (002 第十一条第二款) start with.
EXCHANGE_REASON = "利害关系回避：对象调换"


@dataclass
class EventView:
    """An event after the draw, in words."""

    seq: int
    kind: str
    label: str
    target: str
    detail: str
    reason: str
    approved_by: str
    rule: str
    at: str
    number: str = ""  # "3、4" for an exchange shown as one line; else the seq

    def __post_init__(self) -> None:
        self.number = self.number or str(self.seq)


@dataclass
class Outcome:
    """What the record, the exports and the portal show about one computed draw, except the
    list of drawn targets itself, which is read a page at a time (`visits.page`)."""

    draw: Draw
    task: Task
    seed: str
    drawn_count: int
    list_sha256: str
    strata: list[dict[str, Any]]  # neutral name, size, quota
    slots: list[dict[str, Any]]  # name, count, pool size, draw
    entropy: list[dict[str, Any]]
    events: list[EventView] = field(default_factory=list)


def revealed_in_plan_order(draw: Draw) -> list[dict[str, Any]]:
    """The revealed entropy in the order of the committed plan."""
    by_kind = {item.get("kind"): item for item in draw.revealed}
    ordered = [by_kind[p["kind"]] for p in draw.entropy_plan if p.get("kind") in by_kind]
    return ordered or list(draw.revealed)


def build(session: Session, draw: Draw) -> Outcome:
    """The summary of a computed (or published) draw; refuses a draw without a record."""
    if not draw.computed_at:
        raise DomainError("该抽取尚未完成计算，没有抽取记录", field="状态")
    task = session.get(Task, draw.task_id)
    assert task is not None  # the foreign key guarantees it
    strata = [
        {"name": name, "size": info.get("size", 0), "quota": info.get("quota", 0)}
        for name, info in (draw.strata_map or {}).items()
    ]
    slots = [
        {
            "name": name,
            "count": info.get("count", 0),
            "pool": len(info.get("members") or {}),
            "draw": info.get("draw"),
        }
        for name, info in ((draw.pools_info or {}).get("slots") or {}).items()
    ]
    return Outcome(
        draw=draw,
        task=task,
        seed=draw.seed,
        drawn_count=draw.selected_count,
        list_sha256=draw.list_sha256,
        strata=strata,
        slots=slots,
        entropy=revealed_in_plan_order(draw),
        events=event_views(session, draw),
    )


def event_views(session: Session, draw: Draw) -> list[EventView]:
    """The events in words, with target and inspector names."""
    rows: list[DrawEvent] = sorted(draw.events, key=lambda e: e.seq)
    if not rows:
        return []
    names = _event_names(session, draw, rows)
    keys: set[str] = set()
    for row in rows:
        if row.payload.get("type") != "replace-target":  # there `replacement` is a target
            keys.update(
                str(row.payload[f]) for f in ("inspector", "replacement") if row.payload.get(f)
            )
    people = visits.inspectors(session, draw, keys)

    def target_name(c: str) -> str:
        key, name = names.get(c, ("", ""))
        return name or key or c[:12]

    out: list[EventView] = []
    paired = False
    for n, row in enumerate(rows):
        if paired:  # the second half of an exchange, shown with the first
            paired = False
            continue
        view = EventView(
            seq=row.seq,
            kind=row.kind,
            label=EVENT_LABELS.get(row.kind, row.kind),
            target=target_name(str(row.payload.get("target", ""))),
            detail=_detail(row.payload, people, target_name),
            reason=row.reason or str(row.payload.get("reason", "")),
            approved_by=row.approved_by or str(row.payload.get("approved_by", "")),
            rule=row.rule,
            # Beijing time on pages and in the PDF; the record keeps the UTC it was signed with.
            at=clock.beijing_text(str(row.payload.get("at", ""))),
        )
        other = rows[n + 1] if n + 1 < len(rows) else None
        if other is not None and is_exchange(row.payload, other.payload):
            paired = True
            a, b = row.payload, other.payload
            first, second = target_name(str(a["target"])), target_name(str(b["target"]))
            view.kind, view.label = "exchange", EVENT_LABELS["exchange"]
            view.number = f"{row.seq}、{other.seq}"
            view.target = f"{first}、{second}"
            view.detail = (
                f"{a.get('slot')}：“{first}”的{_who(people, a['inspector'])} ⇄ "
                f"“{second}”的{_who(people, b['inspector'])}（两条人工指派）"
            )
        out.append(view)
    return out


def is_exchange(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two consecutive events are one exchange of targets (002 第十一条第二款): two
    assign-manual events of one slot, each putting the other's inspector in its place, with the
    exchange's reason."""
    return (
        a.get("type") == b.get("type") == "assign-manual"
        and a.get("slot") == b.get("slot")
        and a.get("target") != b.get("target")
        and a.get("inspector") is not None
        and a.get("inspector") == b.get("replacement")
        and a.get("replacement") == b.get("inspector")
        and str(a.get("reason", "")).startswith(EXCHANGE_REASON)
        and a.get("reason") == b.get("reason")
    )


def _who(people: dict[str, tuple[str, str]], key: Any) -> str:
    name, cert = people.get(str(key), (str(key), ""))
    return f"{name}（{cert}）" if cert else name


def _event_names(session: Session, draw: Draw, rows: list[DrawEvent]) -> dict[str, tuple[str, str]]:
    """(key, name) of each commitment the events name: recorded with the event since the rows
    exist; for older events, from the public record's openings."""
    names: dict[str, tuple[str, str]] = {}
    for row in rows:
        for c, pair in (row.names or {}).items():
            names[c] = (str(pair[0]), str(pair[1]))
    wanted = {
        str(row.payload[f])
        for row in rows
        for f in ("target", "replacement")
        if row.payload.get(f) and (f == "target" or row.kind == "replace-target")
    } - names.keys()
    if wanted:
        openings = documents.value(session, draw, documents.RECORD).get("openings", {})
        keys = {c: openings[c]["key"] for c in wanted if c in openings}
        found = visits.target_names(session, draw, keys.values())
        names.update({c: (k, found.get(k, "")) for c, k in keys.items()})
    return names


def _detail(event: dict[str, Any], people: dict[str, tuple[str, str]], target_name: Any) -> str:
    def who(key: Any) -> str:
        return _who(people, key)

    kind = event.get("type")
    if kind == "replace-target":
        return f"由候补对象“{target_name(event.get('replacement', ''))}”替换"
    if kind == "replace-inspector":
        return (
            f"{event.get('slot')}：{who(event.get('inspector'))} → {who(event.get('replacement'))}"
        )
    if kind == "assign-manual":
        before = f"{who(event['inspector'])} → " if event.get("inspector") else "增派 "
        return f"{event.get('slot')}：{before}{who(event.get('replacement'))}"
    return ""


def local_time(value: dt.datetime | None) -> str:
    """A UTC moment in Beijing time (the time the ceremony's people read)."""
    if value is None:
        return ""
    return value.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
