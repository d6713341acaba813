"""Annual plan verbs: versions per department and year, and the workflow
draft → submitted → approved → filed (备案) → published; an adjustment is a new version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, NotFound
from spotcheck.plans import findings, readiness, workflow
from spotcheck.plans.models import EDITABLE, AnnualPlan, PlanStatus
from spotcheck.plans.readiness import DrawCheck, DueInfo, draw_blockers, draw_check, due_info
from spotcheck.plans.workflow import PLAN
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import Profile, Step, cite
from spotcheck.workflow import approvals
from spotcheck.workflow import service as workflow_service
from spotcheck.workflow.machine import Basis
from spotcheck.workflow.models import WorkflowStep

__all__ = ["DrawCheck", "DueInfo", "draw_blockers", "draw_check", "due_info"]  # re-exported


def profile_of(session: Session, plan: AnnualPlan) -> Profile:
    """The profile the plan was made under (its pinned version)."""
    return pinned.plan_profile(session, plan)


def get_or_404(session: Session, plan_id: int, scope: Sequence[int] | None) -> AnnualPlan:
    """The plan if the user's departments (or the agency their section acts for) own it."""
    plan = session.get(AnnualPlan, plan_id)
    visible = scope
    if plan is None or (visible is not None and plan.department_id not in visible):
        raise NotFound("未找到该年度计划，或您无权查看")
    return plan


def get_all(
    session: Session, scope: Sequence[int] | None, year: int | None = None
) -> list[AnnualPlan]:
    """Plans in scope: newest year first, each department's versions together (newest first)."""
    query = select(AnnualPlan).join(Department, Department.id == AnnualPlan.department_id)
    visible = scope
    if visible is not None:
        query = query.where(AnnualPlan.department_id.in_(visible))
    if year is not None:
        query = query.where(AnnualPlan.year == year)
    query = query.order_by(AnnualPlan.year.desc(), Department.path, AnnualPlan.version.desc())
    return list(session.scalars(query))


def _live(session: Session, department_id: int, year: int) -> list[AnnualPlan]:
    return list(
        session.scalars(
            select(AnnualPlan)
            .where(
                AnnualPlan.department_id == department_id,
                AnnualPlan.year == year,
                AnnualPlan.status != PlanStatus.SUPERSEDED,
            )
            .order_by(AnnualPlan.version.desc())
        )
    )


def current(session: Session, department: Department, year: int) -> AnnualPlan | None:
    """The live version: the one in force (filed/published) while an adjustment is pending."""
    live = _live(session, department.id, year)
    in_force = [p for p in live if p.status in (PlanStatus.FILED, PlanStatus.PUBLISHED)]
    found = in_force or live
    return found[0] if found else None


def _next_version(session: Session, department_id: int, year: int) -> int:
    top = session.scalar(
        select(func.max(AnnualPlan.version)).where(
            AnnualPlan.department_id == department_id, AnnualPlan.year == year
        )
    )
    return (top or 0) + 1


class PlanExists(DomainError):
    """The department already has a current plan for the year (`plan_id`, to link to)."""

    def __init__(self, message: str, *, plan_id: int) -> None:
        super().__init__(message, field="year")
        self.plan_id = plan_id


def _label(plan: AnnualPlan) -> str:
    return f"“{plan.title}”（第 {plan.version} 版，{plan.status_label}）"


def create(
    session: Session,
    actor: Actor,
    department: Department,
    *,
    year: int,
    title: str,
    description: str = "",
) -> AnnualPlan:
    """Start a draft plan for the department and year under its adopted profile."""
    if not 2000 <= int(year) <= 2100:
        raise DomainError("计划年度应为 2000–2100 之间的年份", field="year")
    title = title.strip()
    if not title:
        raise DomainError("请填写计划名称", field="title")
    if len(title) > 200:
        raise DomainError("计划名称不能超过 200 个字", field="title")
    profile = rulebooks_service.profile_for(session, department)
    version = rulebooks_service.version_for(session, department)
    existing = _live(session, department.id, year)
    if existing:
        raise PlanExists(
            f"{department.name} {year} 年已有年度计划{_label(existing[0])}；"
            "每个部门每年只有一份现行计划，如需变更请在该计划上“调整”",
            plan_id=existing[0].id,
        )
    plan = AnnualPlan(
        department_id=department.id,
        year=int(year),
        version=_next_version(session, department.id, year),
        title=title,
        description=description.strip(),
        profile_code=profile.code,
        profile_version_id=version.id,
        created_by=actor.name,
    )
    session.add(plan)
    session.flush()
    workflow_service.start(session, PLAN, plan, actor, "create", _plan_rule(profile))
    readiness.open_plan_due(session, plan)
    audit_service.record(
        session,
        actor,
        "plan.create",
        object_type="annual_plan",
        object_id=plan.id,
        summary=f"新建 {department.name} {year} 年度抽查计划“{title}”（细则 {profile.code}）",
    )
    return plan


def _plan_rule(profile: Profile) -> Basis:
    return Basis(profile.plan.article, profile.plan.note or "按年度抽查计划开展抽查")


def update(
    session: Session, actor: Actor, plan: AnnualPlan, *, title: str, description: str
) -> None:
    """Change the title and description of a draft or returned plan."""
    _editable(session, actor, plan)
    title = title.strip()
    if not title:
        raise DomainError("请填写计划名称", field="title")
    before = {"title": plan.title, "description": plan.description}
    plan.title, plan.description = title[:200], description.strip()
    session.flush()
    audit_service.record(
        session,
        actor,
        "plan.update",
        object_type="annual_plan",
        object_id=plan.id,
        summary=f"修改年度计划“{plan.title}”",
        before=before,
        after={"title": plan.title, "description": plan.description},
    )


def _editable(session: Session, actor: Actor, plan: AnnualPlan) -> None:
    """Lock and re-read the plan; one no longer editable is an audited refusal (409)."""
    workflow_service.lock(session, plan)
    if plan.status not in EDITABLE:
        raise workflow_service.refuse(
            session,
            PLAN,
            plan,
            actor,
            "update",
            f"年度计划当前为“{plan.status_label}”，只有草稿或已退回的计划可以修改；"
            "已备案或已公开的计划请使用“调整”生成新版本",
        )


def _basis(step: Step, text: str) -> Basis:
    return Basis(step.article, text)


def _move(
    session: Session, actor: Actor, plan: AnnualPlan, to: PlanStatus, summary: str, **details: Any
) -> WorkflowStep:
    return workflow_service.move(session, PLAN, plan, to, actor, summary=summary, **details)


def submit(session: Session, actor: Actor, plan: AnnualPlan, opinion: str = "") -> WorkflowStep:
    """Send the plan for approval: refused with every blocker of plans.findings (the same list the
    plan page shows), each with its article."""
    profile = profile_of(session, plan)
    approval = profile.plan.approval
    rule = _basis(approval, f"年度计划报{approval.by}审定")
    workflow_service.guard(session, PLAN, plan, PlanStatus.SUBMITTED, actor, rule)
    found = findings.for_submission(session, plan)
    if not found.ok:
        raise DomainError(found.refusal())
    return _move(
        session,
        actor,
        plan,
        PlanStatus.SUBMITTED,
        f"提交年度计划“{plan.title}”报{approval.by}审定",
        opinion=opinion,
        rule=rule,
    )


def _department(session: Session, plan: AnnualPlan) -> Department:
    department = session.get(Department, plan.department_id)
    assert department is not None
    return department


def _need(profile: Profile) -> approvals.Requirement:
    need = approvals.requirement(profile, "plan")
    assert need is not None
    return need


def can_approve(session: Session, user: User, plan: AnnualPlan) -> bool:
    """Whether the user may approve or return the plan (level and department, per the profile)."""
    need = _need(profile_of(session, plan))
    return approvals.refusal(user, need, _department(session, plan)) is None


def approve(
    session: Session,
    actor: Actor,
    user: User,
    plan: AnnualPlan,
    opinion: str = "",
    document_no: str = "",
) -> WorkflowStep:
    """A leader approves at the profile's level; an external approval (001: 市人民政府) needs its 文号."""
    profile = profile_of(session, plan)
    need = _need(profile)
    rule = _basis(profile.plan.approval, f"年度计划由{need.by}审定")
    workflow_service.guard(session, PLAN, plan, PlanStatus.APPROVED, actor, rule)
    department = _department(session, plan)
    approvals.check(user, need, department, "批准年度计划")
    if need.external and not document_no.strip():
        raise DomainError(
            f"年度计划由{need.by}审定（{cite(need.article)}），请填写审定文号",
            field="document_no",
        )
    given = approvals.record(
        session,
        actor,
        need,
        subject_type=PLAN.subject_type,
        subject_id=plan.id,
        department=department,
        approver=None if need.external else user,
        approver_name="" if need.external else user.full_name,
        document_no=document_no,
    )
    return _move(
        session,
        actor,
        plan,
        PlanStatus.APPROVED,
        f"批准年度计划“{plan.title}”"
        + (f"（{need.by}审定，文号 {document_no.strip()}）" if need.external else ""),
        user=user,
        opinion=opinion,
        document_no=document_no,
        on_behalf_of=need.by if need.external else "",
        approval=given,
        rule=rule,
    )


def return_(
    session: Session, actor: Actor, user: User, plan: AnnualPlan, opinion: str
) -> WorkflowStep:
    """A leader sends the plan back with an opinion; it can be changed and submitted again."""
    profile = profile_of(session, plan)
    need = _need(profile)
    rule = _basis(profile.plan.approval, f"年度计划由{need.by}审定")
    workflow_service.guard(session, PLAN, plan, PlanStatus.RETURNED, actor, rule)
    approvals.check(user, need, _department(session, plan), "退回年度计划")
    if not opinion.strip():
        raise DomainError("退回时请填写审批意见，说明需要修改的地方", field="opinion")
    return _move(
        session,
        actor,
        plan,
        PlanStatus.RETURNED,
        f"退回年度计划“{plan.title}”：{opinion.strip()[:80]}",
        user=user,
        opinion=opinion,
        rule=rule,
    )


def file(session: Session, actor: Actor, plan: AnnualPlan, document_no: str = "") -> WorkflowStep:
    """Record the filing (备案); an adjusted version replaces the version it adjusts."""
    profile = profile_of(session, plan)
    filing = profile.plan.filing
    step = _move(
        session,
        actor,
        plan,
        PlanStatus.FILED,
        f"年度计划“{plan.title}”第 {plan.version} 版报{filing.by}备案",
        document_no=document_no,
        rule=_basis(filing, f"报{filing.by}备案"),
    )
    old = session.get(AnnualPlan, plan.based_on_id) if plan.based_on_id else None
    if old is not None and old.status in (PlanStatus.FILED, PlanStatus.PUBLISHED):
        _move(
            session,
            actor,
            old,
            PlanStatus.SUPERSEDED,
            f"年度计划“{old.title}”第 {old.version} 版被调整后的第 {plan.version} 版替代",
            opinion=f"调整后的第 {plan.version} 版已备案，本版本不再执行",
            rule=_basis(filing, "调整后的计划重新备案"),
        )
    return step


def publish(session: Session, actor: Actor, plan: AnnualPlan) -> WorkflowStep:
    """Record that the plan was made public."""
    publication = profile_of(session, plan).plan.publication
    return _move(
        session,
        actor,
        plan,
        PlanStatus.PUBLISHED,
        f"年度计划“{plan.title}”第 {plan.version} 版通过{publication.by}向社会公开",
        rule=_basis(publication, f"通过{publication.by}公开"),
    )


def adjust(session: Session, actor: Actor, plan: AnnualPlan, reason: str) -> AnnualPlan:
    """A new draft version copying every task; the old one stays in force until the new is filed."""
    if not reason.strip():
        raise DomainError("请填写调整原因", field="reason")
    # Locked first: of two concurrent adjustments the second sees the first's new version.
    workflow_service.lock(session, plan)

    def refused(message: str) -> Exception:
        return workflow_service.refuse(session, PLAN, plan, actor, "adjust", message)

    if plan.status not in (PlanStatus.FILED, PlanStatus.PUBLISHED):
        raise refused(
            f"年度计划当前为“{plan.status_label}”，只有已备案或已公开的计划可以调整"
            "（草稿或已退回的计划可以直接修改）"
        )
    pending = session.scalar(
        select(AnnualPlan).where(
            AnnualPlan.based_on_id == plan.id, AnnualPlan.status != PlanStatus.SUPERSEDED
        )
    )
    if pending is not None:
        raise refused(f"该计划已有调整中的版本{_label(pending)}，请在该版本上继续")
    department = _department(session, plan)
    profile = rulebooks_service.profile_for(session, department)
    version = rulebooks_service.version_for(session, department)
    new = AnnualPlan(
        department_id=plan.department_id,
        year=plan.year,
        version=_next_version(session, plan.department_id, plan.year),
        title=plan.title,
        description=plan.description,
        profile_code=profile.code,
        profile_version_id=version.id,
        based_on_id=plan.id,
        adjustment_reason=reason.strip()[:500],
        created_by=actor.name,
    )
    session.add(new)
    session.flush()
    readiness.open_plan_due(session, new)
    for task in plan.tasks:
        # The copies are decided under the new version's rules, like the new plan.
        workflow.copy_task(session, task, new, actor).profile_version_id = version.id
    session.flush()
    filing = profile.plan.filing
    rule = _basis(filing, f"调整后的计划应重新报{filing.by}备案")
    workflow_service.start(session, PLAN, new, actor, "adjust", rule, opinion=reason)
    workflow_service.note(
        session,
        PLAN,
        plan,
        actor,
        "adjust",
        rule,
        opinion=f"发起调整，生成第 {new.version} 版；本版本在新版本备案前继续有效。原因：{reason.strip()}",
    )
    audit_service.record(
        session,
        actor,
        "plan.adjust",
        object_type="annual_plan",
        object_id=new.id,
        summary=f"调整年度计划“{plan.title}”：第 {plan.version} 版 → 第 {new.version} 版（{reason.strip()[:80]}）",
        after={"based_on": plan.id, "tasks": len(plan.tasks)},
    )
    return new


def steps(plan: AnnualPlan) -> list[WorkflowStep]:
    """The workflow steps in order."""
    session = object_session(plan)
    assert session is not None
    return workflow_service.steps(session, PLAN.subject_type, plan.id)


def versions(session: Session, plan: AnnualPlan) -> list[AnnualPlan]:
    """Every version of the same department and year, newest first."""
    return list(
        session.scalars(
            select(AnnualPlan)
            .where(AnnualPlan.department_id == plan.department_id, AnnualPlan.year == plan.year)
            .order_by(AnnualPlan.version.desc())
        )
    )
