"""A rulebook profile in Chinese, rule by rule, each with its article: for the page and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from spotcheck.accounts.models import APPROVAL_LEVEL_LABELS, ApprovalLevel
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.labels import (
    APPROVAL_LABELS,
    DEADLINE_LABELS,
    EVENT_LABELS,
    FLAG_LABELS,
    GROUND_LABELS,
    MODE_LABELS,
    NOT_SET,
    PERIOD_LABELS,
    PLAN_STATE_LABELS,
    ROUNDING_LABELS,
    any_of,
    condition_text,
    frequency_text,
    percent,
)
from spotcheck.rulebooks.schema import (
    Deadline,
    Profile,
    Slot,
    Stratum,
)


@dataclass(frozen=True)
class Line:
    """One rule in words with the article it comes from; `cells` fill a table section's columns."""

    label: str
    text: str = ""
    article: str = ""
    note: str = ""
    cells: tuple[str, ...] = ()


@dataclass
class Section:
    """A titled group of rules; a table when it has columns."""

    title: str
    lines: list[Line] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    intro: list[Line] = field(default_factory=list)


@dataclass
class Description:
    """The whole profile in Chinese, with the warnings that apply on the day described."""

    code: str
    name: str
    warnings: list[str]
    sections: list[Section]

    def articles(self) -> list[str]:
        """Every article cited, in order of appearance."""
        out = []
        for section in self.sections:
            for line in [*section.intro, *section.lines]:
                if line.article:
                    out.append(line.article)
        return out


def _stratum_row(number: int, s: Stratum) -> Line:
    return Line(
        label=s.name,
        text=condition_text(s.when, s.industry_only, s.period),
        article=s.article,
        note=s.note,
        cells=(
            str(number),
            s.name,
            condition_text(s.when, s.industry_only, s.period),
            percent(s.ratio),
        ),
    )


def _slot_row(slot: Slot) -> Line:
    kind = "检查组成员" if slot.role == "member" else "辅助人员（不计入执法人员人数）"
    extras = []
    if slot.leader:
        basis = slot.certificate_article or "平台规则（细则未规定）"
        extras.append(f"组长从此类产生，须持有效执法证（{basis}）")
    if slot.expert:
        extras.append("专家/专业人员")
    if slot.draw_first:
        extras.append("先抽取")
    if slot.per_department:
        extras.append("每个参与部门各配")
    if slot.optional:
        extras.append("按需（可不配）")
    if slot.on_request:
        extras.append("任务勾选“配备辅助专家”时才配备")
    ranks = "、".join(slot.ranks) or "不限"
    return Line(
        label=slot.name,
        text=f"{slot.count} 人，{kind}",
        article=slot.article,
        note=slot.note,
        cells=(slot.name, f"{slot.count} 人", kind, ranks, "；".join(extras) or "—"),
    )


def _deadline_row(key: str, d: Deadline) -> Line:
    label = DEADLINE_LABELS.get(key, key)
    start = EVENT_LABELS.get(d.start, d.start)
    state = EVENT_LABELS.get(d.state, d.state)
    return Line(
        label=label,
        text=f"自{start}起 {d.workdays} 个工作日内达到“{state}”",
        article=d.article,
        note=d.note,
        cells=(label, start, f"{d.workdays} 个工作日", state),
    )


def _basic(profile: Profile) -> Section:
    info = profile.profile
    lines = [
        Line("名称", info.name),
        Line("制定机关", info.agency),
        Line("文件", info.document or "（未注明文号）"),
        Line("细则原文编号", f"{info.seed}（各条依据均以此编号开头）"),
        Line("生效日期", info.effective_from.isoformat()),
        Line("失效日期", info.effective_until.isoformat() if info.effective_until else "未规定"),
    ]
    if info.based_on:
        lines.append(Line("原细则", info.based_on))
    return Section("基本信息", lines)


def _scope(profile: Profile) -> list[Section]:
    mode, scope, items = profile.mode, profile.scope, profile.items
    cap = (
        "一般事项的任务比例不得超过事项清单所列比例"
        if items.general_cap == "item_ratio"
        else f"一般事项的任务比例不得超过 {percent(items.general_max_ratio or 0)}"
    )
    batch = profile.batch_order
    high = profile.high_risk
    who = []
    if high.risk_class:
        who.append(f"信用风险等级为 {any_of(list(high.risk_class))} 类")
    for flag in high.flags:
        if flag == "投诉举报":
            who.append(f"投诉举报达 {high.complaints_min} 次及以上")
        else:
            who.append(FLAG_LABELS.get(flag, flag))
    return [
        Section(
            "检查方式",
            [Line("检查方式", MODE_LABELS[mode.kind], mode.article, mode.note)],
        ),
        Section(
            "检查对象与事项范围",
            [
                Line("检查对象类型", "、".join(scope.target_types), scope.article, scope.note),
                Line("可用的事项清单", "、".join(scope.item_list_types), scope.article),
            ],
        ),
        Section(
            "事项比例（重点/一般）",
            [
                Line("重点检查事项", "抽查比例不设上限", items.article),
                Line("一般检查事项", cap, items.article, items.note),
            ],
        ),
        Section(
            "批次顺序",
            [
                Line(
                    "随机批次顺序",
                    f"抽查比例不低于 {percent(batch.min_ratio)} 的重点事项，以随机方式确定检查批次顺序",
                    batch.article,
                    batch.note,
                )
                if batch
                else Line("随机批次顺序", NOT_SET)
            ],
        ),
        Section(
            "高风险对象",
            [
                Line(
                    "高风险对象",
                    "；或".join(who) if who else "未规定高风险对象（以高风险为条件的例外均不适用）",
                    high.article,
                    high.note,
                )
            ],
        ),
    ]


def _strata(profile: Profile) -> list[Section]:
    quota = profile.quota
    return [
        Section(
            "抽查分层",
            [_stratum_row(n, s) for n, s in enumerate(profile.strata, start=1)],
            columns=("顺序", "名称", "条件", "默认比例"),
            intro=[
                Line("分层规则", "检查对象按顺序归入第一个满足条件的分层；比例为默认值，任务可调整")
            ],
        ),
        Section(
            "取整规则",
            [
                Line(
                    "按比例计算抽取数量", ROUNDING_LABELS[quota.rounding], quota.article, quota.note
                )
            ],
        ),
    ]


def _exclusions(profile: Profile) -> Section:
    ex = profile.exclusions
    lines = [
        Line(
            "登记状态",
            f"只抽取登记状态为 {'、'.join(ex.status.drawable)} 的对象，其余状态不纳入随机抽取",
            ex.status.article,
            ex.status.note,
        )
    ]
    if ex.exemption_list:
        exempt = ex.exemption_list
        but = []
        if exempt.except_domains:
            but.append(f"涉及{any_of(list(exempt.except_domains))}领域的事项")
        if exempt.except_grounds:
            but.append(f"因{any_of([GROUND_LABELS[g] for g in exempt.except_grounds])}启动的检查")
        text = "免检免扰名单有效期内的对象不纳入抽取"
        if but:
            text += f"；例外（仍可抽取）：{'；'.join(but)}"
        lines.append(Line("免检免扰名单", text, exempt.article, exempt.note))
    else:
        lines.append(Line("免检免扰名单", NOT_SET))
    for rule in ex.frequency:
        lines.append(Line(f"频次：{rule.name}", frequency_text(rule), rule.article, rule.note))
    if not ex.frequency:
        lines.append(Line("抽查频次上限", NOT_SET))
    if ex.cooldown:
        cool = ex.cooldown
        lines.append(
            Line(
                "检查间隔",
                f"上次检查未发现问题的对象，至少间隔 {cool.years} 年才再被抽取"
                f"（{PERIOD_LABELS[cool.period]}）",
                cool.article,
                cool.note,
            )
        )
    else:
        lines.append(Line("检查间隔", NOT_SET))
    if ex.overlap:
        overlap = ex.overlap
        action = (
            "默认合并为一次联合检查（进一次门、查多项事）"
            if overlap.default == "merge"
            else "默认排除，不再抽取"
        )
        text = f"同一时间段内已被其他部门（科室）抽中的对象：{action}"
        if overlap.except_high_risk:
            text += "；高风险对象不受此限"
        lines.append(Line("跨部门重复抽取", text, overlap.article, overlap.note))
    else:
        lines.append(Line("跨部门重复抽取", NOT_SET))
    return Section("排除规则", lines)


def _plan(profile: Profile) -> list[Section]:
    plan = profile.plan
    lines = [Line("年度计划", "未列入年度抽查计划的，不得抽查", plan.article, plan.note)]
    if plan.due:
        month, day = (int(p) for p in plan.due.month_day.split("-"))
        lines.append(
            Line(
                "制定期限",
                f"每年 {month} 月 {day} 日前（到期前 {plan.due.warn_days} 天起提示，逾期标记）",
                plan.due.article,
                plan.due.note,
            )
        )
    else:
        lines.append(Line("制定期限", NOT_SET))
    for label, step in (("审批", plan.approval), ("备案", plan.filing), ("公开", plan.publication)):
        outside = "（外部机关，记录其文号）" if step.external else ""
        level = (
            f"（审批层级：{level_label(step.level)}）"
            if label == "审批" and not step.external
            else ""
        )
        lines.append(Line(label, f"{step.by}{outside}{level}", step.article, step.note))
    lines.append(
        Line(
            "抽取的前提",
            f"所属年度计划须{PLAN_STATE_LABELS[plan.draw_requires]}，任务才能进入抽取",
            plan.article,
        )
    )
    special = plan.special_campaigns
    if special:
        text = "允许计划外的专项检查（标记为专项）" if special.allowed else "不允许计划外的专项检查"
        lines.append(Line("专项检查", text, special.article, special.note))
    else:
        lines.append(Line("专项检查", "本细则未规定，计划外不得抽查"))
    annual = profile.annual
    if annual is None:
        yearly = Line("年度抽查比例", NOT_SET)
    elif annual.kind == "minimum":
        yearly = Line(
            "年度抽查比例",
            f"全年抽查对象不低于名录库的 {percent(annual.ratio)}",
            annual.article,
            annual.note,
        )
    else:
        low, high = max(annual.ratio - annual.tolerance, 0), min(annual.ratio + annual.tolerance, 1)
        yearly = Line(
            "年度抽查比例",
            f"全年抽查约占名录库的 {percent(annual.ratio)}"
            f"（{percent(low)}–{percent(high)} 之外提示）",
            annual.article,
            annual.note,
        )
    return [Section("年度计划", lines), Section("年度比例", [yearly])]


def _people(profile: Profile) -> list[Section]:
    group, wit = profile.group, profile.witnesses
    cert = "须持有效执法证" if group.certificate_required else "不要求每人持执法证"
    intro = [
        Line(
            "检查组",
            f"每组至少 {group.min_certified} 名执法检查人员（{cert}）"
            + (f"；组长：{group.leader}" if group.leader else ""),
            group.article,
            group.note,
        )
    ]
    if wit.required:
        text = f"至少 {wit.required} 名监督人到场"
        if wit.kinds:
            text += f"（{'、'.join(wit.kinds)}）"
        if wit.recording:
            text += "；抽取过程拍照或录像"
    else:
        text = "不要求监督人到场"
    return [
        Section(
            "检查组组成",
            [_slot_row(s) for s in group.slots],
            columns=("名称", "人数", "类型", "职级", "其他"),
            intro=intro,
        ),
        Section("监督人", [Line("监督人", text, wit.article, wit.note)]),
    ]


def level_label(level: str | None) -> str:
    """The approval level in Chinese; unset means the platform's default (分管领导)."""
    if level is None:
        return "分管领导（平台默认，细则未规定层级）"
    return APPROVAL_LEVEL_LABELS[ApprovalLevel(level)]


def _limits(profile: Profile) -> list[Section]:
    deadlines = [_deadline_row(k, d) for k, d in profile.deadlines.items()]
    approvals = [
        Line(
            APPROVAL_LABELS.get(k, k),
            a.by,
            a.article,
            a.note,
            cells=(APPROVAL_LABELS.get(k, k), a.by, level_label(a.level)),
        )
        for k, a in profile.approvals.items()
    ]
    stages = {"plan": "年度计划", "draw": "抽取结果", "result": "检查结果"}
    channels = [
        Line(c.name, stages[c.stage], c.article, c.note, cells=(stages[c.stage], c.name, c.format))
        for c in profile.channels
    ]
    return [
        Section(
            "时限（工作日）",
            deadlines or [Line("时限", NOT_SET, cells=("时限", "—", NOT_SET, "—"))],
            columns=("时限", "起算", "期限", "完成标志"),
        ),
        Section(
            "审批",
            approvals or [Line("审批", NOT_SET, cells=("审批", NOT_SET, "—"))],
            columns=("事项", "审批人", "审批层级"),
        ),
        Section(
            "对外报送渠道",
            channels or [Line("渠道", NOT_SET, cells=("—", NOT_SET, "—"))],
            columns=("内容", "渠道", "导出格式"),
        ),
    ]


def describe(profile: Profile, on: dt.date) -> Description:
    """The profile in Chinese, section by section, with the warnings for using it on that day."""
    sections = [
        _basic(profile),
        *_scope(profile),
        *_strata(profile),
        _exclusions(profile),
        *_plan(profile),
        *_people(profile),
        *_limits(profile),
    ]
    return Description(
        code=profile.code,
        name=profile.profile.name,
        warnings=rulebooks_service.warnings(profile, on),
        sections=sections,
    )
