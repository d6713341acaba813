"""Witnesses are of the kinds the rulebook names (issue 13 point 1): 004 二（五） needs the
局纪检员, compute is refused until the profile's witnesses are present, and a witness who has an
account enters their own digits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.draws import ceremony, entropy_input
from spotcheck.draws import service as draws
from spotcheck.draws.models import DrawStatus
from spotcheck.draws.service import DrawRefused
from spotcheck.errors import DomainError
from spotcheck.rulebooks.schema import Witnesses
from spotcheck.sampling import verify_record
from tests.draws_ceremony.conftest import NOW, approved_task, who


def test_004_refuses_other_kinds_and_computes_only_with_the_discipline_witness(
    demo: Session,
) -> None:
    db = demo
    task = approved_task(db, "341500-DAJ", "luan", "luan_leader")
    officer = who(db, "luan")
    draw = draws.prepare(db, officer, task)
    assert draw.entropy_choice["drand"] is False  # dice by default (point 11)
    draws.set_entropy(db, officer, draw, drand=False, dice_digits=6)
    draws.commit(db, officer, draw, now=NOW)
    # The walkthrough's case: a single 群众代表 is not a witness 004 knows.
    with pytest.raises(DomainError, match=r"局纪检员.*004 二（五）"):
        entropy_input.add_witness(db, officer, draw, "李群众", "群众代表", "某社区")
    with pytest.raises(DrawRefused, match=r"004 二（五）.*局纪检员 1 名（现 0 名）"):
        ceremony.compute(db, officer, draw)

    account = accounts_service.get_by_username(db, "luan_witness")
    assert account is not None
    witness = entropy_input.add_witness(
        db, officer, draw, "", "局纪检员", "六安市档案局", user=account
    )
    # The officer may not type the digits of a witness who has an account.
    with pytest.raises(DrawRefused, match="须由本人登录"):
        entropy_input.enter_dice(db, officer, draw, witness, "123456")
    assert entropy_input.dice_so_far(draw) == ""
    entropy_input.enter_dice(db, who(db, "luan_witness"), draw, witness, "314159")
    ceremony.compute(db, officer, draw)
    assert draw.status == DrawStatus.COMPUTED
    assert verify_record(ceremony.record(db, draw)).ok


def test_a_profile_without_kinds_offers_the_platform_list_and_refuses_free_text(
    demo: Session,
) -> None:
    db = demo
    task = approved_task(db, "140900-SCJ", "xinzhou", "xinzhou_leader")
    officer = who(db, "xinzhou")
    draw = draws.prepare(db, officer, task)
    draws.commit(db, officer, draw, now=NOW)
    with pytest.raises(DomainError, match="平台规则（细则未规定）"):
        entropy_input.add_witness(db, officer, draw, "路人甲", "路人")
    added = entropy_input.add_witness(db, officer, draw, "白雪", "群众代表")
    assert added.kind == "群众代表"


def test_the_kinds_a_rulebook_requires_are_counted_by_kind() -> None:
    rule = Witnesses(
        required=2, kinds=["纪检员", "企业代表"], must={"纪检员": 1}, article="002 第九条"
    )
    assert rule.shortfall(["企业代表", "企业代表"]) == ["纪检员 1 名（现 0 名）"]
    assert rule.shortfall(["纪检员"]) == ["监督人共 2 名（现 1 名）"]
    assert rule.shortfall(["纪检员", "企业代表"]) == []
    with pytest.raises(ValidationError, match="不在 kinds 中"):
        Witnesses(required=1, kinds=["企业代表"], must={"纪检员": 1}, article="002 第九条")
