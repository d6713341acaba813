"""Events after the draw (spec "Events"): replace a target, replace an inspector, assign manually,
and exchange two inspectors' targets (002 第十一条第二款; two assign-manual events).

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
  the reason says why the target cannot be checked; a statement only for "其他". A reason the
  data can check is checked here, in the event's transaction (`_verified`), else refused:
  "列入免检免扰名单" needs an entry of the department's 免检免扰 list (its agencies above and
  below, as eligibility reads it) valid on the draw's day, and none of the task's items' domains
  or grounds among the rule's exceptions (002 第九条第二款); "不在可抽取状态" needs the registry to
  say so now (a status outside the profile's drawable ones). "无法联系" and "其他" stay free.
- exchange (调换检查对象（回避）): only under a profile naming `approvals.exchange_targets`
  (002 第十一条第二款); that entry names the approver. Two assign-manual events in one engine
  run and one transaction: (A, slot, i → j) and (B, slot, j → i), sharing one approval.
Refusals follow service.refuse(): a "draw.refused" audit event, nothing else written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.draws import changes, visits
from spotcheck.draws.ceremony import records, store_record
from spotcheck.draws.models import Draw, DrawEvent, DrawStatus
from spotcheck.draws.outcome import EXCHANGE_REASON
from spotcheck.draws.service import profile_of, refuse, require_status
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Conflict, Inspector
from spotcheck.plans.models import Task
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.sampling import DrawError
from spotcheck.sampling.errors import EventError
from spotcheck.targets import exemptions
from spotcheck.targets.models import Target
from spotcheck.workflow import approvals

INSPECTOR_REASONS = ("利害关系回避", "岗位调整", "工作冲突", "身体健康", "其他")
EXEMPT = "列入免检免扰名单"
NOT_DRAWABLE = "不在可抽取状态"
TARGET_REASONS = (EXEMPT, NOT_DRAWABLE, "无法联系", "其他")
OTHER = "其他"
EXCHANGE = "exchange"
KINDS = ("replace-target", "replace-inspector", "assign-manual", EXCHANGE)
# Which approvals entry of the profile governs each kind, in order of preference.
_APPROVALS = {
    "replace-target": ("replace_target",),
    "replace-inspector": ("swap_inspector",),
    "assign-manual": ("direct_assign", "swap_inspector"),
    EXCHANGE: ("exchange_targets",),
}
_ACTIONS = {
    "replace-target": "draw.replace_target",
    "replace-inspector": "draw.replace_inspector",
    "assign-manual": "draw.assign_manual",
    EXCHANGE: "draw.exchange",
}
_VERBS = {
    "replace-target": "替换检查对象",
    "replace-inspector": "替换检查人员",
    "assign-manual": "人工指派检查人员",
    EXCHANGE: "调换检查对象（回避）",
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
        where = f"{cite(rule[1])}：" if rule and kind != "replace-target" else ""
        message = f"{where}{verb}须附书面说明（原因为“{reason}”）"
        raise refuse(session, actor, draw, verb, message)
    if rule is not None and not approved_by.strip():
        raise refuse(
            session,
            actor,
            draw,
            verb,
            f"{cite(rule[1])}：{verb}须经{rule[0]}批准，请填写批准人",
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
    new: list[dict[str, Any]],
    *,
    reason: str,
    statement: str,
    approved_by: str,
    rule: _Basis,
) -> tuple[list[DrawEvent], dict[str, Any]]:
    """Recompute the records with the events appended (one engine run); store them, the
    approval (one for all of them) and the events. Returns the event rows and the public
    record. A refusal of any event writes none of them."""
    events = [*(dict(e.payload) for e in events_of(draw)), *new]
    verb = _VERBS[EXCHANGE if len(new) > 1 else new[0]["type"]]
    try:
        public = records(session, draw, events)
    except EventError as exc:
        raise refuse(session, actor, draw, verb, exc.zh) from exc
    except DrawError as exc:
        raise DomainError(f"重新计算抽取记录被拒绝：{exc.zh}") from exc
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
    rows = []
    first = len(events) - len(new)
    for n, applied in enumerate(public["events"][first:], start=first + 1):
        row = DrawEvent(
            draw_id=draw.id,
            seq=n,
            kind=applied["type"],
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
        rows.append(row)
    session.flush()
    changes.bump()
    return rows, public


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
    """Replace a drawn target by the next unused alternate of its stratum; a reason the data
    can check is checked first (module doc)."""
    profile = profile_of(session, draw)
    rule = _check(
        session,
        actor,
        draw,
        "replace-target",
        reason,
        statement,
        approved_by,
        target_reasons(profile),
    )
    visit = _current(session, actor, draw, "replace-target", target_key)
    checked = _verified(session, actor, draw, profile, visit, reason)
    if checked:
        rule = _Basis(f"{checked}；{rule.text}", rule.need, rule.approver)
    event = {
        "type": "replace-target",
        "target": visit.commitment,
        "reason": _reason_text(reason, statement),
        "approved_by": approved_by.strip(),
        "at": _at(now or utcnow()),
    }
    (row,), public = _append(
        session,
        actor,
        draw,
        [event],
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


def target_reasons(profile: Profile) -> tuple[str, ...]:
    """The replacement reasons offered under the profile: "列入免检免扰名单" only where the
    profile has the list (only 002 does; elsewhere the list exempts nobody from a draw)."""
    if profile.exclusions.exemption_list is None:
        return tuple(r for r in TARGET_REASONS if r != EXEMPT)
    return TARGET_REASONS


def draw_day(draw: Draw) -> dt.date:
    """The day of the draw (Beijing), on which an exemption must hold: the computation's."""
    moment = draw.computed_at or draw.committed_at or utcnow()
    return moment.astimezone(clock.BEIJING).date()


def _verified(
    session: Session, actor: Actor, draw: Draw, profile: Profile, visit: Current, reason: str
) -> str:
    """Check a replacement reason against the data; refuse (409, audited) when the data says
    otherwise. Returns what was checked ("" for a reason the data cannot check)."""
    verb = _VERBS["replace-target"]
    name = f"对象“{visit.name or visit.key}”"
    if reason == EXEMPT:
        why, checked = _exempt(session, draw, profile, visit.key)
        if why:
            raise refuse(session, actor, draw, verb, f"{why}，不能以“{EXEMPT}”为由替换{name}")
        return checked
    if reason == NOT_DRAWABLE:
        from spotcheck.eligibility.exclusions import status_rule

        rule = profile.exclusions.status
        department = session.get(Department, draw.department_id)
        assert department is not None
        statuses = sorted(
            set(
                session.scalars(
                    select(Target.status).where(
                        Target.department_id.in_(
                            departments_service.acting_scope(session, department)
                        ),
                        Target.key == visit.key,
                    )
                )
            )
        )
        out = [st for st in statuses if st not in rule.drawable]
        if not out:
            now = "、".join(f"“{st}”" for st in statuses) or "（名录库中未找到）"
            raise refuse(
                session,
                actor,
                draw,
                verb,
                f"{status_rule(profile)}；名录库中{name}当前状态为{now}，属于可抽取状态，"
                f"不能以“{NOT_DRAWABLE}”为由替换（状态确有变化的，请先更新名录库）",
            )
        return f"已核实：名录库状态为“{'、'.join(out)}”（{cite(rule.article)}）"
    return ""


def _exempt(session: Session, draw: Draw, profile: Profile, key: str) -> tuple[str, str]:
    """(why the target is not exempt for this task, "" when it is; what was checked)."""
    from spotcheck.eligibility import scope

    rule = profile.exclusions.exemption_list
    if rule is None:
        return "所用细则未规定免检免扰名单（平台规则（细则未规定））", ""
    where = f"{cite(rule.article)}："
    department = session.get(Department, draw.department_id)
    assert department is not None
    ids = set(department.ancestor_ids)
    ids.update(int(i) for i in session.execute(scope.subtree(department)).scalars())
    entries = exemptions.entries_for(session, sorted(ids), key)
    day = draw_day(draw)
    valid = next((e for e in entries if e.valid_on(day)), None)
    if valid is None:
        if not entries:
            return f"{where}该对象不在本部门的免检免扰名单中", ""
        found = "；".join(
            f"{e.valid_from.isoformat()}至{e.valid_until.isoformat() if e.valid_until else '长期'}"
            f"（{exemptions.status_of(e, day)}）"
            for e in entries
        )
        return f"{where}抽取日 {day.isoformat()} 该对象的免检免扰不在有效期内（{found}）", ""
    task = session.get(Task, draw.task_id)
    assert task is not None
    lifted = [
        f"事项“{item.name}”涉及{domain}"
        for item in scope.task_items(session, task)
        for domain in item.domains
        if domain in rule.except_domains
    ]
    lifted += [f"任务依据为“{g}”" for g in task.ground_list if g in rule.except_grounds]
    if lifted:
        return f"{where}{'；'.join(lifted)}，不在免检范围", ""
    until = valid.valid_until.isoformat() if valid.valid_until else "长期"
    return (
        "",
        f"已核实：列入免检免扰名单（{valid.valid_from.isoformat()}至{until}，{cite(rule.article)}）",
    )


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
    (row,), _public = _append(
        session,
        actor,
        draw,
        [event],
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
    (row,), _public = _append(
        session,
        actor,
        draw,
        [event],
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


def exchange_rule(profile: Profile) -> tuple[str, str] | None:
    """(approver, article) when the profile allows exchanging targets, else None (not offered)."""
    return approval_rule(profile, EXCHANGE)


def article_of(rule: _Basis) -> str:
    """The article of the approval rule (the exchange's own, 002 第十一条第二款)."""
    return rule.need.article if rule.need is not None else "平台规则（细则未规定）"


def exchange(
    session: Session,
    actor: Actor,
    draw: Draw,
    *,
    first_key: str,
    first_inspector: str,
    second_key: str,
    second_inspector: str,
    statement: str = "",
    approved_by: str = "",
    now: dt.datetime | None = None,
) -> tuple[DrawEvent, DrawEvent]:
    """Exchange the targets of two inspectors of the same slot (回避, 002 第十一条第二款):
    assign-manual(A, slot, i → j) and assign-manual(B, slot, j → i), in one engine run and one
    transaction, with one approval. Refused where the profile does not allow it, or where either
    event would break a conflict (回避) or put someone twice in a group."""
    verb = _VERBS[EXCHANGE]
    require_status(session, actor, draw, _OPEN, verb)
    profile = profile_of(session, draw)
    if exchange_rule(profile) is None:
        message = (
            f"所用细则（{profile.code}）未规定以交换检查对象的方式回避，"
            "请改用“替换检查人员”（平台规则（细则未规定））"
        )
        raise refuse(session, actor, draw, verb, message)
    rule = _check(
        session, actor, draw, EXCHANGE, EXCHANGE_REASON, statement, approved_by, (EXCHANGE_REASON,)
    )
    first = _current(session, actor, draw, EXCHANGE, first_key)
    second = _current(session, actor, draw, EXCHANGE, second_key)
    if first.commitment == second.commitment:
        raise DomainError("调换须在两个不同的检查对象之间进行", field="second")
    slot_i = next((slot for slot, key in first.members if key == first_inspector), None)
    slot_j = next((slot for slot, key in second.members if key == second_inspector), None)
    for slot, person, visit in (
        (slot_i, first_inspector, first),
        (slot_j, second_inspector, second),
    ):
        if slot is None:
            raise refuse(
                session,
                actor,
                draw,
                verb,
                f"检查人员 {person} 不在对象“{visit.name}”当前的检查组中（可能已被调换或替换）",
            )
    if slot_i != slot_j:
        raise DomainError(
            f"只能调换同一岗位的人员（{first_inspector} 为“{slot_i}”，"
            f"{second_inspector} 为“{slot_j}”）",
            field="second",
        )
    for person, visit in ((second_inspector, first), (first_inspector, second)):
        if any(key == person for _, key in visit.members):
            raise refuse(
                session,
                actor,
                draw,
                verb,
                f"{person} 已在对象“{visit.name}”的检查组中，调换会使其在同一检查组中出现两次",
            )
    # Conflicts declared since the commit are not in the manifest (the engine checks those): the
    # point of the exchange is recusal, so neither may land on a target they declared a conflict
    # with, whenever declared.
    for person, visit in ((second_inspector, first), (first_inspector, second)):
        declared = session.scalar(
            select(Conflict.reason)
            .join(Inspector, Inspector.id == Conflict.inspector_id)
            .where(Inspector.key == person, Conflict.target_key == visit.key.upper())
            .limit(1)
        )
        if declared is not None:
            raise refuse(
                session,
                actor,
                draw,
                verb,
                f"{person} 与对象“{visit.name}”登记有利害关系（{declared}），应当回避，"
                f"不能调换到该对象（{cite(article_of(rule))}）",
            )
    at = _at(now or utcnow())
    text = f"{EXCHANGE_REASON}（{cite(article_of(rule))}）"
    common = {"reason": text, "approved_by": approved_by.strip(), "at": at}
    new = [
        {
            "type": "assign-manual",
            "target": first.commitment,
            "slot": slot_i,
            "inspector": first_inspector,
            "replacement": second_inspector,
            **common,
        },
        {
            "type": "assign-manual",
            "target": second.commitment,
            "slot": slot_j,
            "inspector": second_inspector,
            "replacement": first_inspector,
            **common,
        },
    ]
    (one, two), _public = _append(
        session,
        actor,
        draw,
        new,
        reason=text,
        statement=statement,
        approved_by=approved_by,
        rule=rule,
    )
    for row, visit in ((one, first), (two, second)):
        visits.change_member(session, draw, row.payload)
        row.names = {visit.commitment: [visit.key, visit.name]}
    visits.rehash(session, draw)
    _audit(
        session,
        actor,
        draw,
        one,
        f"对象“{first.name}”与“{second.name}”的{slot_i}调换："
        f"{first_inspector} ⇄ {second_inspector}（事件 {one.seq}、{two.seq}，例外，非随机抽取）",
        kind=EXCHANGE,
    )
    return one, two


def _changed(session: Session, draw: Draw, row: DrawEvent, visit: Current) -> None:
    """A group changed: update the target's row and the list's hash; name the target."""
    visits.change_member(session, draw, row.payload)
    row.names = {visit.commitment: [visit.key, visit.name]}
    visits.rehash(session, draw)


def _reason_text(reason: str, statement: str) -> str:
    # The record is public: it carries the reason only; the statement stays on the event row.
    return reason if reason != OTHER else f"{OTHER}：{statement.strip()[:100]}"


def _audit(
    session: Session, actor: Actor, draw: Draw, row: DrawEvent, what: str, kind: str = ""
) -> None:
    audit_service.record(
        session,
        actor,
        _ACTIONS[kind or row.kind],
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：事件 {row.seq}：{what}；原因：{row.reason}；{row.rule}"[:400],
        after={"seq": row.seq, "event": row.payload, "approved_by": row.approved_by},
    )
