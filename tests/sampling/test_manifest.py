"""Well-formedness and feasibility: clear refusals naming the stratum, slot or candidate."""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import hashlib
import hmac
from typing import Any

import pytest

from spotcheck.sampling import (
    InfeasibleError,
    ManifestError,
    build_manifest,
    commitment,
    dice_plan,
    drand_plan,
    feasibility_problem,
    parse_manifest,
)
from spotcheck.sampling.scan import check_manifest_candidates

from .helpers import SECRET, vector


def _small() -> dict[str, Any]:
    return copy.deepcopy(vector("small")["manifest"])


def _refused(manifest: dict[str, Any]) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        check_manifest_candidates(parse_manifest(manifest), workers=1)
    return caught.value


def test_it_accepts_a_vector_manifest() -> None:
    parsed = parse_manifest(_small())
    assert [s.name for s in parsed.strata] == ["第1层", "第2层"]
    assert feasibility_problem(parsed) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda m: m["strata"][1]["candidates"].reverse(),
            "stratum '第2层' candidates[1] is out of order",
        ),
        (
            lambda m: m["strata"][0]["candidates"].insert(1, m["strata"][0]["candidates"][0]),
            "duplicate",
        ),
        (
            lambda m: bisect.insort(m["strata"][1]["candidates"], m["strata"][0]["candidates"][-1]),
            "appears in both strata '第1层' and '第2层'",
        ),
        (
            lambda m: m["strata"][0]["candidates"].__setitem__(0, "06F2" + "0" * 60),
            "64 lowercase hex",
        ),
        (lambda m: m["strata"][0]["candidates"].__setitem__(0, "0" * 63), "64 lowercase hex"),
        (lambda m: m["strata"][0]["candidates"].__setitem__(0, 7), "64 lowercase hex"),
        (
            lambda m: m["strata"][0]["candidates"].__setitem__(5, "f" * 63 + "０"),
            "64 lowercase hex",
        ),
    ],
)
def test_it_names_the_bad_commitment(change: Any, words: str) -> None:
    manifest = _small()
    change(manifest)
    assert words in _refused(manifest).en


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda m: m["strata"][0].__setitem__("quota", 7),
            "stratum '第1层': quota 7 must lie between 0",
        ),
        (lambda m: m["strata"][0].__setitem__("quota", -1), "quota -1"),
        (lambda m: m["strata"][0].__setitem__("quota", 1.0), "must be an integer"),
        (lambda m: m["strata"][0].__setitem__("quota", True), "must be an integer"),
        (
            lambda m: m["strata"][1].__setitem__("name", "第1层"),
            "stratum name '第1层' is used twice",
        ),
        (lambda m: m["slots"][0]["pool"].reverse(), "slot '执法检查人员': the pool is not sorted"),
        (lambda m: m["slots"][0].__setitem__("draw", 6), "draw 6 must lie between count 2"),
        (lambda m: m["slots"][0].__setitem__("count", 0), "count must be at least 1"),
        (
            lambda m: m["slots"].append({"name": "专家", "count": 1, "pool": ["鲁C-086607"]}),
            "is in the pools of both",
        ),
        (
            lambda m: m["conflicts"].append(["nobody", m["strata"][0]["candidates"][0]]),
            "in no slot",
        ),
        (lambda m: m["conflicts"].insert(0, m["conflicts"][0]), "not sorted or have a duplicate"),
        (lambda m: m.__setitem__("committed_at", "2026-03-02 01:30:00"), "UTC time"),
        (lambda m: m.__setitem__("committed_at", "2026-02-30T01:30:00Z"), "not a valid date"),
        (lambda m: m.__setitem__("entropy", [{"kind": "coin", "sides": 2}]), "kind must be"),
        (lambda m: m.__setitem__("entropy", []), "at least one item"),
        (lambda m: m.__setitem__("spec", "ssj-draw-v2"), "spec must be"),
        (lambda m: m.pop("slots"), "lacks the fields ['slots']"),
        (lambda m: m.__setitem__("extra", {"x": 0.5}), "manifest.extra.x"),
        (lambda m: m["strata"][0].__setitem__("weight", 1), "unknown fields ['weight']"),
    ],
)
def test_it_refuses_a_malformed_manifest(change: Any, words: str) -> None:
    manifest = _small()
    change(manifest)
    with pytest.raises(ManifestError) as caught:
        check_manifest_candidates(parse_manifest(manifest), workers=1)
    assert words in caught.value.en
    assert caught.value.zh


def test_it_refuses_a_conflict_with_no_candidate() -> None:
    from spotcheck.sampling.manifest import check_conflict_targets

    manifest = _small()
    manifest["conflicts"] = [["鲁C-086607", "f" * 64]]
    with pytest.raises(ManifestError, match="names no candidate"):
        check_conflict_targets(parse_manifest(manifest))


def test_it_names_the_infeasible_slot_and_candidate() -> None:
    problem = feasibility_problem(parse_manifest(vector("reject-infeasible")["manifest"]))
    assert isinstance(problem, InfeasibleError)
    assert "slot '执法检查人员'" in problem.en
    assert "06f28ddd761dca432a41028a6ed86521c7a672dab7e83d843a20ecca2230716b" in problem.en


def _build(**changes: Any) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    options: dict[str, Any] = {
        "task": "ZB-1",
        "policy": "zibo",
        "committed_at": "2026-03-02T01:30:00Z",
        "strata": [
            {"name": "第1层", "quota": 2, "keys": ["91370300A", "91370300B", "91370300C"]},
            {"name": "第2层", "quota": 0, "keys": ["92370300D"]},
        ],
        "slots": [
            {"name": "执法", "count": 2, "pool": ["鲁C-3", "鲁C-1", "鲁C-2"]},
            {"name": "专家", "count": 1, "pool": ["专家1", "专家2", "专家3"], "draw": 2},
        ],
        "conflicts": [("鲁C-1", "91370300A"), ("鲁C-1", "91370300A")],
        "entropy": [drand_plan(1000), dice_plan(20)],
        "secret": SECRET,
    }
    options.update(changes)
    return build_manifest(**options)


def test_it_builds_a_manifest_with_openings() -> None:
    manifest, openings = _build(extra={"备注": "第一批"})
    parsed = parse_manifest(manifest)
    assert manifest["slots"][0]["pool"] == ["鲁C-1", "鲁C-2", "鲁C-3"]
    assert manifest["备注"] == "第一批"
    assert len(openings) == 4
    for c, opening in openings.items():
        salt = bytes.fromhex(opening["salt"])
        assert salt == hmac.digest(SECRET, opening["key"].encode(), "sha256")
        assert commitment(opening["key"], salt) == c
    a = next(c for c, o in openings.items() if o["key"] == "91370300A")
    assert manifest["conflicts"] == [["鲁C-1", a]]
    assert all(c == sorted(c) for c in (s["candidates"] for s in manifest["strata"]))
    check_manifest_candidates(parsed, workers=1)


def test_it_rounds_a_fractional_commitment_time_up() -> None:
    moment = dt.datetime(2026, 3, 2, 1, 30, 0, 500, tzinfo=dt.UTC)
    manifest, _ = _build(committed_at=moment)
    assert manifest["committed_at"] == "2026-03-02T01:30:01Z"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (
            {
                "strata": [
                    {"name": "a", "quota": 1, "keys": ["K"]},
                    {"name": "b", "quota": 1, "keys": ["K"]},
                ]
            },
            "appears in both strata 'a' and 'b'",
        ),
        ({"conflicts": [("鲁C-1", "unknown")]}, "which is in no stratum"),
        ({"slots": [{"name": "执法", "count": 2, "pool": ["x", "x"]}]}, "in the pool twice"),
        (
            {"slots": [{"name": "执法", "count": 4, "pool": ["x", "y", "z"]}], "conflicts": []},
            "infeasible",
        ),
    ],
)
def test_it_refuses_to_build_a_bad_manifest(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ManifestError) as caught:
        _build(**changes)
    assert words in caught.value.en


def test_it_needs_a_real_secret() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        _build(secret=b"short")
    assert hashlib.sha256(b"").digest()  # keep hashlib import honest
