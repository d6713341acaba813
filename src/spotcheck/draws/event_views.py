"""The events after the draw on the draw page: replace a target, replace an inspector, assign
manually (an exception), exchange two inspectors' targets (回避). Rules, approvals and
statements are the events module's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from spotcheck.draws import events
from spotcheck.draws.view_actions import Runner, act, form_of, runnable
from spotcheck.errors import DomainError
from spotcheck.ids import PathId
from spotcheck.web.security import Db

router = APIRouter()


def _split(value: str, parts: int) -> list[str]:
    pieces = value.split("::")
    if len(pieces) != parts or not all(pieces):
        raise DomainError("请从列表中选择", field="选择")
    return pieces


@router.post("/draws/{draw_id:int}/events/replace-target", response_class=HTMLResponse)
async def event_replace_target(
    request: Request, principal: Runner, db: Db, draw_id: PathId
) -> Response:
    """Replace a drawn target (found exempt, not drawable…) by the next alternate."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)

    def run() -> None:
        events.replace_target(
            db,
            principal.actor,
            draw,
            target_key=form.get("target_key", ""),
            reason=form.get("reason", ""),
            statement=form.get("statement", ""),
            approved_by=form.get("approved_by", ""),
        )

    return act(request, db, principal, draw, run, "event", "#events", values=form)


@router.post("/draws/{draw_id:int}/events/replace-inspector", response_class=HTMLResponse)
async def event_replace_inspector(
    request: Request, principal: Runner, db: Db, draw_id: PathId
) -> Response:
    """Replace an inspector of a group (recusal…) by the next eligible one in the ranking."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)

    def run() -> None:
        target_key, _slot, inspector_key = _split(form.get("member", ""), 3)
        events.replace_inspector(
            db,
            principal.actor,
            draw,
            target_key=target_key,
            inspector_key=inspector_key,
            reason=form.get("reason", ""),
            statement=form.get("statement", ""),
            approved_by=form.get("approved_by", ""),
        )

    return act(request, db, principal, draw, run, "event", "#events", values=form)


@router.post("/draws/{draw_id:int}/events/assign-manual", response_class=HTMLResponse)
async def event_assign_manual(
    request: Request, principal: Runner, db: Db, draw_id: PathId
) -> Response:
    """Assign an inspector by hand: an exception, with its approval and statement."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)

    def run() -> None:
        slot, inspector_key = _split(form.get("person", ""), 2)
        replaces = None
        if form.get("replaces"):
            target_key, replaced_slot, replaces = _split(form["replaces"], 3)
            if replaced_slot != slot or target_key != form.get("target_key"):
                raise DomainError(
                    "被替换的人员须属于所选对象的检查组、且与指派人员同一岗位", field="replaces"
                )
        events.assign_manual(
            db,
            principal.actor,
            draw,
            target_key=form.get("target_key", ""),
            slot=slot,
            inspector_key=inspector_key,
            reason=form.get("reason", ""),
            statement=form.get("statement", ""),
            approved_by=form.get("approved_by", ""),
            replaces=replaces,
        )

    return act(request, db, principal, draw, run, "event", "#events", values=form)


@router.post("/draws/{draw_id:int}/events/exchange", response_class=HTMLResponse)
async def event_exchange(request: Request, principal: Runner, db: Db, draw_id: PathId) -> Response:
    """Exchange two inspectors' targets (回避, 002 第十一条第二款): two manual assignments."""
    draw = runnable(db, principal, draw_id)
    form = await form_of(request)

    def run() -> None:
        first_key, _first_slot, first_inspector = _split(form.get("first", ""), 3)
        second_key, _second_slot, second_inspector = _split(form.get("second", ""), 3)
        events.exchange(
            db,
            principal.actor,
            draw,
            first_key=first_key,
            first_inspector=first_inspector,
            second_key=second_key,
            second_inspector=second_inspector,
            statement=form.get("statement", ""),
            approved_by=form.get("approved_by", ""),
        )

    return act(request, db, principal, draw, run, "event", "#events", values=form)
