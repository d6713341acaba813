"""Request-scoped dependencies: the database session and the settings."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from spotcheck.config import Settings
from spotcheck.errors import Refused


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; the view commits once, anything unfinished is rolled back."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except Refused:
        # A refused move's audit event is the only row it wrote: keep it (db.settle).
        session.commit()
        raise
    finally:
        # close() rolls back what was not committed without expiring loaded objects,
        # so error pages rendered after this can still show the user and department.
        session.close()


def get_settings(request: Request) -> Settings:
    """The app's settings (tests build apps with their own)."""
    settings: Settings = request.app.state.settings
    return settings


def client_ip(request: Request) -> str:
    """The peer address (a reverse proxy in front must be trusted explicitly, not guessed)."""
    return request.client.host if request.client else ""
