"""Placeholder filled in by the work on issue 5."""

from __future__ import annotations

from collections.abc import Callable

import typer
from sqlalchemy.orm import Session, sessionmaker


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add this domain's commands (a typer sub-app) to the main app."""
