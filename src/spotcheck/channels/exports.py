"""The export registry: subject type → how that subject goes out through a channel.

A domain registers its exporter when its module is imported (draws: `draws.publish`); channels
never import the domains, the domains import channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spotcheck.errors import DomainError
from spotcheck.rulebooks.schema import Channel, Profile


@dataclass(frozen=True)
class Subject:
    """What channels need to know of a subject: its code and the profile that governs it."""

    code: str
    profile_code: str
    profile: Profile


@dataclass(frozen=True)
class Export:
    """One file for a channel: the exact bytes and the name they are handed over as."""

    data: bytes
    filename: str


@dataclass(frozen=True)
class Exporter:
    """How one type of subject is submitted: the profile's channel stage and its export."""

    stage: str  # the profile's `channels.stage` this subject goes out at ("plan", "draw", …)
    what: str  # the subject's export in words, e.g. "抽取结果"
    subject: Callable[[Session, int], Subject]
    export: Callable[[Session, int, Channel], Export]


_EXPORTERS: dict[str, Exporter] = {}


def register(subject_type: str, exporter: Exporter) -> None:
    """Register (or replace) the exporter of a subject type."""
    _EXPORTERS[subject_type] = exporter


def unregister(subject_type: str) -> None:
    """Forget a subject type's exporter (tests register throwaway ones)."""
    _EXPORTERS.pop(subject_type, None)


def exporter_for(subject_type: str) -> Exporter:
    """The registered exporter of a subject type; a DomainError names an unknown type."""
    exporter = _EXPORTERS.get(subject_type)
    if exporter is None:
        raise DomainError(f"“{subject_type}”没有可报送的导出", field="渠道")
    return exporter


def registered() -> list[str]:
    """The subject types that have an exporter, sorted."""
    return sorted(_EXPORTERS)
