"""JSON API for annual plans, their workflow, tasks and the eligibility preview (same rules,
roles and department scoping as the pages; the preview never lists who would be drawn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.eligibility import service as eligibility
from spotcheck.errors import Forbidden, NotFound
from spotcheck.ids import IdOrText, PathId, Year
from spotcheck.plans import access, present, task_file
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.plans.schemas import EligibilityOut, PlanDetail, PlanOut, TaskDetail, TaskOut
from spotcheck.plans.task_file import Ref, TaskDoc
from spotcheck.plans.task_rules import TaskInvalid
from spotcheck.plans.verbs import VERBS, Inputs, PlanVerb
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.signatures import NO_DEFAULT, with_signature
from spotcheck.web import problems
from spotcheck.web.security import Db, LoggedIn, Principal, roles

router = APIRouter(prefix="/api/v1", tags=["plans"], responses=problems.API_ERRORS)
Coordinator = Annotated[Principal, Depends(roles(*access.PLAN))]
Planner = Annotated[Principal, Depends(roles(*access.TASKS))]


# Routes that change a plan or task may meet its workflow state (409) besides the API's errors.
CHANGES = problems.responses(409)
TASK_CHANGES = {
    **CHANGES,
    400: {
        "model": problems.ApiError,
        "description": "任务有误：errors 逐字段说明（字段为请求体的键）",
    },
}


class PlanIn(BaseModel):
    """A new plan: the department (code or id), the year, the title (default: the usual one)."""

    department: IdOrText = Field(description="部门编码或 id（须已采用细则，科室请写所属单位）")
    year: int = Field(ge=2000, le=2100)
    title: str = ""
    description: str = ""


class PlanPatch(BaseModel):
    """New title and/or description of a draft or returned plan."""

    title: str | None = None
    description: str | None = None


class MoveIn(BaseModel):
    """What a workflow step records: opinion (required to return), 文号, adjustment reason."""

    opinion: str = ""
    document_no: str = ""
    reason: str = ""


def _invalid(exc: TaskInvalid) -> JSONResponse:
    errors = [
        problems.FieldProblem(field=task_file.DOC_KEYS.get(k, k), message=v)
        for k, v in exc.errors.items()
    ]
    return JSONResponse(problems.error_body(400, exc.message, errors), status_code=400)


def _detail(db: Session, plan: AnnualPlan) -> PlanDetail:
    return present.plan_detail(db, plan, clock.today())


@router.get("/plans", response_model=list[PlanOut])
def list_plans(principal: LoggedIn, db: Db, year: Year = None) -> list[PlanOut]:
    """Plans of the user's departments: newest year first, each department's versions together."""
    today = clock.today()
    return [
        present.plan_out(db, p, today) for p in plans_service.get_all(db, principal.scope, year)
    ]


@router.get("/plans/{plan_id:int}", response_model=PlanDetail)
def get_plan(principal: LoggedIn, db: Db, plan_id: PathId) -> PlanDetail:
    """One plan with its steps, tasks, deadline, profile warnings and the annual ratio check."""
    return _detail(db, plans_service.get_or_404(db, plan_id, principal.scope))


@router.post("/plans", response_model=PlanDetail, status_code=201, responses=CHANGES)
def create_plan(principal: Coordinator, db: Db, body: PlanIn) -> PlanDetail:
    """Start a draft plan under the department's adopted profile."""
    department = task_file.plan_department(db, body.department, principal.scope)
    title = body.title or f"{department.name}{body.year}年度“双随机、一公开”抽查工作计划"
    plan = plans_service.create(
        db, principal.actor, department, year=body.year, title=title, description=body.description
    )
    db.commit()
    return _detail(db, plan)


@router.patch("/plans/{plan_id:int}", response_model=PlanDetail, responses=CHANGES)
def update_plan(principal: Coordinator, db: Db, plan_id: PathId, body: PlanPatch) -> PlanDetail:
    """Change the title or description of a draft or returned plan."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    plans_service.update(
        db,
        principal.actor,
        plan,
        title=plan.title if body.title is None else body.title,
        description=plan.description if body.description is None else body.description,
    )
    db.commit()
    return _detail(db, plan)


def _move(
    db: Session, principal: Principal, plan_id: int, act: Callable[[AnnualPlan], object]
) -> PlanDetail:
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    result = act(plan)
    db.commit()
    return _detail(db, result if isinstance(result, AnnualPlan) else plan)


def _api_endpoint(verb: PlanVerb) -> Callable[..., PlanDetail]:
    """The JSON route of a plan verb: body MoveIn, answer the plan (the new version on adjust)."""

    def endpoint(principal: Principal, db: Session, plan_id: int, body: MoveIn) -> PlanDetail:
        inputs = Inputs(opinion=body.opinion, document_no=body.document_no, reason=body.reason)
        return _move(
            db,
            principal,
            plan_id,
            lambda p: verb.run(db, principal.actor, principal.user, p, inputs),
        )

    who = Annotated[Principal, Depends(roles(*verb.roles))]
    return with_signature(
        endpoint,
        [
            ("principal", who, NO_DEFAULT),
            ("db", Db, NO_DEFAULT),
            ("plan_id", PathId, NO_DEFAULT),
            ("body", MoveIn, NO_DEFAULT),
        ],
        returns=PlanDetail,
        doc=verb.help,
        name=f"{verb.name}_plan",
    )


for _verb in VERBS:
    router.add_api_route(
        f"/plans/{{plan_id:int}}/{_verb.name}",
        _api_endpoint(_verb),
        methods=["POST"],
        response_model=PlanDetail,
        status_code=201 if _verb.name == "adjust" else 200,
        responses=CHANGES,
        name=f"{_verb.name}_plan",
    )


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(principal: LoggedIn, db: Db, year: Year = None) -> list[TaskOut]:
    """Tasks the user's departments initiate or take part in."""
    return [present.task_out(db, t) for t in tasks_service.get_all(db, principal.scope, year)]


@router.get("/tasks/{task_id:int}", response_model=TaskDetail)
def get_task(principal: LoggedIn, db: Db, task_id: PathId) -> TaskDetail:
    """One task with why it cannot reach the draw yet (blockers, each with its article)."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    return present.task_detail(db, task, clock.today())


@router.post(
    "/plans/{plan_id:int}/tasks",
    response_model=TaskDetail,
    status_code=201,
    responses=TASK_CHANGES,
)
def create_task(
    principal: Planner, db: Db, plan_id: PathId, body: TaskDoc
) -> Response | TaskDetail:
    """Add a task to a draft plan: items by code (or id), departments by code (or id)."""
    plan = plans_service.get_or_404(db, plan_id, principal.scope)
    department = db.get(Department, plan.department_id)
    assert department is not None
    profile = plans_service.profile_of(db, plan)
    try:
        data = task_file.checked_input(db, department, profile, plan.year, body)
        task = tasks_service.create(db, principal.actor, plan, data)
    except TaskInvalid as exc:
        db.rollback()
        return _invalid(exc)
    db.commit()
    return present.task_detail(db, task, clock.today())


class SpecialTaskDoc(TaskDoc):
    """A special campaign outside the plan: the initiating department and the basis are required."""

    department: Ref = Field(description="发起部门：部门编码或 id")


@router.post(
    "/tasks/special",
    response_model=TaskDetail,
    status_code=201,
    responses=TASK_CHANGES,
)
def create_special_task(principal: Planner, db: Db, body: SpecialTaskDoc) -> Response | TaskDetail:
    """Create a special campaign (专项) where the profile allows it (e.g. 000 第十七条)."""
    ref = body.department
    department = (
        db.get(Department, ref)
        if isinstance(ref, int)
        else departments_service.get_by_code(db, str(ref))
    )
    if department is None or department.id not in principal.scope:
        raise NotFound("未找到该部门，或您无权查看")
    profile = rulebooks_service.profile_for(db, department)
    doc = TaskDoc.model_validate(body.model_dump(exclude={"department"}))
    try:
        data = task_file.checked_input(db, department, profile, None, doc)
        task = tasks_service.create_special(db, principal.actor, department, data)
    except TaskInvalid as exc:
        db.rollback()
        return _invalid(exc)
    db.commit()
    return present.task_detail(db, task, clock.today())


def _own_task(db: Session, principal: Principal, task_id: int) -> Task:
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    if tasks_service.is_participant(task, principal.scope, db):
        raise Forbidden("参与部门不能修改发起部门的任务；请与发起部门协商")
    return task


@router.put(
    "/tasks/{task_id:int}",
    response_model=TaskDetail,
    responses=TASK_CHANGES,
)
def update_task(
    principal: Planner, db: Db, task_id: PathId, body: TaskDoc
) -> Response | TaskDetail:
    """Replace a task of a draft plan (items pinned again to their published versions)."""
    task = _own_task(db, principal, task_id)
    department = db.get(Department, task.department_id)
    assert department is not None
    profile = tasks_service.profile_of_task(db, task)
    year = task.plan.year if task.plan else None
    try:
        data = task_file.checked_input(db, department, profile, year, body)
        tasks_service.update(db, principal.actor, task, data)
    except TaskInvalid as exc:
        db.rollback()
        return _invalid(exc)
    db.commit()
    return present.task_detail(db, task, clock.today())


@router.delete("/tasks/{task_id:int}", status_code=204, responses=CHANGES)
def delete_task(principal: Planner, db: Db, task_id: PathId) -> Response:
    """Delete a task of a draft plan; the others are numbered again."""
    task = _own_task(db, principal, task_id)
    tasks_service.delete(db, principal.actor, task)
    db.commit()
    return Response(status_code=204)


@router.get("/tasks/{task_id:int}/eligibility", response_model=EligibilityOut)
def task_eligibility(
    principal: LoggedIn,
    db: Db,
    task_id: PathId,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=0, le=10000)] = 1000,
) -> EligibilityOut:
    """Counts per stratum and per exclusion reason, the excluded targets (paged by offset/limit)
    with reasons and articles, merges, warnings, problems. Never the candidates."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    result = eligibility.evaluate(db, task)
    return present.eligibility_out(result, offset, limit)
