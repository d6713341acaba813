"""Outward steps of a computed draw: its export for the channels the profile names (registered
with `spotcheck.channels`, which records the submissions), and publication to the portal."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.channels import exports as channel_exports
from spotcheck.channels import service as channels_service
from spotcheck.channels.models import ChannelSubmission
from spotcheck.db import utcnow
from spotcheck.draws import service as draws_service
from spotcheck.draws import visits
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.errors import DomainError, NotFound
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
    task = draws_service.task_of(session, draw)
    rows = []
    for visit in visits.every(session, draw):
        leader = next((m.label for m in visit.members if m.leader), "")
        rows.append(
            [
                draw.code,
                task.name,
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
    return channels_service.channels_for(session, "draw", draw.id)


def submit_to_channel(
    session: Session, actor: Actor, draw: Draw, channel_name: str, note: str = ""
) -> tuple[ChannelSubmission, bytes]:
    """Export the result for a draw-stage channel of the profile and record the submission.

    Returns the submission and the exact bytes whose SHA-256 it records (hand these over).
    """
    return channels_service.submit(session, actor, "draw", draw.id, channel_name, note)


def _draw(session: Session, draw_id: int) -> Draw:
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise NotFound("未找到该抽取，或您无权查看")
    return draw


def _subject(session: Session, draw_id: int) -> channel_exports.Subject:
    draw = _draw(session, draw_id)
    # The channels are those of the version the draw was decided under.
    profile = draws_service.profile_of(session, draw)
    return channel_exports.Subject(code=draw.code, profile_code=draw.profile_code, profile=profile)


def _export(session: Session, draw_id: int, channel: Channel) -> channel_exports.Export:
    draw = _draw(session, draw_id)
    return channel_exports.Export(
        data=export_for_channel(session, draw, channel),
        filename=f"{draw.code}-报送{channel.name}.{channel.format}",
    )


channel_exports.register(
    "draw",
    channel_exports.Exporter(stage="draw", what="抽取结果", subject=_subject, export=_export),
)


def publish(session: Session, actor: Actor, draw: Draw) -> Draw:
    """Publish a computed draw: its result and public record appear on the portal."""

    # A refusal leaves its "draw.refused" audit event for the caller to commit (see draws.service).
    draws_service.require_status(session, actor, draw, {DrawStatus.COMPUTED}, "公开")
    draw.published_at = utcnow()
    draw.published_by = actor.name[:60]
    draws_service.move(
        session,
        actor,
        draw,
        DrawStatus.PUBLISHED,
        f"{draw.code} 公开抽取结果和公开抽取记录（摘要 {draw.digest[:16]}…）",
    )
    return draw
