"""Inspector pools of a draw: the profile's group slots filled from the registry, with who was
left out and why (001 第十五、十七、十八条; 002 第九、十条; 004 二（四）（五）)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.inspectors.models import Conflict, Inspector
from spotcheck.inspectors.service import certificate_problem, reasons_for
from spotcheck.plans.models import Task
from spotcheck.rulebooks.schema import Profile, Slot, cite

JOINT_PREFIX = "参与部门："


@dataclass
class PoolSlot:
    """One manifest slot: its rule, pool (inspector keys), `draw` and who was left out and why."""

    name: str
    count: int
    article: str
    rule: str
    pool: list[str] = field(default_factory=list)
    draw: int | None = None
    left_out: dict[str, str] = field(default_factory=dict)  # key -> reason
    names: dict[str, str] = field(default_factory=dict)  # key -> "name（department）"
    borrowed: list[dict[str, Any]] = field(default_factory=list)

    def manifest_slot(self) -> dict[str, Any]:
        """The slot as build_manifest takes it."""
        out: dict[str, Any] = {"name": self.name, "count": self.count, "pool": list(self.pool)}
        if self.draw is not None:
            out["draw"] = self.draw
        return out


@dataclass
class SlotPlan:
    """The slots in profile order, notes (omitted optional slots), problems (short required ones)."""

    slots: list[PoolSlot]
    notes: list[str]
    problems: list[str]

    def info(self) -> dict[str, Any]:
        """What the pages show about each pool (stored in Draw.pools_info)."""
        return {
            s.name: {
                "article": s.article,
                "rule": s.rule,
                "count": s.count,
                "draw": s.draw,
                "members": s.names,
                "left_out": s.left_out,
                "borrowed": s.borrowed,
            }
            for s in self.slots
        }


def expert_draw(slot: Slot, pool_size: int, total_quota: int) -> int:
    """N experts drawn first (004 二（五）): enough for one per two targets, never below count."""
    # 004 leaves the number open ("一定数量"); one expert per two targets keeps the load light
    # while leaving part of the pool undrawn, which is what drawing experts first is for.
    return min(pool_size, max(slot.count, math.ceil(total_quota / 2)))


def _own_agency_ids(session: Session, department: Department) -> list[int]:
    # The 组长 comes from the initiating department itself: its agency and that agency's 科室,
    # not the lower-level agencies below it (001 第十八条).
    agency = departments_service.agency_of(session, department)
    out = []
    for dep_id in departments_service.subtree_ids(session, agency):
        dep = session.get(Department, dep_id)
        if dep is not None and departments_service.agency_of(session, dep).id == agency.id:
            out.append(dep_id)
    return out


def slot_groups(
    session: Session, task: Task, profile: Profile
) -> list[tuple[Slot, list[tuple[str, Department, list[int]]]]]:
    """Each profile slot with its manifest slots: (name, the department that owns it, the
    departments whose people fill it). A per-department slot has one per participant (001 第十五条);
    an on-request auxiliary slot is there only when the task asks for it (002 第九条第六款)."""
    initiator = session.get(Department, task.department_id)
    if initiator is None:
        raise DomainError("未找到发起部门")
    subtree = departments_service.acting_scope(session, initiator)
    own = _own_agency_ids(session, initiator)
    participants = [session.get(Department, p.department_id) for p in task.participants]
    out: list[tuple[Slot, list[tuple[str, Department, list[int]]]]] = []
    for rule in profile.group.slots:
        if rule.on_request and not task.auxiliary_experts:
            continue
        if rule.per_department:
            groups = [
                (f"{JOINT_PREFIX}{d.name}", d, departments_service.acting_scope(session, d))
                for d in participants
                if d is not None
            ]
        else:
            groups = [(rule.name, initiator, own if rule.leader else subtree)]
        out.append((rule, groups))
    return out


def _inspectors(session: Session, department_ids: Sequence[int]) -> list[Inspector]:
    query = select(Inspector).where(Inspector.department_id.in_(department_ids))
    return list(session.scalars(query.order_by(Inspector.key)))


def _fill(
    session: Session,
    slot: PoolSlot,
    rule: Slot,
    people: list[Inspector],
    taken: dict[str, str],
    on: dt.date,
    source: str = "",
) -> None:
    reasons = reasons_for(session, people, on)
    for person in people:
        label = f"{person.name}（{person.department.name}）"
        why = _why_not(rule, person, reasons[person.id], taken, on)
        if why:
            slot.left_out.setdefault(person.key, f"{label}：{why}")
            continue
        slot.pool.append(person.key)
        slot.names[person.key] = label + (f"，{source}" if source else "")
        taken[person.key] = slot.name


def leader_basis(rule: Slot) -> str:
    """Why the 组长's slot takes only certified people: the profile's article, else the platform's."""
    if rule.certificate_article:
        return f"{cite(rule.certificate_article)}"
    return "平台规则（细则未规定）：组长带队现场检查，须出示执法证件"


def _why_not(
    rule: Slot, person: Inspector, reasons: list[str], taken: dict[str, str], on: dt.date
) -> str:
    if person.key in taken:
        return f"已在岗位“{taken[person.key]}”的人员库中（各岗位人员库不得重叠）"
    if rule.expert and not person.auxiliary:
        return f"不是专家或专业机构（岗位“{rule.name}”只抽专家，{cite(rule.article)}）"
    if not rule.expert and person.auxiliary:
        return f"专家/专业机构不作为执法检查人员（{cite(rule.article)}）"
    if rule.ranks and person.rank not in rule.ranks:
        wanted = "、".join(rule.ranks)
        return f"职级为“{person.rank or '未填'}”，岗位要求 {wanted}（{cite(rule.article)}）"
    if rule.leader and (problem := certificate_problem(person, on)):
        # The group leader is the first of this slot (spec "Matching"): everyone in it must be able
        # to lead an on-site check, even where the rulebook admits uncertified members (001 第十条).
        others = [r for r in reasons if "执法证" not in r]
        return "；".join([*others, f"{problem}，不能进入组长所在岗位（{leader_basis(rule)}）"])
    if reasons:
        return "；".join(reasons)
    return ""


def build_slots(
    session: Session,
    task: Task,
    profile: Profile,
    on: dt.date,
    *,
    total_quota: int = 0,
    borrowed: Sequence[dict[str, Any]] = (),
) -> SlotPlan:
    """The manifest slots in profile order with pools, left-out people and reasons.

    `borrowed`: approved borrowings [{"slot", "department_id", "approved_by", "document",
    "rule"}] whose department's eligible people join that slot's pool.
    """
    taken: dict[str, str] = {}
    plan = SlotPlan([], [], [])
    for rule in profile.group.on_request:
        plan.notes.append(_on_request_note(rule, task.auxiliary_experts))
    for rule, groups in slot_groups(session, task, profile):
        if rule.per_department and not groups:
            plan.notes.append(
                f"岗位“{rule.name}”按参与部门分别匹配，本任务没有参与部门，不设此岗位（{cite(rule.article)}）"
            )
        for name, _owner, department_ids in groups:
            slot = PoolSlot(name, rule.count, rule.article, _rule_text(rule))
            _fill(session, slot, rule, _inspectors(session, department_ids), taken, on)
            for loan in borrowed:
                if loan["slot"] == name:
                    lender = session.get(Department, loan["department_id"])
                    if lender is None:
                        continue
                    people = _inspectors(session, departments_service.subtree_ids(session, lender))
                    source = f"借调自{lender.name}（{loan['approved_by']}批准，{loan['rule']}）"
                    _fill(session, slot, rule, people, taken, on, source)
                    slot.borrowed.append(dict(loan))
            slot.pool.sort()
            _settle(plan, slot, rule, profile, total_quota)
    return plan


def _on_request_note(rule: Slot, chosen: bool) -> str:
    if chosen:
        return f"本任务选择配备“{rule.name}”（细则规定需要时可以配备，{cite(rule.article)}）"
    return (
        f"本任务未选择配备“{rule.name}”，检查组不设此岗位（细则规定需要时才配备，{cite(rule.article)}；"
        "可在任务中勾选“配备辅助专家”）"
    )


def _rule_text(rule: Slot) -> str:
    parts = [f"每个检查对象 {rule.count} 人"]
    if rule.ranks:
        parts.append("职级：" + "、".join(rule.ranks))
    if rule.expert:
        parts.append("专家库")
    if rule.leader:
        parts.append("组长由发起部门人员担任")
        parts.append(f"组长出自本岗位，须持有效执法证（{leader_basis(rule)}）")
    if rule.role == "auxiliary":
        parts.append("辅助人员，不计入两名执法人员")
    return f"{'，'.join(parts)}（{cite(rule.article)}）"


def _settle(plan: SlotPlan, slot: PoolSlot, rule: Slot, profile: Profile, quota: int) -> None:
    if not slot.pool and rule.optional:
        plan.notes.append(
            f"可选岗位“{slot.name}”没有符合条件的人员，本次不设此岗位（{cite(rule.article)}）"
        )
        return
    if len(slot.pool) < slot.count:
        remedy = profile.approvals.get("borrow")
        fix = (
            f"可经{remedy.by}批准后从其他部门借调人员补充（{cite(remedy.article)}）"
            if remedy
            else "请补充执法检查人员名录库后再抽取（本细则未规定借调）"
        )
        plan.problems.append(
            f"岗位“{slot.name}”符合条件的人员只有 {len(slot.pool)} 名，"
            f"每个检查对象需要 {slot.count} 名（{cite(rule.article)}）；{fix}"
        )
    if rule.draw_first and len(slot.pool) >= slot.count:
        slot.draw = expert_draw(rule, len(slot.pool), quota)
    plan.slots.append(slot)


def conflict_pairs(
    session: Session, plan: SlotPlan, target_keys: set[str]
) -> list[tuple[str, str]]:
    """Declared conflicts between pool members and candidates: (inspector key, target key)."""
    members = {key for slot in plan.slots for key in slot.pool}
    if not members or not target_keys:
        return []
    rows = session.execute(
        select(Inspector.key, Conflict.target_key)
        .join(Conflict, Conflict.inspector_id == Inspector.id)
        .where(Inspector.key.in_(members))
    )
    return sorted({(i, t) for i, t in rows if t in target_keys})
