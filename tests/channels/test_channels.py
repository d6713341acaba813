"""Channels as their own domain: any registered subject type goes out through the profile's
channels, each submission recorded with its hash and audit event."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.audit.service import SYSTEM, Actor
from spotcheck.channels import exports
from spotcheck.channels import service as channels_service
from spotcheck.channels.models import ChannelSubmission
from spotcheck.draws import publish
from spotcheck.errors import DomainError
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import Channel

RESULT_TYPE = "test-result"  # a throwaway subject type, as the results domain will register


def _subject(session: Session, subject_id: int) -> exports.Subject:
    return exports.Subject(
        code=f"R-{subject_id}",
        profile_code="zibo-gxj",
        profile=rulebooks_service.get(session, "zibo-gxj"),
    )


def _export(session: Session, subject_id: int, channel: Channel) -> exports.Export:
    return exports.Export(
        data=f"{subject_id}|{channel.name}".encode(), filename=f"R-{subject_id}.{channel.format}"
    )


@pytest.fixture
def result_type() -> Iterator[str]:
    """Register a result-stage exporter for the test and forget it afterwards."""
    exports.register(
        RESULT_TYPE,
        exports.Exporter(stage="result", what="检查结果", subject=_subject, export=_export),
    )
    yield RESULT_TYPE
    exports.unregister(RESULT_TYPE)


def test_it_offers_the_channels_the_profile_names_for_the_subjects_stage(
    db: Session, result_type: str
) -> None:
    profile = rulebooks_service.get(db, "zibo-gxj")
    expected = [c.name for c in profile.channels if c.stage == "result"]
    names = [c.name for c in channels_service.channels_for(db, result_type, 3)]
    assert names == expected == ["国家企业信用信息公示系统（山东）"]
    assert "局综合法规科" not in names  # a draw-stage channel of zibo-gxj


def test_it_records_a_submission_of_any_subject(db: Session, result_type: str) -> None:
    profile = rulebooks_service.get(db, "zibo-gxj")
    channel = next(c for c in profile.channels if c.stage == "result")
    actor = Actor(user_id=None, name="李明")
    row, data = channels_service.submit(db, actor, result_type, 3, channel.name, " 按期报送 ")
    db.commit()
    assert data == f"3|{channel.name}".encode()
    assert (row.subject_type, row.subject_id, row.channel) == (result_type, 3, channel.name)
    assert row.export_sha256 == hashlib.sha256(data).hexdigest()
    assert row.export_filename == f"R-3.{channel.format}" and row.note == "按期报送"
    assert row.submitted_by == "李明" and row.submitted_at is not None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "test-result.channel_submit"))
    one = event.one()
    assert one.object_type == result_type and one.object_id == "3"
    assert one.summary.startswith(f"R-3 检查结果报送“{channel.name}”")
    assert [s.id for s in channels_service.submissions_for(db, result_type, 3)] == [row.id]
    assert channels_service.submissions_for(db, result_type, 4) == []
    assert channels_service.submissions_for(db, "draw", 3) == []


def test_it_refuses_a_channel_the_profile_does_not_name_for_the_stage(
    db: Session, result_type: str
) -> None:
    with pytest.raises(DomainError, match="细则 zibo-gxj 没有规定向“局综合法规科”报送检查结果"):
        channels_service.submit(db, SYSTEM, result_type, 3, "局综合法规科")
    assert db.scalars(select(ChannelSubmission)).all() == []
    assert db.scalars(select(AuditEvent.action)).all() == []


def test_it_refuses_a_subject_type_without_an_exporter(db: Session) -> None:
    assert publish.DONE  # draws register their exporter when draws.publish loads
    assert "draw" in exports.registered() and "report" not in exports.registered()
    with pytest.raises(DomainError, match="“report”没有可报送的导出"):
        channels_service.submit(db, SYSTEM, "report", 1, "x")
