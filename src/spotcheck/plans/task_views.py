"""Task pages: the task form (工作方案), the task list with its draw readiness, one task, the
eligibility preview (counts and exclusions only: it never shows who would be drawn), 专项."""

from __future__ import annotations

import io
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.catalog.models import METHODS
from spotcheck.departments.models import Department
from spotcheck.draws import service as draws_service
from spotcheck.eligibility import cache as eligibility_cache
from spotcheck.eligibility import service as eligibility
from spotcheck.errors import DomainError, Forbidden
from spotcheck.ids import PathId, Year, parse_id
from spotcheck.plans import access, readiness, task_form, task_rules
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import EDITABLE, AnnualPlan, Task
from spotcheck.plans.views import item_rows
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import GROUNDS, RISK_CLASSES, Profile
from spotcheck.tabular.writer import write_csv
from spotcheck.targets.models import SubRegistry
from spotcheck.web.security import Db, LoggedIn, Principal, roles
from spotcheck.web.templating import render

router = APIRouter()
Planner = Annotated[Principal, Depends(roles(*access.TASKS))]


def _form(
    request: Request,
    db: Session,
    *,
    department: Department,
    profile: Profile,
    values: dict[str, Any],
    errors: dict[str, str],
    action: str,
    cancel: str,
    plan: AnnualPlan | None,
    task: Task | None = None,
    special: bool = False,
    status_code: int = 200,
    fill: bool = False,
) -> HTMLResponse:
    joint = profile.mode.kind == "joint"
    participants = tasks_service.participant_choices(db, department) if joint else []
    # Items of every possible participant are offered; saving checks that their department was
    # chosen as a participant (so no reload is needed between the two choices).
    items = tasks_service.item_choices(db, department, [d.id for d in participants])
    owners = {d.id: d.name for d in db.scalars(select(Department))}
    caps = task_form.caps(profile, items)
    cap = caps.get(parse_id(str(values.get("main_item_id", ""))) or 0, "")
    auto_filled = task_form.within_cap(values, profile, cap) if fill and cap else []
    return render(
        request,
        "plans/task_form.html",
        status_code=status_code,
        department=department,
        profile=profile,
        plan=plan,
        task=task,
        special=special,
        values=values,
        errors=errors,
        action=action,
        cancel=cancel,
        items=items,
        owners=owners,
        participants=participants,
        sub_registries=tasks_service.sub_registry_choices(db, department),
        methods=METHODS,
        grounds=GROUNDS,
        risk_classes=RISK_CLASSES,
        ground_hints=task_form.ground_hints(profile),
        overlap_hint=task_form.overlap_hint(profile),
        special_rule=tasks_service.special_rule(profile),
        year_rule=task_rules.year_rule(profile),
        caps=caps,
        cap=cap,
        auto_filled=auto_filled,
    )


def _read(
    db: Session,
    values: dict[str, Any],
    profile: Profile,
    department: Department,
    year: int | None,
    *,
    special: bool = False,
) -> tuple[tasks_service.TaskInput, dict[str, str]]:
    """The input and every error at once: what could not be read, then the task rules."""
    data, unreadable = task_form.parse(values, profile)
    if not unreadable:
        return data, {}
    data.special = special
    rules = tasks_service.check(db, department, profile, year, data)
    return data, {**{k: v for k, v in rules.items() if k not in unreadable}, **unreadable}


def _department(db: Session, department_id: int) -> Department:
    department = db.get(Department, department_id)
    assert department is not None
    return department


@router.get("/plans/{plan_id:int}/tasks/new", response_class=HTMLResponse)
def task_new(request: Request, principal: Planner, db: Db, plan_id: PathId) -> HTMLResponse:
    """The task form for a draft plan."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    if plan.status not in EDITABLE:
        raise DomainError(f"年度计划当前为“{plan.status_label}”，不能新增任务；请先“调整”计划")
    department = _department(db, plan.department_id)
    profile = plans_service.profile_of(db, plan)
    values = task_form.defaults(plan.year)
    # ?main_item_id= starts the form from that item (the page's script does the same on a choice):
    # a general item's strata start within its ratio cap.
    main = parse_id(request.query_params.get("main_item_id", ""))
    if main is not None:
        values["main_item_id"] = str(main)
    return _form(
        request,
        db,
        department=department,
        profile=profile,
        values=values,
        errors={},
        action=f"/plans/{plan.id}/tasks/new",
        cancel=f"/plans/{plan.id}",
        plan=plan,
        fill=True,
    )


@router.post("/plans/{plan_id:int}/tasks/new", response_class=HTMLResponse)
async def task_create(request: Request, principal: Planner, db: Db, plan_id: PathId) -> Response:
    """Save a new task in the plan."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    profile = plans_service.profile_of(db, plan)
    values = task_form.raw_values(await request.form())
    data, errors = _read(db, values, profile, _department(db, plan.department_id), plan.year)
    if not errors:
        try:
            task = tasks_service.create(db, principal.actor, plan, data)
            db.commit()
            return RedirectResponse(f"/tasks/{task.id}?saved=1", status_code=303)
        except tasks_service.TaskInvalid as exc:
            db.rollback()
            errors = exc.errors
        except DomainError as exc:
            db.rollback()
            errors = {"form": exc.message}
    return _form(
        request,
        db,
        department=_department(db, plan.department_id),
        profile=profile,
        values=values,
        errors=errors,
        action=f"/plans/{plan.id}/tasks/new",
        cancel=f"/plans/{plan.id}",
        plan=plan,
        status_code=400,
    )


def _special_profile(db: Session, principal: Principal) -> tuple[Department, Profile]:
    found = rulebooks_service.adoption_for(db, principal.user.department)
    if found is None:
        raise DomainError("您所在的部门尚未采用细则配置，不能新建专项检查")
    code, owner = found
    profile = rulebooks_service.get(db, code)
    campaigns = profile.plan.special_campaigns
    if campaigns is None or not campaigns.allowed:
        raise Forbidden(f"不能新建计划外专项检查：{tasks_service.special_rule(profile)}")
    return owner, profile


@router.get("/tasks/special/new", response_class=HTMLResponse)
def special_new(request: Request, principal: Planner, db: Db) -> HTMLResponse:
    """The form for a special campaign (专项) outside the plan, where the profile allows it."""
    department, profile = _special_profile(db, principal)
    return _form(
        request,
        db,
        department=department,
        profile=profile,
        values=task_form.defaults(clock.today().year),
        errors={},
        action="/tasks/special/new",
        cancel="/tasks",
        plan=None,
        special=True,
    )


@router.post("/tasks/special/new", response_class=HTMLResponse)
async def special_create(request: Request, principal: Planner, db: Db) -> Response:
    """Save a special campaign."""
    department, profile = _special_profile(db, principal)
    values = task_form.raw_values(await request.form())
    data, errors = _read(db, values, profile, department, None, special=True)
    if not errors:
        try:
            task = tasks_service.create_special(db, principal.actor, department, data)
            db.commit()
            return RedirectResponse(f"/tasks/{task.id}?saved=1", status_code=303)
        except tasks_service.TaskInvalid as exc:
            db.rollback()
            errors = exc.errors
    return _form(
        request,
        db,
        department=department,
        profile=profile,
        values=values,
        errors=errors,
        action="/tasks/special/new",
        cancel="/tasks",
        plan=None,
        special=True,
        status_code=400,
    )


@router.get("/tasks", response_class=HTMLResponse)
def task_list(request: Request, principal: LoggedIn, db: Db, year: Year = None) -> HTMLResponse:
    """Every task the user initiates or takes part in, with its plan and draw readiness."""
    tasks = tasks_service.get_all(db, principal.scope, year)
    rows = []
    for task in tasks:
        # The cheap checks first; eligibility (cached) only for tasks otherwise ready.
        check = readiness.shown_draw_check(db, task, request.app.state.session_factory)
        rows.append(
            {
                "task": task,
                "department": db.get(Department, task.department_id),
                "participant": tasks_service.is_participant(task, principal.scope, db),
                "blockers": check.blockers,
            }
        )
    special_allowed = False
    found = rulebooks_service.adoption_for(db, principal.user.department)
    if found is not None:
        campaigns = rulebooks_service.get(db, found[0]).plan.special_campaigns
        special_allowed = bool(campaigns and campaigns.allowed)
    return render(
        request,
        "plans/tasks.html",
        rows=rows,
        year=year,
        can_special=special_allowed and principal.has_role(*access.TASKS),
    )


@router.get("/tasks/{task_id:int}", response_class=HTMLResponse)
def task_detail(
    request: Request, principal: LoggedIn, db: Db, task_id: PathId, saved: int = 0
) -> HTMLResponse:
    """The task (工作方案): items, scope, strata settings, and why it may not be drawn yet."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    profile = tasks_service.profile_of_task(db, task)
    editable = (task.plan is None or task.plan.status in EDITABLE) and principal.has_role(
        *access.TASKS
    )
    sub = db.get(SubRegistry, task.sub_registry_id) if task.sub_registry_id else None
    return render(
        request,
        "plans/task_detail.html",
        task=task,
        profile=profile,
        profile_version=pinned.task_version(db, task),
        department=db.get(Department, task.department_id),
        participants=[db.get(Department, p.department_id) for p in task.participants],
        items=item_rows(db, task),
        sub_registry=sub,
        check=readiness.shown_draw_check(db, task, request.app.state.session_factory),
        saved=bool(saved),
        can_edit=editable and not tasks_service.is_participant(task, principal.scope, db),
        overlap_hint=task_form.overlap_hint(profile),
        ground_hints=task_form.ground_hints(profile),
        draw=draws_service.for_task(db, task),
    )


@router.get("/tasks/{task_id:int}/edit", response_class=HTMLResponse)
def task_edit(request: Request, principal: Planner, db: Db, task_id: PathId) -> HTMLResponse:
    """The task form filled with the saved task."""
    task = _own_task(db, principal, task_id)
    return _form(
        request,
        db,
        department=_department(db, task.department_id),
        profile=tasks_service.profile_of_task(db, task),
        values=task_form.values_of(tasks_service.input_of(task)),
        errors={},
        action=f"/tasks/{task.id}/edit",
        cancel=f"/tasks/{task.id}",
        plan=task.plan,
        task=task,
        special=task.special,
    )


def _own_task(db: Session, principal: Principal, task_id: int) -> Task:
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    if tasks_service.is_participant(task, principal.scope, db):
        raise Forbidden("参与部门不能修改发起部门的任务；请与发起部门协商")
    return task


@router.post("/tasks/{task_id:int}/edit", response_class=HTMLResponse)
async def task_update(request: Request, principal: Planner, db: Db, task_id: PathId) -> Response:
    """Save the task (items pinned again to their published versions)."""
    task = _own_task(db, principal, task_id)
    profile = tasks_service.profile_of_task(db, task)
    values = task_form.raw_values(await request.form())
    year = task.plan.year if task.plan else None
    department = _department(db, task.department_id)
    data, errors = _read(db, values, profile, department, year, special=task.special)
    if not errors:
        try:
            tasks_service.update(db, principal.actor, task, data)
            db.commit()
            return RedirectResponse(f"/tasks/{task.id}?saved=1", status_code=303)
        except tasks_service.TaskInvalid as exc:
            db.rollback()
            errors = exc.errors
        except DomainError as exc:
            db.rollback()
            errors = {"form": exc.message}
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    return _form(
        request,
        db,
        department=_department(db, task.department_id),
        profile=profile,
        values=values,
        errors=errors,
        action=f"/tasks/{task.id}/edit",
        cancel=f"/tasks/{task.id}",
        plan=task.plan,
        task=task,
        special=task.special,
        status_code=400,
    )


@router.post("/tasks/{task_id:int}/delete", response_class=HTMLResponse)
def task_delete(principal: Planner, db: Db, task_id: PathId) -> Response:
    """Delete a task of a draft plan."""
    task = _own_task(db, principal, task_id)
    back = f"/plans/{task.plan_id}" if task.plan_id else "/tasks"
    tasks_service.delete(db, principal.actor, task)
    db.commit()
    return RedirectResponse(back, status_code=303)


@router.get("/tasks/{task_id:int}/eligibility", response_class=HTMLResponse)
def task_eligibility(
    request: Request, principal: LoggedIn, db: Db, task_id: PathId
) -> HTMLResponse:
    """Counts per stratum and per exclusion reason, the excluded targets, the merges; never
    the candidates (who would be drawn stays unknown until the draw)."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    # Computed once per change of the registry, history, exemptions, task or rulebook
    # (eligibility.cache); a large registry is computed as a job while the page shows progress.
    result = eligibility_cache.preview(db, task, request.app.state.session_factory)
    return render(
        request,
        "plans/eligibility.html",
        task=task,
        result=result,
        pending=isinstance(result, eligibility_cache.Pending),
        profile=tasks_service.profile_of_task(db, task),
        shown=eligibility_cache.SHOWN,
        check=plans_service.draw_check(db, task, with_eligibility=False),
    )


@router.get("/tasks/{task_id:int}/eligibility/excluded.csv")
def task_excluded_csv(principal: LoggedIn, db: Db, task_id: PathId) -> Response:
    """Every excluded target with its reason and article, as CSV (UTF-8 with BOM)."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    result = eligibility.evaluate(db, task)
    stream = io.BytesIO()
    write_csv(
        stream,
        ["统一社会信用代码", "名称", "排除原因", "依据条款", "规则"],
        ([e.key, e.name, e.reason, e.article, e.rule] for e in result.exclusions),
    )
    name = f"任务{task.number}-不纳入抽取的对象.csv"
    return Response(
        stream.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
