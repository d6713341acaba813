"""Verifying a published record: re-compute everything and say every reason it fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import check_value
from .entropy import check_entropy, round_time, utc_text
from .errors import DrawError, Reason
from .events import DERIVED, apply_event, count_replace_target, parse_event
from .manifest import DRAND, feasibility_problem, manifest_digest, parse_manifest
from .record import AUDITOR, Draw, check_opening, keep_counts, run_draw
from .tickets import SPEC

RECORD_FIELDS = (
    "spec",
    "manifest",
    "manifest_digest",
    "entropy",
    "seed",
    "selected",
    "alternates",
    "assignments",
    "events",
    "openings",
)
OPTIONAL_FIELDS = ("audience", "anchors")


@dataclass
class VerifyResult:
    """The verdict on a record: failures (reasons), notes, and what was found."""

    is_record: bool = True
    reasons: list[Reason] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    signatures_checked: bool = False
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Everything that was checked passed."""
        return self.is_record and not self.reasons

    @property
    def partial(self) -> bool:
        """Passed, but something could not be checked (the drand BLS signature)."""
        return self.ok and not self.signatures_checked

    @property
    def fully_verified(self) -> bool:
        """Passed and nothing was left unchecked."""
        return self.ok and self.signatures_checked

    def fail(self, code: str, zh: str, en: str) -> None:
        """Record a reason why the record does not verify."""
        self.reasons.append(Reason(code, zh, en))

    def summary(self) -> str:
        """One line saying what was verified (or that it was not), Chinese and English."""
        f = self.facts
        if not self.is_record:
            return "不是抽取记录 / not a draw record"
        if not self.ok:
            return f"核验未通过：{len(self.reasons)} 项问题 / does not verify: {len(self.reasons)} problem(s)"
        head = "核验通过" if self.fully_verified else "核验通过（部分：drand 签名未校验）"
        head_en = "verified" if self.fully_verified else "verified PARTIALLY: signature not checked"
        time_zh, time_en = (
            ("承诺时间有外部锚定（未校验）", "anchored (anchors not checked)")
            if f.get("anchors")
            else ("承诺时间为平台自述", "commitment time self-asserted")
        )
        return (
            f"{head}：任务 {f.get('task')}，摘要 {str(f.get('digest'))[:16]}…，"
            f"抽中 {f.get('selected')} 个对象，{f.get('events')} 个事件（人工指派 {f.get('manual')}），"
            f"{time_zh} / {head_en}: task {f.get('task')}, digest {str(f.get('digest'))[:16]}…, "
            f"{f.get('selected')} targets selected in {f.get('strata')} "
            f"{'stratum' if f.get('strata') == 1 else 'strata'}, "
            f"{f.get('events')} events ({f.get('manual')} manual), entropy {f.get('entropy')}, "
            f"{time_en}"
        )


def is_record(value: object) -> bool:
    """Whether a parsed JSON value is a draw record at all (else the CLI exits 2)."""
    return (
        isinstance(value, dict)
        and value.get("spec") == SPEC
        and isinstance(value.get("manifest"), dict)
    )


def verify_record(
    record: object, *, check_signatures: bool = True, workers: int | None = None
) -> VerifyResult:
    """Re-compute a record and compare; never raises on bad input."""
    result = VerifyResult(is_record=is_record(record))
    if not result.is_record:
        result.fail(
            "not-a-record",
            "不是抽取记录：spec 不是 ssj-draw-v1 或没有 manifest 对象",
            "not a draw record: spec is not ssj-draw-v1 or there is no manifest object",
        )
        return result
    assert isinstance(record, dict)
    try:
        _verify(record, result, check_signatures, workers)
    except DrawError as exc:
        result.reasons.append(exc.reason)
    except Exception as exc:  # the verifier must answer, whatever the input
        result.fail("internal", f"核验程序内部错误：{exc!r}", f"internal verifier error: {exc!r}")
    return result


def _verify(
    record: dict[str, Any], out: VerifyResult, check_signatures: bool, workers: int | None
) -> None:
    _check_shape(record, out)
    try:
        manifest = parse_manifest(record["manifest"])
    except DrawError as exc:
        out.reasons.append(Reason("manifest-invalid", exc.zh, exc.en))
        out.notes.append(_skipped("清单不合规", "the manifest is not well formed"))
        return
    out.facts.update(task=manifest.task, strata=len(manifest.strata))
    infeasible = feasibility_problem(manifest)
    if infeasible is not None:
        out.reasons.append(infeasible.reason)
    check = check_entropy(
        manifest.plan,
        record.get("entropy"),
        manifest.committed_ts,
        check_signatures=check_signatures,
    )
    out.reasons.extend(check.problems)
    out.notes.extend(check.notes)
    out.signatures_checked = check.signatures_checked
    out.facts["entropy"] = _describe_entropy(manifest.plan)
    if check.items is None:
        _compare_digest_only(record, out)
        return
    published = record.get("alternates")
    events = record.get("events")
    n_replace = count_replace_target(events)
    extra = []
    for stratum in manifest.strata:
        got = published.get(stratum.name) if isinstance(published, dict) else None
        extra.append(max(len(got) if isinstance(got, list) else 0, n_replace))
    try:
        draw = run_draw(manifest, check.items, keep_counts(manifest, extra), workers)
    except DrawError as exc:
        out.reasons.append(exc.reason)
        return
    out.facts["digest"] = draw.digest.hex()
    if record.get("manifest_digest") != draw.digest.hex():
        out.fail(
            "digest-mismatch",
            f"manifest_digest 与清单不符：应为 {draw.digest.hex()}",
            f"manifest_digest does not match the manifest: it is {draw.digest.hex()}",
        )
    if record.get("seed") != draw.seed.hex():
        out.fail(
            "seed-mismatch",
            f"seed 与清单摘要和公开的熵不符：应为 {draw.seed.hex()}",
            f"the seed does not follow from the manifest digest and the revealed entropy: "
            f"it is {draw.seed.hex()}",
        )
    if out.reasons and any(r.code in ("digest-mismatch", "seed-mismatch") for r in out.reasons):
        out.notes.append(_skipped("种子不符", "the seed is wrong"))
        return
    _compare_selection(record, draw, out)
    _compare_events(events, draw, out)
    _check_openings(record, draw, out)


def _check_shape(record: dict[str, Any], out: VerifyResult) -> None:
    missing = [name for name in RECORD_FIELDS if name not in record]
    unknown = sorted(set(record) - set(RECORD_FIELDS) - set(OPTIONAL_FIELDS))
    if missing:
        out.fail(
            "record-shape", f"记录缺少字段 {missing}", f"the record lacks the fields {missing}"
        )
    if unknown:
        out.fail(
            "record-shape", f"记录含未知字段 {unknown}", f"the record has unknown fields {unknown}"
        )
    for name in ("manifest_digest", "seed"):
        if name in record and not isinstance(record[name], str):
            out.fail("record-shape", f"{name} 应为字符串", f"{name} must be a string")
    for name in ("selected", "alternates", "openings"):
        if name in record and not isinstance(record[name], dict):
            out.fail("record-shape", f"{name} 应为对象", f"{name} must be an object")
    for name in ("entropy", "assignments", "events"):
        if name in record and not isinstance(record[name], list):
            out.fail("record-shape", f"{name} 应为数组", f"{name} must be an array")
    if "audience" in record and record["audience"] != AUDITOR:
        out.fail("record-shape", 'audience 只能是 "auditor"', 'audience can only be "auditor"')
    anchors = record.get("anchors")
    if anchors is not None and not isinstance(anchors, list):
        out.fail("record-shape", "anchors 应为数组", "anchors must be an array")
    out.facts["anchors"] = len(anchors) if isinstance(anchors, list) else 0
    if isinstance(anchors, list) and anchors:
        out.notes.append(
            Reason(
                "anchors-not-checked",
                f"记录带有 {len(anchors)} 个时间锚定，本核验程序未校验它们",
                f"the record carries {len(anchors)} anchors; this verifier does not check them",
            )
        )
    else:
        out.notes.append(
            Reason(
                "self-asserted-time",
                "记录没有外部时间锚定：承诺时间为平台自述",
                "no anchors: the commitment time is self-asserted by the platform",
            )
        )
    for name in ("entropy", "selected", "alternates", "assignments", "events"):
        if name in record:
            try:
                check_value(record[name], name)
            except DrawError as exc:
                out.fail("record-shape", exc.zh, exc.en)


def _skipped(zh: str, en: str) -> Reason:
    return Reason(
        "not-recomputed",
        f"{zh}，未重算抽取结果、检查组与事件",
        f"{en}, so the selection, groups and events were not re-computed",
    )


def _describe_entropy(plan: Any) -> str:
    parts = []
    for item in plan:
        if item.kind == DRAND:
            parts.append(f"drand quicknet round {item.round} ({utc_text(round_time(item.round))})")
        else:
            parts.append(f"dice {item.digits} digits")
    return " + ".join(parts)


def _compare_digest_only(record: dict[str, Any], out: VerifyResult) -> None:
    try:
        digest = manifest_digest(record["manifest"])
    except Exception:  # a manifest json cannot encode: already reported as malformed
        return
    if record.get("manifest_digest") != digest:
        out.fail(
            "digest-mismatch",
            f"manifest_digest 与清单不符：应为 {digest}",
            f"manifest_digest does not match the manifest: it is {digest}",
        )
    out.notes.append(_skipped("熵不符合计划", "the entropy does not match its plan"))


def _compare_selection(record: dict[str, Any], draw: Draw, out: VerifyResult) -> None:
    names = [s.name for s in draw.manifest.strata]
    selected = record.get("selected")
    alternates = record.get("alternates")
    out.facts["selected"] = sum(len(row) for row in draw.selected)
    if isinstance(selected, dict):
        if sorted(selected) != sorted(names):
            out.fail(
                "selected-mismatch",
                "selected 的分层与清单不符",
                "selected names other strata than the manifest",
            )
        for name, row in zip(names, draw.selected, strict=True):
            if name in selected and selected[name] != row:
                out.fail(
                    "selected-mismatch",
                    f"分层 {name!r} 的抽中对象与重算结果不符",
                    f"stratum {name!r}: the selected targets differ from the re-computation",
                )
    if isinstance(alternates, dict):
        if sorted(alternates) != sorted(names):
            out.fail(
                "alternates-mismatch",
                "alternates 的分层与清单不符",
                "alternates names other strata than the manifest",
            )
        for name, rest in zip(names, draw.remainder, strict=True):
            got = alternates.get(name)
            if name in alternates and (not isinstance(got, list) or got != rest[: len(got)]):
                out.fail(
                    "alternates-mismatch",
                    f"分层 {name!r} 的候补顺序不是重算排序的前缀",
                    f"stratum {name!r}: the alternates are not a prefix of the ranked remainder",
                )
    assignments = record.get("assignments")
    if isinstance(assignments, list) and assignments != draw.assignments:
        at = next(
            (
                n
                for n, (a, b) in enumerate(zip(assignments, draw.assignments, strict=False))
                if a != b
            ),
            min(len(assignments), len(draw.assignments)),
        )
        out.fail(
            "assignments-mismatch",
            f"检查组分配与重算结果不符（自第 {at} 项起）",
            f"the assignments differ from the re-computation (from item {at} on)",
        )


def _compare_events(events: object, draw: Draw, out: VerifyResult) -> None:
    if not isinstance(events, list):
        return
    out.facts["events"] = len(events)
    for n, event in enumerate(events):
        try:
            parsed = parse_event(n, event)
        except DrawError as exc:
            out.reasons.append(exc.reason)
            continue
        kind = parsed["type"]
        missing = [name for name in DERIVED.get(kind, ()) if name not in parsed]
        if missing:
            out.fail(
                "event-mismatch",
                f"事件 {n} 缺少派生字段 {missing}",
                f"event {n} lacks its derived fields {missing}",
            )
        try:
            apply_event(draw.state, n, copy.deepcopy(parsed))
        except DrawError as exc:
            out.reasons.append(exc.reason)
    out.facts["manual"] = draw.state.manual
    if draw.state.manual:
        out.notes.append(
            Reason(
                "manual-exceptions",
                f"记录含 {draw.state.manual} 次人工指派（不是抽取结果）",
                f"the record has {draw.state.manual} manual assignment(s), decided by a person, "
                "not by lot",
            )
        )
    out.facts.setdefault("manual", 0)


def _check_openings(record: dict[str, Any], draw: Draw, out: VerifyResult) -> None:
    openings = record.get("openings")
    if not isinstance(openings, dict):
        return
    auditor = record.get("audience") == AUDITOR
    if auditor:
        needed = {c for s in draw.manifest.strata for c in s.candidates}
    else:
        needed = {c for row in draw.selected for c in row} | set(draw.state.replacements)
    for target in sorted(needed - set(openings)):
        out.fail(
            "opening-missing", f"缺少对象 {target} 的开启值", f"no opening for target {target}"
        )
    for target in sorted(set(openings) - needed):
        if auditor:
            out.fail(
                "opening-extra",
                f"开启值 {target} 不是候选对象",
                f"opening {target} is no candidate",
            )
        else:
            out.fail(
                "opening-extra",
                f"公开记录开启了未抽中的对象 {target}",
                f"the public record opens {target}, which is neither selected nor a replacement",
            )
    for target, opening in openings.items():
        try:
            check_opening(target, opening)
        except DrawError as exc:
            out.reasons.append(exc.reason)


def render_reasons(result: VerifyResult) -> list[str]:
    """Every reason and note as a line, for the command line."""
    lines = [r.text() for r in result.reasons]
    lines += [f"(note) {r.text()}" for r in result.notes]
    return lines


def dumps_result(result: VerifyResult) -> str:
    """The verdict as JSON (for machines)."""
    data: Mapping[str, Any] = {
        "ok": result.ok,
        "fully_verified": result.fully_verified,
        "partial": result.partial,
        "summary": result.summary(),
        "reasons": [r.__dict__ for r in result.reasons],
        "notes": [r.__dict__ for r in result.notes],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
