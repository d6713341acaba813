"""Plans, tasks and the eligibility preview as plain data: the JSON API's response models, which
the command line prints as text (built by plans.present). The preview never carries a candidate."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class DepartmentOut(BaseModel):
    """A department by id, code and name."""

    id: int
    code: str
    name: str


class DueOut(BaseModel):
    """The plan deadline of the profile as it stands today."""

    due: dt.date
    kind: str  # pending | warning | overdue | met
    overdue: bool
    text: str
    article: str


class PlanOut(BaseModel):
    """An annual plan version as listed."""

    id: int
    department: DepartmentOut
    year: int
    version: int
    title: str
    status: str
    status_label: str
    profile_code: str
    based_on_id: int | None
    due: DueOut | None


class StepOut(BaseModel):
    """One workflow step: who, when, from which state to which, opinion, document, rule."""

    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    at: dt.datetime
    opinion: str
    document_no: str
    on_behalf_of: str
    rule: str
    approval: str = Field("", description="审批记录：批准人（审批层级）及文号")


class ItemOut(BaseModel):
    """An item of a task as pinned when the task was saved."""

    id: int
    code: str
    name: str
    kind: str
    list_type: str
    department_code: str
    main: bool
    pinned_version: int
    published_version: int | None


class TaskOut(BaseModel):
    """A task (工作方案): items, departments, scope, strata settings, window; its problems."""

    id: int
    plan_id: int | None
    plan_year: int | None
    plan_status: str | None
    number: int
    name: str
    special: bool
    special_basis: str
    department: DepartmentOut
    items: list[ItemOut]
    participants: list[DepartmentOut]
    sub_registry: str | None
    filters: dict[str, object]
    strata_settings: dict[str, object]
    window_start: dt.date
    window_end: dt.date
    methods: list[str]
    grounds: list[str]
    overlap_policy: str
    batch_count: int | None
    requirements: str
    auxiliary_experts: bool = False
    problems: list[str]
    expected: int | None = None  # planned draws (quota) where the plan page computes it
    warnings: list[str] = []  # what plans.findings warns about (a joint task without participants)


class TaskDetail(TaskOut):
    """A task with why it cannot reach the draw yet (each with its article)."""

    may_draw: bool
    blockers: list[str]
    warnings: list[str]


class AnnualOut(BaseModel):
    """The year's planned draws against the profile's annual minimum or target ratio."""

    year: int
    registry_size: int
    planned_total: int
    ratio: float
    ok: bool
    message: str
    rule_kind: str | None
    rule_ratio: float | None
    article: str | None


class VersionOut(BaseModel):
    """Another version of the same department's plan for the year."""

    id: int
    version: int
    status: str
    status_label: str


class PlanDetail(PlanOut):
    """A plan with its profile, warnings, steps, tasks, versions and the annual ratio check."""

    description: str
    adjustment_reason: str
    profile_name: str
    profile_warnings: list[str]
    steps: list[StepOut]
    tasks: list[TaskOut]
    annual: AnnualOut
    versions: list[VersionOut]
    # plans.findings: the plan's own blockers (no task, below the annual minimum) and warnings;
    # with each task's problems, exactly what a submission refuses.
    blockers: list[str] = []
    warnings: list[str] = []


class StratumOut(BaseModel):
    """One stratum: its rule and article, how many candidates (never who), ratio and quota."""

    key: str
    name: str
    rule: str
    article: str
    note: str
    candidates: int
    ratio: float | None
    count_setting: int | None
    quota: int
    quota_text: str


class ExclusionCountOut(BaseModel):
    """How many targets one exclusion rule left out, with its article."""

    code: str
    reason: str
    article: str
    count: int


class ExcludedOut(BaseModel):
    """A target left out of the draw, with the reason and article."""

    key: str
    name: str
    code: str
    reason: str
    article: str
    rule: str


class MergeOut(BaseModel):
    """A target another department drew in the same window: one joint visit."""

    key: str
    name: str
    other_task_id: int
    other_task_name: str
    other_department: str


class EligibilityOut(BaseModel):
    """The preview of a task's draw: counts per stratum and per exclusion reason, the excluded
    targets, merges, warnings and problems. It never lists the candidates."""

    task_id: int
    profile_code: str
    on: dt.date
    in_scope: int
    candidates: int
    quota: int
    strata: list[StratumOut]
    exclusion_counts: list[ExclusionCountOut]
    excluded_total: int
    excluded: list[ExcludedOut]
    merges: list[MergeOut]
    batch_order: str
    warnings: list[str]
    problems: list[str]
