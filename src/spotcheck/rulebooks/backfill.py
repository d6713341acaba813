"""Migration 0009's data step: existing plans, tasks and draws get version 1 of their profile.

Written against the tables (not the ORM models) so it reads the database as that migration left
it; the migration and its test call this same function.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from spotcheck.db import UTCDateTime, utcnow
from spotcheck.departments.models import path_ids
from spotcheck.rulebooks import versions
from spotcheck.rulebooks.service import BUILTIN_CODES, builtin_text

_version = sa.table(
    "rulebook_version",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("number", sa.Integer),
    sa.column("sha256", sa.String),
    sa.column("text", sa.Text),
    sa.column("based_on", sa.String),
    sa.column("created_by", sa.String),
    sa.column("created_at", UTCDateTime()),
)
_custom = sa.table(
    "rulebook_profile",
    sa.column("code", sa.String),
    sa.column("based_on", sa.String),
    sa.column("text", sa.Text),
)
_adoption = sa.table(
    "rulebook_adoption",
    sa.column("department_id", sa.Integer),
    sa.column("profile_code", sa.String),
)
_department = sa.table("department", sa.column("id", sa.Integer), sa.column("path", sa.String))
_plan = sa.table(
    "annual_plan",
    sa.column("id", sa.Integer),
    sa.column("profile_code", sa.String),
    sa.column("profile_version_id", sa.Integer),
)
_task = sa.table(
    "task",
    sa.column("id", sa.Integer),
    sa.column("plan_id", sa.Integer),
    sa.column("department_id", sa.Integer),
    sa.column("profile_version_id", sa.Integer),
)
_draw = sa.table(
    "draw",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.Integer),
    sa.column("profile_code", sa.String),
    sa.column("profile_version_id", sa.Integer),
)


def _first_versions(connection: Connection) -> dict[str, int]:
    """Version 1 of every built-in profile and every copy (its current text), made where missing."""
    texts = {code: ("", builtin_text(code)) for code in BUILTIN_CODES}
    for code, based_on, text in connection.execute(
        sa.select(_custom.c.code, _custom.c.based_on, _custom.c.text)
    ):
        texts[code] = (based_on, text)
    known = dict(
        connection.execute(
            sa.select(_version.c.code, _version.c.id).where(_version.c.number == 1)
        ).all()
    )
    for code, (based_on, text) in texts.items():
        if code in known:
            continue
        connection.execute(
            sa.insert(_version).values(
                code=code,
                number=1,
                sha256=versions.digest(text),
                text=versions.canonical(text),
                based_on=based_on,
                created_by="数据迁移",
                created_at=utcnow(),
            )
        )
    return dict(
        connection.execute(
            sa.select(_version.c.code, _version.c.id).where(_version.c.number == 1)
        ).all()
    )


def _set(connection: Connection, table: sa.TableClause, pins: dict[int, int]) -> None:
    if pins:
        connection.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(profile_version_id=sa.bindparam("version_id")),
            [{"row_id": k, "version_id": v} for k, v in pins.items()],
        )


def backfill(connection: Connection) -> None:
    """Pin every unpinned plan, task and draw to version 1 of the profile it was made under."""
    first = _first_versions(connection)
    plans = connection.execute(
        sa.select(_plan.c.id, _plan.c.profile_code).where(_plan.c.profile_version_id.is_(None))
    ).all()
    _set(connection, _plan, {pid: first[code] for pid, code in plans if code in first})
    plan_version = dict(connection.execute(sa.select(_plan.c.id, _plan.c.profile_version_id)).all())
    adopted = dict(
        connection.execute(sa.select(_adoption.c.department_id, _adoption.c.profile_code)).all()
    )
    paths = dict(connection.execute(sa.select(_department.c.id, _department.c.path)).all())

    def department_version(department_id: int) -> int | None:
        # A special task (no plan) ran under the nearest adopted profile up its department's path.
        for ancestor in reversed(path_ids(paths.get(department_id, "")) or [department_id]):
            if ancestor in adopted:
                return first.get(adopted[ancestor])
        return None

    task_pins: dict[int, int] = {}
    for task_id, plan_id, department_id in connection.execute(
        sa.select(_task.c.id, _task.c.plan_id, _task.c.department_id).where(
            _task.c.profile_version_id.is_(None)
        )
    ):
        pinned = plan_version.get(plan_id) if plan_id is not None else None
        pinned = pinned or department_version(department_id)
        if pinned is not None:
            task_pins[task_id] = pinned
    _set(connection, _task, task_pins)
    task_version = dict(connection.execute(sa.select(_task.c.id, _task.c.profile_version_id)).all())
    draw_pins = {
        draw_id: first.get(code) or task_version.get(task_id)
        for draw_id, task_id, code in connection.execute(
            sa.select(_draw.c.id, _draw.c.task_id, _draw.c.profile_code).where(
                _draw.c.profile_version_id.is_(None)
            )
        )
    }
    _set(connection, _draw, {k: v for k, v in draw_pins.items() if v is not None})
