"""Channel exports, recorded submissions and publication of a computed draw."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM
from spotcheck.channels.models import ChannelSubmission
from spotcheck.draws import publish
from spotcheck.draws.models import DrawStatus
from spotcheck.errors import DomainError, IllegalTransition
from spotcheck.rulebooks.schema import Channel
from tests.draws_record.conftest import FOCUS_NAME, Made


def test_it_exports_targets_in_visit_order_with_inspectors(db: Session, made: Made) -> None:
    channel = publish.draw_channels(db, made.draw)[0]
    assert channel.name == "局综合法规科"
    sheet = load_workbook(io.BytesIO(publish.export_for_channel(db, made.draw, channel))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == publish.HEADERS
    keys = [made.key_of(a["target"]) for a in made.record["assignments"]]
    assert [r[4] for r in rows[1:]] == keys
    assert [r[2] for r in rows[1:]] == [1, 2, 3, 4]
    assert all(r[0] == made.draw.code and "鲁C-08" in r[6] for r in rows[1:])
    assert FOCUS_NAME not in str(rows)


def test_it_exports_json_and_csv_when_the_channel_says_so(db: Session, made: Made) -> None:
    as_json = json.loads(
        publish.export_for_channel(
            db, made.draw, Channel(name="x", format="json", article="002 第九条")
        )
    )
    assert as_json["digest"] == made.draw.digest and len(as_json["rows"]) == 4
    as_csv = publish.export_for_channel(
        db, made.draw, Channel(name="x", format="csv", article="002 第九条")
    )
    assert as_csv.startswith(b"\xef\xbb\xbf") and made.draw.code.encode() in as_csv


def test_it_records_a_submission_with_the_hash_of_what_was_sent(db: Session, made: Made) -> None:
    row, data = publish.submit_to_channel(
        db, SYSTEM, made.draw, "市涉企检查网络备案系统", " 已报送 "
    )
    db.commit()
    assert row.export_sha256 == hashlib.sha256(data).hexdigest()
    assert row.export_format == "xlsx" and row.note == "已报送"
    assert db.scalars(select(ChannelSubmission)).one().channel == "市涉企检查网络备案系统"
    assert "draw.channel_submit" in db.scalars(select(AuditEvent.action)).all()


def test_it_refuses_a_channel_the_profile_does_not_name_for_draws(db: Session, made: Made) -> None:
    # zibo-gxj names 国家企业信用信息公示系统（山东） only for results, not for draws.
    with pytest.raises(
        DomainError, match=r"没有规定.*可报送：“局综合法规科”、“市涉企检查网络备案系统”"
    ):
        publish.submit_to_channel(db, SYSTEM, made.draw, "国家企业信用信息公示系统（山东）")


def test_it_publishes_once_and_only_a_computed_draw(db: Session, made: Made) -> None:
    publish.publish(db, SYSTEM, made.draw)
    db.commit()
    assert made.draw.status == DrawStatus.PUBLISHED and made.draw.published_at is not None
    assert "draw.publish" in db.scalars(select(AuditEvent.action)).all()
    with pytest.raises(IllegalTransition, match="当前为“已公开”"):
        publish.publish(db, SYSTEM, made.draw)
    # The refused attempt leaves its audit event for the caller to commit.
    assert "draw.refused" in db.scalars(select(AuditEvent.action)).all()
