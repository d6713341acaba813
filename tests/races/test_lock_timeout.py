"""A request that waits longer than DB_LOCK_TIMEOUT_MS for a lock another operation holds is
answered 503 in Chinese with Retry-After, changes nothing, and succeeds once the lock is gone."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.app import create_app
from spotcheck.config import Settings
from spotcheck.plans.models import AnnualPlan, PlanStatus
from spotcheck.workflow import service as workflow_service
from tests.draws_ceremony.conftest import demo
from tests.races.conftest import actions, bearer
from tests.races.test_races import _draft_plan

__all__ = ["demo"]


def test_a_request_kept_waiting_too_long_is_told_to_retry_and_changes_nothing(
    settings: Settings, factory: sessionmaker[Session], demo: Session
) -> None:
    plan = _draft_plan(demo, "341500-DAJ", "luan")
    token = bearer(demo, "luan")
    impatient = create_app(settings.model_copy(update={"db_lock_timeout_ms": 300}))
    holder = factory()
    try:
        held = holder.get(AnnualPlan, plan.id)
        assert held is not None
        workflow_service.lock(
            holder, held
        )  # another operation holds the plan (and, on SQLite, the database)
        with TestClient(impatient) as api:
            waited = api.post(f"/api/v1/plans/{plan.id}/submit", headers=token, json={})
            assert waited.status_code == 503, waited.text
            assert waited.headers["Retry-After"] == "5"
            body = waited.json()
            assert body["code"] == "busy" and "请稍后重试" in body["message"]
            holder.rollback()
            moved = api.post(f"/api/v1/plans/{plan.id}/submit", headers=token, json={})
            assert moved.status_code == 200, moved.text
    finally:
        holder.close()
        impatient.state.engine.dispose()
    demo.expire_all()
    assert demo.get(AnnualPlan, plan.id).status == PlanStatus.SUBMITTED  # type: ignore[union-attr]
    assert actions(demo, "plan.submit", plan.id) == 1
