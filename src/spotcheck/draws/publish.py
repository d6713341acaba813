"""Outward steps of a computed draw: the export for a channel the profile names, its recorded
submission (DESIGN "Which system is the record"), and publication to the portal."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor, record
from spotcheck.db import utcnow
from spotcheck.draws import outcome as outcome_mod
from spotcheck.draws import service as draws_service
from spotcheck.draws.models import ChannelSubmission, Draw, DrawStatus
from spotcheck.errors import DomainError
from spotcheck.rulebooks.schema import Channel
from spotcheck.tabular.writer import write_csv, write_xlsx

HEADERS = (
    "任务编号",
    "任务名称",
    "检查顺序",
    "检查对象名称",
    "检查对象标识（统一社会信用代码等）",
    "组长",
    "检查人员（姓名及执法证号）",
    "替换说明",
)
TEXT_COLUMNS = ("任务编号", "检查对象标识（统一社会信用代码等）")
DONE = (DrawStatus.COMPUTED, DrawStatus.PUBLISHED)


def _rows(session: Session, draw: Draw) -> list[list[Any]]:
    result = outcome_mod.build(session, draw)
    rows = []
    for visit in result.visits:
        leader = next((m.label for m in visit.members if m.leader), "")
        rows.append(
            [
                draw.code,
                result.task.name,
                visit.order,
                visit.name,
                visit.key,  # an internal filing channel needs the full identifier
                leader,
                "、".join(f"{m.slot}：{m.label}" for m in visit.members),
                f"替换“{visit.replaces}”" if visit.replaces else "",
            ]
        )
    return rows


def export_for_channel(session: Session, draw: Draw, channel: Channel) -> bytes:
    """The draw's result in the channel's format (xlsx, csv or json), one row per target."""
    if draw.status not in DONE:
        raise DomainError("抽取尚未完成计算，不能导出抽取结果", field="状态")
    rows = _rows(session, draw)
    if channel.format == "json":
        data = {
            "task": draw.code,
            "digest": draw.digest,
            "rows": [dict(zip(HEADERS, row, strict=True)) for row in rows],
        }
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    stream = io.BytesIO()
    if channel.format == "csv":
        write_csv(stream, HEADERS, rows)
    else:
        write_xlsx(stream, HEADERS, rows, text_columns=TEXT_COLUMNS, sheet_title="抽取结果")
    return stream.getvalue()


def draw_channels(session: Session, draw: Draw) -> list[Channel]:
    """The channels the draw's profile names for the draw stage."""
    profile = draws_service.profile_of(session, draw)
    return [c for c in profile.channels if c.stage == "draw"]


def submit_to_channel(
    session: Session, actor: Actor, draw: Draw, channel_name: str, note: str = ""
) -> tuple[ChannelSubmission, bytes]:
    """Export the result for a draw-stage channel of the profile and record the submission.

    Returns the submission and the exact bytes whose SHA-256 it records (hand these over).
    """
    channels = draw_channels(session, draw)
    channel = next((c for c in channels if c.name == channel_name), None)
    if channel is None:
        named = "、".join(f"“{c.name}”" for c in channels) or "无"
        raise DomainError(
            f"细则 {draw.profile_code} 没有规定向“{channel_name}”报送抽取结果（可报送：{named}）",
            field="渠道",
        )
    data = export_for_channel(session, draw, channel)
    sha = hashlib.sha256(data).hexdigest()
    row = ChannelSubmission(
        draw_id=draw.id,
        channel=channel.name,
        export_format=channel.format,
        export_sha256=sha,
        note=note.strip()[:300],
        submitted_by=actor.name[:60],
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "draw.channel_submit",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code} 抽取结果报送“{channel.name}”（{channel.format}，依据 {channel.article}）",
        after={"submission": row.id, "channel": channel.name, "sha256": sha},
    )
    return row, data


def publish(session: Session, actor: Actor, draw: Draw) -> Draw:
    """Publish a computed draw: its result and public record appear on the portal."""
    from spotcheck.draws import service as draws_service

    # A refusal leaves its "draw.refused" audit event for the caller to commit (see draws.service).
    draws_service.require_status(session, actor, draw, {DrawStatus.COMPUTED}, "公开")
    draw.status = DrawStatus.PUBLISHED
    draw.published_at = utcnow()
    draw.published_by = actor.name[:60]
    session.flush()
    record(
        session,
        actor,
        "draw.publish",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code} 公开抽取结果和公开抽取记录（摘要 {draw.digest[:16]}…）",
        before={"status": DrawStatus.COMPUTED.value},
        after={"status": DrawStatus.PUBLISHED.value},
    )
    return draw
