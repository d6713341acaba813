"""A preview pauses the cyclic collector through spotcheck.gcpause and always gives it back."""

from __future__ import annotations

import gc

import pytest

from spotcheck.eligibility import service as eligibility
from spotcheck.errors import NotFound
from spotcheck.gcpause import paused_gc
from spotcheck.plans.models import Task
from tests.eligibility.conftest import START, World


def test_it_turns_the_collector_back_on_after_a_preview_even_when_it_raises(world: World) -> None:
    world.adopt("zibo-gxj")
    task = world.task([world.item("ZB-001")])
    world.targets(3)
    lost = Task(plan_id=None, department_id=10**8, name="无部门", window_start=START)
    gc.enable()
    assert world.evaluate(task).in_scope == 3
    assert gc.isenabled()
    with pytest.raises(NotFound):
        eligibility.evaluate(world.db, lost)
    assert gc.isenabled()


def test_it_keeps_the_collector_paused_while_another_user_is_still_inside(world: World) -> None:
    world.adopt("zibo-gxj")
    task = world.task([world.item("ZB-001")])
    world.targets(2)
    lost = Task(plan_id=None, department_id=10**8, name="无部门", window_start=START)
    gc.enable()
    try:
        with paused_gc():  # an import or a second preview running in the same process
            world.evaluate(task)
            with pytest.raises(NotFound):
                eligibility.evaluate(world.db, lost)
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        gc.enable()
