"""Which departments may lend inspectors to a slot of a draw (001 第十七条, 002 第十条).

One check serves both the list the draw page offers and the borrowing itself, so the page never
offers a department the borrowing would refuse. A slot is checked against the department that
owns it: in a joint task, a participant's slot against that participant (001 第十七条 speaks of
each department's own registry), not against the initiating department.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.draws import pools
from spotcheck.plans.models import Task
from spotcheck.rulebooks.schema import Approval, Profile, cite

# GB/T 2260: the first two digits name the province, the first four the city.
_PREFIX = {"province": (2, "省"), "city": (4, "市")}


@dataclass(frozen=True)
class SlotOwner:
    """A manifest slot's owner and the departments whose people are in its pool already."""

    name: str
    owner: Department
    department_ids: frozenset[int]


def owners(session: Session, task: Task, profile: Profile) -> dict[str, SlotOwner]:
    """Every manifest slot of the task by name, in group order."""
    return {
        name: SlotOwner(name, owner, frozenset(ids))
        for _rule, groups in pools.slot_groups(session, task, profile)
        for name, owner, ids in groups
    }


def refusal(rule: Approval, slot: SlotOwner, lender: Department) -> str:
    """Why `lender` may not lend to the slot under the profile's borrowing rule ("" when it may)."""
    owner = slot.owner
    if lender.id in slot.department_ids:
        return f"{lender.name}的人员已在岗位“{slot.name}”的人员库中，不必借调"
    if not lender.active:
        return f"{lender.name}已停用，不能借调其人员"
    if rule.same_industry and (not owner.industry or lender.industry != owner.industry):
        return (
            f"{cite(rule.industry_article or rule.article)}：只能从同行业部门借调（岗位“{slot.name}”属于{owner.name}，"
            f"行业为“{owner.industry or '未填'}”；{lender.name}的行业为“{lender.industry or '未填'}”）"
        )
    if rule.within != "any":
        digits, word = _PREFIX[rule.within]
        mine, theirs = owner.region_code[:digits], lender.region_code[:digits]
        if len(mine) < digits or mine != theirs:
            return (
                f"{cite(rule.within_article or rule.article)}：只能从本{word}的部门借调"
                f"（{owner.name}的行政区划代码为 {owner.region_code or '未填'}，"
                f"{lender.name}为 {lender.region_code or '未填'}）"
            )
    return ""


def lenders(session: Session, task: Task, profile: Profile) -> dict[str, list[Department]]:
    """For each manifest slot, the departments it may borrow from (empty without a rule)."""
    rule = profile.approvals.get("borrow")
    if rule is None:
        return {}
    everyone = session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.path)
    ).all()
    out: dict[str, list[Department]] = {}
    for name, slot in owners(session, task, profile).items():
        out[name] = [d for d in everyone if not refusal(rule, slot, d)]
    return out
