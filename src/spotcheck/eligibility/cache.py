"""Eligibility previews computed once per change of their inputs, and large ones as a job.

Evaluating a task reads its whole registry scope (1,000,000 targets nationally: seconds). The
preview page and the plan's annual summary show counts, not candidates, so what they show is
kept (in this process) under the *revision* of the inputs: a counter in `data_revision` that every
transaction writing a registry, check history, exemption, task, plan, item, rulebook, department
or draw result increases (SQLAlchemy session events, so no write path can forget it). A cached
preview is reused until the revision moves; then it is computed again.

When nothing is cached and the scope is large (LARGE_SCOPE targets or more), the page does not
wait: a thread computes the preview with its own session, reporting its phase, and the page
shows the progress and refreshes itself. (The platform's job queue is planned with operations;
a thread per preview is enough for a page that one officer opens.)

Decisions (commit of a draw, submission of a plan) never read this cache: they evaluate afresh.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock
from spotcheck.eligibility import annual
from spotcheck.eligibility import service as eligibility
from spotcheck.eligibility.exclusions import Exclusion, Merge
from spotcheck.eligibility.models import DataRevision
from spotcheck.plans.models import AnnualPlan, Task

NAME = "eligibility"
# Tables whose rows decide who is eligible, in which stratum and how many are drawn.
WATCHED = frozenset(
    {
        "target",
        "target_history",
        "sub_registry",
        "check_record",
        "exemption",
        "annual_plan",
        "task",
        "task_item",
        "task_department",
        "check_item",
        "check_item_version",
        "rulebook_profile",
        "rulebook_adoption",
        "rulebook_version",
        "department",
        "drawn_target",
    }
)
LARGE_SCOPE = 200_000  # targets in a department's registry above which a preview is a job
SHOWN = 500  # excluded targets and merges kept for the page (the CSV has them all)
_SIZE = 64
_DIRTY = "spotcheck.eligibility_inputs_changed"


# ---- the revision of the inputs --------------------------------------------------------------


def revision(session: Session) -> str:
    """The current revision of everything eligibility reads ("series:value")."""
    row = session.execute(
        select(DataRevision.series, DataRevision.value).where(DataRevision.name == NAME)
    ).first()
    return "-" if row is None else f"{row[0]}:{row[1]}"


def _mark(session: Session, tables: Any) -> None:
    if any(getattr(t, "name", None) in WATCHED for t in tables):
        session.info[_DIRTY] = True


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in WATCHED:
            session.info[_DIRTY] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _mark(state.session, [table])


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    session.flush()  # flush events may still mark the session
    if not session.info.pop(_DIRTY, False):
        return
    done = session.execute(
        update(DataRevision).where(DataRevision.name == NAME).values(value=DataRevision.value + 1)
    )
    if getattr(done, "rowcount", 0) == 0:
        session.execute(
            insert(DataRevision).values(name=NAME, value=1, series=secrets.token_hex(8))
        )


@event.listens_for(Session, "after_rollback")
def _clean(session: Session) -> None:
    session.info.pop(_DIRTY, None)


# ---- what is kept ----------------------------------------------------------------------------


@dataclass
class StratumCount:
    """A stratum as the preview shows it: its rule and how many candidates, never who."""

    key: str
    name: str
    article: str
    rule_text: str
    ratio: float | None
    count_setting: int | None
    size: int
    quota: int
    quota_text: str


@dataclass
class Preview:
    """What the preview page shows of an evaluation (small: counts, the first exclusions)."""

    task_id: int
    on: dt.date
    revision: str
    in_scope: int
    strata: list[StratumCount]
    excluded_total: int
    excluded: list[Exclusion]
    exclusion_counts: list[tuple[str, str, str, int]]
    merges_total: int
    merges: list[Merge]
    problems: list[str]
    warnings: list[str]
    batch_order: str
    seconds: float
    computed_at: dt.datetime = field(default_factory=clock.utcnow)

    @property
    def total_candidates(self) -> int:
        """Candidates over all strata."""
        return sum(s.size for s in self.strata)

    @property
    def total_quota(self) -> int:
        """Targets to draw over all strata."""
        return sum(s.quota for s in self.strata)


@dataclass
class Annual:
    """The plan's annual summary as the plan page shows it (tasks by id)."""

    summary: annual.AnnualSummary
    quotas: dict[int, int]


@dataclass
class Pending:
    """A preview being computed: since when and in which phase."""

    started: float
    phase: str = "排队中"
    error: str = ""

    @property
    def seconds(self) -> int:
        """Seconds since it started."""
        return int(time.monotonic() - self.started)


_LOCK = threading.Lock()
_DONE: OrderedDict[Hashable, Any] = OrderedDict()
_RUNNING: dict[Hashable, Pending] = {}


def _get(key: Hashable) -> Any:
    with _LOCK:
        if key in _DONE:
            _DONE.move_to_end(key)
            return _DONE[key]
    return None


def _put(key: Hashable, value: Any) -> None:
    with _LOCK:
        _DONE[key] = value
        while len(_DONE) > _SIZE:
            _DONE.popitem(last=False)


def clear() -> None:
    """Forget every cached preview (tests)."""
    with _LOCK:
        _DONE.clear()
        _RUNNING.clear()


def snapshot(result: eligibility.Eligibility, rev: str, seconds: float) -> Preview:
    """The page's part of an evaluation."""
    return Preview(
        task_id=result.task_id,
        on=result.on,
        revision=rev,
        in_scope=result.in_scope,
        strata=[
            StratumCount(
                s.key,
                s.name,
                s.article,
                s.rule_text,
                s.ratio,
                s.count_setting,
                len(s.candidates),
                s.quota,
                s.quota_text,
            )
            for s in result.strata
        ],
        excluded_total=len(result.exclusions),
        excluded=result.exclusions[:SHOWN],
        exclusion_counts=result.exclusion_counts(),
        merges_total=len(result.merges),
        merges=result.merges[:SHOWN],
        problems=list(result.problems),
        warnings=list(result.warnings),
        batch_order=result.batch_order,
        seconds=seconds,
    )


def _evaluate(
    session: Session, task: Task, on: dt.date, rev: str, report: Callable[[str], None]
) -> Preview:
    start = time.perf_counter()
    report("读取名录库、检查记录和免检名单，逐户判断")
    result = eligibility.evaluate(session, task, on)
    return snapshot(result, rev, time.perf_counter() - start)


def preview(
    session: Session,
    task: Task,
    factory: sessionmaker[Session] | None = None,
    on: dt.date | None = None,
) -> Preview | Pending:
    """The task's preview: cached for the current revision, else computed now, or (a large
    scope, with a session factory to work with) started as a job whose progress is returned."""
    on = on or clock.today()
    rev = revision(session)
    key = ("task", task.id, on, rev)
    found = _get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if factory is None or not _large(session, task.department_id):
        value = _evaluate(session, task, on, rev, lambda _phase: None)
        _put(key, value)
        return value
    return _start(key, factory, lambda s, report: _evaluate(s, _task(s, task.id), on, rev, report))


def annual_summary(
    session: Session, plan: AnnualPlan, factory: sessionmaker[Session] | None = None
) -> Annual | Pending:
    """The plan's annual summary, cached like a preview (every task of the plan evaluated)."""
    rev = revision(session)
    on = clock.today()
    key = ("plan", plan.id, on, rev)
    found = _get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]

    def compute(s: Session, report: Callable[[str], None]) -> Annual:
        report("逐个任务计算预计抽取数量")
        row = s.get(AnnualPlan, plan.id)
        assert row is not None
        summary = annual.summarise(s, row, on)
        return Annual(summary, {t.id: n for t, n in summary.planned})

    if factory is None or not _large(session, plan.department_id):
        value = compute(session, lambda _phase: None)
        _put(key, value)
        return value
    return _start(key, factory, compute)


def _start(
    key: Hashable,
    factory: sessionmaker[Session],
    work: Callable[[Session, Callable[[str], None]], Any],
) -> Pending:
    with _LOCK:
        running = _RUNNING.get(key)
        if running is not None:
            return running
        pending = _RUNNING[key] = Pending(time.monotonic())

    def report(phase: str) -> None:
        pending.phase = phase

    def run() -> None:
        try:
            with factory() as session:
                value = work(session, report)
            _put(key, value)
            with _LOCK:
                _RUNNING.pop(key, None)
        except Exception as exc:
            pending.error = f"计算失败：{exc}"
            pending.phase = "失败"
            with _LOCK:
                _RUNNING.pop(key, None)

    threading.Thread(target=run, name=f"eligibility-{key}", daemon=True).start()
    return pending


def _task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    assert task is not None
    return task


def _large(session: Session, department_id: int) -> bool:
    """Whether the department's registry subtree holds LARGE_SCOPE targets or more (reads at
    most that many index entries, not the registry)."""
    from spotcheck.departments.models import Department
    from spotcheck.eligibility.scope import subtree
    from spotcheck.targets.models import Target

    department = session.get(Department, department_id)
    if department is None:
        return False
    probe = (
        select(Target.id)
        .where(Target.department_id.in_(subtree(department)))
        .offset(LARGE_SCOPE - 1)
        .limit(1)
    )
    return session.scalar(probe) is not None
