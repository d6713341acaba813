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
import secrets
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.departments.models import Department
from spotcheck.draws import changes, documents
from spotcheck.draws import openings as openings_mod
from spotcheck.draws.models import DRAW_LABELS, Draw, DrawBorrowing, DrawStatus
from spotcheck.errors import DomainError, NotFound, Refused
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import Task
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks.models import RulebookVersion
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.sampling import DrawError, build_manifest, canonical_json
from spotcheck.sampling.build import dice_plan, drand_plan
from spotcheck.sampling.entropy import first_safe_round
from spotcheck.workflow import approvals
from spotcheck.workflow import service as workflow_service
from spotcheck.workflow.machine import Basis, Machine, Move

DRAND_MARGIN_SECONDS = 60
DEFAULT_DICE_DIGITS = 10
MAX_DICE_DIGITS = 64


class DrawRefused(Refused):
    """A refused change of a committed draw; the "draw.refused" audit event is already recorded."""


P = DrawStatus
DRAW = Machine(
    subject_type="draw",
    noun="抽取",
    labels={str(k): v for k, v in DRAW_LABELS.items()},
    moves=(
        Move("commit", frozenset({P.PREPARED}), P.COMMITTED, "承诺（冻结清单）"),
        Move("compute", frozenset({P.COMMITTED}), P.COMPUTED, "计算抽取结果"),
        Move("publish", frozenset({P.COMPUTED}), P.PUBLISHED, "公开"),
        Move("abandon", frozenset({P.COMMITTED}), P.ABANDONED, "放弃本次抽取（经批准）"),
    ),
    audit_prefix="draw",
    refusal_action="draw.refused",
    refusal_error=DrawRefused,
)
# The draw's own rules are the platform's (spec/draw-v1.md); no rulebook article describes them.
_RULES = {
    P.COMMITTED: "先承诺抽取清单并公开摘要，再取得随机数（SSJ-DRAW-1）",
    P.COMPUTED: "随机数揭示后按 SSJ-DRAW-1 计算一次，结果不得重算或删除",
    P.PUBLISHED: "抽取结果和公开抽取记录向社会公开，任何人可以验证",
    P.ABANDONED: "随机数无法取得的已承诺抽取，经批准放弃并公开原因和批准人，不删除、不重算；"
    "任务另行承诺新的抽取（平台规则（细则未规定））",
}


def profile_of(session: Session, draw: Draw) -> Profile:
    """The profile the draw was prepared under (the version it pinned then)."""
    from spotcheck.rulebooks import service as rulebooks_service

    if draw.profile_version_id is not None:
        return rulebooks_service.get_version(session, draw.profile_version_id)[1]
    return rulebooks_service.get(session, draw.profile_code)


def version_of(session: Session, draw: Draw) -> RulebookVersion | None:
    """The profile version the draw pinned at prepare (None for a draw made before pinning)."""
    if draw.profile_version_id is None:
        return None
    return session.get(RulebookVersion, draw.profile_version_id)


def _policy(session: Session, draw: Draw, profile: Profile) -> str:
    version = version_of(session, draw)
    return version.label if version is not None else profile.code


def task_of(session: Session, draw: Draw) -> Task:
    """The draw's task."""
    task = session.get(Task, draw.task_id)
    if task is None:
        raise NotFound("未找到抽查任务")
    return task


def for_task(session: Session, task: Task) -> Draw | None:
    """The task's current draw (its latest attempt), if prepared."""
    return session.scalar(
        select(Draw).where(Draw.task_id == task.id).order_by(Draw.attempt.desc()).limit(1)
    )


def attempts(session: Session, task: Task) -> list[Draw]:
    """Every draw of the task, first attempt first (earlier ones were abandoned)."""
    return list(session.scalars(select(Draw).where(Draw.task_id == task.id).order_by(Draw.attempt)))


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
    """Refuse (with an audit event) when the draw is not in one of the allowed states.

    The draw's row is locked first, so that of two concurrent requests the second sees the
    state the first left (PostgreSQL; SQLite serialises writers)."""
    if draw.id is not None:
        workflow_service.lock(session, draw)
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


def move(
    session: Session,
    actor: Actor,
    draw: Draw,
    to: DrawStatus,
    summary: str,
    after: dict[str, Any] | None = None,
) -> None:
    """Move the draw through the one workflow mechanism (step row and audit event)."""
    workflow_service.move(
        session, DRAW, draw, to, actor, summary=summary, rule=Basis("", _RULES[to]), after=after
    )
    changes.bump()


def _code(session: Session, task: Task, department: Department, attempt: int = 1) -> str:
    year = task.plan.year if task.plan is not None else task.window_start.year
    middle = "-ZX" if task.special else ""
    code = f"{department.code}{middle}-{year}-{task.number:02d}"
    if attempt > 1:
        code = f"{code}-R{attempt}"  # the task's n-th draw after n − 1 abandoned ones
    if session.scalar(select(Draw.id).where(Draw.code == code)) is not None:
        code = f"{code}-T{task.id}"  # two special tasks of one year share a number
    return code


def prepare(session: Session, actor: Actor, task: Task, on: dt.date | None = None) -> Draw:
    """Open the draw of an approved task; refused while any draw blocker remains.

    The task's row is locked first: of concurrent requests one prepares, the others find its
    draw and are refused (409, audited on that draw)."""
    from spotcheck.eligibility import service as eligibility  # only when preparing

    workflow_service.lock(session, task)
    existing = for_task(session, task)
    if existing is not None and existing.status != DrawStatus.ABANDONED:
        message = f"任务已有抽取 {existing.code}（每个任务只抽取一次）"
        raise refuse(session, actor, existing, "准备抽取", message)
    attempt = existing.attempt + 1 if existing is not None else 1
    # The registry is not evaluated here (commit does it, once, and refuses what it finds).
    blockers = plans_service.draw_check(session, task, on, with_eligibility=False).blockers
    if blockers:
        raise DomainError("任务尚不能抽取：" + "；".join(blockers))
    department = session.get(Department, task.department_id)
    if department is None:
        raise NotFound("未找到发起部门")
    profile = eligibility.profile_of(session, task)
    version = pinned.version_to_pin(session, task)
    draw = Draw(
        task_id=task.id,
        department_id=department.id,
        code=_code(session, task, department, attempt),
        attempt=attempt,
        profile_code=profile.code,
        profile_version_id=version.id,
        status=DrawStatus.PREPARED,
        # Dice by default: always available in the room, also on an intranet without internet;
        # drand is an explicit choice (someone with access must fetch its signature).
        entropy_choice={"drand": False, "dice_digits": DEFAULT_DICE_DIGITS},
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
        summary=f"准备抽取 {draw.code}（任务“{task.name}”，细则 {version.label}）",
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
            f"{cite(witnesses.article)}：抽取须有 {witnesses.required} 名监督人到场，"
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


def borrowings(session: Session, draw: Draw) -> list[DrawBorrowing]:
    """The draw's borrowings in force (not withdrawn), oldest first."""
    return list(
        session.scalars(
            select(DrawBorrowing)
            .where(DrawBorrowing.draw_id == draw.id, DrawBorrowing.withdrawn_at.is_(None))
            .order_by(DrawBorrowing.id)
        )
    )


def borrowed(session: Session, draw: Draw) -> list[dict[str, Any]]:
    """The borrowings in force as the pools read them (after commit: as frozen in the record)."""
    if draw.status != DrawStatus.PREPARED:
        return list(draw.pools_info.get("borrowed", []))
    return [row.loan() for row in borrowings(session, draw)]


def borrow(
    session: Session,
    actor: Actor,
    draw: Draw,
    slot: str,
    department: Department,
    approved_by: str,
    document: str,
) -> DrawBorrowing:
    """Add another department's eligible inspectors to a short slot, with its typed approval."""
    from spotcheck.draws import lending

    require_status(session, actor, draw, {DrawStatus.PREPARED}, "借调人员")
    profile = profile_of(session, draw)
    need = approvals.requirement(profile, "borrow")
    if need is None:
        raise DomainError(f"细则 {profile.code} 没有规定借调人员，不能从其他部门补充")
    if not approved_by.strip() or not document.strip():
        raise DomainError(f"借调须经{need.by}批准（{cite(need.article)}）：请填写批准人和批准文件")
    task = task_of(session, draw)
    initiator = session.get(Department, task.department_id)
    assert initiator is not None
    slots = lending.owners(session, task, profile)
    if slot not in slots:
        raise DomainError(f"没有名为“{slot}”的岗位（可选：{'、'.join(slots)}）", field="slot")
    # The same check as the list the page offers, against the department that owns the slot.
    why = lending.refusal(profile.approvals["borrow"], slots[slot], department)
    if why:
        raise DomainError(why, field="department_id")
    # Under the draw's lock (require_status): a second, perhaps concurrent, request for the same
    # borrowing finds the first and is refused instead of borrowing twice.
    if any(r.slot == slot and r.department_id == department.id for r in borrowings(session, draw)):
        message = f"岗位“{slot}”已借调{department.name}的人员（不必重复借调）"
        raise refuse(session, actor, draw, "借调人员", message)
    approval = approvals.approve_by_name(
        session,
        actor,
        need,
        name=approved_by,
        subject_type="draw",
        subject_id=draw.id,
        department=initiator,
        verb="借调人员",
        document_no=document,
    )
    row = DrawBorrowing(
        draw_id=draw.id,
        slot=slot,
        department_id=department.id,
        approval_id=approval.id,
        rule=f"{cite(need.article)}",
        created_by=actor.name[:60],
    )
    session.add(row)
    session.flush()
    audit_service.record(
        session,
        actor,
        "draw.borrow",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：岗位“{slot}”借调{department.name}人员，{approval.text}",
        after={**row.loan(), "approval_id": approval.id},
    )
    return row


def unborrow(session: Session, actor: Actor, draw: Draw, slot: str, department: Department) -> None:
    """Withdraw a borrowing before commit (a wrong department, an approval withdrawn)."""
    require_status(session, actor, draw, {DrawStatus.PREPARED}, "撤销借调")
    rows = [
        r for r in borrowings(session, draw) if r.slot == slot and r.department_id == department.id
    ]
    if not rows:
        # Under the draw's lock: of two concurrent withdrawals the second finds nothing left.
        message = f"岗位“{slot}”没有借调{department.name}的人员（可能已被撤销）"
        raise refuse(session, actor, draw, "撤销借调", message)
    before = [r.loan() for r in rows]
    for row in rows:
        row.withdrawn_at, row.withdrawn_by = clock.utcnow(), actor.name[:60]
    session.flush()
    audit_service.record(
        session,
        actor,
        "draw.unborrow",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：撤销岗位“{slot}”向{department.name}的借调",
        before={"borrowed": before},
        after={"borrowed": [r.loan() for r in borrowings(session, draw)]},
    )


def _next_round(session: Session, now: dt.datetime) -> int:
    highest = session.scalar(select(func.max(Draw.drand_round)))
    # A round is never planned twice: its randomness would be shared by two draws.
    return max(first_safe_round(now, DRAND_MARGIN_SECONDS), (highest or 0) + 1)


def commit(session: Session, actor: Actor, draw: Draw, now: dt.datetime | None = None) -> Draw:
    """Freeze the manifest: candidates now, neutral strata, pools, conflicts, entropy plan."""
    # Imported here: the other steps of the ceremony do not need the eligibility engine.
    from spotcheck.draws import pools
    from spotcheck.eligibility import service as eligibility

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
            "size": len(stratum.candidates),
            "quota": stratum.quota,
        }
    loans = borrowed(session, draw)
    plan = pools.build_slots(
        session, task, profile, on, total_quota=result.total_quota, borrowed=loans
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
            # The profile version the draw was decided under (e.g. "zibo-gxj@3").
            policy=_policy(session, draw, profile),
            committed_at=now,
            strata=strata,
            slots=[s.manifest_slot() for s in plan.slots],
            entropy=entropy,
            secret=secret,
            conflicts=conflicts,
        )
    except DrawError as exc:
        raise DomainError(f"清单不能承诺：{exc.zh}") from exc
    # The manifest's digest is the SHA-256 of its canonical text (spec "Commit"): the stored
    # text's hash, not a second serialisation of a million commitments.
    draw.digest = documents.put(session, draw, documents.MANIFEST, canonical_json(manifest))
    documents.put(session, draw, documents.OPENINGS, openings_mod.text_of(openings))
    draw.entropy_plan = list(manifest["entropy"])
    draw.committed_at = dt.datetime.fromisoformat(manifest["committed_at"].replace("Z", "+00:00"))
    draw.committed_by = actor.name[:60]
    draw.secret_hex = secret.hex()
    draw.strata_map = strata_map
    draw.candidate_count = len(keys)
    draw.evaluation = eligibility.summary(result)
    draw.pools_info = {"slots": plan.info(), "notes": plan.notes, "borrowed": loans}
    move(
        session,
        actor,
        draw,
        DrawStatus.COMMITTED,
        f"{draw.code}：承诺清单，摘要 {draw.digest}",
        {"digest": draw.digest, "entropy": entropy, "committed_at": manifest["committed_at"]},
    )
    session.flush()
    return draw
