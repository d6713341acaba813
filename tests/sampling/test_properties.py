"""Property tests of the draw (hypothesis), against the spec's promises and a plain reference."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck.sampling import EventError, compute_record, parse_manifest, verify_record
from spotcheck.sampling.canonical import parse_json
from spotcheck.sampling.events import EVENT_TYPES, apply_event, parse_event
from spotcheck.sampling.record import keep_counts, run_draw
from spotcheck.sampling.scan import Scanner
from spotcheck.sampling.tickets import working_pool

from .helpers import dice, make, plain_draws
from .reference import record as reference_record

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
AT = {"reason": "测试", "approved_by": "科长", "at": "2026-05-12T02:00:00Z"}


def _state(manifest: dict[str, Any], entropy: list[Any], events: list[dict[str, Any]]) -> Any:
    parsed = parse_manifest(manifest)
    items = [("dice", entropy[0]["value"].encode())]
    draw = run_draw(parsed, items, keep_counts(parsed, [None] * len(parsed.strata)), workers=1)
    for n, event in enumerate(events):
        apply_event(draw.state, n, parse_event(n, event))
    return draw.state


@st.composite
def draws_with_events(
    draw: st.DrawFn,
) -> tuple[dict[str, Any], dict[str, Any], list[Any], list[dict[str, Any]]]:
    """A feasible draw and a few events that the engine allows, each drawn from the state."""
    inputs = draw(plain_draws())
    manifest, openings = make(inputs)
    entropy = dice(inputs["digits"])
    events: list[dict[str, Any]] = []
    everyone = [*sorted({k for s in manifest["slots"] for k in s["pool"]}), "外部-0001"]
    for _ in range(draw(st.integers(0, 6))):
        state = _state(manifest, entropy, events)
        if not state.groups:
            break
        target = draw(st.sampled_from(sorted(state.groups)))
        group = state.groups[target]
        kind = draw(st.sampled_from(EVENT_TYPES))
        if kind == "replace-target":
            event = {"type": kind, "target": target, **AT}
        elif kind == "replace-inspector":
            slot, member = draw(st.sampled_from(group))
            event = {"type": kind, "target": target, "slot": slot, "inspector": member, **AT}
        else:
            slot = draw(st.sampled_from([s["name"] for s in manifest["slots"]]))
            outside = [k for k in everyone if all(k != m for _, m in group)]
            if not outside:
                continue
            new = draw(st.sampled_from(outside))
            event = {"type": kind, "target": target, "slot": slot, "replacement": new, **AT}
            members = [m for s, m in group if s == slot]
            if members and draw(st.booleans()):
                event["inspector"] = draw(st.sampled_from(members))
        try:
            compute_record(manifest, entropy, [*events, event])
        except EventError:
            continue
        events.append(event)
    return manifest, openings, entropy, events


@FAST
@given(plain_draws(), st.randoms(use_true_random=False))
def test_it_ignores_the_order_of_the_inputs(inputs: dict[str, Any], rnd: random.Random) -> None:
    manifest, openings = make(inputs)
    shuffled = copy.deepcopy(inputs)
    for stratum in shuffled["strata"]:
        rnd.shuffle(stratum["keys"])
    for slot in shuffled["slots"]:
        rnd.shuffle(slot["pool"])
    rnd.shuffle(shuffled["conflicts"])
    again, _ = make(shuffled)
    entropy = dice(inputs["digits"])
    assert compute_record(again, entropy, openings=openings) == compute_record(
        manifest, entropy, openings=openings
    )


@FAST
@given(plain_draws(), st.binary(min_size=32, max_size=32), st.data())
def test_it_keeps_the_selection_when_an_unselected_candidate_leaves(
    inputs: dict[str, Any], seed: bytes, data: st.DataObject
) -> None:
    manifest, _ = make(inputs)
    parsed = parse_manifest(manifest)
    with Scanner(parsed, workers=1) as scanner:
        before = scanner.run(lambda _: seed, [None] * len(parsed.strata)).ranked
    losers = [
        (s, c)
        for s, (row, st_) in enumerate(zip(before, parsed.strata, strict=True))
        for _, c in row[st_.quota :]
    ]
    if not losers:
        return
    s, gone = data.draw(st.sampled_from(losers))
    smaller = copy.deepcopy(manifest)
    smaller["strata"][s]["candidates"].remove(gone)
    smaller["conflicts"] = [p for p in smaller["conflicts"] if p[1] != gone]
    parsed_smaller = parse_manifest(smaller)
    with Scanner(parsed_smaller, workers=1) as scanner:
        after = scanner.run(lambda _: seed, [None] * len(parsed.strata)).ranked
    for row_before, row_after, stratum in zip(before, after, parsed.strata, strict=True):
        assert [c for _, c in row_after[: stratum.quota]] == [
            c for _, c in row_before[: stratum.quota]
        ]


@FAST
@given(draws_with_events())
def test_it_agrees_with_the_plain_reference(case: Any) -> None:
    manifest, _, entropy, events = case
    record = compute_record(manifest, entropy, events, alternates=None)
    expected = reference_record(manifest, entropy, events)
    for field in ("manifest_digest", "seed", "selected", "alternates", "assignments", "events"):
        assert record[field] == expected[field], field


@FAST
@given(draws_with_events())
def test_it_never_puts_a_conflict_or_a_repeat_in_a_group(case: Any) -> None:
    manifest, _, entropy, events = case
    conflicts = {tuple(p) for p in manifest["conflicts"]}
    record = compute_record(manifest, entropy, events)
    groups = [(a["target"], a["inspectors"]) for a in record["assignments"]]
    groups += [(e["replacement"], e["group"]) for e in record["events"] if "group" in e]
    groups += list(_state(manifest, entropy, events).groups.items())
    for target, group in groups:
        members = [m for _, m in group]
        assert len(members) == len(set(members))
        assert not any((m, target) in conflicts for m in members)


@FAST
@given(plain_draws())
def test_it_exceeds_a_cap_only_when_the_first_pass_finds_nobody(inputs: dict[str, Any]) -> None:
    manifest, _ = make(inputs)
    entropy = dice(inputs["digits"])
    record = compute_record(manifest, entropy)  # a feasible manifest never fails to match
    seed = bytes.fromhex(record["seed"])
    conflicts = {tuple(p) for p in manifest["conflicts"]}
    selected = len(record["assignments"])
    slots = {s["name"]: s for s in manifest["slots"]}
    working = {n: working_pool(seed, n, s["pool"], s.get("draw")) for n, s in slots.items()}
    cap = {n: -(-selected * s["count"] // len(working[n])) for n, s in slots.items()}
    load: dict[tuple[str, str], int] = {}
    for assignment in record["assignments"]:
        target, group = assignment["target"], assignment["inspectors"]
        for at, (slot, member) in enumerate(group):
            if load.get((slot, member), 0) >= cap[slot]:
                before = {m for _, m in group[:at]}
                others = [
                    i
                    for i in working[slot]
                    if i not in before
                    and (i, target) not in conflicts
                    and load.get((slot, i), 0) < cap[slot]
                ]
                assert others == [], (target, slot, member)
            load[(slot, member)] = load.get((slot, member), 0) + 1


@FAST
@given(plain_draws())
def test_it_ranks_every_candidate_exactly_once(inputs: dict[str, Any]) -> None:
    manifest, _ = make(inputs)
    record = compute_record(manifest, dice(inputs["digits"]), alternates=None)
    for stratum in manifest["strata"]:
        name = stratum["name"]
        ranked = record["selected"][name] + record["alternates"][name]
        assert sorted(ranked) == stratum["candidates"]
        assert len(record["selected"][name]) == stratum["quota"]


def _free_text_spans(text: str, events: list[dict[str, Any]]) -> list[range]:
    """Where the events' free text sits: the spec lets verifiers ignore it, so it may change.

    A manual assignment's `replacement` is free too: the spec lets it name anyone (also someone
    in no pool), so another key that has no conflict and is not in the group verifies as well.
    """
    spans = []
    for event in events:
        names = ("reason", "approved_by", "at")
        if event.get("type") == "assign-manual":
            names = (*names, "replacement")
        for name in names:
            needle = f'"{name}":' + json.dumps(event[name], ensure_ascii=False)
            start = text.find(needle)
            while start >= 0:
                value = start + len(f'"{name}":"')
                spans.append(range(value, value + len(needle) - len(f'"{name}":""')))
                start = text.find(needle, start + 1)
    return spans


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(draws_with_events(), st.data())
def test_it_notices_any_single_changed_byte(case: Any, data: st.DataObject) -> None:
    manifest, openings, entropy, events = case
    record = compute_record(manifest, entropy, events, openings=openings)
    assert verify_record(record).fully_verified
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    raw = text.encode("utf-8")
    free = _free_text_spans(text, record["events"])
    # Every byte of every free character (a Chinese character is three bytes in UTF-8).
    free_bytes = {
        b
        for span in free
        for i in span
        for b in range(len(text[:i].encode("utf-8")), len(text[: i + 1].encode("utf-8")))
    }
    positions = [p for p in range(len(raw)) if p not in free_bytes]
    for _ in range(12):
        at = data.draw(st.sampled_from(positions))
        new = data.draw(st.integers(0, 255).filter(lambda b, old=raw[at]: b != old))
        changed = raw[:at] + bytes([new]) + raw[at + 1 :]
        try:
            parsed = parse_json(changed.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        assert not verify_record(parsed).ok, (at, raw[at - 20 : at + 20], new)
