"""The joint agency world for API tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from tests.conftest import Org
from tests.plans_cli.world import World


@pytest.fixture
def world(db: Session, org: Org, make_user: Callable[..., User]) -> World:
    """The committed world."""
    return World(db, org, make_user)
