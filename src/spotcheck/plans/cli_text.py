"""Plain text of plans, tasks and the eligibility preview for the command line (one fact a line,
so that scripts can grep), and the annotated task file template."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments.models import Department
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.present import status_label
from spotcheck.plans.schemas import EligibilityOut, PlanDetail, PlanOut, TaskDetail, TaskOut
from spotcheck.rulebooks.schema import Profile, cite

OVERLAP_WORDS = {"merge": "合并检查", "exclude": "排除", "": "按细则默认"}


def when(value: dt.datetime) -> str:
    """A stored UTC time in Beijing time."""
    return value.astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M")


def plan_row(plan: PlanOut) -> str:
    """One line of the plan list."""
    due = f"｜{plan.due.text}" if plan.due and plan.due.kind in ("warning", "overdue") else ""
    return (
        f"#{plan.id}  {plan.year}  {plan.department.code} {plan.department.name}  "
        f"“{plan.title}” 第 {plan.version} 版  [{plan.status_label}]{due}"
    )


def _items_text(task: TaskOut) -> str:
    main = [f"{i.code} {i.name}" for i in task.items if i.main]
    others = [i.code for i in task.items if not i.main]
    text = f"主事项 {main[0] if main else '（未设）'}"
    return text + (f" + {len(others)} 项（{'、'.join(others)}）" if others else "")


def task_row(task: TaskOut, blockers: list[str] | None = None) -> str:
    """One line of the task list."""
    plan = (
        f"计划 #{task.plan_id}（{task.plan_year} 年，{status_label(task.plan_status)}）"
        if task.plan_id
        else "专项（计划外）"
    )
    state = "" if blockers is None else ("｜可进入抽取" if not blockers else "｜暂不能抽取")
    return (
        f"#{task.id}  任务 {task.number}“{task.name}”  {task.department.name}  {plan}  "
        f"{task.window_start}～{task.window_end}{state}"
    )


def plan_lines(plan: PlanDetail) -> list[str]:
    """Everything the plan page shows, as lines."""
    out = [
        f"年度计划 #{plan.id}：{plan.title}",
        f"部门：{plan.department.name}（{plan.department.code}）  年度：{plan.year}  "
        f"版本：第 {plan.version} 版  状态：{plan.status_label}",
        f"细则：{plan.profile_name}（{plan.profile_code}）",
    ]
    out += [f"！细则提示：{w}" for w in plan.profile_warnings]
    if plan.based_on_id:
        out.append(f"调整自计划 #{plan.based_on_id}，原因：{plan.adjustment_reason}")
    if plan.due is not None:
        mark = {"overdue": "！逾期", "warning": "！临近截止"}.get(plan.due.kind, "截止")
        out.append(f"{mark}：{plan.due.text}")
    if plan.description:
        out.append(f"说明：{plan.description}")
    out += ["", "【审批流程】"]
    for step in plan.steps:
        moved = (
            f"{status_label(step.from_status) or '—'} → {status_label(step.to_status)}"
            if step.from_status != step.to_status
            else status_label(step.to_status)
        )
        line = f"  {when(step.at)}  {step.action_label}  {step.actor}  （{moved}）"
        if step.on_behalf_of:
            line += f"  代{step.on_behalf_of}"
        if step.document_no:
            line += f"  文号：{step.document_no}"
        out.append(line)
        if step.opinion:
            out.append(f"      意见：{step.opinion}")
        if step.rule:
            out.append(f"      {step.rule}")
    out += ["", f"【抽查任务】共 {len(plan.tasks)} 个"]
    for task in plan.tasks:
        joint = (
            f"；参与部门：{'、'.join(d.name for d in task.participants)}"
            if task.participants
            else ""
        )
        expected = f"；预计抽取 {task.expected} 户" if task.expected is not None else ""
        out.append(f"  #{task.id} 任务 {task.number}“{task.name}”：{_items_text(task)}{joint}")
        out.append(f"      检查时间 {task.window_start}～{task.window_end}{expected}")
        out += [f"      ！{p}" for p in task.problems]
        out += [f"      提示：{w}" for w in task.warnings]
    annual = plan.annual
    out += ["", "【年度抽查比例】", f"  {'✓' if annual.ok else '✗'} {annual.message}"]
    out += [f"  ！不能提交：{b}" for b in plan.blockers]
    if len(plan.versions) > 1:
        out += ["", "【版本】"]
        out += [f"  第 {v.version} 版 #{v.id}：{v.status_label}" for v in plan.versions]
    return out


def task_lines(task: TaskDetail) -> list[str]:
    """The task (工作方案) with its draw blockers."""
    plan = (
        f"年度计划 #{task.plan_id}（{task.plan_year} 年，{status_label(task.plan_status)}）"
        if task.plan_id
        else f"专项检查（计划外）：{task.special_basis}"
    )
    out = [
        f"抽查任务 #{task.id}：任务 {task.number}“{task.name}”",
        f"发起部门：{task.department.name}（{task.department.code}）  {plan}",
        "参与部门："
        + ("、".join(f"{d.name}（{d.code}）" for d in task.participants) or "无（部门内部抽查）"),
        "检查事项：",
    ]
    for item in task.items:
        head = "主事项" if item.main else "其他事项"
        newer = (
            f"；现已发布第 {item.published_version} 版"
            if item.published_version not in (None, item.pinned_version)
            else ""
        )
        unpublished = "；尚未发布" if item.published_version is None else ""
        out.append(
            f"  {head} {item.department_code}:{item.code} {item.name}（{item.kind}，"
            f"{item.list_type}清单，按第 {item.pinned_version} 版{newer}{unpublished}）"
        )
    filters = {k: v for k, v in task.filters.items() if v not in (None, "", [])}
    out += [
        f"名录库：{task.sub_registry or '总库'}"
        + (f"；筛选：{json.dumps(filters, ensure_ascii=False)}" if filters else ""),
        "分层设置："
        + (
            json.dumps(task.strata_settings, ensure_ascii=False)
            if task.strata_settings
            else "按细则比例"
        ),
        f"检查时间：{task.window_start}～{task.window_end}",
        f"检查方式：{'、'.join(task.methods) or '—'}"
        + (f"；抽查依据：{'、'.join(task.grounds)}" if task.grounds else ""),
        f"重叠对象：{OVERLAP_WORDS.get(task.overlap_policy, task.overlap_policy)}"
        + (f"；检查批次：{task.batch_count}" if task.batch_count else ""),
    ]
    if task.requirements:
        out.append(f"工作要求：{task.requirements}")
    out.append("")
    if task.may_draw:
        out.append("可进入抽取。")
    else:
        out.append(f"暂不能进入抽取（{len(task.blockers)} 项）：")
        out += [f"  ✗ {b}" for b in task.blockers]
    out += [f"  ！{w}" for w in task.warnings]
    return out


def preview_lines(result: EligibilityOut) -> list[str]:
    """Counts per stratum and per exclusion reason, merges, warnings, problems: never who."""
    out = [
        f"任务 #{result.task_id} 抽取范围预览（细则 {result.profile_code}，{result.on}）",
        f"范围内检查对象 {result.in_scope} 户；排除 {result.excluded_total} 户；"
        f"候选 {result.candidates} 户；计划抽取 {result.quota} 户",
        "",
        "【分层】",
    ]
    for s in result.strata:
        ratio = f"比例 {s.ratio * 100:g}%" if s.ratio is not None else f"固定数量 {s.count_setting}"
        out.append(f"  {s.name}（{s.key}）：候选 {s.candidates} 户，{ratio}，抽取 {s.quota} 户")
        out.append(f"      规则：{s.rule}（{cite(s.article)}）")
        out.append(f"      {s.quota_text}")
    out += ["", "【排除原因】"]
    for c in result.exclusion_counts:
        source = f"（{cite(c.article)}）" if c.article else ""
        out.append(f"  {c.reason}：{c.count} 户{source}")
    if result.merges:
        out += ["", "【合并检查】（进一次门、查多项事）"]
        out += [
            f"  {m.key} {m.name} → {m.other_department}任务 #{m.other_task_id}“{m.other_task_name}”"
            for m in result.merges
        ]
    if result.batch_order:
        out += ["", result.batch_order]
    if result.warnings:
        out += ["", "【提示】"] + [f"  ！{w}" for w in result.warnings]
    if result.problems:
        out += ["", "【问题】"] + [f"  ✗ {p}" for p in result.problems]
    return out


TEMPLATE_HEAD = """\
# 抽查任务文件（TOML；也可写成同样字段的 JSON 文件，扩展名 .json）
# 用法：spotcheck plan task-add 计划ID --file 本文件 --user 用户名
#       spotcheck plan task-update 任务ID --file 本文件 --user 用户名
# 事项写事项编码（不同部门有同一编码时写“部门编码:事项编码”），部门写部门编码；也可写数字 id。
# 日期写 ISO 格式（2027-03-01）。只能使用已发布的事项（清单之外无抽查）。
"""


def template(
    year: int,
    profile: Profile | None = None,
    items: Sequence[tuple[str, str]] = (),
    participants: Sequence[tuple[str, str]] = (),
    sub_registries: Sequence[str] = (),
) -> str:
    """An annotated example task file; with a plan's profile and choices, filled from them."""
    main = items[0][0] if items else "ITEM-001"
    lines = [TEMPLATE_HEAD]
    lines.append('name = "工业产品质量“双随机”抽查"            # 任务名称')
    lines.append(f'main_item = "{main}"                          # 主事项（1+X 的 1）')
    lines.append(
        'other_items = []                              # 其他事项（1+X 的 X），如 ["ITEM-002"]'
    )
    if items:
        lines.append("#   可用的已发布事项：" + "；".join(f"{c} {n}" for c, n in items[:30]))
    if profile is None or profile.mode.kind == "joint":
        lines.append("participants = []                             # 参与部门编码（联合抽查）")
        if participants:
            lines.append("#   可选：" + "；".join(f"{c} {n}" for c, n in participants[:30]))
    lines.append('# sub_registry = "分库名称"                     # 不写为总库')
    if sub_registries:
        lines.append("#   可选分库：" + "、".join(sub_registries))
    lines += [
        f'window_start = "{year}-03-01"                   # 检查开始日期（须在计划年度内）',
        f'window_end = "{year}-11-30"                     # 检查结束日期',
        'methods = ["实地核查"]                          # 书面检查、实地核查、网络检查/网络监测、检验检测、委托专业机构、采用其他部门结论',
        "grounds = []                                  # 抽查依据：投诉举报、上级要求、法定（影响免检名单和频次限制）",
        'overlap_policy = ""                            # 同期已被其他部门抽中：merge 合并检查 / exclude 排除；空为细则默认',
        "# batch_count = 2                              # 检查批次数（重点事项随机确定批次顺序时）",
        'requirements = ""                              # 工作要求',
    ]
    if profile is None or profile.group.on_request:
        lines.append(
            "# auxiliary_experts = true                     # 配备辅助专家（细则规定需要时配备，如 002 第九条第六款）"
        )
    lines += [
        "",
        "[filters]                                     # 抽取范围（均可不填）",
        'target_types = []                             # 对象类型，如 ["企业"]',
        'region = ""                                    # 行政区划代码前缀，如 "370303"',
        'industry = ""                                  # 行业代码前缀，如 "C26"',
        'risk_classes = []                             # 信用风险分类，如 ["C", "D"]',
        'tag = ""                                       # 名录标签',
        "",
        "[strata_settings]                             # 按分层覆盖细则比例（ratio 0–1）或固定数量（count）",
    ]
    if profile is not None:
        for s in profile.strata:
            lines.append(f"# {s.key} = {{ ratio = {s.ratio} }}   # {s.name}（{cite(s.article)}）")
    else:
        lines.append(
            "# d = { ratio = 1.0 }                         # 分层编码见 spotcheck rulebook show"
        )
    return "\n".join(lines) + "\n"


def template_for(session: Session, plan_id: int | None) -> str:
    """The template; for a plan, with its profile's strata and the items and departments it may use."""
    if plan_id is None:
        return template(clock.today().year + 1)
    plan = plans_service.get_or_404(session, plan_id, None)
    dep = session.get(Department, plan.department_id)
    assert dep is not None
    profile = plans_service.profile_of(session, plan)
    joint = profile.mode.kind == "joint"
    others = tasks_service.participant_choices(session, dep) if joint else []
    items = tasks_service.item_choices(session, dep)
    return template(
        plan.year,
        profile,
        [(i.code, i.published.name if i.published else "") for i in items],
        [(d.code, d.name) for d in others],
        [s.name for s in tasks_service.sub_registry_choices(session, dep)],
    )
