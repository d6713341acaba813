"""Entropy: drand quicknet checks, the timing rule, dice digits, the seed, the safe round."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.sampling import (
    QUICKNET_GENESIS,
    check_entropy,
    derive_seed,
    first_safe_round,
    round_time,
)
from spotcheck.sampling.entropy import to_timestamp, utc_text
from spotcheck.sampling.manifest import PlanItem

from .helpers import vector

ROUND = 657413
SIGNATURE = vector("joint-drand")["entropy"][0]["signature"]
RANDOMNESS = vector("joint-drand")["entropy"][0]["randomness"]


def _drand(
    number: int = ROUND, signature: str = SIGNATURE, randomness: str = RANDOMNESS
) -> dict[str, object]:
    return {
        "kind": "drand-quicknet",
        "round": number,
        "signature": signature,
        "randomness": randomness,
    }


def test_it_knows_when_a_round_is_published() -> None:
    assert round_time(1) == QUICKNET_GENESIS
    assert utc_text(round_time(ROUND)) == "2023-09-15T11:00:03Z"


@settings(max_examples=200, deadline=None)
@given(st.integers(QUICKNET_GENESIS - 100, QUICKNET_GENESIS + 10**9), st.integers(0, 3600))
def test_it_names_the_first_safe_round(committed: int, margin: int) -> None:
    number = first_safe_round(committed, margin)
    assert round_time(number) > committed
    assert round_time(number) >= committed + margin
    if number > 1:
        previous = round_time(number - 1)
        assert previous < committed + margin or previous <= committed


def test_it_accepts_text_and_datetimes() -> None:
    import datetime as dt

    text = "2023-09-15T10:30:00Z"
    assert first_safe_round(text, 60) == first_safe_round(to_timestamp(text), 60)
    moment = dt.datetime(2023, 9, 15, 10, 30, tzinfo=dt.UTC)
    assert first_safe_round(moment, 60) == first_safe_round(text, 60)
    with pytest.raises(ValueError):
        first_safe_round(dt.datetime(2023, 9, 15, 10, 30), 60)


def test_it_checks_a_real_round() -> None:
    check = check_entropy(
        [PlanItem("drand-quicknet", round=ROUND)], [_drand()], round_time(ROUND) - 1
    )
    assert check.problems == [] and check.signatures_checked
    assert check.items == [("drand-quicknet", bytes.fromhex(RANDOMNESS))]


def test_it_requires_publication_strictly_after_commitment() -> None:
    plan = [PlanItem("drand-quicknet", round=ROUND)]
    late = check_entropy(plan, [_drand()], round_time(ROUND))
    assert [p.code for p in late.problems] == ["drand-timing"]


def test_it_refuses_randomness_that_is_not_the_signature_hash() -> None:
    plan = [PlanItem("drand-quicknet", round=ROUND)]
    check = check_entropy(plan, [_drand(randomness="0" * 64)], 0)
    assert "drand-randomness" in [p.code for p in check.problems]


def test_it_refuses_a_forged_signature_and_a_wrong_round() -> None:
    plan = [PlanItem("drand-quicknet", round=ROUND)]
    forged = "a" + SIGNATURE[1:]
    sha = hashlib.sha256(bytes.fromhex(forged)).hexdigest()
    assert [
        p.code for p in check_entropy(plan, [_drand(signature=forged, randomness=sha)], 0).problems
    ] == ["drand-signature"]
    assert [p.code for p in check_entropy(plan, [_drand(number=ROUND + 1)], 0).problems] == [
        "entropy-plan"
    ]
    short = check_entropy(
        plan, [_drand(signature="ab", randomness=hashlib.sha256(b"\xab").hexdigest())], 0
    )
    assert [p.code for p in short.problems] == ["drand-signature"]


def test_it_says_signature_not_checked_without_a_verifier() -> None:
    plan = [PlanItem("drand-quicknet", round=ROUND)]
    check = check_entropy(plan, [_drand()], 0, check_signatures=False)
    assert not check.signatures_checked
    assert [n.code for n in check.notes] == ["signature-not-checked"]
    assert "signature not checked" in check.notes[0].en


def test_it_uses_a_given_verifier() -> None:
    plan = [PlanItem("drand-quicknet", round=ROUND)]
    calls: list[int] = []

    def fake(number: int, signature: str) -> str:
        calls.append(number)
        raise ValueError("no")

    check = check_entropy(plan, [_drand()], 0, verifier=fake)
    assert calls == [ROUND] and [p.code for p in check.problems] == ["drand-signature"]


@pytest.mark.parametrize("value", ["123", "12345678901", "1234567890a", "１２３４５６７８９０", ""])
def test_it_wants_exactly_the_planned_dice_digits(value: str) -> None:
    check = check_entropy([PlanItem("dice", digits=10)], [{"kind": "dice", "value": value}], 0)
    assert [p.code for p in check.problems] == ["dice-digits"]


@pytest.mark.parametrize(
    "revealed",
    [
        {"kind": "dice"},
        [{"kind": "dice", "value": "1234567890"}, {"kind": "dice", "value": "1"}],
        [{"kind": "drand-quicknet", "round": 1}],
        [{"kind": "dice", "value": "1234567890", "extra": 1}],
    ],
)
def test_it_refuses_entropy_that_does_not_fit_the_plan(revealed: object) -> None:
    check = check_entropy([PlanItem("dice", digits=10)], revealed, 0)
    assert check.items is None and check.problems


def test_it_derives_the_vector_seeds() -> None:
    for name in ("small", "joint-drand"):
        data = vector(name)
        from spotcheck.sampling import parse_manifest

        manifest = parse_manifest(data["manifest"])
        check = check_entropy(manifest.plan, data["entropy"], manifest.committed_ts)
        assert check.items is not None
        assert (
            derive_seed(bytes.fromhex(data["manifest_digest"]), check.items).hex() == data["seed"]
        )
