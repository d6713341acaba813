"""The rulebook profile format: every parameter of an agency's 细则, each rule with its article.

A profile is TOML. `parse()` validates it strictly (unknown fields, ratios above 1, rules without
their article are refused) and names the TOML line of every problem in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spotcheck.rulebooks.vocabulary import ApprovalName, EventName

TARGET_TYPES = ("企业", "农民专业合作社", "个体工商户", "其他组织", "产品", "项目", "行为")
STATUSES = ("存续", "注销", "吊销", "撤销", "清算", "迁出")
RISK_CLASSES = ("A", "B", "C", "D")
# Why a task is run, beyond the plan: some exclusions do not apply to these (002 第九条).
GROUNDS = ("投诉举报", "上级要求", "法定")
DOMAINS = ("环保", "安全生产", "质量", "公共利益", "其他")
FLAGS = ("经营异常", "严重违法失信", "投诉举报")
PLAN_STATES = ("approved", "filed", "published")

# Where the rulebook is silent the decision is the platform's; a rule then cites this instead of an
# article, and its note says what the platform chose (and which article, if any, it starts from).
PLATFORM_RULE = "平台规则（细则未规定）"


def cite(article: str) -> str:
    """How a rule names its source in a sentence: "依据 002 第十二条", or the platform's rule."""
    return article if article == PLATFORM_RULE else f"依据 {article}"


Ratio = Annotated[float, Field(ge=0, le=1)]
Article = Annotated[
    str, Field(min_length=3, max_length=80, pattern=r"^(\d{3} .+|平台规则（细则未规定）)$")
]
TargetType = Literal["企业", "农民专业合作社", "个体工商户", "其他组织", "产品", "项目", "行为"]
Status = Literal["存续", "注销", "吊销", "撤销", "清算", "迁出"]
Risk = Literal["A", "B", "C", "D"]
Flag = Literal["经营异常", "严重违法失信", "投诉举报"]
Ground = Literal["投诉举报", "上级要求", "法定"]
Domain = Literal["环保", "安全生产", "质量", "公共利益", "其他"]
Period = Literal["natural_year", "rolling"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """A rule: what it says in the profile's terms, and the article it comes from."""

    article: Article
    note: str = ""

    @property
    def is_platform(self) -> bool:
        """Whether the rulebook is silent and the rule is the platform's."""
        return self.article == PLATFORM_RULE

    def basis(self, text: str) -> str:
        """The rule in words after its source: "依据 002 第十二条：…", or the platform's with its note."""
        if self.is_platform:
            return f"{PLATFORM_RULE}：{text}" + (f"（{self.note}）" if self.note else "")
        return f"{cite(self.article)}：{text}"

    @property
    def source(self) -> str:
        """The source as named in a sentence (see `cite`)."""
        return cite(self.article)

    @property
    def citation(self) -> str:
        """The article, or the platform's rule with its note (for a column of sources)."""
        if self.is_platform and self.note:
            return f"{PLATFORM_RULE}：{self.note}"
        return self.article


class Info(_Strict):
    """Which document the profile encodes."""

    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,38}$")]
    name: Annotated[str, Field(min_length=2, max_length=120)]
    agency: Annotated[str, Field(min_length=2, max_length=120)]
    document: str = ""
    seed: Annotated[str, Field(pattern=r"^\d{3}$")]
    effective_from: dt.date
    effective_until: dt.date | None = None
    based_on: str = ""

    @model_validator(mode="after")
    def _dates(self) -> Info:
        if self.effective_until and self.effective_until < self.effective_from:
            raise ValueError("失效日期早于生效日期")
        return self


class Mode(Rule):
    """部门内部 or 部门联合 checks."""

    kind: Literal["internal", "joint"]


class Scope(Rule):
    """Which targets and which item lists a task may use."""

    target_types: Annotated[list[TargetType], Field(min_length=1)]
    item_list_types: Annotated[list[Literal["本部门", "部门联合"]], Field(min_length=1)]


class ItemRules(Rule):
    """Key items have no ratio cap; general items are capped (by the list's ratio, optionally lower)."""

    general_cap: Literal["item_ratio", "fixed"] = "item_ratio"
    general_max_ratio: Ratio | None = None

    @model_validator(mode="after")
    def _fixed_needs_ratio(self) -> ItemRules:
        if self.general_cap == "fixed" and self.general_max_ratio is None:
            raise ValueError('general_cap = "fixed" 时必须给出 general_max_ratio')
        return self


class BatchOrder(Rule):
    """Key items drawn at a high ratio are visited in random batch order."""

    min_ratio: Ratio


class Condition(_Strict):
    """What a target must meet to fall in a stratum; every given part must hold."""

    risk_class: list[Risk] = []
    flags: list[Flag] = []
    unchecked_years_min: Annotated[int, Field(ge=1, le=50)] | None = None
    unchecked_years_max: Annotated[int, Field(ge=1, le=51)] | None = None
    never_checked: bool | None = None

    def is_catch_all(self) -> bool:
        """Whether every target meets it."""
        return not (
            self.risk_class
            or self.flags
            or self.unchecked_years_min is not None
            or self.unchecked_years_max is not None
            or self.never_checked is not None
        )


class Stratum(Rule):
    """One ordered stratum rule; a target falls in the first it meets."""

    key: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,20}$")]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    ratio: Ratio
    when: Condition = Condition()
    period: Period = "rolling"
    industry_only: bool = False


class HighRisk(Rule):
    """Who counts as high-risk where a rule makes an exception for them."""

    risk_class: list[Risk] = []
    flags: list[Flag] = []
    complaints_min: Annotated[int, Field(ge=1)] = 3


class StatusRule(Rule):
    """Targets in other statuses are never drawn."""

    drawable: Annotated[list[Status], Field(min_length=1)]


class ExemptionRule(Rule):
    """The 免检免扰 list, with the checks it does not exempt from."""

    except_domains: list[Domain] = []
    except_grounds: list[Ground] = []


class FrequencyRule(Rule):
    """At most `max_checks` checks in the period (per item, or of any kind)."""

    name: Annotated[str, Field(min_length=1, max_length=40)]
    max_checks: Annotated[int, Field(ge=1, le=50)]
    per: Literal["item", "any"]
    period: Period
    applies_to: Literal["all", "low_risk"] = "all"
    except_high_risk: bool = False
    except_grounds: list[Ground] = []


class CooldownRule(Rule):
    """A target whose last check found nothing waits this long."""

    years: Annotated[int, Field(ge=1, le=10)]
    period: Period = "rolling"


class OverlapRule(Rule):
    """The same target drawn by another department in an overlapping window."""

    default: Literal["merge", "exclude"]
    except_high_risk: bool = False


class Exclusions(_Strict):
    """Every reason a target in scope is not a candidate."""

    status: StatusRule
    exemption_list: ExemptionRule | None = None
    frequency: list[FrequencyRule] = []
    cooldown: CooldownRule | None = None
    overlap: OverlapRule | None = None


class QuotaRule(Rule):
    """How a ratio becomes a count."""

    rounding: Literal["ceil", "floor", "round"] = "ceil"


ApprovalLevelName = Literal["principal", "deputy", "head", "external"]


class Step(Rule):
    """One approval/filing/publication step and who takes it (an approval names its level)."""

    by: Annotated[str, Field(min_length=1, max_length=60)]
    external: bool = False
    level: ApprovalLevelName | None = None


class DueDate(Rule):
    """A calendar date in the plan's year (e.g. 01-31)."""

    month_day: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]
    warn_days: Annotated[int, Field(ge=0, le=120)] = 15


class SpecialCampaigns(Rule):
    """Whether a task outside the annual plan is allowed (marked 专项)."""

    allowed: bool


class PlanRules(Rule):
    """The annual plan (the article: no check outside it): due date, approval, filing, publication."""

    due: DueDate | None = None
    approval: Step
    filing: Step
    publication: Step
    draw_requires: Literal["approved", "filed", "published"] = "approved"
    special_campaigns: SpecialCampaigns | None = None


class AnnualRatio(Rule):
    """A minimum or a target share of the registry checked over the plan year."""

    kind: Literal["minimum", "target"]
    ratio: Ratio
    tolerance: Ratio = 0.0


class Slot(Rule):
    """One slot of the group composition (spec/draw-v1.md slots)."""

    name: Annotated[str, Field(min_length=1, max_length=30)]
    count: Annotated[int, Field(ge=1, le=10)]
    role: Literal["member", "auxiliary"] = "member"
    ranks: list[str] = []
    expert: bool = False
    draw_first: bool = False
    per_department: bool = False
    leader: bool = False
    optional: bool = False
    # Only in the groups of a task that asks for it (the task's `auxiliary_experts`): the rulebook
    # says such people "may" be added when a check needs them (002 第九条第六款, 003 第七条).
    on_request: bool = False
    # The article that makes this slot's people show a valid enforcement certificate. The 组长's
    # slot always requires one (he leads the on-site check); None there: the platform's rule.
    certificate_article: Article | None = None


class Group(Rule):
    """Who goes on a visit: slots, the minimum of certified members, certificates, the 组长."""

    min_certified: Annotated[int, Field(ge=1, le=10)] = 2
    certificate_required: bool = True
    certificate_article: Article | None = None
    leader: str = ""
    slots: Annotated[list[Slot], Field(min_length=1)]

    @model_validator(mode="after")
    def _on_request_shape(self) -> Group:
        for slot in self.slots:
            if slot.on_request and (slot.leader or slot.role != "auxiliary"):
                raise ValueError(f"岗位“{slot.name}”按任务选择配备，只能是辅助人员岗位且不出组长")
        return self

    @property
    def on_request(self) -> list[Slot]:
        """The auxiliary slots a task adds only when it asks for them."""
        return [s for s in self.slots if s.on_request]


# The kinds of witness offered where a rulebook names none (平台规则（细则未规定）).
PLATFORM_WITNESS_KINDS = ("纪检监察人员", "法制审核人员", "法律顾问", "企业代表", "群众代表")


class Witnesses(Rule):
    """Who must attend and sign the draw: a fixed list of kinds (the rulebook's, else the
    platform's), the total required, and per kind the number that must be among them."""

    required: Annotated[int, Field(ge=0, le=10)]
    kinds: list[Annotated[str, Field(min_length=2, max_length=30)]] = []
    must: dict[str, Annotated[int, Field(ge=1, le=10)]] = {}
    recording: bool = False

    @model_validator(mode="after")
    def _must_shape(self) -> Witnesses:
        unknown = [k for k in self.must if k not in self.kinds]
        if unknown:
            raise ValueError(f"must 中的监督人身份不在 kinds 中：{'、'.join(unknown)}")
        if sum(self.must.values()) > self.required:
            raise ValueError("must 要求的人数之和超过 required")
        return self

    @property
    def choices(self) -> tuple[str, ...]:
        """The kinds a witness may be registered as."""
        return tuple(self.kinds) or PLATFORM_WITNESS_KINDS

    @property
    def platform_kinds(self) -> bool:
        """True when the rulebook names no kinds and the platform's list applies."""
        return not self.kinds

    def shortfall(self, kinds: list[str]) -> list[str]:
        """What the registered witnesses (their kinds) still lack, in words; empty when enough."""
        lacking = []
        for kind, count in self.must.items():
            present = sum(1 for k in kinds if k == kind)
            if present < count:
                lacking.append(f"{kind} {count} 名（现 {present} 名）")
        if len(kinds) < self.required:
            lacking.append(f"监督人共 {self.required} 名（现 {len(kinds)} 名）")
        return lacking


class Deadline(Rule):
    """A deadline: from which event, how long, which state stops the clock."""

    workdays: Annotated[int, Field(ge=1, le=400)]
    start: EventName
    state: EventName


class Approval(Rule):
    """Who approves an exception, and at which level (主要领导, 分管领导, 部门（科室）负责人, external)."""

    by: Annotated[str, Field(min_length=1, max_length=60)]
    level: ApprovalLevelName | None = None
    # Borrowing only (approvals.borrow): which departments may lend. `same_industry`: the
    # department that owns the slot and the lender share an industry (001 第十七条); `within`:
    # the lender lies in the same province or city as the slot's owner, by `within_article`.
    same_industry: bool = False
    industry_article: Article | None = None
    within: Literal["any", "province", "city"] = "any"
    within_article: Article | None = None


class Channel(Rule):
    """A named outward destination of a stage's results (DESIGN.md "Which system is the record")."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    stage: Literal["plan", "draw", "result"] = "draw"
    format: Literal["csv", "xlsx", "json"] = "xlsx"


class Profile(_Strict):
    """A whole rulebook profile."""

    profile: Info
    mode: Mode
    scope: Scope
    items: ItemRules
    batch_order: BatchOrder | None = None
    high_risk: HighRisk
    strata: Annotated[list[Stratum], Field(min_length=1)]
    quota: QuotaRule
    exclusions: Exclusions
    plan: PlanRules
    annual: AnnualRatio | None = None
    group: Group
    witnesses: Witnesses
    deadlines: dict[Annotated[str, Field(pattern=r"^[a-z_]{2,30}$")], Deadline] = {}
    approvals: dict[ApprovalName, Approval] = {}
    channels: list[Channel] = []

    @model_validator(mode="after")
    def _strata_shape(self) -> Profile:
        keys = [s.key for s in self.strata]
        if len(set(keys)) != len(keys):
            raise ValueError("分层的 key 重复")
        if not self.strata[-1].when.is_catch_all():
            raise ValueError("最后一个分层必须不设条件（其余对象），否则会有对象不属于任何分层")
        for s in self.strata[:-1]:
            if s.when.is_catch_all():
                raise ValueError(f"分层“{s.name}”不设条件，只能放在最后")
        return self

    @property
    def code(self) -> str:
        """The profile's id (the manifest's `policy`)."""
        return self.profile.code

    def expired_on(self, day: dt.date) -> bool:
        """Whether the document is no longer in force on that day."""
        until = self.profile.effective_until
        return until is not None and day > until

    def stratum(self, key: str) -> Stratum:
        """The stratum rule with that key."""
        for s in self.strata:
            if s.key == key:
                return s
        raise KeyError(key)


class ProfileProblem(BaseModel):
    """One thing wrong with a profile text, where it is."""

    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        at = f"第 {self.line} 行" if self.line else "文件"
        return f"{at}（{self.where}）：{self.message}" if self.where else f"{at}：{self.message}"


class ProfileInvalid(ValueError):
    """The profile text was refused; `problems` names each line."""

    def __init__(self, problems: list[ProfileProblem]) -> None:
        self.problems = problems
        super().__init__("；".join(str(p) for p in problems))


_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段（细则参数中没有这一项）",
    "less_than_equal": "不能大于 {le}",
    "greater_than_equal": "不能小于 {ge}",
    "string_pattern_mismatch": "格式不对",
    "string_too_short": "不能为空或过短",
    "string_too_long": "过长",
    "literal_error": "只能是 {expected}",
    "enum": "未知的取值“{input}”，只能是 {expected}",
    "too_short": "至少需要 {min_length} 项",
    "bool_type": "应为 true 或 false",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "int_parsing": "应为整数",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "list_type": "应为列表 [..]",
    "dict_type": "应为表 [..]",
    "model_type": "应为表 [..]",
    "string_type": "应为文字",
}


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "string_pattern_mismatch" and err["loc"] and err["loc"][-1] == "article":
        return (
            "条文出处应写成“文件号 条款”，如“002 第十二条”；"
            f"细则未规定、由平台决定的写“{PLATFORM_RULE}”并在 note 中说明"
        )
    if kind == "missing" and err["loc"] and err["loc"][-1] == "article":
        return "缺少条文出处 article（每条规则都要注明依据的条款）"
    template = _MESSAGES.get(kind)
    if template is None:
        text = str(err.get("msg", ""))
        return text.removeprefix("Value error, ")
    ctx = {
        k: (str(v).replace("'", "") if k == "expected" else v)
        for k, v in (err.get("ctx") or {}).items()
    }
    ctx.setdefault("input", err.get("input", ""))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*)\s*=")


def line_index(text: str) -> dict[tuple[Any, ...], int]:
    """Map each table and key path of a TOML text (arrays of tables indexed) to its line number."""
    index: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and line.startswith("["):
            names = tuple(p.strip().strip('"') for p in header.group(2).split("."))
            resolved: tuple[Any, ...] = ()
            for depth, name in enumerate(names):
                resolved = (*resolved, name)
                is_last = depth == len(names) - 1
                if is_last and header.group(1) == "[[":
                    counts[resolved] = counts.get(resolved, -1) + 1
                    resolved = (*resolved, counts[resolved])
                elif not is_last and resolved in counts:
                    resolved = (*resolved, counts[resolved])
            table = resolved
            index.setdefault(table, number)
            continue
        key = _KEY.match(raw)
        if key:
            path = table + tuple(key.group(1).split("."))
            index.setdefault(path, number)
    return index


def _line_for(index: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    path = tuple(loc)
    while path:
        if path in index:
            return index[path]
        path = path[:-1]
    return None


def parse(text: str) -> Profile:
    """Validate a profile text; raises ProfileInvalid naming the line of every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise ProfileInvalid(
            [ProfileProblem(line=line, where="", message=f"TOML 语法错误：{exc}")]
        ) from exc
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        index = line_index(text)
        problems = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            # Literal unions report the branch; drop pydantic's internal parts of the location.
            loc = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
            problems.append(
                ProfileProblem(
                    line=_line_for(index, loc), where=_dotted(loc), message=_message(err)
                )
            )
        raise ProfileInvalid(problems) from exc
