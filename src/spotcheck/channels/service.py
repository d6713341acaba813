"""Channel verbs: which channels a subject may go to, its export, and the recorded submission
(DESIGN "Which system is the record": "submitted to channel X at time T by U")."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor, record
from spotcheck.channels.exports import Export, exporter_for
from spotcheck.channels.models import ChannelSubmission
from spotcheck.errors import DomainError
from spotcheck.rulebooks.schema import Channel, cite


def channels_for(session: Session, subject_type: str, subject_id: int) -> list[Channel]:
    """The channels the subject's profile names for the subject's stage, in profile order."""
    exporter = exporter_for(subject_type)
    subject = exporter.subject(session, subject_id)
    return [c for c in subject.profile.channels if c.stage == exporter.stage]


def export(session: Session, subject_type: str, subject_id: int, channel: Channel) -> Export:
    """The subject's export for a channel (a preview: nothing is recorded)."""
    return exporter_for(subject_type).export(session, subject_id, channel)


def submit(
    session: Session,
    actor: Actor,
    subject_type: str,
    subject_id: int,
    channel_name: str,
    note: str = "",
) -> tuple[ChannelSubmission, bytes]:
    """Export the subject for a channel its profile names and record the submission.

    Returns the submission and the exact bytes whose SHA-256 it records (hand these over).
    """
    exporter = exporter_for(subject_type)
    subject = exporter.subject(session, subject_id)
    channels = [c for c in subject.profile.channels if c.stage == exporter.stage]
    channel = next((c for c in channels if c.name == channel_name), None)
    if channel is None:
        named = "、".join(f"“{c.name}”" for c in channels) or "无"
        raise DomainError(
            f"细则 {subject.profile_code} 没有规定向“{channel_name}”报送{exporter.what}"
            f"（可报送：{named}）",
            field="渠道",
        )
    out = exporter.export(session, subject_id, channel)
    sha = hashlib.sha256(out.data).hexdigest()
    row = ChannelSubmission(
        subject_type=subject_type,
        subject_id=subject_id,
        channel=channel.name,
        export_format=channel.format,
        export_sha256=sha,
        export_filename=out.filename[:200],
        note=note.strip()[:300],
        submitted_by=actor.name[:60],
        submitted_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        f"{subject_type}.channel_submit",
        object_type=subject_type,
        object_id=subject_id,
        summary=f"{subject.code} {exporter.what}报送“{channel.name}”"
        f"（{channel.format}，{cite(channel.article)}）",
        after={"submission": row.id, "channel": channel.name, "sha256": sha},
    )
    return row, out.data


def submissions_for(
    session: Session, subject_type: str, subject_id: int
) -> Sequence[ChannelSubmission]:
    """The subject's recorded submissions, oldest first."""
    return session.scalars(
        select(ChannelSubmission)
        .where(
            ChannelSubmission.subject_type == subject_type,
            ChannelSubmission.subject_id == subject_id,
        )
        .order_by(ChannelSubmission.id)
    ).all()
