"""Events after the draw: replace-target, replace-inspector and assign-manual."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import check_value
from .errors import DrawError, EventError, InputError
from .manifest import HEX64, parse_utc
from .matching import Group, Matcher

REPLACE_TARGET = "replace-target"
REPLACE_INSPECTOR = "replace-inspector"
ASSIGN_MANUAL = "assign-manual"
EVENT_TYPES = (REPLACE_TARGET, REPLACE_INSPECTOR, ASSIGN_MANUAL)
# Fields the algorithm derives; when given they must equal what is derived.
DERIVED = {REPLACE_TARGET: ("replacement", "group"), REPLACE_INSPECTOR: ("replacement",)}
_FIELDS = {
    REPLACE_TARGET: ("target",),
    REPLACE_INSPECTOR: ("target", "slot", "inspector"),
    ASSIGN_MANUAL: ("target", "slot", "replacement"),
}
_OPTIONAL = {ASSIGN_MANUAL: ("inspector",)}


@dataclass
class DrawState:
    """The current state of a draw while events are applied."""

    matcher: Matcher
    selected: list[list[str]]  # per stratum, current selection in place order
    remainder: list[list[str]]  # per stratum, the ranked remainder (alternates) that is known
    complete: list[bool]  # per stratum, whether `remainder` is the whole remainder
    groups: dict[str, Group]  # current groups of currently selected targets
    stratum_of: dict[str, int]
    used: list[int] = field(default_factory=list)  # alternates taken per stratum
    replacements: list[str] = field(default_factory=list)
    manual: int = 0


def count_replace_target(events: object) -> int:
    """How many replace-target events a list holds (to know how many alternates to keep)."""
    if not isinstance(events, list):
        return 0
    return sum(1 for e in events if isinstance(e, dict) and e.get("type") == REPLACE_TARGET)


def _refuse(n: int, zh: str, en: str, code: str = "event-refused") -> EventError:
    return EventError(f"事件 {n}：{zh}", f"event {n}: {en}", code=code)


def parse_event(n: int, event: object) -> dict[str, Any]:
    """Check an event's shape and types; return a deep copy of it."""
    if not isinstance(event, dict):
        raise _refuse(n, "应为 JSON 对象", "must be a JSON object", "event-shape")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise _refuse(n, f"未知类型 {kind!r}", f"unknown type {kind!r}", "event-shape")
    try:
        check_value(event, f"events[{n}]")
    except InputError as exc:
        raise EventError(exc.zh, exc.en, code="event-shape") from None
    # The spec names every field of each type; an event is not covered by the manifest digest,
    # so a field it does not name (a misspelt "inspector", say) would change nothing the
    # verifier re-computes and could hide a different decision: it is refused.
    known = {"type", *_FIELDS[kind], *DERIVED.get(kind, ()), *_OPTIONAL.get(kind, ())}
    unknown = sorted(set(event) - known - {"reason", "approved_by", "at"})
    if unknown:
        names = "、".join(map(repr, unknown))
        raise _refuse(
            n,
            f"含规范未定义的字段 {names}",
            f"has fields the spec does not define: {names}",
            "event-shape",
        )
    for name in (*_FIELDS[kind], "reason", "approved_by", "at"):
        if not isinstance(event.get(name), str):
            raise _refuse(
                n, f"缺少字符串字段 {name}", f"lacks the string field {name}", "event-shape"
            )
    if "inspector" in event and not isinstance(event["inspector"], str):
        raise _refuse(n, "inspector 应为字符串", "inspector must be a string", "event-shape")
    try:
        parse_utc(event["at"], f"events[{n}].at")
    except DrawError as exc:
        raise EventError(exc.zh, exc.en, code="event-shape") from None
    if not HEX64.match(event["target"]):
        raise _refuse(n, "target 应为承诺值", "target must be a commitment", "event-shape")
    return copy.deepcopy(event)


def apply_event(state: DrawState, n: int, event: Mapping[str, Any]) -> dict[str, Any]:
    """Apply one parsed event; return it with its derived fields. Raises EventError, leaving
    the state unchanged, when the event is not allowed."""
    kind = event["type"]
    given = {name: event[name] for name in DERIVED.get(kind, ()) if name in event}
    out = {k: v for k, v in event.items() if k not in DERIVED.get(kind, ())}
    if kind == REPLACE_TARGET:
        out.update(_replace_target(state, n, event["target"]))
    elif kind == REPLACE_INSPECTOR:
        out.update(_replace_inspector(state, n, event))
    else:
        _assign_manual(state, n, event)
    for name, value in given.items():
        if out[name] != value:
            raise _refuse(
                n,
                f"派生字段 {name} 应为 {out[name]!r}，记录为 {value!r}",
                f"the derived field {name} must be {out[name]!r}, the record says {value!r}",
                "event-mismatch",
            )
    return out


def _current_group(state: DrawState, n: int, target: str) -> Group:
    group = state.groups.get(target)
    if group is None:
        raise _refuse(
            n,
            f"对象 {target} 当前没有检查组（未被抽中或已被替换）",
            f"target {target} has no current group (not selected, or replaced)",
        )
    return group


def _slot(state: DrawState, n: int, name: str) -> int:
    index = state.matcher.slot_index.get(name)
    if index is None:
        raise _refuse(n, f"清单中没有岗位 {name!r}", f"the manifest has no slot {name!r}")
    return index


def _replace_target(state: DrawState, n: int, target: str) -> dict[str, Any]:
    s = state.stratum_of.get(target)
    if s is None or target not in state.groups:
        raise _refuse(
            n, f"对象 {target} 当前未被抽中", f"target {target} is not currently selected"
        )
    taken = state.used[s]
    if taken >= len(state.remainder[s]):
        if state.complete[s]:
            raise _refuse(
                n, "该分层已无未用的候补对象", "no unused alternate remains in its stratum"
            )
        raise DrawError("候补对象保留不足（内部错误）", "too few alternates were kept (internal)")
    replacement = state.remainder[s][taken]
    matcher = state.matcher
    old = state.groups[target]
    matcher.dissolve(old)
    try:
        group = matcher.match(replacement)
    except DrawError:
        for slot_name, key in old:  # undo: nothing is half-made
            matcher.add_load(matcher.slot_index[slot_name], key, 1)
        raise _refuse(n, "替补对象无法匹配检查人员", "the replacement cannot be matched") from None
    del state.groups[target]
    state.groups[replacement] = group
    state.used[s] = taken + 1
    row = state.selected[s]
    row[row.index(target)] = replacement
    del state.stratum_of[target]
    state.stratum_of[replacement] = s
    state.replacements.append(replacement)
    return {"replacement": replacement, "group": [list(m) for m in group]}


def _replace_inspector(state: DrawState, n: int, event: Mapping[str, Any]) -> dict[str, Any]:
    target, slot_name, inspector = event["target"], event["slot"], event["inspector"]
    group = _current_group(state, n, target)
    slot = _slot(state, n, slot_name)
    if [slot_name, inspector] not in group:
        raise _refuse(
            n,
            f"检查人员 {inspector!r} 不在对象 {target} 检查组的岗位 {slot_name!r} 中",
            f"inspector {inspector!r} is not in slot {slot_name!r} of the group of {target}",
        )
    at = group.index([slot_name, inspector])
    # The replaced inspector counts as removed for this pick (and for good, if it succeeds).
    members = {key for _, key in group}
    matcher = state.matcher
    picked = matcher.pick(target, slot, members)
    if picked is None:
        raise _refuse(
            n,
            "人员库中已无可替换的检查人员，请改用 assign-manual",
            "nobody in the working pool can replace the inspector; use assign-manual",
        )
    key = matcher.working[slot][picked]
    matcher.add_load(slot, inspector, -1)
    matcher.removed.setdefault(target, set()).add(inspector)
    group[at] = [slot_name, key]
    matcher.loads[slot][picked] += 1
    return {"replacement": key}


def _assign_manual(state: DrawState, n: int, event: Mapping[str, Any]) -> None:
    target, slot_name, new = event["target"], event["slot"], event["replacement"]
    group = _current_group(state, n, target)
    slot = _slot(state, n, slot_name)
    matcher = state.matcher
    if not new:
        raise _refuse(n, "replacement 不能为空", "replacement must not be empty")
    if new in matcher.conflicts.get(target, ()):
        raise _refuse(
            n, f"{new!r} 与对象 {target} 存在回避关系", f"{new!r} has a conflict with {target}"
        )
    if any(key == new for _, key in group):
        raise _refuse(n, f"{new!r} 已在检查组中", f"{new!r} is already in the group")
    if new in matcher.removed.get(target, ()):
        raise _refuse(
            n, f"{new!r} 此前已从该对象的检查组中移出", f"{new!r} was removed from {target} earlier"
        )
    old = event.get("inspector")
    if old is not None:
        if [slot_name, old] not in group:
            raise _refuse(
                n,
                f"检查人员 {old!r} 不在对象 {target} 检查组的岗位 {slot_name!r} 中",
                f"inspector {old!r} is not in slot {slot_name!r} of the group of {target}",
            )
        at = group.index([slot_name, old])
        matcher.add_load(slot, old, -1)
        matcher.removed.setdefault(target, set()).add(old)
        group[at] = [slot_name, new]
    else:
        last = max((i for i, (name, _) in enumerate(group) if name == slot_name), default=None)
        group.insert(len(group) if last is None else last + 1, [slot_name, new])
    matcher.add_load(slot, new, 1)
    state.manual += 1
