"""Chinese wording for rulebook parameters: the description, the diff table and the CLI share it."""

from __future__ import annotations

import re
from typing import Any

from spotcheck.rulebooks.schema import Condition, FrequencyRule
from spotcheck.rulebooks.vocabulary import ApprovalKind, DeadlineEvent

NOT_SET = "本细则未规定"
MODE_LABELS = {"internal": "部门内部抽查", "joint": "部门联合抽查"}
ROUNDING_LABELS = {
    "ceil": "向上取整（不足 1 个按 1 个计）",
    "floor": "向下取整",
    "round": "四舍五入",
}
PERIOD_LABELS = {"natural_year": "自然年", "rolling": "滚动计算"}
PLAN_STATE_LABELS = {"approved": "已审批", "filed": "已备案", "published": "已公开"}
FLAG_LABELS = {
    "经营异常": "列入经营异常名录",
    "严重违法失信": "列入严重违法失信名单",
    "投诉举报": "有投诉举报",
}
DEADLINE_LABELS = {
    "result_entry": "检查结果录入",
    "result_report": "形成检查结果报告",
    "result_publish": "检查结果公示",
    "objection_window": "异议期",
    "recheck": "异议复核",
    "feedback": "复核结果反馈",
    "archive": "立卷归档",
}
EVENT_LABELS: dict[str, str] = {
    DeadlineEvent.VISIT_COMPLETED: "检查完成",
    DeadlineEvent.TASK_COMPLETED: "抽查任务完成",
    DeadlineEvent.DRAW_PUBLISHED: "抽取结果公示",
    DeadlineEvent.RESULT_ENTERED: "检查结果录入",
    DeadlineEvent.REPORT_MADE: "检查结果报告形成",
    DeadlineEvent.RESULT_PUBLISHED: "检查结果公示",
    DeadlineEvent.OBJECTION_RECEIVED: "收到异议",
    DeadlineEvent.DECISION_MADE: "复核决定作出",
    DeadlineEvent.FEEDBACK_GIVEN: "复核结果反馈",
    DeadlineEvent.ARCHIVED: "立卷归档",
}
GROUND_LABELS = {"投诉举报": "投诉举报", "上级要求": "上级要求", "法定": "法律法规明确规定"}
APPROVAL_LABELS: dict[str, str] = {
    ApprovalKind.PLAN: "年度抽查计划",
    ApprovalKind.ITEM_LIST: "抽查事项清单",
    ApprovalKind.WITHHOLD: "检查结果不予公示（暂缓公示）",
    ApprovalKind.CORRECT: "更正已公示的检查结果",
    ApprovalKind.SWAP_INSPECTOR: "更换被抽取的执法检查人员",
    ApprovalKind.BORROW: "跨部门（科室）借调执法检查人员",
    ApprovalKind.DIRECT_ASSIGN: "直接委派执法检查人员",
    ApprovalKind.EXCHANGE_TARGETS: "回避：执法检查人员之间交换检查对象",
}


# Parameter names as a reader of the 细则 would call them (the diff table shows paths with these).
FIELD_LABELS = {
    "profile": "基本信息",
    "code": "编码",
    "name": "名称",
    "agency": "制定机关",
    "document": "文件",
    "seed": "细则原文",
    "effective_from": "生效日期",
    "effective_until": "失效日期",
    "based_on": "原细则",
    "mode": "检查方式",
    "kind": "类型",
    "article": "依据条款",
    "note": "说明",
    "scope": "检查对象与事项范围",
    "target_types": "检查对象类型",
    "item_list_types": "事项清单类型",
    "items": "事项比例",
    "general_cap": "一般事项上限方式",
    "general_max_ratio": "一般事项比例上限",
    "batch_order": "批次顺序",
    "min_ratio": "最低比例",
    "high_risk": "高风险对象",
    "risk_class": "信用风险等级",
    "flags": "名单/投诉标记",
    "complaints_min": "投诉举报次数下限",
    "strata": "抽查分层",
    "key": "分层标识",
    "ratio": "比例",
    "when": "条件",
    "unchecked_years_min": "未被检查年数（满）",
    "unchecked_years_max": "未被检查年数（不满）",
    "never_checked": "从未被检查",
    "period": "期间",
    "industry_only": "仅计本行业领域",
    "quota": "取整规则",
    "rounding": "取整方式",
    "exclusions": "排除规则",
    "status": "登记状态",
    "drawable": "可抽取的状态",
    "exemption_list": "免检免扰名单",
    "except_domains": "例外领域",
    "except_grounds": "例外事由",
    "frequency": "频次规则",
    "max_checks": "最多次数",
    "per": "计数范围",
    "applies_to": "适用对象",
    "except_high_risk": "高风险对象例外",
    "cooldown": "检查间隔",
    "years": "年数",
    "overlap": "跨部门重复抽取",
    "default": "默认处理",
    "plan": "年度计划",
    "due": "制定期限",
    "month_day": "日期（月-日）",
    "warn_days": "提前提示天数",
    "approval": "审批",
    "filing": "备案",
    "publication": "公开",
    "by": "负责机关/人员",
    "external": "外部机关",
    "draw_requires": "抽取前提",
    "special_campaigns": "专项检查",
    "allowed": "允许",
    "annual": "年度比例",
    "tolerance": "允许偏差",
    "group": "检查组组成",
    "min_certified": "最少执法人员数",
    "certificate_required": "须持执法证",
    "certificate_article": "持证依据",
    "same_industry": "限同行业部门",
    "within": "借调范围",
    "within_article": "借调范围依据",
    "leader": "组长",
    "slots": "人员类别",
    "count": "人数",
    "role": "类型",
    "ranks": "职级",
    "expert": "专家",
    "draw_first": "先抽取",
    "per_department": "每个参与部门各配",
    "optional": "按需",
    "on_request": "由任务选择是否配备",
    "witnesses": "监督人",
    "required": "人数",
    "kinds": "类别",
    "recording": "拍照录像",
    "deadlines": "时限",
    "workdays": "工作日数",
    "start": "起算事件",
    "state": "完成标志",
    "approvals": "审批",
}
_ORDINAL = {"strata": "第 {n} 层", "frequency": "第 {n} 条", "slots": "第 {n} 类"}
_PART = re.compile(r"^([A-Za-z_]+)(?:\[(\d+)\])?$")


def readable_path(path: str) -> str:
    """A parameter path ("exclusions.frequency[1].max_checks") in words (排除规则 › 频次规则第 1 条 › 最多次数)."""
    out: list[str] = []
    parts = path.split(".")
    for i, part in enumerate(parts):
        match = _PART.match(part)
        if match is None:
            out.append(part)
            continue
        name, index = match.group(1), match.group(2)
        parent = parts[i - 1] if i else ""
        if parent == "deadlines":
            label = DEADLINE_LABELS.get(name, name)
        elif parent == "approvals":
            label = APPROVAL_LABELS.get(name, name)
        else:
            label = FIELD_LABELS.get(name, name)
        if index is not None:
            label += _ORDINAL.get(name, "第 {n} 项").format(n=index)
        out.append(label)
    return " › ".join(out)


def value_text(value: Any) -> str:
    """A parameter value as a reader sees it."""
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(value_text(v) for v in value) or "（空）"
    return str(value)


def percent(ratio: float) -> str:
    """A ratio as a percentage without trailing zeros (0.05 → 5%)."""
    text = f"{ratio * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def any_of(values: list[str], joiner: str = "或") -> str:
    """Words joined as 甲、乙或丙."""
    if len(values) <= 1:
        return "".join(values)
    return "、".join(values[:-1]) + joiner + values[-1]


def condition_text(when: Condition, industry_only: bool = False, period: str = "") -> str:
    """A stratum's condition in words."""
    if when.is_catch_all():
        return "其余全部检查对象（不满足以上任一层条件的）"
    parts = []
    if when.risk_class:
        parts.append(f"信用风险等级为 {any_of(list(when.risk_class))} 类")
    if when.flags:
        parts.append(any_of([FLAG_LABELS.get(f, f) for f in when.flags]))
    low, high = when.unchecked_years_min, when.unchecked_years_max
    where = "本行业领域" if industry_only else ""
    if low is not None and high is not None:
        parts.append(f"{where}满 {low} 年不满 {high} 年未被检查")
    elif low is not None:
        parts.append(f"{where}满 {low} 年（或从未）未被检查")
    elif high is not None:
        parts.append(f"{where}不满 {high} 年内曾被检查")
    if when.never_checked is True:
        parts.append(f"{where}从未被检查")
    elif when.never_checked is False:
        parts.append(f"{where}曾被检查")
    text = "，且".join(parts)
    if low is not None or high is not None or when.never_checked is not None:
        text += f"（{PERIOD_LABELS.get(period, period)}，按上次检查完成日计）"
    return text


def frequency_text(rule: FrequencyRule) -> str:
    """A frequency cap with its exceptions in words."""
    what = "同一事项" if rule.per == "item" else "任何事项"
    period = "同一自然年内" if rule.period == "natural_year" else "滚动一年内（自上次检查日起算）"
    text = f"{period}，因{what}对同一对象的抽查最多 {rule.max_checks} 次"
    if rule.applies_to == "low_risk":
        text = "仅适用于信用风险低的对象：" + text
    exceptions = []
    if rule.except_high_risk:
        exceptions.append("高风险对象（见“高风险对象”）")
    if rule.except_grounds:
        exceptions.append(f"因{any_of([GROUND_LABELS[g] for g in rule.except_grounds])}启动的检查")
    if exceptions:
        text += f"；例外：{'；'.join(exceptions)}不受此限"
    return text
