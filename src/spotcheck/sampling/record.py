"""Computing a draw and its published record from manifest, revealed entropy and events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .canonical import check_string
from .entropy import EntropyCheck, check_entropy, derive_seed
from .errors import EntropyError, InputError, ManifestError, OpeningError
from .events import DrawState, apply_event, count_replace_target, parse_event
from .manifest import HEX64, Manifest, check_conflict_targets, feasibility_problem, parse_manifest
from .matching import Matcher
from .scan import Ranked, Scanner
from .tickets import SPEC, commitment

DEFAULT_ALTERNATES = 10
AUDITOR = "auditor"


@dataclass
class Draw:
    """Everything a draw computes before events: digest, seed, rankings and assignments."""

    manifest: Manifest
    digest: bytes
    seed: bytes
    ranked: list[Ranked]
    selected: list[list[str]]
    remainder: list[list[str]]
    complete: list[bool]
    assignments: list[dict[str, Any]]
    state: DrawState


def keep_counts(manifest: Manifest, alternates: Sequence[int | None]) -> list[int | None]:
    """How much of each stratum's ranking to keep: quota plus the alternates wanted."""
    return [
        None if extra is None else stratum.quota + extra
        for stratum, extra in zip(manifest.strata, alternates, strict=True)
    ]


def run_draw(
    manifest: Manifest,
    items: Sequence[tuple[str, bytes]],
    keep: Sequence[int | None],
    workers: int | None = None,
) -> Draw:
    """Scan, select, match: the draw before any event. Raises ManifestError, MatchingError."""
    with Scanner(manifest, workers) as scanner:
        scan = scanner.run(
            lambda digest: derive_seed(digest, items),
            keep,
            lambda seed: Matcher(manifest, seed, 0).lp_keys,
        )
        check_conflict_targets(manifest)
        pairs = list(zip(scan.ranked, manifest.strata, strict=True))
        selected = [[c for _, c in r[: s.quota]] for r, s in pairs]
        remainder = [[c for _, c in r[s.quota :]] for r, s in pairs]
        complete = [len(r) == len(s.candidates) for r, s in pairs]
        # Visit order: all selected targets across strata by target ticket (ties: commitment).
        visit = [c for _, c in sorted(p for r, s in pairs for p in r[: s.quota])]
        matcher = Matcher(manifest, scan.seed, len(visit))
        matcher.add_orders(scan.orders)
        missing = [c for c in visit if c not in scan.orders]
        for part in scanner.rank(scan.seed, matcher.lp_keys, missing):
            for target, packed in zip(missing, part, strict=False):
                matcher.set_orders(target, packed)
            missing = missing[len(part) :]
        groups: dict[str, list[list[str]]] = {}
        assignments: list[dict[str, Any]] = []
        for target in visit:
            group = matcher.match(target)
            groups[target] = group
            assignments.append({"target": target, "inspectors": [list(m) for m in group]})
    state = DrawState(
        matcher=matcher,
        selected=[list(row) for row in selected],
        remainder=remainder,
        complete=complete,
        groups=groups,
        stratum_of={c: s for s, row in enumerate(selected) for c in row},
        used=[0] * len(selected),
    )
    return Draw(
        manifest,
        scan.digest,
        scan.seed,
        scan.ranked,
        selected,
        remainder,
        complete,
        assignments,
        state,
    )


def check_opening(target: str, opening: object) -> tuple[str, str]:
    """Check one opening against its commitment; return (key, salt) or raise OpeningError."""
    if not isinstance(opening, dict) or set(opening) != {"key", "salt"}:
        raise OpeningError(
            f"{target} 的开启值应为 {{key, salt}}",
            f"the opening of {target} must be {{key, salt}}",
            code="opening-shape",
        )
    key, salt = opening["key"], opening["salt"]
    try:
        check_string(key, f"openings.{target}.key")
    except InputError as exc:
        raise OpeningError(exc.zh, exc.en, code="opening-shape") from None
    if not isinstance(salt, str) or not HEX64.match(salt):
        raise OpeningError(
            f"{target} 的盐值应为 64 位小写十六进制",
            f"the salt of {target} must be 64 lowercase hex digits",
            code="opening-shape",
        )
    if commitment(key, bytes.fromhex(salt)) != target:
        raise OpeningError(
            f"开启值与承诺值不符：{target}（key {key!r}）",
            f"the opening does not match its commitment {target} (key {key!r})",
            code="opening-mismatch",
        )
    return key, salt


def compute_record(
    manifest: Mapping[str, Any],
    entropy: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] = (),
    *,
    openings: Mapping[str, Mapping[str, str]] | None = None,
    alternates: int | None = DEFAULT_ALTERNATES,
    audience: str = "public",
    workers: int | None = None,
    require_signature: bool = False,
    manifest_digest: str | None = None,
) -> dict[str, Any]:
    """The published record of a draw (spec "The published record").

    `events` are given without derived fields (given ones must match). `alternates` is how
    many alternates per stratum to publish (None: all). `openings` are the private openings;
    the public record opens the selected and replacement targets, the auditor's copy
    (`audience="auditor"`) every candidate. `manifest_digest`, when given, must match.
    Raises a DrawError subclass naming the problem; nothing is returned half-made.
    """
    if audience not in ("public", AUDITOR):
        raise ValueError("audience must be 'public' or 'auditor'")
    return compute_records(
        manifest,
        entropy,
        events,
        openings=openings,
        alternates=alternates,
        audiences=(audience,),
        workers=workers,
        require_signature=require_signature,
        manifest_digest=manifest_digest,
    )[0]


def compute_records(
    manifest: Mapping[str, Any],
    entropy: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]] = (),
    *,
    openings: Mapping[str, Mapping[str, str]] | None = None,
    alternates: int | None = DEFAULT_ALTERNATES,
    audiences: Sequence[str] = ("public", AUDITOR),
    workers: int | None = None,
    require_signature: bool = False,
    manifest_digest: str | None = None,
) -> list[dict[str, Any]]:
    """One engine run, one record per audience (they differ only in the openings they carry).

    Arguments as compute_record; the records come in the order of `audiences`.
    """
    if alternates is not None and alternates < 0:
        raise ValueError("alternates cannot be negative")
    if any(a not in ("public", AUDITOR) for a in audiences):
        raise ValueError("audience must be 'public' or 'auditor'")
    m = parse_manifest(manifest)
    problem = feasibility_problem(m)
    if problem is not None:
        raise problem
    check = check_entropy(m.plan, list(entropy), m.committed_ts)
    check.raise_first()
    if require_signature and not check.signatures_checked:
        raise EntropyError(
            "无法校验 drand 签名（未安装 drand-verify）",
            "cannot check the drand signature: drand-verify is not installed",
            code="signature-not-checked",
        )
    assert check.items is not None
    parsed = [parse_event(n, e) for n, e in enumerate(events)]
    extra = None if alternates is None else max(alternates, count_replace_target(parsed))
    draw = run_draw(m, check.items, keep_counts(m, [extra] * len(m.strata)), workers)
    if manifest_digest is not None and manifest_digest != draw.digest.hex():
        raise ManifestError(
            f"清单摘要 {draw.digest.hex()} 与承诺的摘要 {manifest_digest} 不符",
            f"the manifest digest {draw.digest.hex()} is not the committed {manifest_digest}",
            code="digest-mismatch",
        )
    applied = [apply_event(draw.state, n, e) for n, e in enumerate(parsed)]
    return [
        assemble(draw, check, list(entropy), applied, openings, alternates, audience)
        for audience in audiences
    ]


def assemble(
    draw: Draw,
    check: EntropyCheck,
    entropy: list[Any],
    events: list[dict[str, Any]],
    openings: Mapping[str, Mapping[str, str]] | None,
    alternates: int | None,
    audience: str,
) -> dict[str, Any]:
    """Put the record together in the order of the spec."""
    m = draw.manifest
    names = [s.name for s in m.strata]
    record: dict[str, Any] = {
        "spec": SPEC,
        "manifest": m.raw,
        "manifest_digest": draw.digest.hex(),
        "entropy": [dict(item) for item in entropy],
        "seed": draw.seed.hex(),
        "selected": {name: list(row) for name, row in zip(names, draw.selected, strict=True)},
        "alternates": {
            name: list(rest if alternates is None else rest[:alternates])
            for name, rest in zip(names, draw.remainder, strict=True)
        },
        "assignments": draw.assignments,
        "events": events,
        "openings": _openings(draw, openings, audience),
    }
    if audience == AUDITOR:
        record["audience"] = AUDITOR
    return record


def _openings(
    draw: Draw, openings: Mapping[str, Mapping[str, str]] | None, audience: str
) -> dict[str, dict[str, str]]:
    if openings is None:
        return {}
    if audience == AUDITOR:
        needed: list[str] = sorted(c for s in draw.manifest.strata for c in s.candidates)
    else:
        needed = sorted({c for row in draw.selected for c in row} | set(draw.state.replacements))
    open_many = getattr(openings, "open_many", None)
    if open_many is not None:  # openings that check themselves in bulk (draws.openings)
        opened: dict[str, dict[str, str]] = open_many(needed)
        return opened
    out: dict[str, dict[str, str]] = {}
    for target in needed:
        if target not in openings:
            raise OpeningError(
                f"缺少对象 {target} 的开启值",
                f"no opening for target {target}",
                code="opening-missing",
            )
        key, salt = check_opening(target, openings[target])
        out[target] = {"key": key, "salt": salt}
    return out
