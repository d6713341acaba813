"""Shared test helpers: the spec's vectors and random manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from spotcheck.sampling import build_manifest, dice_plan

# shared/ sits beside the repository checkout (../shared from the repo root).
VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "vectors"
ACCEPTED = ("small", "joint-drand", "ranked-groups", "events")
REJECTED = {
    "reject-bad-opening": "opening-mismatch",
    "reject-changed-dice": "seed-mismatch",
    "reject-extra-opening": "opening-extra",
    "reject-forged-drand": "drand-signature",
    "reject-infeasible": "infeasible",
    "reject-late-commitment": "drand-timing",
    "reject-tampered-selection": "selected-mismatch",
    "reject-wrong-replacement": "event-mismatch",
}
DERIVED = {"replace-target": ("replacement", "group"), "replace-inspector": ("replacement",)}
SECRET = b"test-secret-0123456789abcdef"


def vector(name: str) -> dict[str, Any]:
    """Load one vector; a missing file fails the test (never skips it)."""
    path = VECTORS / f"{name}.json"
    assert path.is_file(), f"test vector missing: {path}"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def without_derived(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events as the replay takes them: without the fields the algorithm derives."""
    return [{k: v for k, v in e.items() if k not in DERIVED.get(e["type"], ())} for e in events]


def dice(value: str) -> list[dict[str, str]]:
    return [{"kind": "dice", "value": value}]


@st.composite
def plain_draws(draw: st.DrawFn, max_strata: int = 3, max_candidates: int = 25) -> dict[str, Any]:
    """Inputs of build_manifest for a small feasible draw, plus 12 dice digits."""
    n_strata = draw(st.integers(1, max_strata))
    sizes = [draw(st.integers(0, max_candidates)) for _ in range(n_strata)]
    keys = [f"9137{n:014d}" for n in range(sum(sizes))]
    strata, at = [], 0
    for n, size in enumerate(sizes):
        part = keys[at : at + size]
        at += size
        strata.append({"name": f"第{n + 1}层", "quota": draw(st.integers(0, size)), "keys": part})
    n_slots = draw(st.integers(1, 3))
    slots, people = [], 0
    for n in range(n_slots):
        size = draw(st.integers(1, 7))
        pool = [f"鲁C-{people + i:06d}" for i in range(size)]
        people += size
        count = draw(st.integers(1, size))
        slot: dict[str, Any] = {"name": f"岗位{n}", "count": count, "pool": pool}
        if draw(st.booleans()):
            slot["draw"] = draw(st.integers(count, size))
        slots.append(slot)
    conflicts = []
    if keys:
        for slot in slots:
            room = slot.get("draw", len(slot["pool"])) - slot["count"]
            for key in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)):
                allowed = draw(st.integers(0, room))
                conflicts += [(i, key) for i in slot["pool"][:allowed]]
    digits = draw(st.text("0123456789", min_size=12, max_size=12))
    return {"strata": strata, "slots": slots, "conflicts": conflicts, "digits": digits}


def make(inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """Build the manifest of plain_draws inputs."""
    return build_manifest(
        task="T-2026-001",
        policy="test",
        committed_at="2026-03-02T01:30:00Z",
        strata=inputs["strata"],
        slots=inputs["slots"],
        conflicts=inputs["conflicts"],
        entropy=[dice_plan(12)],
        secret=SECRET,
    )
