"""The task form: raw form values ↔ TaskInput, with a Chinese message per field that cannot be read,
and the hints that explain to a first-time user what each choice changes (from the profile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from spotcheck.catalog.models import CheckItem
from spotcheck.eligibility import quotas
from spotcheck.ids import parse_id
from spotcheck.plans.task_rules import TaskInput
from spotcheck.rulebooks.schema import GROUNDS, Profile, cite

LIST_FIELDS = (
    "other_item_ids",
    "participant_ids",
    "f_target_types",
    "f_risk_classes",
    "methods",
    "grounds",
)


def raw_values(form: Any) -> dict[str, Any]:
    """The submitted form as strings (and lists of strings for checkbox groups)."""
    values: dict[str, Any] = {k: str(v).strip() for k, v in form.items() if k not in LIST_FIELDS}
    for name in LIST_FIELDS:
        values[name] = [str(v) for v in form.getlist(name)]
    return values


def _int(text: str) -> int | None:
    return int(text) if text.strip().lstrip("-").isdigit() else None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse(values: Mapping[str, Any], profile: Profile) -> tuple[TaskInput, dict[str, str]]:
    """A TaskInput from raw values, and the fields that could not be read (field → message)."""
    errors: dict[str, str] = {}
    ids: dict[str, list[int]] = {}
    for name in ("other_item_ids", "participant_ids"):
        ids[name] = [parse_id(str(v)) or 0 for v in values.get(name, []) if str(v).isdigit()]
    dates: dict[str, dt.date | None] = {}
    for name, label in (("window_start", "开始日期"), ("window_end", "结束日期")):
        text = str(values.get(name, ""))
        dates[name] = _date(text) if text else None
        if text and dates[name] is None:
            errors[name] = f"{label}应为日期，如 2027-03-01"
    batch_text = str(values.get("batch_count", ""))
    batch = _int(batch_text) if batch_text else None
    if batch_text and batch is None:
        errors["batch_count"] = "检查批次数应为整数"
    strata: dict[str, Any] = {}
    for stratum in profile.strata:
        ratio_text = str(values.get(f"s_{stratum.key}_ratio", "")).rstrip("%").strip()
        count_text = str(values.get(f"s_{stratum.key}_count", "")).strip()
        where = f"strata_settings.{stratum.key}"
        if ratio_text and count_text:
            errors[where] = f"“{stratum.name}”请只填比例或数量之一"
        elif ratio_text:
            try:
                percent = float(ratio_text)
            except ValueError:
                errors[where] = f"“{stratum.name}”的比例应为 0–100 之间的数字（百分比）"
            else:
                # Percent in the form, a fraction in the task: 12.5 → 0.125 (no float noise kept).
                strata[stratum.key] = {"ratio": round(percent / 100, 6)}
        elif count_text:
            count = _int(count_text)
            if count is None:
                errors[where] = f"“{stratum.name}”的抽取数量应为整数"
            else:
                strata[stratum.key] = {"count": count}
    sub_text = str(values.get("sub_registry_id", ""))
    main_text = str(values.get("main_item_id", ""))
    data = TaskInput(
        name=str(values.get("name", "")),
        main_item_id=(parse_id(main_text) or 0) if main_text.isdigit() else None,
        other_item_ids=ids["other_item_ids"],
        participant_ids=ids["participant_ids"],
        sub_registry_id=(parse_id(sub_text) or 0) if sub_text.isdigit() else None,
        filters={
            "target_types": list(values.get("f_target_types", [])),
            "region": str(values.get("f_region", "")),
            "industry": str(values.get("f_industry", "")).upper(),
            "risk_classes": list(values.get("f_risk_classes", [])),
            "tag": str(values.get("f_tag", "")),
        },
        strata_settings=strata,
        window_start=dates["window_start"],
        window_end=dates["window_end"],
        methods=list(values.get("methods", [])),
        grounds=list(values.get("grounds", [])),
        overlap_policy=str(values.get("overlap_policy", "")),
        batch_count=batch,
        requirements=str(values.get("requirements", "")),
        auxiliary_experts=str(values.get("auxiliary_experts", "")) == "1",
        special_basis=str(values.get("special_basis", "")),
    )
    return data, errors


def _percent(ratio: float) -> str:
    text = f"{ratio * 100:.4f}".rstrip("0").rstrip(".")
    return text


def values_of(data: TaskInput) -> dict[str, Any]:
    """Raw form values for an existing task (to fill its edit form)."""
    values: dict[str, Any] = {
        "name": data.name,
        "main_item_id": str(data.main_item_id or ""),
        "other_item_ids": [str(i) for i in data.other_item_ids],
        "participant_ids": [str(i) for i in data.participant_ids],
        "sub_registry_id": str(data.sub_registry_id or ""),
        "f_target_types": list(data.filters.get("target_types") or []),
        "f_region": data.filters.get("region") or "",
        "f_industry": data.filters.get("industry") or "",
        "f_risk_classes": list(data.filters.get("risk_classes") or []),
        "f_tag": data.filters.get("tag") or "",
        "window_start": data.window_start.isoformat() if data.window_start else "",
        "window_end": data.window_end.isoformat() if data.window_end else "",
        "methods": list(data.methods),
        "grounds": list(data.grounds),
        "overlap_policy": data.overlap_policy,
        "batch_count": str(data.batch_count or ""),
        "requirements": data.requirements,
        "auxiliary_experts": "1" if data.auxiliary_experts else "",
        "special_basis": data.special_basis,
    }
    for key, setting in data.strata_settings.items():
        if "ratio" in setting:
            values[f"s_{key}_ratio"] = _percent(float(setting["ratio"]))
        elif "count" in setting:
            values[f"s_{key}_count"] = str(setting["count"])
    return values


def defaults(year: int) -> dict[str, Any]:
    """A new task's values: March to November of the plan year, on-site checks."""
    return {
        "window_start": dt.date(year, 3, 1).isoformat(),
        "window_end": dt.date(year, 11, 30).isoformat(),
        "methods": ["实地核查"],
    }


def caps(profile: Profile, items: Sequence[CheckItem]) -> dict[int, str]:
    """The ratio cap (a percent without the sign, "5") of each offered item that has one as a main
    item: a general item under the profile's items rule (quotas.general_cap)."""
    out: dict[int, str] = {}
    for item in items:
        version = item.published
        cap = quotas.general_cap(profile, version.kind, version.ratio_bp) if version else None
        if cap is not None:
            out[item.id] = quotas.percent(cap).rstrip("%")
    return out


def within_cap(values: dict[str, Any], profile: Profile, cap: str) -> list[str]:
    """Start each stratum left blank whose default ratio is above the main item's cap at the cap
    (so that a new task's defaults respect it); returns the fields so filled."""
    filled = []
    for stratum in profile.strata:
        ratio, count = f"s_{stratum.key}_ratio", f"s_{stratum.key}_count"
        if str(values.get(ratio, "")).strip() or str(values.get(count, "")).strip():
            continue
        if Fraction(str(stratum.ratio)) > Fraction(cap) / 100:
            values[ratio] = cap
            filled.append(ratio)
    return filled


def ground_hints(profile: Profile) -> dict[str, str]:
    """For each ground (投诉举报/上级要求/法定), which of the profile's rules it lifts."""
    hints: dict[str, list[str]] = {g: [] for g in GROUNDS}
    exemption = profile.exclusions.exemption_list
    if exemption is not None:
        for ground in exemption.except_grounds:
            hints[ground].append(f"免检免扰名单中的对象仍可抽取（{cite(exemption.article)}）")
    for rule in profile.exclusions.frequency:
        for ground in rule.except_grounds:
            hints[ground].append(f"不受“{rule.name}”限制（{cite(rule.article)}）")
    return {g: "；".join(h) if h else "本细则中不改变抽取范围，仅作记录" for g, h in hints.items()}


def overlap_hint(profile: Profile) -> str:
    """The profile's default for targets another department drew in the same window."""
    rule = profile.exclusions.overlap
    if rule is None:
        return ""
    default = "合并检查（进一次门、查多项事）" if rule.default == "merge" else "排除"
    return f"细则默认：{default}（{cite(rule.article)}）"
