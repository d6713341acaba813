"""A computed draw as people read it: targets by name in visit order with their groups after
every event, inspectors by name and certificate number, the entropy, the events.

Built only from the PUBLIC record (plus names from the registries), so whatever is made from
it (the 抽取记录 PDF, the channel exports, the portal) cannot show an unselected candidate or a
stratum's real name: those are not in the public record at all.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.draws.models import Draw, DrawnTarget
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Inspector
from spotcheck.plans.models import Task
from spotcheck.tabular.codes import check_resident_id

EVENT_LABELS = {
    "replace-target": "替换检查对象",
    "replace-inspector": "替换检查人员",
    "assign-manual": "人工指派（例外）",
}


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
        return f"{self.name}（{self.cert_no}）" if self.cert_no else self.name


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


@dataclass
class Outcome:
    """Everything the record, the exports and the portal show about one computed draw."""

    draw: Draw
    task: Task
    record: dict[str, Any]
    visits: list[Visit]
    strata: list[dict[str, Any]]  # neutral name, size, quota
    slots: list[dict[str, Any]]  # name, count, pool size, draw
    entropy: list[dict[str, Any]]
    events: list[EventView] = field(default_factory=list)

    @property
    def drawn_count(self) -> int:
        """How many targets are drawn (after replacements: the same number)."""
        return len(self.visits)


def mask_key(key: str) -> str:
    """A key with a resident ID number masked (DESIGN "Confidentiality"); others unchanged."""
    if len(key) == 18 and check_resident_id(key) is None:
        return key[:6] + "*" * 8 + key[-4:]
    return key


def _events(draw: Draw, record: dict[str, Any]) -> list[dict[str, Any]]:
    rows = sorted(draw.events, key=lambda e: e.seq)
    if rows:
        return [dict(e.payload) for e in rows]
    return [dict(e) for e in record.get("events", [])]


def _target_names(session: Session, draw: Draw, keys: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    if not keys:
        return names
    for key, name in session.execute(
        select(DrawnTarget.target_key, DrawnTarget.target_name).where(
            DrawnTarget.task_id == draw.task_id, DrawnTarget.target_key.in_(keys)
        )
    ):
        if name:
            names[key] = name
    missing = keys - names.keys()
    if missing:
        from spotcheck.draws.ceremony import target_names

        names.update(target_names(session, draw, sorted(missing)))
    return names


def _inspectors(session: Session, draw: Draw, keys: set[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    if keys:
        for row in session.scalars(select(Inspector).where(Inspector.key.in_(keys))):
            found[row.key] = (row.name, row.cert_no)
    # pools_info = {"slots": {slot: {"members": {key: label}, …}}, "notes": […], "borrowed": […]}
    for pool in ((draw.pools_info or {}).get("slots") or {}).values():
        for key, name in (pool.get("members") or {}).items():
            if key in keys and key not in found:
                found[key] = (str(name), "")
    return found


def build(session: Session, draw: Draw) -> Outcome:
    """The outcome of a computed (or published) draw; refuses a draw without a record."""
    if not draw.record_text:
        raise DomainError("该抽取尚未完成计算，没有抽取记录", field="状态")
    record: dict[str, Any] = json.loads(draw.record_text)
    task = session.get(Task, draw.task_id)
    assert task is not None  # the foreign key guarantees it
    manifest = record["manifest"]
    openings: dict[str, dict[str, str]] = record.get("openings", {})
    key_of = {c: o["key"] for c, o in openings.items()}

    order: list[str] = [a["target"] for a in record["assignments"]]
    groups: dict[str, list[list[str]]] = {
        a["target"]: [list(m) for m in a["inspectors"]] for a in record["assignments"]
    }
    replaced_from: dict[str, str] = {}
    raw_events = _events(draw, record)
    for event in raw_events:
        _fold(event, order, groups, replaced_from)

    inspector_keys = {key for group in groups.values() for _, key in group}
    for event in raw_events:
        if event.get("type") != "replace-target":  # there `replacement` is a target
            inspector_keys.update(
                str(event[f]) for f in ("inspector", "replacement") if event.get(f)
            )
    people = _inspectors(session, draw, inspector_keys)
    names = _target_names(session, draw, set(key_of.values()))

    def member(slot: str, key: str, leader: bool) -> Member:
        name, cert = people.get(key, (key, ""))
        return Member(slot, key, name, cert, leader)

    def target_name(c: str) -> str:
        return names.get(key_of.get(c, ""), "") or key_of.get(c, c[:12])

    visits = []
    for n, c in enumerate(order, start=1):
        group = groups[c]
        members = [member(slot, key, i == 0) for i, (slot, key) in enumerate(group)]
        prior = replaced_from.get(c, "")
        visits.append(
            Visit(
                n,
                c,
                key_of.get(c, ""),
                target_name(c),
                members,
                target_name(prior) if prior else "",
            )
        )

    events = []
    rows = {e.seq: e for e in draw.events}
    for seq, event in enumerate(raw_events, start=1):
        row = rows.get(seq)
        events.append(
            EventView(
                seq=seq,
                kind=event.get("type", ""),
                label=EVENT_LABELS.get(event.get("type", ""), event.get("type", "")),
                target=target_name(event.get("target", "")),
                detail=_detail(event, people, target_name),
                reason=(row.reason if row else "") or str(event.get("reason", "")),
                approved_by=(row.approved_by if row else "") or str(event.get("approved_by", "")),
                rule=row.rule if row else "",
                at=str(event.get("at", "")),
            )
        )
    return Outcome(
        draw=draw,
        task=task,
        record=record,
        visits=visits,
        strata=[
            {"name": s["name"], "size": len(s["candidates"]), "quota": s["quota"]}
            for s in manifest["strata"]
        ],
        slots=[
            {"name": s["name"], "count": s["count"], "pool": len(s["pool"]), "draw": s.get("draw")}
            for s in manifest["slots"]
        ],
        entropy=list(record.get("entropy", [])),
        events=events,
    )


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


def _detail(event: dict[str, Any], people: dict[str, tuple[str, str]], target_name: Any) -> str:
    def who(key: Any) -> str:
        name, cert = people.get(str(key), (str(key), ""))
        return f"{name}（{cert}）" if cert else name

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
