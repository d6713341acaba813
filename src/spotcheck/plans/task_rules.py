"""Task input and its validation (each rule with its article), and the choices a task form offers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.catalog.models import METHODS, CheckItem
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.errors import DomainError
from spotcheck.plans.models import Task
from spotcheck.rulebooks import pinned
from spotcheck.rulebooks.schema import GROUNDS, RISK_CLASSES, Profile, cite
from spotcheck.targets.models import SubRegistry

OVERLAP_POLICIES = {
    "merge": "合并检查（进一次门、查多项事）",
    "exclude": "排除已被其他部门抽中的对象",
}
_REGION = re.compile(r"^\d{1,6}$")
_INDUSTRY = re.compile(r"^[A-T](\d{1,4})?$")


@dataclass
class TaskInput:
    """What a task form or API call gives; ratios are 0–1 fractions."""

    name: str
    main_item_id: int | None
    other_item_ids: list[int] = field(default_factory=list)
    participant_ids: list[int] = field(default_factory=list)
    sub_registry_id: int | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    strata_settings: dict[str, Any] = field(default_factory=dict)
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    methods: list[str] = field(default_factory=list)
    grounds: list[str] = field(default_factory=list)
    overlap_policy: str = ""
    batch_count: int | None = None
    requirements: str = ""
    auxiliary_experts: bool = False
    special: bool = False
    special_basis: str = ""


class TaskInvalid(DomainError):
    """The task input was refused; `errors` maps each field (TaskInput name) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors


def profile_of_task(session: Session, task: Task) -> Profile:
    """The task's pinned profile version (its plan's; the initiator's for a special task)."""
    return pinned.task_profile(session, task)


def input_of(task: Task) -> TaskInput:
    """A saved task as input (to validate it again or to fill its form)."""
    main = next((i.item_id for i in task.items if i.is_main), None)
    return TaskInput(
        name=task.name,
        main_item_id=main,
        other_item_ids=[i.item_id for i in task.items if not i.is_main],
        participant_ids=[p.department_id for p in task.participants],
        sub_registry_id=task.sub_registry_id,
        filters=dict(task.filters or {}),
        strata_settings=dict(task.strata_settings or {}),
        window_start=task.window_start,
        window_end=task.window_end,
        methods=task.method_list,
        grounds=task.ground_list,
        overlap_policy=task.overlap_policy,
        batch_count=task.batch_count,
        requirements=task.requirements,
        auxiliary_experts=task.auxiliary_experts,
        special=task.special,
        special_basis=task.special_basis,
    )


def item_allowed(
    item_department: Department, initiating: Department, participants: Sequence[Department]
) -> bool:
    """Items of the initiating department (its sections, or a list of a department above it) or
    of a participating department may be used."""
    return (
        item_department.path.startswith(initiating.path)
        or initiating.path.startswith(item_department.path)
        or any(item_department.path.startswith(p.path) for p in participants)
    )


def check(
    session: Session,
    initiating: Department,
    profile: Profile,
    year: int | None,
    data: TaskInput,
) -> dict[str, str]:
    """Field → Chinese message for everything wrong with the input, each rule with its article."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = "请填写任务名称"
    elif len(data.name.strip()) > 200:
        errors["name"] = "任务名称不能超过 200 个字"
    participants: list[Department] = []
    for dep_id in dict.fromkeys(data.participant_ids):
        dep = session.get(Department, dep_id)
        if dep is None:
            errors["participant_ids"] = "参与部门不存在"
        elif dep.path.startswith(initiating.path) or initiating.path.startswith(dep.path):
            errors["participant_ids"] = f"{dep.name} 是发起部门本身或其上下级，不能作为参与部门"
        else:
            participants.append(dep)
    if participants and profile.mode.kind != "joint":
        errors["participant_ids"] = (
            f"本部门采用的细则为部门内部抽查（{cite(profile.mode.article)}），不能设置参与部门"
        )
    _check_items(session, initiating, participants, profile, data, errors)
    if data.sub_registry_id is not None:
        sub = session.get(SubRegistry, data.sub_registry_id)
        owner = session.get(Department, sub.department_id) if sub else None
        if owner is None or not (
            owner.path.startswith(initiating.path) or initiating.path.startswith(owner.path)
        ):
            errors["sub_registry_id"] = "所选分库不属于发起部门的名录库"
    _check_filters(profile, data.filters, errors)
    _check_strata(profile, data.strata_settings, errors)
    start, end = data.window_start, data.window_end
    if start is None:
        errors["window_start"] = "请填写检查开始日期"
    if end is None:
        errors["window_end"] = "请填写检查结束日期"
    if start and end and start > end:
        errors["window_end"] = "结束日期不能早于开始日期"
    if year is not None:
        for key, label, day in (("window_start", "开始", start), ("window_end", "结束", end)):
            if day is not None and day.year != year and key not in errors:
                errors[key] = (
                    f"{label}日期 {day.isoformat()} 不在计划年度 {year} 年内，"
                    f"应在 {year}-01-01 至 {year}-12-31 之间（{year_rule(profile)}）"
                )
    if not data.methods:
        errors["methods"] = "请至少选择一种检查方式"
    elif unknown := [m for m in data.methods if m not in METHODS]:
        errors["methods"] = f"检查方式“{'、'.join(unknown)}”不在可选范围（{'、'.join(METHODS)}）"
    if unknown := [g for g in data.grounds if g not in GROUNDS]:
        errors["grounds"] = f"抽查依据“{'、'.join(unknown)}”不在可选范围（{'、'.join(GROUNDS)}）"
    if data.overlap_policy not in ("", *OVERLAP_POLICIES):
        errors["overlap_policy"] = "重叠对象处理方式只能是“合并检查”或“排除”"
    if data.batch_count is not None and not 1 <= data.batch_count <= 100:
        errors["batch_count"] = "检查批次数应为 1–100 的整数"
    if data.special and not data.special_basis.strip():
        errors["special_basis"] = "专项检查须写明依据（部署文件名称或文号）"
    if data.auxiliary_experts and not profile.group.on_request:
        errors["auxiliary_experts"] = (
            f"细则 {profile.code} 没有可由任务选择配备的辅助人员岗位（{cite(profile.group.article)}），"
            "不能勾选“配备辅助专家”"
        )
    return errors


def _check_items(
    session: Session,
    initiating: Department,
    participants: Sequence[Department],
    profile: Profile,
    data: TaskInput,
    errors: dict[str, str],
) -> None:
    rule = profile.approvals.get("item_list")
    article = rule.article if rule else profile.scope.article
    if data.main_item_id is None:
        errors["main_item_id"] = "请选择一个主事项（“1+X”：一个主事项，可另选其他事项同时检查）"
    for key, ids in (
        ("main_item_id", [data.main_item_id]),
        ("other_item_ids", data.other_item_ids),
    ):
        for item_id in ids:
            if item_id is None:
                continue
            item = session.get(CheckItem, item_id)
            owner = session.get(Department, item.department_id) if item else None
            if item is None or owner is None:
                errors[key] = "所选事项不存在"
            elif item.published_version_id is None:
                errors[key] = (
                    f"清单之外无抽查：事项 {item.code} 尚未发布，只能使用经审定公布的随机抽查事项"
                    f"（{cite(article)}）"
                )
            elif not item_allowed(owner, initiating, participants):
                errors[key] = f"事项 {item.code} 属于{owner.name}，不是发起部门或参与部门的事项"
    if data.main_item_id is not None and data.main_item_id in data.other_item_ids:
        errors["other_item_ids"] = "主事项不必再勾选为其他事项"


def _check_filters(profile: Profile, filters: dict[str, Any], errors: dict[str, str]) -> None:
    allowed = profile.scope.target_types
    types = filters.get("target_types") or []
    if wrong := [t for t in types if t not in allowed]:
        errors["filters.target_types"] = (
            f"对象类型“{'、'.join(wrong)}”不在细则规定的范围（{'、'.join(allowed)}；"
            f"{cite(profile.scope.article)}）"
        )
    region = filters.get("region") or ""
    if region and not _REGION.match(region):
        errors["filters.region"] = "行政区划代码前缀应为 1–6 位数字，如 370303"
    industry = filters.get("industry") or ""
    if industry and not _INDUSTRY.match(industry):
        errors["filters.industry"] = "行业代码前缀应为门类字母加最多 4 位数字，如 C26"
    if wrong := [r for r in filters.get("risk_classes") or [] if r not in RISK_CLASSES]:
        errors["filters.risk_classes"] = (
            f"信用风险分类只能是 A、B、C、D（收到：{'、'.join(wrong)}）"
        )
    if len(str(filters.get("tag") or "")) > 40:
        errors["filters.tag"] = "标签不能超过 40 个字"


def _check_strata(profile: Profile, settings: dict[str, Any], errors: dict[str, str]) -> None:
    keys = {s.key for s in profile.strata}
    for key, value in settings.items():
        where = f"strata_settings.{key}"
        if key not in keys:
            errors[where] = f"细则（{profile.code}）中没有分层“{key}”"
            continue
        if not isinstance(value, dict) or set(value) - {"ratio", "count"} or len(value) != 1:
            errors[where] = "每个分层只能设置比例或数量之一"
            continue
        stratum = profile.stratum(key)
        if "ratio" in value:
            ratio = value["ratio"]
            if not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
                errors[where] = f"“{stratum.name}”的比例应在 0%–100% 之间"
        else:
            count = value["count"]
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                errors[where] = f"“{stratum.name}”的抽取数量应为不小于 0 的整数"


def year_rule(profile: Profile) -> str:
    """Why a plan's task runs within the plan year: the profile's plan rule where it says the plan
    is made by natural year (001 第十三条), else the platform's rule."""
    if "自然年" in profile.plan.note:
        return f"{cite(profile.plan.article)}：{profile.plan.note}"
    return "平台规则（细则未规定）：年度计划中的任务在计划年度内实施，跨年的检查列入下一年度计划"


def problems(session: Session, task: Task) -> list[str]:
    """Everything wrong with a saved task, in Chinese with the article (empty = valid)."""
    profile = profile_of_task(session, task)
    initiating = session.get(Department, task.department_id)
    assert initiating is not None
    data = input_of(task)
    found = list(
        check(session, initiating, profile, task.plan.year if task.plan else None, data).values()
    )
    mains = [i for i in task.items if i.is_main]
    if len(mains) != 1:
        found.insert(0, f"任务应有且只有一个主事项（“1+X”），现有 {len(mains)} 个")
    return list(dict.fromkeys(found))


def joint_warning(profile: Profile, participant_count: int) -> str:
    """The warning for a task without participants where the profile's checks are joint ("" if
    none): a joint mode whose item lists are only 部门联合 lists (000 第五条: 省档案局随机抽查事项清单
    仅涉及部门联合抽查事项清单; 第九条: 会同配合部门启动抽查任务)."""
    if participant_count or profile.mode.kind != "joint":
        return ""
    if set(profile.scope.item_list_types) != {"部门联合"}:
        return ""
    rule = profile.approvals.get("item_list")
    articles = list(dict.fromkeys(a for a in (rule and rule.article, profile.mode.article) if a))
    return (
        f"本任务没有配合部门：依据 {'、'.join(articles)}，本细则的抽查事项均为部门联合抽查事项，"
        "应会同配合部门启动抽查任务、各自匹配执法检查人员；请在“参与部门”中勾选配合部门"
        "（未勾选仍可保存和提交）"
    )


def warnings(session: Session, task: Task) -> list[str]:
    """What should be looked at in a saved task (it does not stop it), each with its article."""
    found = []
    if text := joint_warning(profile_of_task(session, task), len(task.participants)):
        found.append(text)
    return found


def item_choices(
    session: Session, initiating: Department, participant_ids: Sequence[int] = ()
) -> list[CheckItem]:
    """Published items a task of the department (with those participants) may use, by code."""
    participants = [d for d in (session.get(Department, i) for i in participant_ids) if d]
    items = session.scalars(
        select(CheckItem)
        .where(CheckItem.published_version_id.is_not(None))
        .order_by(CheckItem.code)
    ).unique()
    departments = {d.id: d for d in session.scalars(select(Department))}
    return [
        i for i in items if item_allowed(departments[i.department_id], initiating, participants)
    ]


# How much of the region code two agencies share to work together: a province's departments, a
# city's (001: the 市领导小组 members), a county's.
_REGION_SHARED = {
    DepartmentLevel.PROVINCE: 2,
    DepartmentLevel.CITY: 4,
    DepartmentLevel.COUNTY: 6,
}


def participant_choices(session: Session, initiating: Department) -> list[Department]:
    """Departments that may take part in a joint task: other agencies of the same region."""
    rows = session.scalars(
        select(Department)
        .where(Department.active.is_(True), Department.level != DepartmentLevel.SECTION)
        .order_by(Department.code)
    )
    shared = _REGION_SHARED.get(initiating.level, 4)
    prefix = initiating.region_code[:shared]
    return [
        d
        for d in rows
        if not (d.path.startswith(initiating.path) or initiating.path.startswith(d.path))
        and (not prefix or d.region_code.startswith(prefix))
    ]


def sub_registry_choices(session: Session, initiating: Department) -> list[SubRegistry]:
    """Sub-registries of the department, its sections, or a department above it."""
    rows = session.execute(
        select(SubRegistry, Department.path)
        .join(Department, Department.id == SubRegistry.department_id)
        .order_by(SubRegistry.name)
    ).all()
    return [
        sub
        for sub, path in rows
        if path.startswith(initiating.path) or initiating.path.startswith(path)
    ]
