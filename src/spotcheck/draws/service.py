"""The draw ceremony as a state machine on Draw: prepare → (entropy choice, borrowing) → commit.

Witnesses and entropy are in entropy_input.py, compute and the schedule in ceremony.py; this
module re-exports them so callers use `draws.service` only.

Refusals after commit (DrawRefused): every verb checks the state BEFORE it changes anything, so
when it refuses, the only row the transaction holds is the "draw.refused" audit event. The caller
(CLI, request) therefore commits on DrawRefused and then shows the message: nothing that feeds the
draw was written, and the attempt is on the audit chain. Services still never commit themselves.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.departments.models import Department
from spotcheck.draws import pools
from spotcheck.draws.models import DRAW_LABELS, DRAW_MOVES, Draw, DrawStatus
from spotcheck.errors import DomainError, IllegalTransition, NotFound
from spotcheck.plans import eligibility
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import Task
from spotcheck.rulebooks.schema import Profile
from spotcheck.sampling import DrawError, build_manifest, canonical_json, manifest_digest
from spotcheck.sampling.build import dice_plan, drand_plan
from spotcheck.sampling.entropy import first_safe_round

DRAND_MARGIN_SECONDS = 60
DEFAULT_DICE_DIGITS = 10
MAX_DICE_DIGITS = 64


class DrawRefused(IllegalTransition):
    """A refused change of a committed draw; the "draw.refused" audit event is already recorded."""


def profile_of(session: Session, draw: Draw) -> Profile:
    """The profile the draw was prepared under."""
    from spotcheck.rulebooks import service as rulebooks_service

    return rulebooks_service.get(session, draw.profile_code)


def task_of(session: Session, draw: Draw) -> Task:
    """The draw's task."""
    task = session.get(Task, draw.task_id)
    if task is None:
        raise NotFound("未找到抽查任务")
    return task


def for_task(session: Session, task: Task) -> Draw | None:
    """The draw of a task, if prepared."""
    return session.scalar(select(Draw).where(Draw.task_id == task.id))


def refuse(session: Session, actor: Actor, draw: Draw, what: str, message: str) -> DrawRefused:
    """Record a "draw.refused" audit event and return the error to raise (see module doc)."""
    audit_service.record(
        session,
        actor,
        "draw.refused",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：拒绝{what}：{message}"[:400],
        after={"attempt": what, "status": draw.status.value},
    )
    session.flush()
    return DrawRefused(message)


def require_status(
    session: Session, actor: Actor, draw: Draw, allowed: set[DrawStatus], what: str
) -> None:
    """Refuse (with an audit event) when the draw is not in one of the allowed states."""
    if draw.status in allowed:
        return
    wanted = "、".join(DRAW_LABELS[s] for s in allowed)
    frozen = (
        "；承诺后，影响抽取结果的内容一律不得更改" if draw.status != DrawStatus.PREPARED else ""
    )
    raise refuse(
        session,
        actor,
        draw,
        what,
        f"抽取 {draw.code} 当前为“{draw.status_label}”，只有“{wanted}”时才能{what}{frozen}",
    )


def move(draw: Draw, to: DrawStatus) -> None:
    """Change the status if DRAW_MOVES allows it."""
    if to not in DRAW_MOVES[draw.status]:
        raise IllegalTransition(f"抽取不能从“{draw.status_label}”变为“{DRAW_LABELS[to]}”")
    draw.status = to


def _code(session: Session, task: Task, department: Department) -> str:
    year = task.plan.year if task.plan is not None else task.window_start.year
    middle = "-ZX" if task.special else ""
    code = f"{department.code}{middle}-{year}-{task.number:02d}"
    if session.scalar(select(Draw.id).where(Draw.code == code)) is not None:
        code = f"{code}-T{task.id}"  # two special tasks of one year share a number
    return code


def prepare(session: Session, actor: Actor, task: Task, on: dt.date | None = None) -> Draw:
    """Open the draw of an approved task; refused while any draw blocker remains."""
    existing = for_task(session, task)
    if existing is not None:
        raise DomainError(f"任务已有抽取 {existing.code}（每个任务只抽取一次）")
    blockers = plans_service.draw_blockers(session, task, on)
    if blockers:
        raise DomainError("任务尚不能抽取：" + "；".join(blockers))
    department = session.get(Department, task.department_id)
    if department is None:
        raise NotFound("未找到发起部门")
    profile = eligibility.profile_of(session, task)
    required = profile.witnesses.required
    draw = Draw(
        task_id=task.id,
        department_id=department.id,
        code=_code(session, task, department),
        profile_code=profile.code,
        status=DrawStatus.PREPARED,
        entropy_choice={"drand": True, "dice_digits": DEFAULT_DICE_DIGITS if required else 0},
        pools_info={},
        created_by=actor.name[:60],
    )
    session.add(draw)
    session.flush()
    audit_service.record(
        session,
        actor,
        "draw.prepare",
        object_type="draw",
        object_id=draw.id,
        summary=f"准备抽取 {draw.code}（任务“{task.name}”，细则 {profile.code}）",
    )
    return draw


def set_entropy(
    session: Session, actor: Actor, draw: Draw, *, drand: bool, dice_digits: int
) -> None:
    """Choose the entropy sources before commit (dice required when witnesses are required)."""
    require_status(session, actor, draw, {DrawStatus.PREPARED}, "更改随机数来源")
    witnesses = profile_of(session, draw).witnesses
    if not 0 <= dice_digits <= MAX_DICE_DIGITS:
        raise DomainError(f"骰子位数应为 0–{MAX_DICE_DIGITS}", field="dice_digits")
    if witnesses.required > 0 and dice_digits == 0:
        raise DomainError(
            f"依据 {witnesses.article}：抽取须有 {witnesses.required} 名监督人到场，"
            "监督人当场掷骰子，骰子位数不能为 0",
            field="dice_digits",
        )
    if not drand and dice_digits == 0:
        raise DomainError("至少要有一种随机数来源（drand 或骰子）", field="drand")
    before = dict(draw.entropy_choice)
    draw.entropy_choice = {**before, "drand": drand, "dice_digits": dice_digits}
    audit_service.record(
        session,
        actor,
        "draw.entropy",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：随机数来源 drand={'是' if drand else '否'}，骰子 {dice_digits} 位",
        before=before,
        after=draw.entropy_choice,
    )


def borrow(
    session: Session,
    actor: Actor,
    draw: Draw,
    slot: str,
    department: Department,
    approved_by: str,
    document: str,
) -> None:
    """Add another department's eligible inspectors to a short slot, with its approval."""
    require_status(session, actor, draw, {DrawStatus.PREPARED}, "借调人员")
    profile = profile_of(session, draw)
    rule = profile.approvals.get("borrow")
    if rule is None:
        raise DomainError(f"细则 {profile.code} 没有规定借调人员，不能从其他部门补充")
    if not approved_by.strip() or not document.strip():
        raise DomainError(f"借调须经{rule.by}批准（依据 {rule.article}）：请填写批准人和批准文件")
    task = task_of(session, draw)
    initiator = session.get(Department, task.department_id)
    assert initiator is not None
    if "同行业" in (rule.note or "") and department.industry != initiator.industry:
        raise DomainError(
            f"依据 {rule.article}：只能从同行业部门借调（{department.name} 的行业为"
            f"“{department.industry or '未填'}”，发起部门为“{initiator.industry}”）"
        )
    names = [s.name for s in profile.group.slots if not s.per_department]
    for link in task.participants:
        participant = session.get(Department, link.department_id)
        if participant is not None:
            names.append(f"{pools.JOINT_PREFIX}{participant.name}")
    if slot not in names:
        raise DomainError(f"没有名为“{slot}”的岗位（可选：{'、'.join(names)}）", field="slot")
    loan = {
        "slot": slot,
        "department_id": department.id,
        "department": department.name,
        "approved_by": approved_by.strip(),
        "document": document.strip(),
        "rule": f"依据 {rule.article}",
    }
    info = dict(draw.pools_info)
    info["borrowed"] = [*info.get("borrowed", []), loan]
    draw.pools_info = info
    audit_service.record(
        session,
        actor,
        "draw.borrow",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：岗位“{slot}”借调{department.name}人员，{approved_by}批准（{document}）",
        after=loan,
    )


def unborrow(session: Session, actor: Actor, draw: Draw, slot: str, department: Department) -> None:
    """Withdraw a borrowing before commit (a wrong department, an approval withdrawn)."""
    require_status(session, actor, draw, {DrawStatus.PREPARED}, "撤销借调")
    loans = list(draw.pools_info.get("borrowed", []))
    kept = [x for x in loans if not (x["slot"] == slot and x["department_id"] == department.id)]
    if len(kept) == len(loans):
        raise DomainError(f"岗位“{slot}”没有借调{department.name}的人员", field="slot")
    draw.pools_info = {**draw.pools_info, "borrowed": kept}
    audit_service.record(
        session,
        actor,
        "draw.unborrow",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：撤销岗位“{slot}”向{department.name}的借调",
        before={"borrowed": loans},
        after={"borrowed": kept},
    )


def _next_round(session: Session, now: dt.datetime) -> int:
    highest = session.scalar(select(func.max(Draw.drand_round)))
    # A round is never planned twice: its randomness would be shared by two draws.
    return max(first_safe_round(now, DRAND_MARGIN_SECONDS), (highest or 0) + 1)


def commit(session: Session, actor: Actor, draw: Draw, now: dt.datetime | None = None) -> Draw:
    """Freeze the manifest: candidates now, neutral strata, pools, conflicts, entropy plan."""
    require_status(session, actor, draw, {DrawStatus.PREPARED}, "承诺（冻结清单）")
    now = now or clock.utcnow()
    task = task_of(session, draw)
    profile = profile_of(session, draw)
    on = now.astimezone(clock.BEIJING).date()
    result = eligibility.evaluate(session, task, on)
    if result.problems:
        raise DomainError("不能承诺：" + "；".join(result.problems))
    strata, strata_map = [], {}
    for n, stratum in enumerate(result.strata, start=1):
        neutral = f"第{n}层"
        strata.append(
            {"name": neutral, "quota": stratum.quota, "keys": [c.key for c in stratum.candidates]}
        )
        strata_map[neutral] = {
            "key": stratum.key,
            "name": stratum.name,
            "article": stratum.article,
            "rule": stratum.rule_text,
            "quota_text": stratum.quota_text,
        }
    borrowed = list(draw.pools_info.get("borrowed", []))
    plan = pools.build_slots(
        session, task, profile, on, total_quota=result.total_quota, borrowed=borrowed
    )
    if plan.problems:
        raise DomainError("不能承诺：" + "；".join(plan.problems))
    keys = {c.key for s in result.strata for c in s.candidates}
    conflicts = pools.conflict_pairs(session, plan, keys)
    entropy: list[dict[str, Any]] = []
    if draw.entropy_choice.get("drand", True):
        draw.drand_round = _next_round(session, now)
        entropy.append(drand_plan(draw.drand_round))
    digits = int(draw.entropy_choice.get("dice_digits", 0))
    if digits:
        entropy.append(dice_plan(digits))
    secret = secrets.token_bytes(32)
    try:
        manifest, openings = build_manifest(
            task=draw.code,
            policy=profile.code,
            committed_at=now,
            strata=strata,
            slots=[s.manifest_slot() for s in plan.slots],
            entropy=entropy,
            secret=secret,
            conflicts=conflicts,
        )
    except DrawError as exc:
        raise DomainError(f"清单不能承诺：{exc.zh}") from exc
    draw.manifest_text = canonical_json(manifest)
    draw.digest = manifest_digest(manifest)
    draw.committed_at = dt.datetime.fromisoformat(manifest["committed_at"].replace("Z", "+00:00"))
    draw.committed_by = actor.name[:60]
    draw.secret_hex = secret.hex()
    draw.openings = openings
    draw.strata_map = strata_map
    draw.pools_info = {"slots": plan.info(), "notes": plan.notes, "borrowed": borrowed}
    move(draw, DrawStatus.COMMITTED)
    audit_service.record(
        session,
        actor,
        "draw.commit",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：承诺清单，摘要 {draw.digest}",
        after={"digest": draw.digest, "entropy": entropy, "committed_at": manifest["committed_at"]},
    )
    session.flush()
    return draw


_ELSEWHERE = {
    "compute": "spotcheck.draws.ceremony",
    "schedule": "spotcheck.draws.ceremony",
    "add_witness": "spotcheck.draws.entropy_input",
    "enter_dice": "spotcheck.draws.entropy_input",
    "enter_drand": "spotcheck.draws.entropy_input",
}


def __getattr__(name: str) -> Any:
    # Re-exported lazily: ceremony.py and entropy_input.py import this module's helpers.
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
