"""Schemathesis against the JSON API as documented by /api/openapi.json, on the demo agency and
with an administrator's API token: its default checks (no 5xx, statuses and bodies as the
document says, 405 with Allow for undeclared methods, …) for every operation, each a subtest
of this one test so the demo data is loaded once. Bounded and deterministic for CI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from sqlalchemy import text
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.audit.service import SYSTEM
from spotcheck.db import Base
from spotcheck.demo import data as demo_data

# Schema-valid requests may still break a rule the schema cannot state (an unknown item code, a
# plan that is not a draft, …): those are refused with 400 and the rule's article, as documented.
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

TODAY = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

schema = schemathesis.pytest.from_fixture("demo_api")


# The statuses each operation answered, to show the run reached the demo data.
ANSWERED: dict[str, set[int]] = {}


@pytest.fixture
def demo_api(
    app: FastAPI, db: Session, frozen_clock: Callable[[dt.datetime], None]
) -> Iterator[schemathesis.BaseSchema]:
    """The API of the demo agency (`spotcheck demo load`), called as its administrator on a
    fixed day (its plans of 2026 published, those of 2027 drafts), so every run is the same."""
    frozen_clock(TODAY)
    _number_rows_from_one(db)
    demo_data.load(db)
    admin = accounts_service.get_by_username(db, "admin")
    assert admin is not None
    _token, plain = accounts_service.create_api_token(db, SYSTEM, admin, "接口契约测试")
    db.commit()
    config = SchemathesisConfig.from_dict(
        {
            "headers": {"Authorization": f"Bearer {plain}"},
            "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        }
    )
    ANSWERED.clear()
    yield schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    # Not only refusals: reads found demo objects and changes went through (a plan created, a
    # draw prepared, witnesses recorded, …), so the checks ran on real answers.
    succeeded = {label for label, codes in ANSWERED.items() if any(c < 300 for c in codes)}
    assert len(succeeded) >= 15, sorted(succeeded)
    assert {"POST /api/v1/plans", "GET /api/v1/tasks/{task_id}"} <= succeeded, sorted(succeeded)


def _number_rows_from_one(db: Session) -> None:
    """Start every id sequence after the table's largest id, as SQLite does after the tables are
    emptied: PostgreSQL's sequences keep counting across the tests of a run, and the generated
    ids (small numbers first) would then miss the demo rows."""
    if db.get_bind().dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            sequence = db.scalar(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}
            )
            if sequence:
                largest = f"SELECT MAX({column.name}) FROM {table.name}"  # our own metadata
                db.execute(
                    text(f"SELECT setval(:s, COALESCE(({largest}), 0) + 1, false)"), {"s": sequence}
                )
    db.commit()


@schema.parametrize()
def test_the_api_keeps_its_openapi_contract(case: schemathesis.Case) -> None:
    response = case.call_and_validate()
    ANSWERED.setdefault(case.operation.label, set()).add(response.status_code)
