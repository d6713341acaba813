"""The joint agency world and a CLI runner on the test database."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.accounts.models import User
from spotcheck.config import Settings
from tests.conftest import Org
from tests.plans_cli.world import World


@pytest.fixture
def world(db: Session, org: Org, make_user: Callable[..., User]) -> World:
    """The committed world."""
    return World(db, org, make_user)


@pytest.fixture
def run(
    settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """`spotcheck …` in-process against the test database; never a traceback."""
    from spotcheck.cli import app
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(app, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        return result

    yield invoke  # type: ignore[misc]
    get_settings.cache_clear()
