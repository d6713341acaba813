"""Immutable profile versions: a text is numbered per code the first time it is used or saved.

A version is only ever added (`record`), never changed; the parsed profile of a version is cached
by its SHA-256, so past work reads its own rules however often the profile is edited later.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.errors import NotFound
from spotcheck.rulebooks.models import RulebookVersion
from spotcheck.rulebooks.schema import Profile, parse

_PARSED: dict[str, Profile] = {}


def canonical(text: str) -> str:
    """The text whose digest names a version: LF line ends, exactly one final newline."""
    return text.replace("\r\n", "\n").rstrip("\n") + "\n"


def digest(text: str) -> str:
    """SHA-256 (hex) of the canonical text."""
    return hashlib.sha256(canonical(text).encode("utf-8")).hexdigest()


def latest(session: Session, code: str) -> RulebookVersion | None:
    """The newest version of the code, if any was made."""
    return session.scalar(
        select(RulebookVersion)
        .where(RulebookVersion.code == code)
        .order_by(RulebookVersion.number.desc())
        .limit(1)
    )


def record(
    session: Session, code: str, text: str, *, based_on: str = "", created_by: str = ""
) -> RulebookVersion:
    """The newest version if it has this text, else a new version numbered after it."""
    sha = digest(text)
    newest = latest(session, code)
    if newest is not None and newest.sha256 == sha:
        return newest
    top = session.scalar(
        select(func.max(RulebookVersion.number)).where(RulebookVersion.code == code)
    )
    row = RulebookVersion(
        code=code,
        number=(top or 0) + 1,
        sha256=sha,
        text=canonical(text),
        based_on=based_on,
        created_by=created_by[:60],
    )
    session.add(row)
    session.flush()
    return row


def profile(row: RulebookVersion) -> Profile:
    """The validated profile of a version (parsed once per SHA-256)."""
    found = _PARSED.get(row.sha256)
    if found is None:
        found = _PARSED[row.sha256] = parse(row.text)
    return found


def get_or_404(session: Session, version_id: int) -> RulebookVersion:
    """A version by id."""
    row = session.get(RulebookVersion, version_id)
    if row is None:
        raise NotFound("未找到该细则版本")
    return row


def get_by_number_or_404(session: Session, code: str, number: int) -> RulebookVersion:
    """A version by code and number ("zibo-gxj", 3)."""
    row = session.scalar(
        select(RulebookVersion).where(
            RulebookVersion.code == code, RulebookVersion.number == number
        )
    )
    if row is None:
        raise NotFound("未找到该细则版本")
    return row


def get_all(session: Session, code: str) -> list[RulebookVersion]:
    """Every version of the code, newest first."""
    return list(
        session.scalars(
            select(RulebookVersion)
            .where(RulebookVersion.code == code)
            .order_by(RulebookVersion.number.desc())
        )
    )
