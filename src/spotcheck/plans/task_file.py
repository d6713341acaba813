"""A task as a document (the CLI's task file, the JSON API's body): items by code, departments by
code (ids also accepted), dates ISO; turned into the service's TaskInput with every problem named."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.catalog.models import CheckItem
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.errors import DomainError, NotFound
from spotcheck.ids import IdOrText
from spotcheck.plans import task_rules
from spotcheck.plans.task_rules import TaskInput, TaskInvalid
from spotcheck.rulebooks.schema import Profile

Ref = IdOrText  # an id (number) or a code / name (text)

# TaskInput field → the document's key, to name a problem the way the user wrote it.
DOC_KEYS = {
    "main_item_id": "main_item",
    "other_item_ids": "other_items",
    "participant_ids": "participants",
    "sub_registry_id": "sub_registry",
}
LABELS = {
    "name": "任务名称",
    "main_item": "主事项",
    "other_items": "其他事项",
    "participants": "参与部门",
    "sub_registry": "分库",
    "filters": "筛选条件",
    "strata_settings": "分层设置",
    "window_start": "检查开始日期",
    "window_end": "检查结束日期",
    "methods": "检查方式",
    "grounds": "抽查依据",
    "overlap_policy": "重叠对象处理",
    "batch_count": "检查批次数",
    "requirements": "工作要求",
    "auxiliary_experts": "配备辅助专家",
}


class Filters(BaseModel):
    """Which targets of the registry are in scope (all optional)."""

    model_config = ConfigDict(extra="forbid")

    target_types: list[str] = []
    region: str = ""
    industry: str = ""
    risk_classes: list[str] = []
    tag: str = ""


class TaskDoc(BaseModel):
    """A task as written by a person or another system; codes or ids for items and departments."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("", description="任务名称")
    main_item: Ref | None = Field(
        None, description="主事项：事项编码（或“部门编码:事项编码”），或事项 id"
    )
    other_items: list[Ref] = Field([], description="其他事项（1+X 的 X），编码或 id")
    participants: list[Ref] = Field([], description="参与部门：部门编码或 id（联合抽查）")
    sub_registry: Ref | None = Field(None, description="分库名称或 id；不填为总库")
    filters: Filters = Field(default_factory=Filters)
    strata_settings: dict[str, dict[str, float]] = Field(
        {}, description='按分层覆盖比例或数量：{"D": {"ratio": 1.0}} 或 {"A": {"count": 3}}'
    )
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    methods: list[str] = []
    grounds: list[str] = []
    overlap_policy: str = Field("", description="merge（合并检查）或 exclude（排除）；不填按细则")
    batch_count: int | None = Field(None, ge=1, le=100, description="检查批次数（1–100）")
    requirements: str = ""
    auxiliary_experts: bool = Field(
        False, description="配备辅助专家（细则有按需配备的辅助人员岗位时，如 002 第九条第六款）"
    )
    special_basis: str = Field(
        "", description="计划外专项检查的依据（部署文件名称或文号）；仅用于专项检查"
    )


class TaskFileError(Exception):
    """The file cannot be read at all (missing, not UTF-8, not JSON/TOML): a usage error."""


def label(field: str) -> str:
    """A problem's field as the document names it, with its Chinese label."""
    key = DOC_KEYS.get(field, field)
    head, _, rest = key.partition(".")
    name = LABELS.get(head, head)
    return f"{key}（{name}）" if not rest else f"{key}（{name}·{rest}）"


def _pydantic_problems(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "file"
        kind = error["type"]
        if kind == "extra_forbidden":
            message = f"未知字段“{where}”（可用字段见 spotcheck plan task-template）"
        elif kind == "id_range":
            message = error["msg"]  # spotcheck.ids: the id's bounds, in Chinese
        elif kind in ("greater_than_equal", "less_than_equal"):
            bound = next(iter(error.get("ctx", {}).values()), "")
            message = f"不能{'小于' if kind.startswith('greater') else '大于'} {bound}"
        elif kind.startswith("date"):
            message = "应为 ISO 日期，如 2027-03-01"
        elif kind.startswith(("int", "float")):
            message = "应为数字"
        elif kind.startswith(("list", "dict", "model")):
            message = "格式不对（应为列表或表）"
        else:
            message = "格式不对"
        out.setdefault(where, message)
    return out


def parse_doc(raw: Any) -> TaskDoc:
    """A TaskDoc from loaded JSON/TOML data; TaskInvalid with every field problem otherwise."""
    if not isinstance(raw, dict):
        raise TaskInvalid({"file": "任务文件的顶层应为一个对象（键值表）"})
    try:
        return TaskDoc.model_validate(raw)
    except ValidationError as exc:
        raise TaskInvalid(_pydantic_problems(exc)) from exc


def load_file(path: Path) -> TaskDoc:
    """Read a .json or .toml task file (UTF-8, BOM allowed)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise TaskFileError(f"找不到任务文件 {path}") from exc
    except UnicodeDecodeError as exc:
        raise TaskFileError(f"{path} 不是 UTF-8 编码的文本文件") from exc
    try:
        if path.suffix.lower() == ".toml":
            raw: Any = tomllib.loads(text)
        else:
            raw = json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise TaskFileError(f"{path} 不是有效的 {kind}：{exc}") from exc
    return parse_doc(raw)


def department_ref(session: Session, ref: Ref) -> Department | None:
    """A department by id (number) or code (text)."""
    if isinstance(ref, int):
        return session.get(Department, ref)
    return departments_service.get_by_code(session, ref.strip())


def plan_department(session: Session, ref: Ref, scope: Sequence[int] | None) -> Department:
    """The department a plan is made for: in the user's scope (else 404), an agency, not a 科室."""
    department = department_ref(session, ref)
    visible = scope
    if department is None or (visible is not None and department.id not in visible):
        raise NotFound(f"未找到部门“{ref}”，或您无权为其制定计划")
    if department.level == DepartmentLevel.SECTION:
        raise DomainError(
            f"{department.name} 是科室，年度计划由其所属单位制定，请写单位的部门编码",
            field="department",
        )
    return department


def _items_by_code(session: Session, text: str) -> list[CheckItem]:
    dept_code, _, code = text.strip().rpartition(":")
    query = select(CheckItem).where(CheckItem.code == code.strip())
    if dept_code:
        query = query.join(Department, Department.id == CheckItem.department_id).where(
            Department.code == dept_code.strip()
        )
    return list(session.scalars(query).unique())


def _item(
    session: Session,
    ref: Ref,
    initiating: Department,
    participants: Sequence[Department],
) -> tuple[int | None, str]:
    if isinstance(ref, int):
        return (ref, "") if session.get(CheckItem, ref) else (None, f"事项 id {ref} 不存在")
    found = _items_by_code(session, ref)
    owners = {d.id: d for d in session.scalars(select(Department))}
    # Prefer the items the task may use (its departments' lists); an item of another list is
    # still resolved so that the service names why it cannot be used.
    usable = [
        i
        for i in found
        if task_rules.item_allowed(owners[i.department_id], initiating, participants)
    ]
    pick = usable or found
    if len(pick) == 1:
        return pick[0].id, ""
    if not pick:
        return None, f"事项编码“{ref}”不存在"
    names = "、".join(f"{owners[i.department_id].code}:{i.code}" for i in pick)
    return None, f"事项编码“{ref}”在多个部门的清单中都有（{names}），请写成“部门编码:事项编码”"


def to_input(
    session: Session, initiating: Department, doc: TaskDoc
) -> tuple[TaskInput, dict[str, str]]:
    """The service input, and the references that could not be resolved (field → message)."""
    errors: dict[str, str] = {}
    participants: list[Department] = []
    unknown = []
    for ref in doc.participants:
        dep = department_ref(session, ref)
        if dep is None:
            unknown.append(f"“{ref}”")
        else:
            participants.append(dep)
    if unknown:
        errors["participant_ids"] = f"部门{'、'.join(unknown)}不存在（请写部门编码）"
    main_id = None
    if doc.main_item is not None:
        main_id, problem = _item(session, doc.main_item, initiating, participants)
        if problem:
            errors["main_item_id"] = problem
    others: list[int] = []
    wrong: list[str] = []
    for ref in doc.other_items:
        item_id, problem = _item(session, ref, initiating, participants)
        if item_id is None:
            wrong.append(problem)
        else:
            others.append(item_id)
    if wrong:
        errors["other_item_ids"] = "；".join(wrong)
    sub_id = None
    if doc.sub_registry not in (None, ""):
        choices = task_rules.sub_registry_choices(session, initiating)
        match = [s for s in choices if doc.sub_registry in (s.id, s.name)]
        if match:
            sub_id = match[0].id
        else:
            names = "、".join(s.name for s in choices) or "无"
            errors["sub_registry_id"] = f"分库“{doc.sub_registry}”不存在（可选：{names}）"
    settings: dict[str, Any] = {
        key: {k: int(v) if k == "count" and float(v).is_integer() else v for k, v in value.items()}
        for key, value in doc.strata_settings.items()
    }
    data = TaskInput(
        name=doc.name,
        main_item_id=main_id,
        other_item_ids=others,
        participant_ids=[d.id for d in participants],
        sub_registry_id=sub_id,
        # As the form does: 行业门类 letters are upper case (c26 → C26).
        filters={**doc.filters.model_dump(), "industry": doc.filters.industry.strip().upper()},
        strata_settings=settings,
        window_start=doc.window_start,
        window_end=doc.window_end,
        methods=list(doc.methods),
        grounds=list(doc.grounds),
        overlap_policy=doc.overlap_policy.strip(),
        batch_count=doc.batch_count,
        requirements=doc.requirements,
        auxiliary_experts=doc.auxiliary_experts,
        special_basis=doc.special_basis.strip(),
    )
    return data, errors


def checked_input(
    session: Session,
    initiating: Department,
    profile: Profile,
    year: int | None,
    doc: TaskDoc,
) -> TaskInput:
    """The input ready for the service; TaskInvalid with every problem (references and rules)."""
    data, errors = to_input(session, initiating, doc)
    if errors:
        # Name the rule problems too, so that one run shows everything to fix.
        found = task_rules.check(session, initiating, profile, year, data)
        raise TaskInvalid({**found, **errors})
    return data


def doc_of(session: Session, data: TaskInput) -> TaskDoc:
    """A saved task's input as a document with codes (to edit and send back)."""

    def item_ref(item_id: int | None) -> Ref | None:
        item = session.get(CheckItem, item_id) if item_id is not None else None
        if item is None:
            return item_id
        if len(_items_by_code(session, item.code)) == 1:
            return item.code
        owner = session.get(Department, item.department_id)
        return f"{owner.code}:{item.code}" if owner else item.id

    deps = [session.get(Department, i) for i in data.participant_ids]
    return TaskDoc(
        name=data.name,
        main_item=item_ref(data.main_item_id),
        other_items=[r for r in (item_ref(i) for i in data.other_item_ids) if r is not None],
        participants=[d.code for d in deps if d is not None],
        sub_registry=data.sub_registry_id,
        filters=Filters.model_validate(
            {k: v for k, v in data.filters.items() if k in Filters.model_fields}
        ),
        strata_settings=data.strata_settings,
        window_start=data.window_start,
        window_end=data.window_end,
        methods=data.methods,
        grounds=data.grounds,
        overlap_policy=data.overlap_policy,
        batch_count=data.batch_count,
        requirements=data.requirements,
        auxiliary_experts=data.auxiliary_experts,
        special_basis=data.special_basis,
    )
