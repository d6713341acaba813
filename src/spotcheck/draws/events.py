"""Events after the draw (spec "Events"): replace a target, replace an inspector, assign manually.

Each event is appended to the draw's record: the engine recomputes the record from the same
manifest and entropy with every event so far, and derives the replacement itself (the next
unused alternate of the stratum, the next eligible inspector in the target's ranking). The seed
and the selection never change; the stored public and auditor records grow by one event.

Who must approve and whether a written statement (书面说明) is needed are read from the profile:
- replace-inspector: the profile's `approvals.swap_inspector` names the approver; a statement is
  required when that rule's note or article asks for one (002 第十一条: "提交书面说明").
- assign-manual: an exception decided by a person, never by lot. The approver is
  `approvals.direct_assign` (002 第十条 直接委派 after 局主要领导), else the one who may change a
  group (`swap_inspector`); the approver and the statement (the 工作说明) are always required.
- replace-target: `approvals.replace_target` when a profile names one (none of the five does):
  the reason says why the target cannot be checked; a statement only for "其他".
Refusals follow service.refuse(): a "draw.refused" audit event, nothing else written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.draws import changes, visits
from spotcheck.draws.ceremony import records, store_record
from spotcheck.draws.models import Draw, DrawEvent, DrawStatus
from spotcheck.draws.service import profile_of, refuse, require_status
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Inspector
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.sampling import DrawError
from spotcheck.sampling.errors import EventError
from spotcheck.workflow import approvals

INSPECTOR_REASONS = ("利害关系回避", "岗位调整", "工作冲突", "身体健康", "其他")
TARGET_REASONS = ("列入免检免扰名单", "不在可抽取状态", "无法联系或已注销", "其他")
OTHER = "其他"
KINDS = ("replace-target", "replace-inspector", "assign-manual")
# Which approvals entry of the profile governs each kind, in order of preference.
_APPROVALS = {
    "replace-target": ("replace_target",),
    "replace-inspector": ("swap_inspector",),
    "assign-manual": ("direct_assign", "swap_inspector"),
}
_ACTIONS = {
    "replace-target": "draw.replace_target",
    "replace-inspector": "draw.replace_inspector",
    "assign-manual": "draw.assign_manual",
}
_VERBS = {
    "replace-target": "替换检查对象",
    "replace-inspector": "替换检查人员",
    "assign-manual": "人工指派检查人员",
}
_OPEN = {DrawStatus.COMPUTED, DrawStatus.PUBLISHED}


def approval_rule(profile: Profile, kind: str) -> tuple[str, str] | None:
    """(approver level, article) the profile names for an event kind; None when it names none."""
    need = _requirement(profile, kind)
    return (need.by, need.article) if need is not None else None


def _requirement(profile: Profile, kind: str) -> approvals.Requirement | None:
    for name in _APPROVALS.get(kind, ()):
        need = approvals.requirement(profile, name)
        if need is not None:
            return need
    return None


@dataclass(frozen=True)
class _Basis:
    """What `_check` found: the rule text and, where the profile names a level, the approver."""

    text: str
    need: approvals.Requirement | None = None
    approver: User | None = None


def approvers(session: Session, draw: Draw) -> dict[str, list[User]]:
    """Accounts that may approve each event kind (and "borrow") for the draw's department."""
    profile = profile_of(session, draw)
    department = session.get(Department, draw.department_id)
    if department is None:
        return {}
    needs = {"borrow": approvals.requirement(profile, "borrow")}
    needs |= {kind: _requirement(profile, kind) for kind in KINDS}
    return approvals.eligible(
        session, {k: n for k, n in needs.items() if n is not None}, department
    )


def statement_required(profile: Profile, kind: str, reason: str) -> bool:
    """Whether a written statement (书面说明) must come with the event (see module doc)."""
    if reason == OTHER or kind == "assign-manual":
        return True
    if kind == "replace-inspector":
        rule = profile.approvals.get("swap_inspector")
        return rule is not None and "书面说明" in f"{rule.note or ''}{rule.article}"
    return False


def events_of(draw: Draw) -> list[DrawEvent]:
    """The draw's events in the order they were applied."""
    return sorted(draw.events, key=lambda e: e.seq)


def _at(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check(
    session: Session,
    actor: Actor,
    draw: Draw,
    kind: str,
    reason: str,
    statement: str,
    approved_by: str,
    reasons: tuple[str, ...],
) -> _Basis:
    """Refuse a wrong state or a missing approval; return the rule ("依据 …：…") and approver."""
    verb = _VERBS[kind]
    require_status(session, actor, draw, _OPEN, verb)
    if reason not in reasons:
        raise DomainError(f"原因应为：{'、'.join(reasons)}（现为“{reason}”）", field="reason")
    profile = profile_of(session, draw)
    rule = approval_rule(profile, kind)
    if statement_required(profile, kind, reason) and not statement.strip():
        where = f"依据 {rule[1]}：" if rule and kind != "replace-target" else ""
        message = f"{where}{verb}须附书面说明（原因为“{reason}”）"
        raise refuse(session, actor, draw, verb, message)
    if rule is not None and not approved_by.strip():
        raise refuse(
            session,
            actor,
            draw,
            verb,
            f"依据 {rule[1]}：{verb}须经{rule[0]}批准，请填写批准人",
        )
    if rule is None and kind == "assign-manual" and not approved_by.strip():
        raise refuse(session, actor, draw, verb, "人工指派是例外，须填写批准人")
    need = _requirement(profile, kind)
    if need is None:
        return _Basis("细则未规定审批层级")
    department = session.get(Department, draw.department_id)
    assert department is not None
    approver = approvals.find_approver(session, approved_by, department)
    why = (
        f"未找到批准人“{approved_by.strip()}”的账号"
        if approver is None
        else approvals.refusal(approver, need, department)
    )
    if why:
        raise refuse(session, actor, draw, verb, approvals.message(need, verb, why))
    return _Basis(f"{cite(need.article)}：须经{need.by}批准", need, approver)


@dataclass
class Current:
    """A target drawn now (after the events so far) with its current group."""

    commitment: str
    key: str
    name: str
    members: list[tuple[str, str]]  # (slot, inspector key), the 组长 first


def current(session: Session, draw: Draw) -> list[Current]:
    """Every target of a computed draw after its events, in visit order, with its group (for
    the CLI and tests; pages read `visits.page`, a page at a time)."""
    return [
        Current(v.commitment, v.key, v.name, [(m.slot, m.key) for m in v.members])
        for v in visits.every(session, draw)
    ]


def _current(session: Session, actor: Actor, draw: Draw, kind: str, target_key: str) -> Current:
    """The target as drawn now; one not (or no longer) on the list is a refusal (409, audited):
    of two concurrent replacements of one target, the second finds it already replaced."""
    visit = visits.find(session, draw, target_key.strip())
    if visit is not None:
        return Current(
            visit.commitment, visit.key, visit.name, [(m.slot, m.key) for m in visit.members]
        )
    raise refuse(
        session,
        actor,
        draw,
        _VERBS[kind],
        f"对象 {target_key} 不在抽取 {draw.code} 当前的检查名单中（未被抽中或已被替换）",
    )


def _append(
    session: Session,
    actor: Actor,
    draw: Draw,
    event: dict[str, Any],
    *,
    reason: str,
    statement: str,
    approved_by: str,
    rule: _Basis,
) -> tuple[DrawEvent, dict[str, Any]]:
    """Recompute the records with the event appended (one engine run); store them, the
    approval and the event. Returns the event row and the public record."""
    events = [*(dict(e.payload) for e in events_of(draw)), event]
    verb = _VERBS[event["type"]]
    try:
        public = records(session, draw, events)
    except EventError as exc:
        raise refuse(session, actor, draw, verb, exc.zh) from exc
    except DrawError as exc:
        raise DomainError(f"重新计算抽取记录被拒绝：{exc.zh}") from exc
    applied: dict[str, Any] = public["events"][-1]
    store_record(session, draw, public)
    approval = None
    if rule.need is not None:
        department = session.get(Department, draw.department_id)
        assert department is not None
        approval = approvals.record(
            session,
            actor,
            rule.need,
            subject_type="draw",
            subject_id=draw.id,
            department=department,
            approver=rule.approver,
            approver_name=approved_by.strip(),
        )
    row = DrawEvent(
        draw_id=draw.id,
        seq=len(events),
        kind=event["type"],
        payload=applied,
        reason=reason[:300],
        statement=statement.strip(),
        approved_by=approved_by.strip()[:60],
        approval_id=approval.id if approval is not None else None,
        rule=rule.text[:200],
        recorded_by=actor.name[:60],
        at=utcnow(),
    )
    session.add(row)
    draw.events.append(row)
    session.flush()
    changes.bump()
    return row, public


def replace_target(
    session: Session,
    actor: Actor,
    draw: Draw,
    *,
    target_key: str,
    reason: str,
    statement: str = "",
    approved_by: str = "",
    now: dt.datetime | None = None,
) -> DrawEvent:
    """Replace a drawn target by the next unused alternate of its stratum."""
    rule = _check(
        session, actor, draw, "replace-target", reason, statement, approved_by, TARGET_REASONS
    )
    visit = _current(session, actor, draw, "replace-target", target_key)
    event = {
        "type": "replace-target",
        "target": visit.commitment,
        "reason": _reason_text(reason, statement),
        "approved_by": approved_by.strip(),
        "at": _at(now or utcnow()),
    }
    row, public = _append(
        session,
        actor,
        draw,
        event,
        reason=reason,
        statement=statement,
        approved_by=approved_by,
        rule=rule,
    )
    new_key = public["openings"][row.payload["replacement"]]["key"]
    name = visits.replace_target(session, draw, row.payload, new_key)
    row.names = {
        visit.commitment: [visit.key, visit.name],
        row.payload["replacement"]: [new_key, name],
    }
    visits.rehash(session, draw)
    _audit(
        session, actor, draw, row, f"{visit.name}（{target_key}）由候补对象 {name or new_key} 替换"
    )
    return row


def replace_inspector(
    session: Session,
    actor: Actor,
    draw: Draw,
    *,
    target_key: str,
    inspector_key: str,
    reason: str,
    statement: str = "",
    approved_by: str = "",
    now: dt.datetime | None = None,
) -> DrawEvent:
    """Replace an inspector of a target's group by the next eligible one in its ranking."""
    rule = _check(
        session,
        actor,
        draw,
        "replace-inspector",
        reason,
        statement,
        approved_by,
        INSPECTOR_REASONS,
    )
    visit = _current(session, actor, draw, "replace-inspector", target_key)
    slot = next((slot for slot, key in visit.members if key == inspector_key), None)
    if slot is None:
        raise DomainError(
            f"检查人员 {inspector_key} 不在对象“{visit.name}”的检查组中", field="inspector_key"
        )
    event = {
        "type": "replace-inspector",
        "target": visit.commitment,
        "slot": slot,
        "inspector": inspector_key,
        "reason": _reason_text(reason, statement),
        "approved_by": approved_by.strip(),
        "at": _at(now or utcnow()),
    }
    row, _public = _append(
        session,
        actor,
        draw,
        event,
        reason=reason,
        statement=statement,
        approved_by=approved_by,
        rule=rule,
    )
    _changed(session, draw, row, visit)
    _audit(
        session,
        actor,
        draw,
        row,
        f"对象“{visit.name}”的{slot} {inspector_key} 由 {row.payload['replacement']} 替换",
    )
    return row


def assign_manual(
    session: Session,
    actor: Actor,
    draw: Draw,
    *,
    target_key: str,
    slot: str,
    inspector_key: str,
    reason: str,
    statement: str,
    approved_by: str,
    replaces: str | None = None,
    now: dt.datetime | None = None,
) -> DrawEvent:
    """Assign `inspector_key` to a target's slot by hand (an exception), in place of `replaces`
    when given, else as an additional member."""
    rule = _check(
        session, actor, draw, "assign-manual", reason, statement, approved_by, INSPECTOR_REASONS
    )
    visit = _current(session, actor, draw, "assign-manual", target_key)
    person = session.scalar(select(Inspector).where(Inspector.key == inspector_key))
    if person is None:
        raise DomainError(f"执法检查人员名录中没有 {inspector_key}", field="inspector_key")
    if replaces and (slot, replaces) not in visit.members:
        raise DomainError(
            f"检查人员 {replaces} 不在对象“{visit.name}”检查组的岗位“{slot}”中", field="replaces"
        )
    event: dict[str, Any] = {
        "type": "assign-manual",
        "target": visit.commitment,
        "slot": slot,
        "replacement": inspector_key,
        "reason": _reason_text(reason, statement),
        "approved_by": approved_by.strip(),
        "at": _at(now or utcnow()),
    }
    if replaces:
        event["inspector"] = replaces
    row, _public = _append(
        session,
        actor,
        draw,
        event,
        reason=reason,
        statement=statement,
        approved_by=approved_by,
        rule=rule,
    )
    _changed(session, draw, row, visit)
    how = f"替换 {replaces}" if replaces else "增派"
    _audit(
        session,
        actor,
        draw,
        row,
        f"对象“{visit.name}”的{slot}人工指派 {person.name}（{how}，例外，非随机抽取）",
    )
    return row


def _changed(session: Session, draw: Draw, row: DrawEvent, visit: Current) -> None:
    """A group changed: update the target's row and the list's hash; name the target."""
    visits.change_member(session, draw, row.payload)
    row.names = {visit.commitment: [visit.key, visit.name]}
    visits.rehash(session, draw)


def _reason_text(reason: str, statement: str) -> str:
    # The record is public: it carries the reason only; the statement stays on the event row.
    return reason if reason != OTHER else f"{OTHER}：{statement.strip()[:100]}"


def _audit(session: Session, actor: Actor, draw: Draw, row: DrawEvent, what: str) -> None:
    audit_service.record(
        session,
        actor,
        _ACTIONS[row.kind],
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：事件 {row.seq}：{what}；原因：{row.reason}；{row.rule}"[:400],
        after={"seq": row.seq, "event": row.payload, "approved_by": row.approved_by},
    )
