"""The manifest: well-formedness, feasibility and the digest (spec "The manifest")."""

from __future__ import annotations

import bisect
import calendar
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .canonical import Splice, check_int, check_string, check_value, iter_canonical, type_name
from .errors import InfeasibleError, InputError, ManifestError
from .tickets import SPEC

REQUIRED_FIELDS = (
    "spec",
    "task",
    "policy",
    "committed_at",
    "strata",
    "slots",
    "conflicts",
    "entropy",
)
_UTC_TIME = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z\Z")
HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")  # a commitment: 64 lowercase hex digits
DRAND = "drand-quicknet"
DICE = "dice"


@dataclass(frozen=True)
class Stratum:
    """A stratum: its neutral name, its quota and its sorted commitments."""

    name: str
    quota: int
    candidates: Sequence[str]


@dataclass(frozen=True)
class Slot:
    """A slot of the group composition, in manifest order."""

    name: str
    count: int
    pool: tuple[str, ...]
    draw: int | None

    @property
    def working_size(self) -> int:
        """How many inspectors the slot works with: `draw` if present, else the pool size."""
        return self.draw if self.draw is not None else len(self.pool)


@dataclass(frozen=True)
class PlanItem:
    """One planned entropy item: a drand quicknet round or a number of dice digits."""

    kind: str
    round: int = 0
    digits: int = 0


@dataclass(frozen=True)
class Manifest:
    """A manifest whose structure has been checked (candidate contents are checked by the scan)."""

    raw: Mapping[str, Any]
    task: str
    policy: str
    committed_at: str
    committed_ts: int
    strata: tuple[Stratum, ...]
    slots: tuple[Slot, ...]
    conflicts: tuple[tuple[str, str], ...]
    plan: tuple[PlanItem, ...]
    conflicts_by_target: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def total_candidates(self) -> int:
        """The number of candidates over all strata."""
        return sum(len(s.candidates) for s in self.strata)


def _fail(zh: str, en: str, code: str = "manifest") -> ManifestError:
    return ManifestError(zh, en, code=code)


def parse_utc(text: object, where: str) -> int:
    """Parse `YYYY-MM-DDTHH:MM:SSZ` into a UNIX timestamp, or raise naming `where`."""
    match = _UTC_TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise _fail(
            f"{where} 应为 UTC 时间 YYYY-MM-DDTHH:MM:SSZ，实为 {json.dumps(text, ensure_ascii=False)}",
            f"{where} must be a UTC time YYYY-MM-DDTHH:MM:SSZ, not {json.dumps(text)}",
        )
    try:
        parsed = time.strptime(match.group(0), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise _fail(
            f"{where} 不是有效的日期时间", f"{where} is not a valid date and time"
        ) from None
    return calendar.timegm(parsed)


def _object(value: object, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{where} 应为对象，实为 {type_name(value)}", f"{where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(f"{where} 含未知字段 {unknown}", f"{where} has unknown fields {unknown}")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(f"{where} 缺少字段 {missing}", f"{where} lacks the fields {missing}")
    return value


def _name(value: object, where: str) -> str:
    text = check_string(value, where)
    if not text:
        raise _fail(f"{where} 不能为空", f"{where} must not be empty")
    return text


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{where} 应为数组，实为 {type_name(value)}", f"{where} must be an array")
    return value


def parse_manifest(raw: object) -> Manifest:
    """Check everything of a manifest except the commitments themselves (the scan checks those).

    Raises ManifestError (or InputError for values outside the JSON subset) naming the field.
    """
    try:
        return _parse(raw)
    except InputError as exc:
        raise ManifestError(exc.zh, exc.en, code="manifest") from None


def _parse(raw: object) -> Manifest:
    if not isinstance(raw, dict):
        raise _fail(
            f"清单应为 JSON 对象，实为 {type_name(raw)}", "the manifest must be a JSON object"
        )
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        raise _fail(f"清单缺少字段 {missing}", f"the manifest lacks the fields {missing}")
    if raw["spec"] != SPEC:
        raise _fail(f"spec 应为 {SPEC!r}", f"spec must be {SPEC!r}")
    for key, value in raw.items():
        check_string(key, "清单字段名/manifest field name")
        if key not in REQUIRED_FIELDS:
            check_value(value, f"manifest.{key}")
    task = _name(raw["task"], "manifest.task")
    policy = _name(raw["policy"], "manifest.policy")
    committed_ts = parse_utc(raw["committed_at"], "manifest.committed_at")
    strata = _parse_strata(raw["strata"])
    slots = _parse_slots(raw["slots"])
    conflicts = _parse_conflicts(raw["conflicts"], slots)
    plan = _parse_plan(raw["entropy"])
    by_target: dict[str, set[str]] = {}
    for inspector, target in conflicts:
        by_target.setdefault(target, set()).add(inspector)
    return Manifest(
        raw=raw,
        task=task,
        policy=policy,
        committed_at=raw["committed_at"],
        committed_ts=committed_ts,
        strata=strata,
        slots=slots,
        conflicts=conflicts,
        plan=plan,
        conflicts_by_target={c: frozenset(i) for c, i in by_target.items()},
    )


def _parse_strata(value: object) -> tuple[Stratum, ...]:
    items = _list(value, "manifest.strata")
    if not items:
        raise _fail("清单至少要有一个分层", "the manifest needs at least one stratum")
    strata: list[Stratum] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        where = f"manifest.strata[{n}]"
        obj = _object(item, where, {"name", "quota", "candidates"}, {"name", "quota", "candidates"})
        name = _name(obj["name"], f"{where}.name")
        if name in seen:
            raise _fail(f"分层名称 {name!r} 重复", f"the stratum name {name!r} is used twice")
        seen.add(name)
        candidates = _list(obj["candidates"], f"{where}.candidates")
        quota = check_int(obj["quota"], f"{where}.quota")
        if not 0 <= quota <= len(candidates):
            raise _fail(
                f"分层 {name!r} 的抽取数 {quota} 应在 0 到候选数 {len(candidates)} 之间",
                f"stratum {name!r}: quota {quota} must lie between 0 and its "
                f"{len(candidates)} candidates",
            )
        strata.append(Stratum(name, quota, candidates))
    return tuple(strata)


def _parse_slots(value: object) -> tuple[Slot, ...]:
    items = _list(value, "manifest.slots")
    if not items:
        raise _fail("清单至少要有一个检查人员岗位", "the manifest needs at least one slot")
    slots: list[Slot] = []
    owner: dict[str, str] = {}
    for n, item in enumerate(items):
        where = f"manifest.slots[{n}]"
        obj = _object(item, where, {"name", "count", "pool", "draw"}, {"name", "count", "pool"})
        name = _name(obj["name"], f"{where}.name")
        if any(s.name == name for s in slots):
            raise _fail(f"岗位名称 {name!r} 重复", f"the slot name {name!r} is used twice")
        count = check_int(obj["count"], f"{where}.count")
        if count < 1:
            raise _fail(
                f"岗位 {name!r} 的人数应至少为 1", f"slot {name!r}: count must be at least 1"
            )
        pool = [_name(k, f"{where}.pool[{i}]") for i, k in enumerate(_list(obj["pool"], where))]
        for i in range(1, len(pool)):
            if not pool[i - 1] < pool[i]:
                raise _fail(
                    f"岗位 {name!r} 的人员库未排序或有重复：{pool[i - 1]!r} 与 {pool[i]!r}",
                    f"slot {name!r}: the pool is not sorted or has a duplicate at "
                    f"{pool[i - 1]!r}, {pool[i]!r}",
                )
        for key in pool:
            if key in owner:
                raise _fail(
                    f"检查人员 {key!r} 同时在岗位 {owner[key]!r} 和 {name!r} 的人员库中",
                    f"inspector {key!r} is in the pools of both {owner[key]!r} and {name!r}",
                )
            owner[key] = name
        draw: int | None = None
        if "draw" in obj:
            draw = check_int(obj["draw"], f"{where}.draw")
            if not count <= draw <= len(pool):
                raise _fail(
                    f"岗位 {name!r} 的先抽人数 draw={draw} 应在人数 {count} 与人员库 {len(pool)} 之间",
                    f"slot {name!r}: draw {draw} must lie between count {count} and the "
                    f"pool size {len(pool)}",
                )
        slots.append(Slot(name, count, tuple(pool), draw))
    return tuple(slots)


def _parse_conflicts(value: object, slots: Sequence[Slot]) -> tuple[tuple[str, str], ...]:
    items = _list(value, "manifest.conflicts")
    members = {key for slot in slots for key in slot.pool}
    pairs: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        where = f"manifest.conflicts[{n}]"
        if not isinstance(item, list) or len(item) != 2:
            raise _fail(
                f"{where} 应为 [检查人员, 承诺值]", f"{where} must be [inspector, commitment]"
            )
        inspector = _name(item[0], f"{where}[0]")
        target = check_string(item[1], f"{where}[1]")
        if inspector not in members:
            raise _fail(
                f"回避关系 {where} 的检查人员 {inspector!r} 不在任何岗位的人员库中",
                f"conflict {where}: inspector {inspector!r} is in no slot's pool",
            )
        if not HEX64.match(target):
            raise _fail(
                f"回避关系 {where} 的对象不是 64 位小写十六进制承诺值",
                f"conflict {where}: the target is not a commitment of 64 lowercase hex digits",
            )
        pair = (inspector, target)
        if pairs and not pairs[-1] < pair:
            raise _fail(
                f"回避关系未排序或有重复：{where}",
                f"the conflicts are not sorted or have a duplicate at {where}",
            )
        pairs.append(pair)
    return tuple(pairs)


def parse_plan(value: object) -> tuple[PlanItem, ...]:
    """The entropy plan of a manifest (its `entropy` list), checked."""
    return _parse_plan(value)


def _parse_plan(value: object) -> tuple[PlanItem, ...]:
    items = _list(value, "manifest.entropy")
    if not items:
        raise _fail("熵计划至少要有一项", "the entropy plan needs at least one item")
    plan: list[PlanItem] = []
    for n, item in enumerate(items):
        where = f"manifest.entropy[{n}]"
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == DRAND:
            obj = _object(item, where, {"kind", "round"}, {"kind", "round"})
            number = check_int(obj["round"], f"{where}.round")
            if number < 1:
                raise _fail(f"{where} 的轮次应至少为 1", f"{where}: the round must be at least 1")
            plan.append(PlanItem(DRAND, round=number))
        elif kind == DICE:
            obj = _object(item, where, {"kind", "digits"}, {"kind", "digits"})
            digits = check_int(obj["digits"], f"{where}.digits")
            if digits < 1:
                raise _fail(f"{where} 的骰子位数应至少为 1", f"{where}: digits must be at least 1")
            plan.append(PlanItem(DICE, digits=digits))
        else:
            raise _fail(
                f"{where} 的 kind 应为 {DRAND!r} 或 {DICE!r}",
                f"{where}: kind must be {DRAND!r} or {DICE!r}",
            )
    return tuple(plan)


def check_conflict_targets(manifest: Manifest) -> None:
    """Check that every conflict names a candidate (call after the candidates were validated)."""
    for inspector, target in manifest.conflicts:
        if not any(_contains(s.candidates, target) for s in manifest.strata):
            raise _fail(
                f"回避关系 [{inspector!r}, {target}] 的对象不是任何分层的候选对象",
                f"conflict [{inspector!r}, {target}] names no candidate of any stratum",
            )


def _contains(sorted_items: Sequence[str], item: str) -> bool:
    at = bisect.bisect_left(sorted_items, item)
    return at < len(sorted_items) and sorted_items[at] == item


def feasibility_problem(manifest: Manifest) -> InfeasibleError | None:
    """The first slot that some candidate could leave unfilled, or None when all is feasible."""
    for slot in manifest.slots:
        pool = set(slot.pool)
        per_target = Counter(
            target for inspector, target in manifest.conflicts if inspector in pool
        )
        worst, most = max(per_target.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0))
        if slot.working_size - most < slot.count:
            who = f"候选对象 {worst} 与其中 {most} 人回避，" if most else ""
            whom = f"; candidate {worst} conflicts with {most} of them" if most else ""
            return InfeasibleError(
                f"岗位 {slot.name!r} 不可行：工作人数 {slot.working_size}，{who}"
                f"剩余不足每组 {slot.count} 人",
                f"slot {slot.name!r} is infeasible: it works with {slot.working_size} "
                f"inspectors{whom}, leaving fewer than the {slot.count} each group needs",
                code="infeasible",
            )
    return None


def explain_candidates(manifest: Manifest) -> ManifestError:
    """Find the first bad commitment, slowly and precisely, to name it in the error."""
    seen: dict[str, str] = {}
    for stratum in manifest.strata:
        previous: str | None = None
        for n, c in enumerate(stratum.candidates):
            where = f"分层/stratum {stratum.name!r} candidates[{n}]"
            if not isinstance(c, str) or not HEX64.match(c):
                shown = json.dumps(c, ensure_ascii=False)[:80]
                return _fail(
                    f"{where} 不是 64 位小写十六进制承诺值：{shown}",
                    f"{where} is not a commitment of 64 lowercase hex digits: {shown}",
                )
            if previous is not None and not previous < c:
                kind = ("重复", "a duplicate") if previous == c else ("未排序", "out of order")
                return _fail(
                    f"{where} {kind[0]}：{c}", f"{where} is {kind[1]}: {c} after {previous}"
                )
            if c in seen:
                return _fail(
                    f"承诺值 {c} 同时出现在分层 {seen[c]!r} 和 {stratum.name!r}",
                    f"commitment {c} appears in both strata {seen[c]!r} and {stratum.name!r}",
                )
            seen[c] = stratum.name
            previous = c
    return _fail("候选对象有误", "the candidates are malformed")


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """H(canonical_json(manifest)) as hex, streamed so the JSON is never one giant string."""
    hasher = hashlib.sha256()
    for piece in iter_canonical(manifest, splice=("strata", "candidates")):
        if isinstance(piece, Splice):
            hasher.update(b"[")
            items = piece.items
            step = 1 << 16
            for start in range(0, len(items), step):
                text = json.dumps(
                    items[start : start + step], ensure_ascii=False, separators=(",", ":")
                )
                hasher.update((b"," if start else b"") + text[1:-1].encode("utf-8"))
            hasher.update(b"]")
        else:
            hasher.update(piece.encode("utf-8"))
    return hasher.hexdigest()
