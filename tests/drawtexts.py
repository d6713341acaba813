"""Reading a draw's stored texts in tests (they live in draw_document, not on the draw)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from spotcheck.draws import documents
from spotcheck.draws.models import Draw
from spotcheck.draws.openings import Openings


def manifest(db: Session, draw: Draw) -> dict[str, Any]:
    """The committed manifest."""
    value: dict[str, Any] = documents.value(db, draw, documents.MANIFEST)
    return value


def openings(db: Session, draw: Draw) -> dict[str, Any]:
    """The private openings {commitment: {key, salt}}."""
    stored = Openings(documents.text(db, draw, documents.OPENINGS), bytes.fromhex(draw.secret_hex))
    return dict(stored.items())


def text(db: Session, draw: Draw, kind: str) -> str:
    """A stored text as it is (kind: manifest, openings, record, auditor)."""
    return documents.text(db, draw, kind)
