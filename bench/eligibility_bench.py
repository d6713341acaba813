"""Eligibility benchmark (issue 5): the preview of a task over a 1M-target registry.

Run ``python -m bench.eligibility_bench [--rows N] [--backend sqlite|postgresql|both] [--quick]``.
A fresh database per backend is filled with bulk inserts (executemany on SQLite, COPY on
PostgreSQL), not through the services: a city registry of N targets under the xinzhou-joint
profile, 0.6·N check records over 7 years by two departments of different industries, 2,000
免检免扰 entries, 5,000 targets drawn by another department's overlapping task. Each
measurement is a child process that opens a session and calls ``eligibility.evaluate()`` (or
``annual.summarise()``) once; the call is timed inside the child, the peak RSS is the child's
``ru_maxrss`` from ``os.wait4``. The figures go to docs/benchmarks.md between the markers.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.docs import write_section
from bench.eligibility_data import World, build
from bench.registry_bench import Run, _machine, _ok, _version, run

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- eligibility-bench:start -->", "<!-- eligibility-bench:end -->"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
ON = dt.date(2026, 11, 24)
GOAL_S = 10.0
GOAL_RSS_MIB = 1024.0
# What this benchmark measured before the speed-ups, kept in the report for comparison.
EARLIER = (
    "Before the speed-ups (the engine of commit 8766dac; same machine, data and digests): "
    "evaluate took 23.0 s and 1,490 MiB (xinzhou-joint) and 25.9 s and 1,434 MiB (zibo-gxj) on "
    "SQLite, 24.0 s and 1,624 MiB and 25.7 s and 1,560 MiB on PostgreSQL; annual_summary "
    "100.5 s (SQLite) and 80.9 s (PostgreSQL). Where the time went (cProfile): history read as "
    "600,000 ORM objects through 1,100 `IN (…)` lists of 800 keys (more than half of the "
    "profiled time), the cyclic garbage collector walking millions of live objects (with "
    "history read as tuples, a preview took 20.3 s with the collector and 8.6 s without), "
    "frozen dataclasses per target and per candidate, and every target tested against every "
    "stratum. Now: history "
    "is read as plain tuples in one streamed query (all checks when there are at most twice as "
    "many as keys, else the checks of the scope's keys; `IN (…)` lists only up to 4,000 keys), "
    "targets and candidates are named tuples, the collector is paused during an evaluation, "
    "each combination of class, flags and years since the last check is placed once, and "
    "`annual.summarise()` reads a scope shared by several tasks once."
)


# ---- one measurement (in a child process) ---------------------------------------------------


def digest(result: Any) -> str:
    """A short fingerprint of strata, quotas, exclusions and merges: equal output, equal digest."""
    h = hashlib.sha256()
    for s in result.strata:
        h.update(f"{s.key}:{s.quota}:{s.quota_text}".encode())
        h.update(",".join(str(c.target_id) for c in s.candidates).encode())
    for e in result.exclusions:
        h.update(f"{e.target_id}|{e.code}|{e.reason}|{e.article}".encode())
    for m in result.merges:
        h.update(f"{m.target_id}|{m.other_task_id}".encode())
    for line in (*result.problems, *result.warnings, result.batch_order):
        h.update(line.encode())
    return h.hexdigest()[:16]


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(kind: str, url: str, ident: int, profile: bool) -> None:
    """Open a session, call the engine once, print what it found as JSON."""
    from sqlalchemy.orm import Session

    from spotcheck.config import Settings
    from spotcheck.db import import_all_models, make_engine
    from spotcheck.eligibility import annual
    from spotcheck.eligibility import service as eligibility
    from spotcheck.plans.models import AnnualPlan, Task

    import_all_models()
    engine = make_engine(Settings(DATABASE_URL=url))
    with Session(engine) as session:
        target = session.get(Task if kind == "evaluate" else AnnualPlan, ident)
        assert target is not None
        before = _rss_now_mib()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        if kind == "evaluate":
            result: Any = eligibility.evaluate(session, target, ON)
        else:
            result = annual.summarise(session, target)
        seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    out: dict[str, Any] = {"seconds": seconds, "rss_before_mib": before}
    if kind == "evaluate":
        out |= {
            "in_scope": result.in_scope,
            "candidates": result.total_candidates,
            "quota": result.total_quota,
            "excluded": {c: n for c, _label, _a, n in result.exclusion_counts()},
            "merges": len(result.merges),
            "digest": digest(result),
        }
    else:
        out |= {"total": result.total, "registry": result.registry_size, "message": result.message}
    print(json.dumps(out, ensure_ascii=False))


# ---- the measurements -----------------------------------------------------------------------


@dataclass
class Case:
    """One measured call: runs of (seconds in the call, child wall, peak RSS) and the output."""

    label: str
    runs: list[tuple[float, float, float]] = field(default_factory=list)
    baseline_mib: float = 0.0
    output: dict[str, Any] = field(default_factory=dict)

    def median(self, index: int) -> float:
        """The median of one figure over the runs."""
        return statistics.median(r[index] for r in self.runs)


@dataclass
class BackendResult:
    """Everything measured on one database."""

    backend: str
    version: str
    build_s: float
    world: World
    cases: list[Case]


def measure(label: str, kind: str, url: str, ident: int, runs: int) -> Case:
    """``runs`` child processes, each calling the engine once."""
    case = Case(label)
    argv = [sys.executable, "-m", "bench.eligibility_bench", "--child", kind, "--url", url]
    for _ in range(runs):
        done: Run = run([*argv, "--id", str(ident)], dict(os.environ))
        if done.code != 0:
            raise SystemExit(f"{label} failed ({done.code}):\n{done.stdout}\n{done.stderr}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        case.runs.append((out.pop("seconds"), done.seconds, done.rss_mib))
        case.baseline_mib = out.pop("rss_before_mib")
        if case.output and case.output != out:
            raise SystemExit(f"{label}: runs disagree: {case.output} vs {out}")
        case.output = out
        print(f"  {label}: {case.runs[-1][0]:.2f} s, {done.rss_mib:.0f} MiB")
    return case


def bench_backend(backend: str, rows: int, runs: int, work: Path, profile: bool) -> BackendResult:
    """Build a fresh database, then measure each case."""
    db = f"spotcheck_eligbench_{os.getpid()}"
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    if backend == "sqlite":
        url = f"sqlite:///{work / 'eligibility.db'}"
    else:
        url = PG_URL.format(db=db)
        createdb = ["createdb", *pg, "--locale=C.UTF-8", "-T", "template0", "-E", "UTF8", db]
        subprocess.run(createdb, check=True)
    try:
        # The build runs in its own process: a child's ru_maxrss starts from its parent's RSS
        # (vfork + exec keep the high-water mark), so the measuring parent must stay small.
        me = [sys.executable, "-m", "bench.eligibility_bench", "--url", url]
        built = run([*me, "--child", "build", "--rows", str(rows)], dict(os.environ), 7200)
        if built.code != 0:
            raise SystemExit(f"build failed ({built.code}):\n{built.stdout}\n{built.stderr}")
        world = World(**json.loads(built.stdout.strip().splitlines()[-1]))
        build_s = built.seconds
        print(f"[{backend}] built {world.counts} in {build_s:.0f} s")
        if profile:
            shown = run(
                [*me, "--child", "evaluate", "--id", str(world.tasks["xinzhou"]), "--profile"],
                dict(os.environ),
            )
            print(shown.stderr)
        cases = [
            measure("evaluate, xinzhou-joint task", "evaluate", url, world.tasks["xinzhou"], runs),
            measure("evaluate, zibo-gxj task", "evaluate", url, world.tasks["zibo"], runs),
            measure("annual_summary, plan of 3 tasks", "annual", url, world.plan, runs),
        ]
        return BackendResult(backend, _version(url), build_s, world, cases)
    finally:
        if backend == "postgresql":
            subprocess.run(["dropdb", *pg, "--if-exists", db], check=False)


# ---- the report -----------------------------------------------------------------------------


def _output(case: Case) -> str:
    out = case.output
    if "digest" not in out:
        return str(out["message"])
    excluded = "，".join(f"{code} {n:,}" for code, n in out["excluded"].items() if n)
    return (
        f"in scope {out['in_scope']:,}; candidates {out['candidates']:,}; quota {out['quota']:,}; "
        f"excluded: {excluded}; merges {out['merges']:,}; digest `{out['digest']}`"
    )


def render(results: Sequence[BackendResult], rows: int, runs: int) -> str:
    """The markdown section between the markers."""
    counts = results[0].world.counts if results else {}
    lines = [
        START,
        "## Eligibility preview at national scale (issue 5)",
        "",
        f"_Generated by `python -m bench.eligibility_bench --rows {rows}` on "
        f"{time.strftime('%Y-%m-%d %H:%M')}; re-run to refresh._",
        "",
        f"**Goal** (ours): the eligibility preview of a task over a {rows:,}-target registry "
        f"(`eligibility.evaluate()`) in under {GOAL_S:.0f} s and under 1 GiB peak RSS, on either "
        "backend.",
        "",
        "**Machine**",
        "",
        *_machine(),
        *[f"- {r.backend}: {r.version}" for r in results],
        "",
        "**Method**",
        "",
        "- Data, written with bulk inserts (executemany on SQLite, COPY on PostgreSQL) after "
        "`spotcheck db upgrade`: "
        + ", ".join(f"{n:,} {what}" for what, n in counts.items())
        + ". The targets sit in the subtree of 忻州市市场监督管理局 (40% in the city's registry, "
        "60% in four county bureaus', 0.3% of the county rows repeat a city credit code), which "
        "adopts xinzhou-joint (9 strata); types, statuses (10% 注销/吊销/迁出), risk classes, "
        "flags and complaints are mixed as in a real registry. The check records span "
        "2020-01-01 to 2026-11-23, 60% by a section of the market bureau (市场监管) and 40% by "
        "the 工业和信息化局, a quarter of them with a problem found, 5% of them of targets no "
        "longer in the registry; 2,500 targets were checked twice in 2026 for the zibo task's "
        "item. The exemptions (5% revoked, some expired, 5% for unknown codes) belong to the "
        "city, the counties and the 工信局; the 工信局's task (2026-11-15 to 2026-12-20) drew 5,000 "
        "targets. Then `ANALYZE` (SQLite) or `VACUUM ANALYZE` (PostgreSQL, as autovacuum does "
        "after a bulk load).",
        "- Cases, all on 2026-11-24: the xinzhou-joint task (main item 重点, December window, "
        "overlap rule: merge); the same registry under zibo-gxj (a plan whose profile_code names "
        "it: 免检免扰 list, per-item cap of 2 a year, overlap with the 工信局's draw, main item "
        "一般 with a 10% cap); `annual.summarise()` of the plan with three xinzhou-joint tasks "
        "(every task is evaluated; tasks of one scope read it and its history once).",
        f"- Each run is a fresh child process (`python -m bench.eligibility_bench --child …`) that "
        f"opens a session, loads the task and calls the engine once; the time is that call's "
        f"wall clock, the memory the child's peak RSS (`ru_maxrss` from `os.wait4`), which "
        f"includes the interpreter and the imports (in brackets: the RSS just before the call). "
        f"{runs} runs per case, median shown; every run must return the same result (the digest "
        "covers every candidate, exclusion, reason, quota and warning).",
        "",
        "| case | backend | call, median | child wall, median | peak RSS, median (baseline) "
        "| goal | result |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        for case in r.cases:
            seconds, rss = case.median(0), case.median(2)
            goal = ""
            if case.label.startswith("evaluate"):
                goal = _ok(seconds < GOAL_S and rss < GOAL_RSS_MIB)
            lines.append(
                f"| {case.label} | {r.backend} | {seconds:.2f} s | {case.median(1):.2f} s "
                f"| {rss:.0f} MiB ({case.baseline_mib:.0f}) | {goal} | {_output(case)} |"
            )
    lines += ["", EARLIER, ""]
    lines.append(
        "Building the data took "
        + "; ".join(f"{r.build_s:.0f} s on {r.backend}" for r in results)
        + " (not part of the figures)."
    )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md; keep the rest."""
    write_section(section, START, END, DOC)


def main(argv: Sequence[str] | None = None) -> None:
    """Build a database per backend, measure the cases, write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 targets")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-doc", action="store_true", help="print, do not write the doc")
    parser.add_argument("--json", type=Path, help="also dump the raw figures here")
    parser.add_argument("--profile", action="store_true", help="cProfile one evaluate first")
    parser.add_argument("--child", choices=("build", "evaluate", "annual"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "build":
        print(json.dumps(build(args.url, args.rows).__dict__, ensure_ascii=False))
        return
    if args.child:
        child(args.child, args.url, args.id, args.profile)
        return
    rows = 50_000 if args.quick else args.rows
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory(prefix="eligibility-bench-") as work:
        results = [bench_backend(b, rows, args.runs, Path(work), args.profile) for b in backends]
    section = render(results, rows, args.runs)
    if args.json:
        raw = [
            {"backend": r.backend, "build_s": r.build_s, "counts": r.world.counts}
            | {"cases": [c.__dict__ for c in r.cases]}
            for r in results
        ]
        args.json.write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.no_doc:
        print(section)
    else:
        write_doc(section)
        print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
