"""The engine beyond the vectors: events and their refusals, openings, alternates, workers."""

from __future__ import annotations

import copy
import hashlib
import sys
from typing import Any

import pytest

from spotcheck.sampling import (
    EventError,
    ManifestError,
    OpeningError,
    compute_record,
    kernels,
    verify_record,
)
from spotcheck.sampling import scan as scan_module

from .helpers import SECRET, dice, make, vector, without_derived
from .reference import record as reference_record

AT = {"reason": "测试", "approved_by": "科长", "at": "2026-05-12T02:00:00Z"}


def _events_vector() -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    data = vector("events")
    return data["manifest"], data["entropy"], without_derived(data["events"])


def _refusal(
    manifest: dict[str, Any], entropy: list[Any], events: list[dict[str, Any]]
) -> EventError:
    with pytest.raises(EventError) as caught:
        compute_record(manifest, entropy, events)
    return caught.value


def test_it_refuses_to_replace_a_target_that_is_not_selected() -> None:
    manifest, entropy, _ = _events_vector()
    record = compute_record(manifest, entropy)
    alternate = record["alternates"]["第1层"][0]
    error = _refusal(manifest, entropy, [{"type": "replace-target", "target": alternate, **AT}])
    assert "event 0" in error.en and "not currently selected" in error.en


def test_it_refuses_a_replacement_when_no_alternate_remains() -> None:
    manifest, entropy, _ = _events_vector()
    record = compute_record(manifest, entropy, alternates=None)
    stratum = record["selected"]["第2层"]  # 5 of 10: five alternates
    events = [{"type": "replace-target", "target": c, **AT} for c in stratum]
    replaced = compute_record(manifest, entropy, events)["events"]
    last = replaced[-1]["replacement"]
    error = _refusal(manifest, entropy, [*events, {"type": "replace-target", "target": last, **AT}])
    assert "no unused alternate remains" in error.en


def test_it_takes_alternates_in_order_and_publishes_all_it_needs() -> None:
    manifest, entropy, _ = _events_vector()
    full = compute_record(manifest, entropy, alternates=None)
    first = full["selected"]["第1层"]
    events = [{"type": "replace-target", "target": c, **AT} for c in first]
    first_three = [
        e["replacement"] for e in compute_record(manifest, entropy, events, alternates=0)["events"]
    ]
    assert first_three == full["alternates"]["第1层"][:3]


def test_it_refuses_event_fields_the_spec_does_not_define() -> None:
    # A misspelt optional field ("inspector" of assign-manual) would change the group without
    # changing anything the verifier re-computes: found by the single-changed-byte property.
    manifest, entropy, _ = _events_vector()
    record = compute_record(manifest, entropy)
    target = record["assignments"][0]["target"]
    slot, member = record["assignments"][0]["inspectors"][0]
    manual = {"type": "assign-manual", "target": target, "slot": slot, "replacement": "外援"}
    assert compute_record(manifest, entropy, [{**AT, **manual, "inspector": member}])["events"]
    error = _refusal(manifest, entropy, [{**AT, **manual, " nspector": member}])
    assert error.code == "event-shape" and "' nspector'" in error.en
    signed = {**AT, **manual, "inspector": member}
    published = compute_record(manifest, entropy, [signed])
    published["events"][0]["note"] = "补记"
    result = verify_record(published)
    assert not result.ok and any(r.code == "event-shape" for r in result.reasons)


def test_it_refuses_bad_inspector_events_and_leaves_nothing_half_made() -> None:
    manifest, entropy, _ = _events_vector()
    record = compute_record(manifest, entropy)
    target = record["assignments"][0]["target"]
    slot, member = record["assignments"][0]["inspectors"][0]
    other = record["assignments"][0]["inspectors"][1][1]
    cases = [
        (
            {"type": "replace-inspector", "target": target, "slot": slot, "inspector": "nobody"},
            "is not in slot",
        ),
        (
            {
                "type": "replace-inspector",
                "target": target,
                "slot": "无此岗位",
                "inspector": member,
            },
            "has no slot",
        ),
        (
            {"type": "assign-manual", "target": target, "slot": slot, "replacement": other},
            "already in the group",
        ),
        (
            {"type": "assign-manual", "target": "0" * 64, "slot": slot, "replacement": "x"},
            "has no current group",
        ),
        (
            {"type": "assign-manual", "target": target, "slot": slot, "replacement": ""},
            "must not be empty",
        ),
        ({"type": "retire", "target": target}, "unknown type"),
    ]
    for event, words in cases:
        error = _refusal(manifest, entropy, [{**AT, **event}])
        assert words in error.en, (event, error.en)
    unsigned = {"type": "replace-target", "target": target, "reason": "x", "at": AT["at"]}
    assert "lacks the string field approved_by" in _refusal(manifest, entropy, [unsigned]).en
    # A refused event changes nothing: the refusal is the same whatever came before it.
    removed = {
        "type": "replace-inspector",
        "target": target,
        "slot": slot,
        "inspector": member,
        **AT,
    }
    again = {"type": "assign-manual", "target": target, "slot": slot, "replacement": member, **AT}
    assert "was removed from" in _refusal(manifest, entropy, [removed, again]).en


def test_it_refuses_a_manual_assignment_with_a_conflict() -> None:
    data = vector("small")
    target = "2af303c4b275cbe4e3c1a54a4f0fc6021e0cec72ebca7616a6e1423e7ab048cd"
    event = {
        "type": "assign-manual",
        "target": target,
        "slot": "执法检查人员",
        "replacement": "鲁C-086607",
        **AT,
    }
    assert "has a conflict" in _refusal(data["manifest"], data["entropy"], [event]).en


def test_it_refuses_replace_inspector_when_nobody_is_left() -> None:
    inputs = {
        "strata": [{"name": "第1层", "quota": 1, "keys": ["A"]}],
        "slots": [{"name": "组", "count": 2, "pool": ["x", "y"]}],
        "conflicts": [],
        "digits": "0" * 12,
    }
    manifest, _ = make(inputs)
    entropy = dice("123456789012")
    target = manifest["strata"][0]["candidates"][0]
    event = {"type": "replace-inspector", "target": target, "slot": "组", "inspector": "x", **AT}
    assert "use assign-manual" in _refusal(manifest, entropy, [event]).en


def test_it_checks_given_derived_fields() -> None:
    data = vector("events")
    events = copy.deepcopy(data["events"])
    assert compute_record(data["manifest"], data["entropy"], events)["events"] == data["events"]
    events[0]["group"][0][1] = "鲁C-946211"
    with pytest.raises(EventError) as caught:
        compute_record(data["manifest"], data["entropy"], events)
    assert caught.value.code == "event-mismatch"


def test_it_opens_selected_targets_publicly_and_all_for_auditors() -> None:
    data = vector("events")
    events = without_derived(data["events"])
    public = compute_record(data["manifest"], data["entropy"], events, openings=data["openings"])
    assert public["openings"] == data["openings"]
    assert verify_record(public).fully_verified
    inputs = {
        "strata": [{"name": "第1层", "quota": 2, "keys": ["A", "B", "C", "D"]}],
        "slots": [{"name": "组", "count": 1, "pool": ["x", "y"]}],
        "conflicts": [],
        "digits": "0" * 12,
    }
    manifest, openings = make(inputs)
    entropy = dice("123456789012")
    auditor = compute_record(manifest, entropy, openings=openings, audience="auditor")
    assert auditor["audience"] == "auditor" and len(auditor["openings"]) == 4
    assert verify_record(auditor).fully_verified
    partial = dict(list(openings.items())[:3])
    with pytest.raises(OpeningError):
        compute_record(manifest, entropy, openings=partial, audience="auditor")
    cheat = copy.deepcopy(auditor)
    del cheat["audience"]
    assert [r.code for r in verify_record(cheat).reasons] == ["opening-extra", "opening-extra"]


def test_it_refuses_a_record_for_another_digest() -> None:
    data = vector("small")
    with pytest.raises(ManifestError) as caught:
        compute_record(data["manifest"], data["entropy"], manifest_digest="0" * 64)
    assert caught.value.code == "digest-mismatch"
    same = compute_record(
        data["manifest"], data["entropy"], manifest_digest=data["manifest_digest"]
    )
    assert same["seed"] == data["seed"]


def _large(count: int) -> tuple[dict[str, Any], list[dict[str, str]]]:
    cands = sorted(hashlib.sha256(b"c%d" % n).hexdigest() for n in range(count))
    strata = [
        {"name": f"第{s}层", "quota": len(cands[s::4]) // 50, "candidates": cands[s::4]}
        for s in range(4)
    ]
    pool = [f"鲁C-{n:04d}" for n in range(12)]
    conflicts = sorted({(pool[n % 12], cands[n * 7 % count]) for n in range(200)})
    manifest = {
        "spec": "ssj-draw-v1",
        "task": "BIG",
        "policy": "p",
        "committed_at": "2026-03-02T01:30:00Z",
        "strata": strata,
        "slots": [
            {"name": "执法", "count": 2, "pool": pool},
            {"name": "专家", "count": 1, "pool": [f"专家{n:03d}" for n in range(300)], "draw": 20},
        ],
        "conflicts": [list(pair) for pair in conflicts],
        "entropy": [{"kind": "dice", "digits": 12}],
    }
    return manifest, dice("271828182845")


def test_it_computes_the_same_on_workers_as_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest, entropy = _large(40_000)
    serial = compute_record(manifest, entropy, workers=1)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_CANDIDATES", 0)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_HASHES", 0)
    parallel = compute_record(manifest, entropy, workers=2)
    assert parallel == serial
    expected = reference_record(manifest, entropy, [])
    for field in ("manifest_digest", "seed", "selected", "assignments"):
        assert serial[field] == expected[field], field
    for name, rest in serial["alternates"].items():
        assert rest == expected["alternates"][name][:10]


def test_it_recovers_when_the_ticket_bound_keeps_too_few(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest, entropy = _large(8_000)
    honest = compute_record(manifest, entropy, alternates=30)

    def stingy(keep: int, total: int) -> bytes | None:
        return None if keep >= total else (1 << 240).to_bytes(32, "big")

    monkeypatch.setattr(scan_module, "threshold", stingy)
    assert compute_record(manifest, entropy, alternates=30) == honest
    assert kernels.threshold(10, 100) is not None


def test_it_names_a_bad_commitment_found_by_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest, entropy = _large(20_000)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_CANDIDATES", 0)
    broken = copy.deepcopy(manifest)
    broken["strata"][2]["candidates"][1234] = broken["strata"][2]["candidates"][1234].upper()
    with pytest.raises(ManifestError, match=r"stratum '第2层' candidates\[1234\]"):
        compute_record(broken, entropy, workers=2)
    shared = copy.deepcopy(manifest)
    shared["strata"][3]["candidates"][0] = shared["strata"][0]["candidates"][0]
    shared["strata"][3]["candidates"].sort()
    with pytest.raises(ManifestError, match="appears in both strata"):
        compute_record(shared, entropy, workers=2)


def test_it_keeps_unselected_keys_out_of_public_records() -> None:
    keys = [f"9137030{n:011d}" for n in range(30)]
    inputs = {
        "strata": [{"name": "第1层", "quota": 3, "keys": keys}],
        "slots": [{"name": "组", "count": 1, "pool": ["x", "y"]}],
        "conflicts": [],
        "digits": "0" * 12,
    }
    manifest, openings = make(inputs)
    text = repr(compute_record(manifest, dice("000000000001"), openings=openings))
    assert sum(key in text for key in keys) == 3
    assert SECRET.decode() not in text


def test_it_finishes_alone_when_worker_processes_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    from spotcheck.sampling import workers

    manifest, entropy = _large(20_000)
    expected = compute_record(manifest, entropy, workers=1)
    workers.close_idle()
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_CANDIDATES", 0)
    monkeypatch.setattr(workers, "WORKER_COMMAND", [sys.executable, "-c", "pass"])
    assert compute_record(manifest, entropy, workers=2) == expected
    workers.close_idle()
