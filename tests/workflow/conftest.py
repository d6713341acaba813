"""Fixtures of the workflow tests: the plans' agency and the demo (draws) from their packages."""

from __future__ import annotations

from tests.draws_ceremony.conftest import demo
from tests.plans.conftest import agency

__all__ = ["agency", "demo"]
