"""The outcome of a computed draw: targets in visit order with their groups after events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.draws import outcome, visits
from spotcheck.draws.models import Draw
from spotcheck.draws.outcome import mask_key
from tests.conftest import Org
from tests.draws_record.conftest import Made, make_draw
from tests.eligibility.conftest import World


def _visits(db: Session, draw: Draw) -> list[visits.Visit]:
    visits.backfill(db, draw)
    return list(visits.every(db, draw))


def test_it_lists_drawn_targets_in_visit_order_with_names_and_certificates(
    db: Session, made: Made
) -> None:
    result = outcome.build(db, made.draw)
    shown = _visits(db, made.draw)
    assert [v.commitment for v in shown] == [a["target"] for a in made.record["assignments"]]
    names = {t.key: t.name for t in made.targets}
    for visit in shown:
        assert visit.name == names[visit.key]
        assert len(visit.members) == 2
        assert visit.members[0].leader and not visit.members[1].leader
        assert all(m.cert_no.startswith("鲁C-08") for m in visit.members)
    assert [s["size"] for s in result.strata] == [4, 8]
    assert result.slots == [{"name": "执法人员", "count": 2, "pool": 6, "draw": None}]


def test_it_follows_a_replaced_target_and_a_replaced_inspector(db: Session, org: Org) -> None:
    def events(record: dict) -> list[dict]:  # type: ignore[type-arg]
        first, second = record["assignments"][0], record["assignments"][1]
        slot, inspector = second["inspectors"][1]
        when = {"reason": "", "approved_by": "局主要领导", "at": "2026-11-25T02:00:00Z"}
        return [
            {"type": "replace-target", "target": first["target"], **when, "reason": "列入免检名单"},
            {
                "type": "replace-inspector",
                "target": second["target"],
                "slot": slot,
                "inspector": inspector,
                **when,
                "reason": "利害关系回避",
            },
        ]

    made = make_draw(db, World(db, org), org, events_for=events)
    result = outcome.build(db, made.draw)
    shown = _visits(db, made.draw)
    applied = made.record["events"]
    first, second = shown[0], shown[1]
    assert first.commitment == applied[0]["replacement"]
    assert first.replaces and first.name != first.replaces
    assert [[m.slot, m.key] for m in first.members] == applied[0]["group"]
    assert second.members[1].key == applied[1]["replacement"]
    assert [e.label for e in result.events] == ["替换检查对象", "替换检查人员"]
    assert result.events[1].reason == "利害关系回避"
    assert "→" in result.events[1].detail
    assert result.drawn_count == 4


def test_it_masks_a_resident_id_but_not_a_credit_code() -> None:
    assert mask_key("11010519491231002X") == "110105********002X"
    assert mask_key("91370300TEST000001") == "91370300TEST000001"
