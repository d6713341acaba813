"""Annual plan pages: the list by year, a new plan, and one plan with its workflow and tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.catalog.models import CheckItem, CheckItemVersion
from spotcheck.db import settle
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.eligibility import cache as eligibility_cache
from spotcheck.errors import DomainError
from spotcheck.ids import PathId, Year
from spotcheck.plans import access, findings
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import PLAN_LABELS, STEP_LABELS, AnnualPlan, PlanStatus, Task
from spotcheck.plans.verbs import VERBS, Inputs, PlanVerb
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.signatures import NO_DEFAULT, with_signature
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter(prefix="/plans")
Coordinator = Annotated[Principal, Depends(roles(*access.PLAN))]

BADGES = {
    PlanStatus.DRAFT: "",
    PlanStatus.SUBMITTED: "",
    PlanStatus.RETURNED: "red",
    PlanStatus.APPROVED: "green",
    PlanStatus.FILED: "green",
    PlanStatus.PUBLISHED: "green",
    PlanStatus.SUPERSEDED: "",
}


def status_label(value: str) -> str:
    """A stored status (or "") in Chinese."""
    return PLAN_LABELS[PlanStatus(value)] if value else "—"


def plan_departments(db: Session, principal: Principal) -> list[Department]:
    """Departments the user may make plans for: those they act for that adopted a profile."""
    visible = principal.scope
    rows = [db.get(Department, i) for i in visible]
    out = [
        d
        for d in rows
        if d is not None
        and d.level != DepartmentLevel.SECTION
        and rulebooks_service.adoption_for(db, d) is not None
    ]
    return sorted(out, key=lambda d: d.path)


def default_title(department: Department, year: int) -> str:
    """The usual title of an annual plan."""
    return f"{department.name}{year}年度“双随机、一公开”抽查工作计划"


@router.get("", response_class=HTMLResponse)
def plan_list(request: Request, principal: LoggedIn, db: Db, year: Year = None) -> HTMLResponse:
    """Plans of the user's departments by year, with status, version and the deadline."""
    plans = plans_service.get_all(db, principal.scope, year)
    names = {d.id: d.name for d in (db.get(Department, p.department_id) for p in plans) if d}
    today = clock.today()
    return render(
        request,
        "plans/list.html",
        plans=plans,
        names=names,
        due={p.id: plans_service.due_info(db, p, today) for p in plans},
        badges=BADGES,
        year=year,
        years=sorted({p.year for p in plans_service.get_all(db, principal.scope)}, reverse=True),
        can_create=principal.has_role(*access.PLAN),
    )


@router.get("/new", response_class=HTMLResponse)
def plan_new(request: Request, principal: Coordinator, db: Db) -> HTMLResponse:
    """The form for a new plan: next year, the usual title."""
    departments = plan_departments(db, principal)
    year = clock.today().year + 1
    values = {"year": str(year), "department_id": "", "title": "", "description": ""}
    if departments:
        values["department_id"] = str(departments[0].id)
        values["title"] = default_title(departments[0], year)
    return render(request, "plans/new.html", departments=departments, values=values, errors={})


@router.post("/new", response_class=HTMLResponse)
def plan_create(
    request: Request,
    principal: Coordinator,
    db: Db,
    department_id: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Create the draft plan."""
    departments = plan_departments(db, principal)
    values = {
        "department_id": department_id,
        "year": year,
        "title": title,
        "description": description,
    }
    errors: dict[str, str] = {}
    existing: int | None = None  # the plan a duplicate would clash with, to link to
    department = next((d for d in departments if str(d.id) == department_id), None)
    if department is None:
        errors["department_id"] = "请选择制定计划的部门（须已采用细则配置）"
    if not year.strip().isdigit():
        errors["year"] = "计划年度应为四位数字年份，如 2027"
    if not errors and department is not None:
        try:
            plan = plans_service.create(
                db,
                principal.actor,
                department,
                year=int(year),
                title=title,
                description=description,
            )
            db.commit()
            return RedirectResponse(f"/plans/{plan.id}", status_code=303)
        except DomainError as exc:
            db.rollback()
            errors[exc.field or "title"] = exc.message
            if isinstance(exc, plans_service.PlanExists):
                existing = exc.plan_id
    return render(
        request,
        "plans/new.html",
        status_code=400,
        departments=departments,
        values=values,
        errors=errors,
        existing=existing,
    )


def item_rows(db: Session, task: Task) -> list[tuple[CheckItem, CheckItemVersion, bool]]:
    """The task's items with the version they are pinned to, main item first."""
    out = []
    for link in task.items:
        item = db.get(CheckItem, link.item_id)
        version = db.get(CheckItemVersion, link.item_version_id)
        if item is not None and version is not None:
            out.append((item, version, link.is_main))
    return out


def _detail(
    request: Request,
    principal: Principal,
    db: Session,
    plan: AnnualPlan,
    *,
    error: str = "",
    error_field: str = "",
    status_code: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    today = clock.today()
    profile = plans_service.profile_of(db, plan)
    department = db.get(Department, plan.department_id)
    # Computed once per change of its inputs (eligibility.cache); a large registry as a job.
    counted = eligibility_cache.annual_summary(db, plan, request.app.state.session_factory)
    computing = counted if isinstance(counted, eligibility_cache.Pending) else None
    summary = counted.summary if isinstance(counted, eligibility_cache.Annual) else None
    quotas = counted.quotas if isinstance(counted, eligibility_cache.Annual) else {}
    pending = next(
        (
            v
            for v in plans_service.versions(db, plan)
            if v.based_on_id == plan.id and v.status != PlanStatus.SUPERSEDED
        ),
        None,
    )
    # The same blockers and warnings the submission enforces (plans.findings), from the summary.
    found = findings.of_plan(db, plan, summary)
    tasks = [
        {
            "task": t,
            "items": item_rows(db, t),
            "participants": [db.get(Department, p.department_id) for p in t.participants],
            "quota": quotas.get(t.id),
            "problems": found.tasks[t.id].blockers,
            "warnings": found.tasks[t.id].warnings,
        }
        for t in plan.tasks
    ]
    is_coordinator = principal.has_role(*access.PLAN)
    status = plan.status
    return render(
        request,
        "plans/detail.html",
        status_code=status_code,
        plan=plan,
        department=department,
        profile=profile,
        profile_version=pinned.plan_version(db, plan),
        profile_warnings=rulebooks_service.warnings(profile, today),
        due=plans_service.due_info(db, plan, today),
        steps=plans_service.steps(plan),
        step_labels=STEP_LABELS,
        status_label=status_label,
        badges=BADGES,
        tasks=tasks,
        findings=found,
        summary=summary,
        computing=computing,
        versions=plans_service.versions(db, plan),
        based_on=db.get(AnnualPlan, plan.based_on_id) if plan.based_on_id else None,
        pending=pending,
        error=error,
        error_field=error_field,
        form=form or {},
        can_edit=is_coordinator and status in (PlanStatus.DRAFT, PlanStatus.RETURNED),
        can_add_task=principal.has_role(*access.TASKS)
        and status in (PlanStatus.DRAFT, PlanStatus.RETURNED),
        can_decide=status == PlanStatus.SUBMITTED
        and plans_service.can_approve(db, principal.user, plan),
        can_file=is_coordinator and status == PlanStatus.APPROVED,
        can_publish=is_coordinator and status == PlanStatus.FILED,
        can_adjust=is_coordinator
        and status in (PlanStatus.FILED, PlanStatus.PUBLISHED)
        and pending is None,
    )


@router.get("/{plan_id:int}", response_class=HTMLResponse)
def plan_detail(request: Request, principal: LoggedIn, db: Db, plan_id: PathId) -> HTMLResponse:
    """One plan: status, profile, deadline, the workflow timeline, tasks, the annual ratio."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    return _detail(request, principal, db, plan)


@router.get("/{plan_id:int}/edit", response_class=HTMLResponse)
def plan_edit(request: Request, principal: Coordinator, db: Db, plan_id: PathId) -> HTMLResponse:
    """Edit the title and description of a draft or returned plan."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    values = {"title": plan.title, "description": plan.description}
    return render(request, "plans/edit.html", plan=plan, values=values, errors={})


@router.post("/{plan_id:int}/edit", response_class=HTMLResponse)
def plan_update(
    request: Request,
    principal: Coordinator,
    db: Db,
    plan_id: PathId,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
) -> Response:
    """Save the title and description."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    try:
        plans_service.update(db, principal.actor, plan, title=title, description=description)
        db.commit()
    except DomainError as exc:
        db.rollback()
        values = {"title": title, "description": description}
        errors = {exc.field or "title": exc.message}
        return render(
            request,
            "plans/edit.html",
            status_code=exc.status_code,
            plan=plan,
            values=values,
            errors=errors,
        )
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


def _act(
    request: Request,
    principal: Principal,
    db: Session,
    plan_id: int,
    action: Any,
    form: dict[str, str],
) -> Response:
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    try:
        result = action(plan)
        db.commit()
    except DomainError as exc:
        settle(db, exc)
        plan = plans_service.get_or_404(db, plan_id, principal.scope)
        return _detail(
            request,
            principal,
            db,
            plan,
            error=exc.message,
            error_field=exc.field or "",
            status_code=exc.status_code,
            form=form,
        )
    target = result.id if isinstance(result, AnnualPlan) else plan.id
    return RedirectResponse(f"/plans/{target}", status_code=303)


# Page field names where one form holds two verbs' inputs (the 退回 opinion, the 备案 文号).
_FORM_KEYS = {("return", "opinion"): "return_opinion", ("file", "document_no"): "file_document_no"}


def _page_endpoint(verb: PlanVerb) -> Callable[..., Response]:
    """The page route of a plan verb (POST form → redirect, or the plan page with the error)."""

    def endpoint(
        request: Request, principal: Principal, db: Session, plan_id: int, **values: str
    ) -> Response:
        form = {_FORM_KEYS.get((verb.name, k), k): v for k, v in values.items()}
        return _act(
            request,
            principal,
            db,
            plan_id,
            lambda p: verb.run(db, principal.actor, principal.user, p, Inputs(**values)),
            form,
        )

    who = Annotated[Principal, Depends(roles(*verb.roles))]
    return with_signature(
        endpoint,
        [
            ("request", Request, NO_DEFAULT),
            ("principal", who, NO_DEFAULT),
            ("db", Db, NO_DEFAULT),
            ("plan_id", PathId, NO_DEFAULT),
            *((f.name, Annotated[str, Form()], "") for f in verb.fields),
        ],
        returns=Response,
        doc=verb.help,
        name=f"plan_{verb.name}",
    )


for _verb in VERBS:
    router.add_api_route(
        f"/{{plan_id:int}}/{_verb.name}",
        _page_endpoint(_verb),
        methods=["POST"],
        response_class=HTMLResponse,
        name=f"plan_{_verb.name}",
    )
