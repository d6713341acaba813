"""Abandoning a committed draw whose entropy cannot be completed (platform rule).

A committed draw waits for entropy that did not exist at commit. When it can never arrive (the
drand round's signature cannot be fetched from a government intranet, a witness cannot return),
the draw is stuck: compute is impossible and the commitment cannot be changed. Abandoning it is
an approved, audited and public act: the draw moves to ABANDONED with the reason, who asked and
who approved; nothing is deleted; the commitment stays on the portal marked as abandoned, and the
task may prepare a new draw (a new manifest, attempt 2, …), which the portal shows as the task's
next commitment. A draw whose planned entropy is complete cannot be abandoned: its result is
already determined and must be computed (no re-rolling).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.accounts.models import APPROVAL_RANK, ApprovalLevel
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.draws.service import move, profile_of, refuse, require_status
from spotcheck.errors import DomainError
from spotcheck.sampling.manifest import parse_plan
from spotcheck.workflow import approvals

ARTICLE = "平台规则（细则未规定）"
VERB = "放弃本次抽取"


def requirement(session: Session, draw: Draw) -> approvals.Requirement:
    """Who approves: a leader at the level that approves the department's plan (the draw
    executes that plan), at least 分管领导; the rulebooks say nothing of abandoning a draw."""
    plan = approvals.requirement(profile_of(session, draw), "plan")
    level = ApprovalLevel.DEPUTY
    if plan is not None and not plan.external:
        level = max(plan.level, ApprovalLevel.DEPUTY, key=lambda v: APPROVAL_RANK[v])
    return approvals.Requirement(
        "abandon_draw",
        level,
        "分管领导或审批计划的领导",
        ARTICLE,
        "已承诺的抽取无法取得随机数时，经批准放弃并公开，任务重新承诺",
    )


def entropy_complete(draw: Draw) -> bool:
    """Whether every planned entropy item has been revealed (the outcome is then fixed)."""
    kinds = {item.kind for item in parse_plan(draw.entropy_plan)} if draw.entropy_plan else set()
    revealed = {item.get("kind") for item in draw.revealed}
    return bool(kinds) and kinds <= revealed


def abandon(
    session: Session,
    actor: Actor,
    draw: Draw,
    *,
    reason: str,
    approved_by: str,
    document_no: str = "",
) -> Draw:
    """Give up a committed draw with the approval named; refused once its entropy is complete."""
    require_status(session, actor, draw, {DrawStatus.COMMITTED}, VERB)
    text = " ".join(reason.split())
    if len(text) < 4:
        raise DomainError("请写明放弃的原因（如：政务内网无法取得 drand 签名）", field="reason")
    if entropy_complete(draw):
        raise refuse(
            session,
            actor,
            draw,
            VERB,
            "计划的随机数已全部录入，抽取结果已经确定，应当计算而不能放弃（不得重新抽取；"
            f"{ARTICLE}）",
        )
    department = session.get(Department, draw.department_id)
    assert department is not None
    need = requirement(session, draw)
    try:
        approval = approvals.approve_by_name(
            session,
            actor,
            need,
            name=approved_by,
            subject_type="draw",
            subject_id=draw.id,
            department=department,
            verb=VERB,
            document_no=document_no,
        )
    except DomainError as exc:
        raise refuse(session, actor, draw, VERB, exc.message) from exc
    draw.abandoned_at = utcnow()
    draw.abandoned_by = actor.name[:60]
    draw.abandon_reason = text[:400]
    draw.abandon_approver = approval.approver_name[:120]
    move(
        session,
        actor,
        draw,
        DrawStatus.ABANDONED,
        f"{draw.code}：放弃本次抽取（原因：{text}；批准人：{approval.approver_name}）",
        {"reason": text, "approved_by": approval.approver_name, "approval": approval.id},
    )
    session.flush()
    return draw
