"""JSON API for the draw ceremony and the events after it (same services, roles and scoping as
the pages and the CLI). A refused change of a committed draw still commits its audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from spotcheck.departments import service as departments_service
from spotcheck.draws import access, ceremony, entropy_input, events, publish, visits
from spotcheck.draws import service as draws
from spotcheck.draws.models import Draw, DrawWitness
from spotcheck.errors import NotFound
from spotcheck.ids import Id, PathId
from spotcheck.plans import delegation
from spotcheck.plans import tasks as tasks_service
from spotcheck.web import problems
from spotcheck.web.security import Db, LoggedIn, Principal, roles

router = APIRouter(prefix="/api/v1", tags=["draws"], responses=problems.API_ERRORS)
# Every change may meet the draw's state (a refused move keeps its audit event): 409.
CHANGES = problems.responses(409)
Officer = Annotated[Principal, Depends(roles(*access.RUN))]
T = TypeVar("T")
OUTCOME_PAGE = 100
ApiPage = Annotated[int, Query(ge=1, le=1_000_000, description="第几页（每页 100 个对象）")]


class EntropyIn(BaseModel):
    """The entropy sources chosen before commit."""

    drand: bool = True
    dice_digits: int = Field(ge=0, le=64)


class WitnessIn(BaseModel):
    """A witness of the ceremony."""

    name: str = Field(min_length=1, max_length=60)
    kind: str = Field(min_length=1, max_length=30)
    organisation: str = ""


class DiceIn(BaseModel):
    """Dice digits a witness rolled."""

    witness_id: Id
    digits: str


class DrandIn(BaseModel):
    """The planned drand round's signature."""

    round: Id
    signature: str


class EventIn(BaseModel):
    """An event after the draw (spec "Events"); the replacement is derived by the engine."""

    type: Literal["replace-target", "replace-inspector", "assign-manual", "exchange"]
    target_key: str
    reason: str = ""
    statement: str = ""
    approved_by: str = ""
    inspector_key: str = Field("", description="替换/指派的检查人员编号")
    slot: str = Field("", description="人工指派的岗位")
    replaces: str = Field("", description="人工指派时换下的检查人员（不填为增派）")
    second_target_key: str = Field("", description="调换检查对象时，另一检查对象的标识")
    second_inspector_key: str = Field("", description="调换检查对象时，另一对象中与之交换的人员")


class DelegateIn(BaseModel):
    """The lower-level agency (code) and the reason."""

    department: str
    reason: str


def _guarded(db: Session, act: Callable[[], T]) -> T:
    """Run a change and commit it. A refusal (errors.Refused) propagates: `get_db` commits its
    audit event and the error handler answers 409 (service module doc)."""
    result = act()
    db.commit()
    return result


def _out(db: Session, draw: Draw, page: int = 1, q: str = "") -> dict[str, Any]:
    """The draw; its drawn targets (`outcome`) one page at a time (`outcome_page`)."""
    task = draws.task_of(db, draw)
    out: dict[str, Any] = {
        "id": draw.id,
        "code": draw.code,
        "task_id": task.id,
        "plan_id": task.plan_id,
        "profile": draw.profile_code,
        "status": draw.status.value,
        "status_label": draw.status_label,
        "digest": draw.digest,
        "entropy_choice": draw.entropy_choice,
        "drand_round": draw.drand_round,
        "witnesses": [
            {"id": w.id, "name": w.name, "kind": w.kind, "dice_digits": w.dice_digits}
            for w in draw.witnesses
        ],
        "outcome": None,
        "events": [
            {
                "seq": e.seq,
                "type": e.kind,
                "reason": e.reason,
                "approved_by": e.approved_by,
                "rule": e.rule,
                "exception": e.kind == "assign-manual",
                "payload": e.payload,
            }
            for e in events.events_of(draw)
        ],
    }
    if draw.computed_at is not None:
        found = visits.page(db, draw, page, q, per_page=OUTCOME_PAGE)
        out["outcome"] = [
            {
                "order": v.order,
                "target_key": v.key,
                "target_name": v.name,
                "inspectors": [[m.slot, m.key] for m in v.members],
            }
            for v in found.visits
        ]
        out["outcome_page"] = {
            "page": found.page,
            "pages": found.pages,
            "per_page": found.per_page,
            "total": found.total,
            "q": found.query,
        }
        out["drawn"] = draw.selected_count
        out["list_sha256"] = draw.list_sha256
    return out


def _draw(db: Session, principal: Principal, draw_id: int) -> Draw:
    return access.draw_or_404(db, draw_id, principal.scope)


@router.get("/draws/{draw_id:int}")
def get_draw(
    principal: LoggedIn,
    db: Db,
    draw_id: PathId,
    page: ApiPage = 1,
    q: Annotated[str, Query(max_length=100, description="按对象名称、代码或检查人员筛选")] = "",
) -> dict[str, Any]:
    """Status, digest, plan, witnesses, the events, and one page (100) of the drawn targets
    with their groups (`outcome`; `outcome_page` says which page of how many)."""
    return _out(db, _draw(db, principal, draw_id), page, q)


@router.get("/draws/{draw_id:int}/record")
def get_record(principal: LoggedIn, db: Db, draw_id: PathId) -> Response:
    """The public record (verifiable with `spotcheck verify`), as stored."""
    body = ceremony.record_bytes(db, _draw(db, principal, draw_id))
    return Response(body, media_type="application/json; charset=utf-8")


@router.post("/tasks/{task_id:int}/draw", status_code=201, responses=CHANGES)
def prepare(principal: Officer, db: Db, task_id: PathId) -> dict[str, Any]:
    """Prepare the draw of an approved task."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    return _out(db, _guarded(db, lambda: draws.prepare(db, principal.actor, task)))


@router.post("/tasks/{task_id:int}/delegate", responses=CHANGES)
def delegate(principal: Officer, db: Db, task_id: PathId, body: DelegateIn) -> dict[str, Any]:
    """Delegate a task to a lower-level agency before its draw (001 第十四条)."""
    task = tasks_service.get_or_404(db, task_id, principal.scope)
    department = departments_service.get_by_code(db, body.department)
    if department is None:
        raise NotFound(f"未找到部门 {body.department}")
    _guarded(db, lambda: delegation.delegate(db, principal.actor, task, department, body.reason))
    return {"task_id": task.id, "delegated_department": department.code}


def _step(
    db: Session, principal: Principal, draw_id: int, act: Callable[[Draw], object]
) -> dict[str, Any]:
    draw = _draw(db, principal, draw_id)
    _guarded(db, lambda: act(draw))
    return _out(db, draw)


@router.post("/draws/{draw_id:int}/entropy", responses=CHANGES)
def entropy(principal: Officer, db: Db, draw_id: PathId, body: EntropyIn) -> dict[str, Any]:
    """Choose drand and/or dice before commit."""
    return _step(
        db,
        principal,
        draw_id,
        lambda d: draws.set_entropy(
            db, principal.actor, d, drand=body.drand, dice_digits=body.dice_digits
        ),
    )


@router.post("/draws/{draw_id:int}/commit", responses=CHANGES)
def commit(principal: Officer, db: Db, draw_id: PathId) -> dict[str, Any]:
    """Freeze the manifest and plan the entropy."""
    return _step(db, principal, draw_id, lambda d: draws.commit(db, principal.actor, d))


@router.post("/draws/{draw_id:int}/witnesses", status_code=201, responses=CHANGES)
def witness(principal: Officer, db: Db, draw_id: PathId, body: WitnessIn) -> dict[str, Any]:
    """Record a witness."""
    return _step(
        db,
        principal,
        draw_id,
        lambda d: entropy_input.add_witness(
            db, principal.actor, d, body.name, body.kind, body.organisation
        ),
    )


@router.post("/draws/{draw_id:int}/dice", responses=CHANGES)
def dice(principal: Officer, db: Db, draw_id: PathId, body: DiceIn) -> dict[str, Any]:
    """Enter a witness's dice digits."""
    draw = _draw(db, principal, draw_id)
    person = db.get(DrawWitness, body.witness_id)
    if person is None or person.draw_id != draw.id:
        raise NotFound("未找到该监督人")
    return _step(
        db,
        principal,
        draw_id,
        lambda d: entropy_input.enter_dice(db, principal.actor, d, person, body.digits),
    )


@router.post("/draws/{draw_id:int}/drand", responses=CHANGES)
def drand(principal: Officer, db: Db, draw_id: PathId, body: DrandIn) -> dict[str, Any]:
    """Enter the planned drand round's signature (verified offline)."""
    return _step(
        db,
        principal,
        draw_id,
        lambda d: entropy_input.enter_drand(db, principal.actor, d, body.round, body.signature),
    )


@router.post("/draws/{draw_id:int}/compute", responses=CHANGES)
def compute(principal: Officer, db: Db, draw_id: PathId) -> dict[str, Any]:
    """Compute the draw (once)."""
    return _step(db, principal, draw_id, lambda d: ceremony.compute(db, principal.actor, d))


@router.post("/draws/{draw_id:int}/publish", responses=CHANGES)
def publish_draw(principal: Officer, db: Db, draw_id: PathId) -> dict[str, Any]:
    """Publish the result and the public record to the portal."""
    return _step(db, principal, draw_id, lambda d: publish.publish(db, principal.actor, d))


@router.post("/draws/{draw_id:int}/events", status_code=201, responses=CHANGES)
def add_event(principal: Officer, db: Db, draw_id: PathId, body: EventIn) -> dict[str, Any]:
    """Replace a target or an inspector, assign one manually (an exception), or exchange two
    inspectors' targets (`exchange`: 回避 by two manual assignments, where the profile allows)."""
    key, why, text, by = body.target_key, body.reason, body.statement, body.approved_by

    def act(d: Draw) -> object:
        if body.type == "exchange":
            return events.exchange(
                db,
                principal.actor,
                d,
                first_key=key,
                first_inspector=body.inspector_key,
                second_key=body.second_target_key,
                second_inspector=body.second_inspector_key,
                statement=text,
                approved_by=by,
            )
        if body.type == "replace-target":
            return events.replace_target(
                db, principal.actor, d, target_key=key, reason=why, statement=text, approved_by=by
            )
        if body.type == "replace-inspector":
            return events.replace_inspector(
                db,
                principal.actor,
                d,
                target_key=key,
                inspector_key=body.inspector_key,
                reason=why,
                statement=text,
                approved_by=by,
            )
        return events.assign_manual(
            db,
            principal.actor,
            d,
            target_key=key,
            slot=body.slot,
            inspector_key=body.inspector_key,
            replaces=body.replaces or None,
            reason=why,
            statement=text,
            approved_by=by,
        )

    return _step(db, principal, draw_id, act)
