"""Draw ceremony pages: the list, prepare, the step-by-step page, and the ceremony's forms up to
compute. Results, downloads and publication are in views_result.py; events in event_views.py.

Every refusal is shown on the page in Chinese. A DrawRefused already holds its "draw.refused"
audit event, so it is committed before the message is shown (see draws/service.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from spotcheck.accounts.models import User
from spotcheck.departments.models import Department
from spotcheck.draws import (
    abandon,
    access,
    ceremony,
    entropy_input,
    event_views,
    view_context,
    views_result,
)
from spotcheck.draws import service as draws
from spotcheck.draws.models import Draw, DrawStatus, DrawWitness
from spotcheck.draws.view_actions import Runner, act, form_of, runnable, show
from spotcheck.errors import DomainError, Forbidden, NotFound
from spotcheck.ids import PathId, parse_id
from spotcheck.plans import readiness
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import Task
from spotcheck.web.security import Db, LoggedIn
from spotcheck.web.templating import render

router = APIRouter()


@router.get("/draws", response_class=HTMLResponse)
def draw_list(request: Request, principal: LoggedIn, db: Db) -> HTMLResponse:
    """The draws of the tasks the user may see (the same membership rule as the task pages)."""
    visible = select(Task.id).where(tasks_service.visible_clause(principal.scope))
    query = select(Draw).where(Draw.task_id.in_(visible))
    query = query.order_by(Draw.created_at.desc(), Draw.id.desc())
    rows = db.scalars(query).all()
    tasks = {
        t.id: t for t in db.scalars(select(Task).where(Task.id.in_({d.task_id for d in rows})))
    }
    names = {
        d.id: d.name
        for d in db.scalars(
            select(Department).where(Department.id.in_({d.department_id for d in rows}))
        )
    }
    return render(request, "draws/list.html", draws=rows, tasks=tasks, names=names)


@router.get("/tasks/{task_id:int}/draw", response_class=HTMLResponse)
def task_draw(request: Request, principal: LoggedIn, db: Db, task_id: PathId) -> Response:
    """The task's draw if prepared, else what stands in the way and the button to start."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    existing = draws.for_task(db, task)
    if existing is not None and existing.status != DrawStatus.ABANDONED:
        return RedirectResponse(f"/draws/{existing.id}", status_code=303)
    return render(
        request,
        "draws/start.html",
        task=task,
        abandoned=draws.attempts(db, task),
        check=readiness.shown_draw_check(db, task, request.app.state.session_factory),
        runner=principal.has_role(*access.RUN)
        and not tasks_service.is_participant(task, principal.scope, db),
        error="",
    )


@router.post("/tasks/{task_id:int}/draw", response_class=HTMLResponse)
def task_draw_prepare(request: Request, principal: Runner, db: Db, task_id: PathId) -> Response:
    """Open the draw of an approved task."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    if tasks_service.is_participant(task, principal.scope, db):
        raise Forbidden("抽取由发起部门的任务发起人员操作，参与部门不能操作")
    try:
        draw = draws.prepare(db, principal.actor, task)
    except DomainError as exc:
        db.rollback()
        return render(
            request,
            "draws/start.html",
            status_code=exc.status_code,
            task=task,
            abandoned=draws.attempts(db, task),
            check=readiness.shown_draw_check(db, task, request.app.state.session_factory),
            runner=True,
            error=exc.message,
        )
    db.commit()
    return RedirectResponse(f"/draws/{draw.id}?done=prepared", status_code=303)


@router.get("/draws/{draw_id:int}", response_class=HTMLResponse)
def draw_page(
    request: Request, principal: LoggedIn, db: Db, draw_id: PathId, done: str = ""
) -> HTMLResponse:
    """The ceremony, step by step: where it stands and what comes next."""
    return show(request, db, principal, draw_id, done=done)


@router.post("/draws/{draw_id:int}/entropy", response_class=HTMLResponse)
async def draw_entropy(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Choose drand and the number of dice digits (before commit)."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)
    raw = form.get("dice_digits", "").strip() or "0"
    if not raw.isdigit():
        return show(
            request, db, principal, draw_id, error="骰子位数应为整数（0–64）", status_code=400
        )

    def run() -> None:
        draws.set_entropy(
            db, principal.actor, draw, drand=form.get("drand") == "1", dice_digits=int(raw)
        )

    return act(request, db, principal, draw, run, "entropy", "#entropy")


@router.post("/draws/{draw_id:int}/borrow", response_class=HTMLResponse)
async def draw_borrow(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Borrow another department's inspectors for a short slot, with the approval."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)
    lender_id = parse_id(form.get("department_id"))
    lender = db.get(Department, lender_id) if lender_id else None

    def run() -> None:
        if lender is None:
            raise DomainError("请选择借调部门", field="department_id")
        draws.borrow(
            db,
            principal.actor,
            draw,
            form.get("slot", ""),
            lender,
            form.get("approved_by", ""),
            form.get("document", ""),
        )

    return act(request, db, principal, draw, run, "borrow", "#pools", values=form)


@router.post("/draws/{draw_id:int}/unborrow", response_class=HTMLResponse)
async def draw_unborrow(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Withdraw a borrowing before commit."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)
    lender_id = parse_id(form.get("department_id"))
    lender = db.get(Department, lender_id) if lender_id else None

    def run() -> None:
        if lender is None:
            raise DomainError("请选择要撤销的借调", field="department_id")
        draws.unborrow(db, principal.actor, draw, form.get("slot", ""), lender)

    return act(request, db, principal, draw, run, "unborrow", "#pools")


@router.post("/draws/{draw_id:int}/commit", response_class=HTMLResponse)
def draw_commit(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Freeze the manifest (承诺): nothing that feeds the draw can change afterwards."""
    draw = runnable(db, principal, draw_id)
    return act(
        request, db, principal, draw, lambda: draws.commit(db, principal.actor, draw), "committed"
    )


@router.post("/draws/{draw_id:int}/witnesses", response_class=HTMLResponse)
async def draw_witness(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Record a witness, optionally linked to a 监督人 login who then enters their own digits."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)
    user = None
    if form.get("user_id"):
        user_id = parse_id(form["user_id"])
        user = db.get(User, user_id) if user_id else None
        if user is None or user not in view_context.witness_users(db, principal):
            raise NotFound("未找到该监督人账号")
        # A linked account is the witness: its name is the account's name unless one is typed.
        form["name"] = form.get("name", "").strip() or user.full_name

    def run() -> None:
        entropy_input.add_witness(
            db,
            principal.actor,
            draw,
            form.get("name", ""),
            form.get("kind", ""),
            form.get("organisation", ""),
            user=user,
        )

    return act(request, db, principal, draw, run, "witness", "#witnesses", values=form)


@router.post("/draws/{draw_id:int}/dice", response_class=HTMLResponse)
async def draw_dice(request: Request, principal: LoggedIn, db: Db, draw_id: PathId) -> Response:
    """A witness enters their dice digits (or the officer on their behalf)."""
    draw = access.draw_or_404(db, draw_id, principal.scope)
    form = await form_of(request)
    witness_id = parse_id(form.get("witness_id", ""))
    witness = db.get(DrawWitness, witness_id) if witness_id else None
    if witness is None or witness.draw_id != draw.id:
        raise NotFound("未找到该监督人")
    own = witness.user_id is not None and witness.user_id == principal.user.id
    if not own and not access.can_run(db, principal.user, principal.scope, draw):
        raise Forbidden("只有该监督人本人或任务发起人员可以录入骰子数字")

    def run() -> None:
        entropy_input.enter_dice(db, principal.actor, draw, witness, form.get("digits", ""))

    return act(request, db, principal, draw, run, "dice", "#witnesses")


@router.post("/draws/{draw_id:int}/abandon", response_class=HTMLResponse)
async def draw_abandon(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Give up a committed draw whose entropy cannot be completed, with approval (public)."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)

    def run() -> None:
        abandon.abandon(
            db,
            principal.actor,
            draw,
            reason=form.get("reason", ""),
            approved_by=form.get("approved_by", ""),
            document_no=form.get("document", ""),
        )

    return act(request, db, principal, draw, run, "abandoned", "#abandoned", values=form)


@router.post("/draws/{draw_id:int}/drand", response_class=HTMLResponse)
async def draw_drand(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Enter the planned drand round's signature, pasted from any mirror; verified offline."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)
    round_number = parse_id(form.get("round", ""))
    if round_number is None:
        return show(request, db, principal, draw_id, error="drand 轮次应为正整数", status_code=400)

    def run() -> None:
        entropy_input.enter_drand(
            db, principal.actor, draw, round_number, form.get("signature", "")
        )

    return act(request, db, principal, draw, run, "drand", "#drand")


@router.post("/draws/{draw_id:int}/compute", response_class=HTMLResponse)
def draw_compute(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Compute the draw with the engine, once."""
    draw = runnable(db, principal, draw_id)
    return act(
        request,
        db,
        principal,
        draw,
        lambda: ceremony.compute(db, principal.actor, draw),
        "computed",
        "#result",
    )


router.include_router(views_result.router)
router.include_router(event_views.router)
