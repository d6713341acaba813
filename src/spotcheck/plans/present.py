"""Build the read models of plans.schemas from the database (for the JSON API and the CLI)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from spotcheck.catalog.models import CheckItem, CheckItemVersion
from spotcheck.departments.models import Department
from spotcheck.eligibility import annual
from spotcheck.eligibility import service as eligibility
from spotcheck.plans import findings
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import PLAN_LABELS, STEP_LABELS, AnnualPlan, PlanStatus, Task
from spotcheck.plans.schemas import (
    AnnualOut,
    DepartmentOut,
    DueOut,
    EligibilityOut,
    ExcludedOut,
    ExclusionCountOut,
    ItemOut,
    MergeOut,
    PlanDetail,
    PlanOut,
    StepOut,
    StratumOut,
    TaskDetail,
    TaskOut,
    VersionOut,
)
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.targets.models import SubRegistry
from spotcheck.workflow.models import WorkflowStep


def department_out(session: Session, department_id: int) -> DepartmentOut:
    """A department reference."""
    department = session.get(Department, department_id)
    assert department is not None
    return DepartmentOut(id=department.id, code=department.code, name=department.name)


def due_out(info: plans_service.DueInfo | None) -> DueOut | None:
    """The deadline, if the profile has one."""
    if info is None:
        return None
    return DueOut(
        due=info.due, kind=info.kind, overdue=info.overdue, text=info.text, article=info.article
    )


def plan_out(session: Session, plan: AnnualPlan, today: dt.date) -> PlanOut:
    """A plan as listed."""
    return PlanOut(
        id=plan.id,
        department=department_out(session, plan.department_id),
        year=plan.year,
        version=plan.version,
        title=plan.title,
        status=plan.status.value,
        status_label=plan.status_label,
        profile_code=plan.profile_code,
        based_on_id=plan.based_on_id,
        due=due_out(plans_service.due_info(session, plan, today)),
    )


def step_out(step: WorkflowStep) -> StepOut:
    """One workflow step."""
    return StepOut(
        action=step.action,
        action_label=STEP_LABELS.get(step.action, step.action),
        from_status=step.from_status,
        to_status=step.to_status,
        actor=step.actor_name,
        at=step.at,
        opinion=step.opinion,
        document_no=step.document_no,
        on_behalf_of=step.on_behalf_of,
        approval=step.approval.text if step.approval is not None else "",
        rule=step.rule,
    )


def _items(session: Session, task: Task) -> list[ItemOut]:
    out = []
    for link in task.items:
        item = session.get(CheckItem, link.item_id)
        pinned = session.get(CheckItemVersion, link.item_version_id)
        if item is None or pinned is None:
            continue
        owner = session.get(Department, item.department_id)
        out.append(
            ItemOut(
                id=item.id,
                code=item.code,
                name=pinned.name,
                kind=pinned.kind,
                list_type=pinned.list_type,
                department_code=owner.code if owner else "",
                main=link.is_main,
                pinned_version=pinned.version,
                published_version=item.published.version if item.published else None,
            )
        )
    return out


def task_out(
    session: Session,
    task: Task,
    expected: int | None = None,
    found: findings.TaskFindings | None = None,
) -> TaskOut:
    """A task with its problems (validation, each with its article); in a plan's detail, its
    plans.findings (also the problems of its eligibility, as the submission enforces them)."""
    found = found or findings.of_task(session, task)
    sub = session.get(SubRegistry, task.sub_registry_id) if task.sub_registry_id else None
    plan = task.plan
    return TaskOut(
        id=task.id,
        plan_id=task.plan_id,
        plan_year=plan.year if plan else None,
        plan_status=plan.status.value if plan else None,
        number=task.number,
        name=task.name,
        special=task.special,
        special_basis=task.special_basis,
        department=department_out(session, task.department_id),
        items=_items(session, task),
        participants=[department_out(session, p.department_id) for p in task.participants],
        sub_registry=sub.name if sub else None,
        filters=dict(task.filters or {}),
        strata_settings=dict(task.strata_settings or {}),
        window_start=task.window_start,
        window_end=task.window_end,
        methods=task.method_list,
        grounds=task.ground_list,
        overlap_policy=task.overlap_policy,
        batch_count=task.batch_count,
        requirements=task.requirements,
        auxiliary_experts=task.auxiliary_experts,
        problems=found.blockers,
        expected=expected,
        warnings=found.warnings,
    )


def task_detail(session: Session, task: Task, today: dt.date) -> TaskDetail:
    """A task with its draw blockers and warnings."""
    check = plans_service.draw_check(session, task, today)
    return TaskDetail(
        **task_out(session, task).model_dump(exclude={"warnings"}),
        may_draw=not check.blockers,
        blockers=check.blockers,
        warnings=check.warnings,
    )


def annual_out(summary: annual.AnnualSummary) -> AnnualOut:
    """The annual ratio check."""
    rule = summary.rule
    return AnnualOut(
        year=summary.year,
        registry_size=summary.registry_size,
        planned_total=summary.total,
        ratio=summary.ratio,
        ok=summary.ok,
        message=summary.message,
        rule_kind=rule.kind if rule else None,
        rule_ratio=rule.ratio if rule else None,
        article=rule.article if rule else None,
    )


def plan_detail(session: Session, plan: AnnualPlan, today: dt.date) -> PlanDetail:
    """Everything the plan page shows, as data."""
    profile = plans_service.profile_of(session, plan)
    summary = annual.summarise(session, plan)
    expected = {t.id: n for t, n in summary.planned}
    found = findings.of_plan(session, plan, summary)
    return PlanDetail(
        **plan_out(session, plan, today).model_dump(),
        description=plan.description,
        adjustment_reason=plan.adjustment_reason,
        profile_name=profile.profile.name,
        profile_warnings=list(rulebooks_service.warnings(profile, today)),
        steps=[step_out(s) for s in plans_service.steps(plan)],
        tasks=[task_out(session, t, expected.get(t.id), found.tasks[t.id]) for t in plan.tasks],
        annual=annual_out(summary),
        blockers=found.blockers,
        warnings=found.warnings,
        versions=[
            VersionOut(
                id=v.id, version=v.version, status=v.status.value, status_label=v.status_label
            )
            for v in plans_service.versions(session, plan)
        ],
    )


def eligibility_out(
    result: eligibility.Eligibility, offset: int = 0, limit: int | None = None
) -> EligibilityOut:
    """The preview without its candidates; the excluded list optionally paged."""
    chosen = result.exclusions[offset : None if limit is None else offset + limit]
    return EligibilityOut(
        task_id=result.task_id,
        profile_code=result.profile_code,
        on=result.on,
        in_scope=result.in_scope,
        candidates=result.total_candidates,
        quota=result.total_quota,
        strata=[
            StratumOut(
                key=s.key,
                name=s.name,
                rule=s.rule_text,
                article=s.article,
                note=s.note,
                candidates=len(s.candidates),
                ratio=s.ratio,
                count_setting=s.count_setting,
                quota=s.quota,
                quota_text=s.quota_text,
            )
            for s in result.strata
        ],
        exclusion_counts=[
            ExclusionCountOut(code=code, reason=reason, article=article, count=n)
            for code, reason, article, n in result.exclusion_counts()
        ],
        excluded_total=len(result.exclusions),
        excluded=[
            ExcludedOut(
                key=e.key, name=e.name, code=e.code, reason=e.reason, article=e.article, rule=e.rule
            )
            for e in chosen
        ],
        merges=[
            MergeOut(
                key=m.key,
                name=m.name,
                other_task_id=m.other_task_id,
                other_task_name=m.other_task_name,
                other_department=m.other_department,
            )
            for m in result.merges
        ],
        batch_order=result.batch_order,
        warnings=list(result.warnings),
        problems=list(result.problems),
    )


def status_label(value: str | None) -> str:
    """A stored status in Chinese ("" for none)."""
    return PLAN_LABELS[PlanStatus(value)] if value else ""
