"""Canonical JSON, the allowed subset, and the streamed digest."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.sampling import InputError, canonical_json, manifest_digest
from spotcheck.sampling.canonical import Splice, check_value, iter_canonical, parse_json
from spotcheck.sampling.manifest import parse_manifest
from spotcheck.sampling.scan import check_manifest_candidates

from .helpers import vector

bmp_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    max_size=8,
)
json_values = st.recursive(
    st.integers(-(2**53) + 1, 2**53 - 1) | bmp_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(bmp_text, inner, max_size=4),
    max_leaves=20,
)


def _joined(value: Any) -> str:
    out = []
    for piece in iter_canonical(value, splice=("strata", "candidates")):
        if isinstance(piece, Splice):
            out.append(canonical_json(piece.items))
        else:
            out.append(piece)
    return "".join(out)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_it_streams_exactly_the_canonical_json(value: Any) -> None:
    assert _joined(value) == canonical_json(value)
    assert _joined({"strata": [{"candidates": [value], "name": "x"}]}) == canonical_json(
        {"strata": [{"candidates": [value], "name": "x"}]}
    )


def _manifest(count: int, strata: int = 3) -> dict[str, Any]:
    cands = sorted(hashlib.sha256(str(n).encode()).hexdigest() for n in range(count))
    parts = [cands[i::strata] for i in range(strata)]
    return {
        "spec": "ssj-draw-v1",
        "task": "T",
        "policy": "p",
        "committed_at": "2026-03-02T01:30:00Z",
        "strata": [
            {"name": f"第{n}层", "quota": min(1, len(p)), "candidates": p}
            for n, p in enumerate(parts)
        ],
        "slots": [{"name": "组", "count": 1, "pool": ["a", "b"]}],
        "conflicts": [],
        "entropy": [{"kind": "dice", "digits": 3}],
        "备注": {"说明": "其他字段也计入摘要", "n": 7},
    }


@pytest.mark.parametrize("count", [0, 1, 5, 70_000, 200_000])
def test_it_digests_the_same_bytes_as_one_big_json_string(count: int) -> None:
    manifest = _manifest(count)
    expected = hashlib.sha256(canonical_json(manifest).encode("utf-8")).hexdigest()
    assert manifest_digest(manifest) == expected
    assert check_manifest_candidates(parse_manifest(manifest), workers=1).hex() == expected


def test_it_digests_the_same_on_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    from spotcheck.sampling import scan

    monkeypatch.setattr(scan, "PARALLEL_MIN_CANDIDATES", 0)
    manifest = _manifest(50_000, strata=4)
    expected = hashlib.sha256(canonical_json(manifest).encode("utf-8")).hexdigest()
    assert check_manifest_candidates(parse_manifest(manifest), workers=2).hex() == expected


def test_it_matches_every_vector_digest() -> None:
    for name in ("small", "events", "joint-drand", "ranked-groups"):
        data = vector(name)
        assert manifest_digest(data["manifest"]) == data["manifest_digest"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (1.5, "number with a fraction"),
        (True, "boolean"),
        (None, "null"),
        ("a\u0007b", "control character U+0007"),
        ("😀", "outside the Basic Multilingual Plane"),
        ("e\u0301", "NFC"),
        (2**53, "2^53"),
        ({"k": [1, {"x": 0.0}]}, "where.k[1].x"),
    ],
)
def test_it_rejects_values_outside_the_subset(value: object, words: str) -> None:
    with pytest.raises(InputError) as caught:
        check_value(value, "where")
    assert words in caught.value.en
    assert caught.value.zh


def test_it_parses_json_strictly() -> None:
    assert parse_json('{"a": [1, "x"]}') == {"a": [1, "x"]}
    for text in ('{"a": 1, "a": 2}', '{"a": NaN}', "[Infinity]"):
        with pytest.raises(ValueError):
            parse_json(text)
