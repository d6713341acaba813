"""What the draw pages show: where the ceremony stands, what comes next, and each stage's data.

Built for the page only (never for the portal): it shows the real stratum names and who was
left out of each pool, which are internal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.accounts.models import User
from spotcheck.channels import service as channels_service
from spotcheck.db import make_session_factory
from spotcheck.departments.models import Department
from spotcheck.draws import abandon, access, entropy_input, events, lending, pools, publish, visits
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws.attachments import KINDS as ATTACHMENT_KINDS
from spotcheck.draws.attachments import form_help as attachment_form_help
from spotcheck.draws.attachments import named_for as attachment_name
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.draws.service import attempts as task_attempts
from spotcheck.draws.service import borrowed as borrowed_loans
from spotcheck.draws.service import profile_of, task_of, version_of
from spotcheck.eligibility import cache as eligibility_cache
from spotcheck.inspectors import links as inspector_links
from spotcheck.rulebooks.schema import Profile, cite
from spotcheck.sampling.entropy import round_time
from spotcheck.sampling.manifest import DICE, DRAND
from spotcheck.web.security import Principal
from spotcheck.workflow import approvals

QUICKNET = "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971"
MIRROR = f"https://api.drand.sh/{QUICKNET}/public/"
STEPS = ("准备", "已承诺", "计算", "结果", "事后事件")


@dataclass
class Stage:
    """Where the ceremony stands (index into STEPS) and the next thing to do, in words."""

    index: int
    now: str
    next: list[str] = field(default_factory=list)


def _entropy_state(draw: Draw) -> dict[str, Any]:
    dice = entropy_input.planned(draw, DICE)
    drand = entropy_input.planned(draw, DRAND)
    so_far = entropy_input.dice_so_far(draw)
    revealed = {i.get("kind") for i in draw.revealed}
    out: dict[str, Any] = {
        "dice_digits": dice.digits if dice else 0,
        "dice_so_far": so_far,
        "dice_done": dice is None or DICE in revealed,
        "drand_round": drand.round if drand else None,
        "drand_done": drand is None or DRAND in revealed,
        "drand_url": f"{MIRROR}{drand.round}" if drand else "",
        "drand_time": "",
    }
    if drand is not None and drand.round is not None:
        moment = dt.datetime.fromtimestamp(round_time(drand.round), dt.UTC)
        out["drand_time"] = moment.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        out["drand_due"] = moment <= clock.now()
    return out


def stage(session: Session, draw: Draw, prepared: dict[str, Any], state: dict[str, Any]) -> Stage:
    """The step and what to do next, for a task officer who has never seen the system."""
    if draw.status == DrawStatus.PREPARED:
        todo = []
        if prepared.get("problems"):
            todo.append("先解决下方“不能承诺的问题”（补充人员、经批准借调等）")
        todo.append("核对分层、各岗位人员库和随机数来源")
        todo.append("确认无误后点击“承诺（冻结）”：承诺后清单不能再改")
        return Stage(0, "准备中：清单尚未冻结，一切都可以修改", todo)
    if draw.status == DrawStatus.ABANDONED:
        return Stage(
            1,
            f"已放弃：本次抽取经 {draw.abandon_approver} 批准放弃（原因：{draw.abandon_reason}），"
            "承诺仍公开，不会计算",
            [
                "在任务页重新准备抽取：新的抽取重新承诺（新的清单摘要），门户显示为该任务的第二次承诺"
            ],
        )
    if draw.status == DrawStatus.COMMITTED:
        lacking = profile_of(session, draw).witnesses.shortfall([w.kind for w in draw.witnesses])
        todo = []
        if lacking:
            todo.append(f"登记监督人（还缺 {'；'.join(lacking)}）")
        if not state["dice_done"]:
            left = state["dice_digits"] - len(state["dice_so_far"])
            todo.append(f"监督人掷骰子并录入数字（还差 {left} 位）")
        if not state["drand_done"]:
            todo.append(
                f"等 drand 第 {state['drand_round']} 轮发布（北京时间 {state['drand_time']}）后录入签名"
            )
        if not todo:
            todo.append("随机数已齐全：点击“计算抽取结果”")
            return Stage(2, "已承诺：随机数已齐全，可以计算", todo)
        return Stage(1, "已承诺：清单已冻结（摘要见下），正在收集随机数", todo)
    if draw.status == DrawStatus.COMPUTED:
        return Stage(
            3,
            "已抽取：结果已确定，不能重新计算",
            [
                "下载“抽取记录”PDF，请到场人员签字",
                "上传现场照片或录像、签字的抽取记录扫描件",
                "向细则规定的渠道报送抽取结果",
                "点击“公开”，在公开门户公示抽取结果",
            ],
        )
    return Stage(
        4,
        "已公开：抽取结果和公开抽取记录已在公开门户公示",
        ["如发现对象免检、人员需回避等情况，使用下方“事后事件”办理（须按细则审批）"],
    )


def prepared_view(session: Session, draw: Draw) -> dict[str, Any]:
    """Before commit: the strata with real names, the pools, who was left out, the problems.

    The strata come from the cached preview (eligibility.cache): computed once per change of
    the registry and the rest, as a job with progress when the registry is large."""
    task = task_of(session, draw)
    profile = profile_of(session, draw)
    factory = make_session_factory(session.get_bind())  # type: ignore[arg-type]
    result = eligibility_cache.preview(session, task, factory)
    if isinstance(result, eligibility_cache.Pending):
        return {"pending": result, "problems": [], "strata": [], "slots": [], "notes": []}
    borrowed = borrowed_loans(session, draw)
    plan = pools.build_slots(
        session, task, profile, result.on, total_quota=result.total_quota, borrowed=borrowed
    )
    return {
        "pending": None,
        "strata": [
            {
                "name": s.name,
                "article": s.article,
                "rule": s.rule_text,
                "size": s.size,
                "quota": s.quota,
                "quota_text": s.quota_text,
            }
            for s in result.strata
        ],
        "total_quota": result.total_quota,
        "total_candidates": result.total_candidates,
        "warnings": result.warnings,
        "problems": [*result.problems, *plan.problems],
        "notes": plan.notes,
        "slots": [
            {
                "name": s.name,
                "count": s.count,
                "rule": s.rule,
                "members": s.names,
                "left_out": s.left_out,
                "draw": s.draw,
            }
            for s in plan.slots
        ],
        "borrowed": borrowed,
        # Per slot, only the departments the borrowing would accept (lending.refusal).
        "lenders": {n: ds for n, ds in lending.lenders(session, task, profile).items() if ds},
    }


def witness_users(session: Session, principal: Principal) -> list[User]:
    """Accounts with the 监督人 role in the user's departments (to link a witness to a login)."""
    users = session.scalars(
        select(User).where(User.department_id.in_(principal.scope), User.active.is_(True))
    ).all()
    return sorted((u for u in users if u.has_role(*access.WITNESS)), key=lambda u: u.username)


def _abandoning(session: Session, draw: Draw, runner: bool) -> dict[str, Any]:
    """For a runner of a committed draw: who may approve giving it up, and whether it may be."""
    if not runner or draw.status != DrawStatus.COMMITTED:
        return {"abandon_rule": None, "abandon_approvers": [], "abandon_blocked": False}
    need = abandon.requirement(session, draw)
    department = session.get(Department, draw.department_id)
    assert department is not None
    return {
        "abandon_rule": need,
        "abandon_approvers": approvals.eligible(session, {"abandon": need}, department)["abandon"],
        "abandon_blocked": abandon.entropy_complete(draw),
    }


def pools_intro(profile: Profile) -> str:
    """The sentence above the pools: who leads the group, with its rule. Where the rulebook
    names no leader (000, 003), the spec's rule applies: the first inspector of the first slot."""
    group = profile.group
    if group.leader:
        return f"{group.leader}（{cite(group.article)}）。"
    return (
        f"检查组按岗位组成（{cite(group.article)}）；细则未规定组长人选，组长为第一个岗位抽中的"
        "第一人（平台规则（细则未规定），SSJ-DRAW-1 算法）。"
    )


def context(
    session: Session,
    principal: Principal,
    draw: Draw,
    page: int = 1,
    query: str = "",
    *,
    member_only: bool = False,
) -> dict[str, Any]:
    """Everything the draw page needs; the drawn targets one page at a time (`query` filters
    them by target name or code, or by inspector). `member_only`: the reader sees the draw only
    as one of its drawn inspectors (another department's): the ceremony and their own visits,
    none of its internal parts (strata, exclusions, files, channels, events)."""
    if member_only:
        return member_context(session, principal, draw, page, query)
    task = task_of(session, draw)
    profile = profile_of(session, draw)
    runner = access.can_run(session, principal.user, principal.scope, draw)
    prepared: dict[str, Any] = {}
    if draw.status == DrawStatus.PREPARED:
        prepared = prepared_view(session, draw)
    state = _entropy_state(draw)
    ctx: dict[str, Any] = {
        "member_only": False,
        "draw": draw,
        "task": task,
        "profile": profile,
        "pools_intro": pools_intro(profile),
        "profile_version": version_of(session, draw),
        "department": session.get(Department, draw.department_id),
        "runner": runner,
        "is_auditor": access.is_auditor(principal.user, principal.scope, draw),
        "steps": STEPS,
        "stage": stage(session, draw, prepared, state),
        "prepared": prepared,
        "entropy": state,
        "witness_rule": profile.witnesses,
        "witness_lacking": profile.witnesses.shortfall([w.kind for w in draw.witnesses]),
        "my_witnesses": [w for w in draw.witnesses if w.user_id == principal.user.id],
        "witness_users": witness_users(session, principal) if runner else [],
        "strata_map": draw.strata_map,
        "committed": outcome_mod.local_time(draw.committed_at),
        "computed": outcome_mod.local_time(draw.computed_at),
        "published": outcome_mod.local_time(draw.published_at),
        "outcome": None,
        "approvers": events.approvers(session, draw) if runner else {},
        **_abandoning(session, draw, runner),
        "attempts": task_attempts(session, task),
    }
    if draw.status in publish.DONE:
        ctx["outcome"] = outcome_mod.build(session, draw)
        ctx["visits"] = visits.page(session, draw, page, query)
        ctx["channels"] = publish.draw_channels(session, draw)
        ctx["submissions"] = channels_service.submissions_for(session, "draw", draw.id)
        ctx["attachment_kinds"] = ATTACHMENT_KINDS
        ctx["attachment_name"] = attachment_name  # the name with its detected type's extension
        ctx["attachment_form"] = attachment_form_help()
        ctx.update(event_choices(draw, profile, ctx["visits"]))
    return ctx


def member_context(
    session: Session, principal: Principal, draw: Draw, page: int = 1, query: str = ""
) -> dict[str, Any]:
    """The read-only page of a drawn inspector of another department (access.readable_or_404)."""
    entry = inspector_links.of_user(session, principal.user.id)
    assert entry is not None  # readable_or_404 found them in a group
    profile = profile_of(session, draw)
    state = _entropy_state(draw)
    return {
        "member_only": True,
        "draw": draw,
        "task": task_of(session, draw),
        "profile": profile,
        "pools_intro": pools_intro(profile),
        "profile_version": version_of(session, draw),
        "department": session.get(Department, draw.department_id),
        "runner": False,
        "is_auditor": False,
        "steps": STEPS,
        "stage": stage(session, draw, {}, state),
        "prepared": {},
        "entropy": state,
        "witness_rule": profile.witnesses,
        "my_witnesses": [],
        "witness_users": [],
        "strata_map": {},
        "committed": outcome_mod.local_time(draw.committed_at),
        "computed": outcome_mod.local_time(draw.computed_at),
        "published": outcome_mod.local_time(draw.published_at),
        "outcome": outcome_mod.build(session, draw),
        "approvers": {},
        "visits": visits.page(session, draw, page, query, member=entry.key),
        "events_ready": False,
    }


def event_choices(draw: Draw, profile: Profile, shown: visits.Page) -> dict[str, Any]:
    """What the event forms offer: the drawn targets on the page shown (search finds any
    other), their group members, the pool members, the rules."""
    pool_members = [
        (slot, key, label)
        for slot, info in (draw.pools_info.get("slots") or {}).items()
        for key, label in (info.get("members") or {}).items()
    ]
    first = {
        "replace-target": events.TARGET_REASONS[0],
        events.EXCHANGE: outcome_mod.EXCHANGE_REASON,
    }
    first["replace-inspector"] = first["assign-manual"] = events.INSPECTOR_REASONS[0]
    return {
        "events_ready": True,
        "event_rules": {kind: events.approval_rule(profile, kind) for kind in events.KINDS},
        "statement_needed": {
            kind: events.statement_required(profile, kind, first[kind]) for kind in events.KINDS
        },
        "inspector_reasons": events.INSPECTOR_REASONS,
        "target_reasons": events.target_reasons(profile),
        "exchange_rule": events.exchange_rule(profile),
        "group_members": [(v, m) for v in shown.visits for m in v.members],
        "pool_members": pool_members,
    }
