"""Draw ceremony benchmark (issue 12): a whole ceremony over a 1M-target registry, end to end.

Run ``python -m bench.ceremony_bench [--backend sqlite|postgres|both] [--rows N]``. Per backend a
fresh database gets bench.ceremony_world's world (bench.eligibility_data's 忻州 registry, an
officer, inspectors, the plan filed). Then, as people would: the draw start, eligibility preview
and plan pages over HTTP (``spotcheck serve``, logged in through the form); the naive draw
``SELECT key … ORDER BY random() LIMIT k`` with k = the task's quota; the ceremony steps through
the public CLI (``spotcheck ceremony prepare/witness-add/dice/compute/export-record``), each its
own process whose whole tree (the engine's workers included) is sampled for memory; publication
and the 抽取记录 PDF over HTTP; every staff and portal page of the draw; ``spotcheck verify`` and
the portal's standalone verifier on both exported records; and the portal's throughput against
a bare FastAPI app reading one row (bench.bare_app), with wrk. Failures and timeouts are
recorded, not fatal. The figures go to docs/benchmarks.md between the ceremony-bench markers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.ceremony_world import CeremonyWorld
from bench.docs import write_section
from bench.draw_bench import _tree
from bench.registry_bench import _machine, _ok, _version

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- ceremony-bench:start -->", "<!-- ceremony-bench:end -->"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
CLI = [sys.executable, "-c", "from spotcheck.cli import main; main()"]
HOST = "127.0.0.1"
GIB = 1 << 30
MIB = 1 << 20
# Two witnesses each throw ten digits of the twenty the draw plans (dice only: no network).
DICE_DIGITS = 20
WITNESSES = (
    ("张立新", "局纪检员", "忻州市市场监督管理局纪检组", "3141592653"),
    ("李文娟", "法律顾问", "山西忻府律师事务所", "5897932384"),
)
# Acceptance of issue 12.
GOAL_HEAVY_S, GOAL_HEAVY_BYTES = 15.0, 2 * GIB  # commit and compute
GOAL_STEP_S = 1.0  # every other ceremony step
GOAL_PDF_S = 5.0
GOAL_RATIO = 40.0  # whole ceremony against the naive draw
GOAL_PAGE_S, GOAL_PAGE_BYTES = 1.0, 2_000_000
GOAL_THROUGHPUT = 0.5  # of the bare app's requests/s


# ---- measuring processes --------------------------------------------------------------------


PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_S = 0.1


def _rss(pid: int) -> int:
    """A process's resident set in bytes, from /proc/PID/statm: O(1) for the kernel.

    Not smaps_rollup (draw_bench's PSS): that walks the page tables, ~57 ms per call on a 2 GiB
    process on this machine, and slowed the measured process by 20-40% when sampled every 50 ms.
    """
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


class TreePeak:
    """Sample a process tree's RSS (summed over its processes) every 100 ms; keep the peak.

    Above ``limit`` bytes of RSS the tree is killed (the machine has no swap) and ``killed`` set.
    """

    def __init__(self, pid: int, limit: int = 0) -> None:
        self.pid, self.limit = pid, limit
        self.rss = 0
        self.killed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = sum(_rss(pid) for pid in _tree(self.pid))
            self.rss = max(self.rss, rss)
            if self.limit and rss > self.limit and not self.killed:
                self.killed = True
                _kill_group(self.pid, signal.SIGKILL)
            self._stop.wait(SAMPLE_S)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _kill_group(pid: int, sig: int) -> None:
    """Signal the process group our child leads (it was started in its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


@dataclass
class Measure:
    """One measured step, page or command: outcome, wall time, peak memory, size."""

    label: str
    status: str  # ok | failed | timeout | memory | skipped
    seconds: float = 0.0
    rss: int = 0  # peak RSS summed over the process tree (for HTTP: the server's tree)
    size: int = 0  # response bytes
    code: int | None = None  # exit status or HTTP status
    note: str = ""
    path: str = ""
    kind: str = ""  # cli | http | page | download

    @property
    def ok(self) -> bool:
        """Whether it ran to a successful end."""
        return self.status == "ok"


def _error_line(text: str) -> str:
    """The line of a command's output that says what went wrong (a traceback's last error)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("(Background on this error")]
    errors = [ln for ln in lines if re.search(r"(Error|Exception|错误|拒绝|不能|失败)", ln)]
    picked = (errors or lines or [""])[-1]
    return picked[:300]


def run_step(
    label: str, argv: Sequence[str], env: dict[str, str], timeout: float, limit: int
) -> tuple[Measure, str]:
    """Run one command in its own session; time it, sample its tree; return it and its stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdout=out, stderr=err, env=env, cwd=REPO, start_new_session=True
        )
        status = "ok"
        with TreePeak(proc.pid, limit) as peak:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                status = "timeout"
                _kill_group(proc.pid, signal.SIGKILL)
                proc.wait()
        seconds = time.perf_counter() - started
        _kill_group(proc.pid, signal.SIGKILL)  # worker processes left behind, if any
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if peak.killed:
        status = "memory"
    elif status == "ok" and proc.returncode != 0:
        status = "failed"
    note = "" if status == "ok" else _error_line(stderr + "\n" + stdout)
    if status == "timeout":
        note = f"killed after {timeout:.0f} s"
    elif status == "memory":
        note = f"killed above {limit / GIB:.0f} GiB of RSS"
    measure = Measure(label, status, seconds, peak.rss, code=proc.returncode, note=note, kind="cli")
    print(f"  {label}: {status}, {seconds:.2f} s, {peak.rss / MIB:,.0f} MiB {note}", flush=True)
    return measure, stdout


# ---- the web server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A server process (the platform or the bare app) on a free port, restartable."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], ready: str, log: Path) -> None:
        self.argv, self.env, self.ready, self.log = list(argv), env, ready, log
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """The server's base URL."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        """Start on a free port and wait until the ready path answers."""
        import httpx

        self.port = _free_port()
        argv = [*self.argv, "--host", HOST, "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                argv, stdout=log, stderr=log, env=self.env, cwd=REPO, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(self.base + self.ready, timeout=5).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer {self.ready} within 90 s; see {self.log}")

    def stop(self) -> None:
        """Stop the server and whatever it still computes."""
        if self.proc is None:
            return
        _kill_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """A fresh server: requests still running in the old one are dropped."""
        self.stop()
        self.start()


CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
ALERT_RE = re.compile(r'role="alert"[^>]*>(.*?)</div>', re.S)
ERROR_PAGE_RE = re.compile(r"<h1>(.*?)</h1>\s*<p>(.*?)</p>", re.S)


def _page_message(body: bytes) -> str:
    """The message a refused request shows: the page's alert, the error page, or the JSON."""
    text = body.decode("utf-8", "replace")
    found = ALERT_RE.search(text)
    parts = [found.group(1)] if found else []
    if not parts and (error := ERROR_PAGE_RE.search(text)):
        parts = [error.group(1), error.group(2)]
    if not parts:
        try:
            value = json.loads(text)
            parts = [str(value.get("message") or value.get("detail") or "")]
        except (ValueError, AttributeError):
            parts = []
    words = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts))).split()
    return " ".join(words)[:300]


class Browser:
    """The officer's browser: a session cookie from the login form and the CSRF token."""

    def __init__(self, server: Server, username: str, password: str, timeout: float) -> None:
        import httpx

        self.server, self.timeout = server, timeout
        self.client = httpx.Client(base_url=server.base, follow_redirects=False)
        self.last = b""  # the body of the last request made with keep=True
        page = self.client.get("/login", timeout=60)
        token = CSRF_RE.search(page.text)
        if token is None:
            raise RuntimeError("no CSRF token on /login")
        form = {"username": username, "password": password, "csrf_token": token.group(1)}
        answer = self.client.post("/login", data=form, timeout=60)
        if answer.status_code != 303:
            raise RuntimeError(f"login refused: HTTP {answer.status_code}")
        home = CSRF_RE.search(self.client.get("/", timeout=60).text)
        if home is None:
            raise RuntimeError("no CSRF token on / after login")
        self.csrf = home.group(1)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def rebase(self) -> None:
        """Follow the server to its new port after a restart (the session cookie stays valid)."""
        self.client.base_url = self.server.base

    def request(
        self,
        label: str,
        path: str,
        kind: str,
        limit: int,
        *,
        method: str = "GET",
        data: dict[str, str] | None = None,
        keep: bool = False,
    ) -> Measure:
        """Time one request to its last byte, bounded by the timeout; restart after a timeout."""
        import httpx

        status, size, code, note = "ok", 0, None, ""
        chunks: list[bytes] = []
        started = time.perf_counter()
        with TreePeak(self.server.pid, limit) as peak:
            try:
                form = {**(data or {}), "csrf_token": self.csrf} if method == "POST" else None
                with self.client.stream(method, path, data=form, timeout=self.timeout) as response:
                    code = response.status_code
                    keep_this = keep or code >= 400  # a refusal's message is read from its page
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if keep_this and size < 4 * MIB:
                            chunks.append(chunk)
                        if time.perf_counter() - started > self.timeout:
                            raise httpx.ReadTimeout("total time exceeded")
            except httpx.TimeoutException:
                status, note = "timeout", f"no complete answer within {self.timeout:.0f} s"
            except httpx.HTTPError as exc:
                status, note = "failed", f"{type(exc).__name__}: {exc}"[:300]
        seconds = time.perf_counter() - started
        if peak.killed:
            status, note = "memory", f"server killed above {limit / GIB:.0f} GiB of RSS"
        elif status == "ok" and code is not None and code >= 400:
            message = _page_message(b"".join(chunks))
            status, note = "failed", f"HTTP {code}" + (f": {message}" if message else "")
        if status != "ok":
            self.server.restart()  # drop the work a timed-out request left running
            self.rebase()
        if status == "timeout":
            seconds = self.timeout
        self.last = b"".join(chunks)
        measure = Measure(label, status, seconds, peak.rss, size, code, note, path, kind)
        print(
            f"  {label}: {status}, {seconds:.2f} s, {size / 1e6:.2f} MB, {note or f'HTTP {code}'}",
            flush=True,
        )
        return measure


# ---- throughput -------------------------------------------------------------------------------


@dataclass
class Load:
    """Requests per second of one URL over a bounded time."""

    label: str
    path: str
    tool: str
    seconds: float = 0.0
    requests: int = 0
    good: int = 0  # 2xx answers
    errors: str = ""

    @property
    def rps(self) -> float:
        """Successful answers per second."""
        return self.good / self.seconds if self.seconds else 0.0


def _wrk(url: str, seconds: int, connections: int) -> tuple[float, int, int, str]:
    """(duration, requests, non-2xx/3xx, socket errors) from one wrk run."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url]
    out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=seconds + 60)
    text = out.stdout + out.stderr
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", text)
    if done is None:
        raise RuntimeError(f"wrk said: {text}")
    duration = float(done.group(2)) / (1000 if done.group(3) == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: (.*)", text)
    return (
        duration,
        int(done.group(1)),
        int(bad.group(1)) if bad else 0,
        sock.group(1) if sock else "",
    )


def _httpx_load(url: str, seconds: int, connections: int) -> tuple[float, int, int, str]:
    """The same with a small asyncio load generator (when wrk is not installed)."""
    import httpx

    async def go() -> tuple[float, int, int, str]:
        counts = {"all": 0, "good": 0, "errors": 0}
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            started = time.perf_counter()
            deadline = started + seconds

            async def worker() -> None:
                while time.perf_counter() < deadline:
                    try:
                        response = await client.get(url)
                        await response.aread()
                        counts["all"] += 1
                        counts["good"] += response.status_code < 300
                    except httpx.HTTPError:
                        counts["errors"] += 1

            await asyncio.gather(*(worker() for _ in range(connections)))
            duration = time.perf_counter() - started
        errors = f"{counts['errors']} errors" if counts["errors"] else ""
        return duration, counts["all"], counts["all"] - counts["good"], errors

    return asyncio.run(go())


def throughput(
    label: str, server: Server, path: str, seconds: int, connections: int, timeout: float
) -> Load:
    """A fresh server, one warm-up request, then load for a bounded time; the server is stopped."""
    import httpx

    tool = "wrk" if shutil.which("wrk") else "httpx"
    load = Load(label, path, tool)
    try:
        server.start()
        try:
            httpx.get(server.base + path, timeout=timeout)
        except httpx.HTTPError as exc:
            load.errors = f"warm-up: {type(exc).__name__}"
        runner = _wrk if tool == "wrk" else _httpx_load
        load.seconds, load.requests, bad, sock = runner(server.base + path, seconds, connections)
        load.good = load.requests - bad
        load.errors = "; ".join(
            e for e in (load.errors, sock, f"{bad} non-2xx" if bad else "") if e
        )
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        load.errors = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        server.stop()
    print(f"  {label}: {load.rps:.1f} req/s ({load.good} in {load.seconds:.1f} s) {load.errors}")
    return load


# ---- the naive draw ---------------------------------------------------------------------------


def naive(url: str, department: str, k: int, runs: int) -> tuple[list[float], int, int]:
    """``ORDER BY random() LIMIT k`` over the department's live targets: times, rows, pool."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    scope = (
        "department_id IN (SELECT id FROM department WHERE path LIKE "
        "(SELECT path FROM department WHERE code = :code) || '%') AND status = '存续'"
    )
    query = text(f"SELECT key FROM target WHERE {scope} ORDER BY random() LIMIT :k")
    times, got = [], 0
    try:
        with engine.connect() as conn:
            pool = int(
                conn.execute(
                    text(f"SELECT count(*) FROM target WHERE {scope}"),
                    {"code": department},
                ).scalar_one()
            )
            for _ in range(runs):
                started = time.perf_counter()
                got = len(conn.execute(query, {"code": department, "k": k}).all())
                times.append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return times, got, pool


# ---- one backend ------------------------------------------------------------------------------


@dataclass
class BackendResult:
    """Everything measured on one database."""

    backend: str
    version: str = ""
    rows: int = 0
    build_s: float = 0.0
    equip_s: float = 0.0
    build_rss: int = 0
    world: dict[str, Any] = field(default_factory=dict)
    quota: int | None = None
    record_quota: int | None = None
    selected: int | None = None
    steps: list[Measure] = field(default_factory=list)
    verify: list[Measure] = field(default_factory=list)
    pages: list[Measure] = field(default_factory=list)
    naive_times: list[float] = field(default_factory=list)
    naive_rows: int = 0
    naive_pool: int = 0
    loads: list[Load] = field(default_factory=list)
    startup: list[float] = field(default_factory=list)  # `spotcheck ceremony --help`: imports only
    audit: list[Measure] = field(default_factory=list)  # after the ceremony: auditor's export
    record_sizes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and the end

    @property
    def ceremony_s(self) -> float:
        """Wall time of the ceremony: every step, as measured (a lower bound if one failed)."""
        return sum(s.seconds for s in self.steps)

    @property
    def complete(self) -> bool:
        """Whether every ceremony step succeeded."""
        return bool(self.steps) and all(s.ok for s in self.steps)

    @property
    def startup_s(self) -> float:
        """The CLI's start-up floor (median of `spotcheck ceremony --help`)."""
        return statistics.median(self.startup) if self.startup else 0.0

    def net(self, m: Measure) -> float:
        """A CLI step's wall time less the start-up floor."""
        return max(0.0, m.seconds - self.startup_s) if m.kind == "cli" else m.seconds

    @property
    def naive_s(self) -> float | None:
        """The naive draw's median time."""
        return statistics.median(self.naive_times) if self.naive_times else None


@dataclass
class Options:
    """The run's settings."""

    rows: int
    step_timeout: float
    page_timeout: float
    load_seconds: int
    connections: int
    naive_runs: int
    memory_limit: int
    keep: bool
    work: Path


def _step_env(url: str) -> dict[str, str]:
    # A wide console: rich would otherwise wrap long lines at 80 columns.
    return {**os.environ, "DATABASE_URL": url, "SPOTCHECK_ENV": "development", "COLUMNS": "400"}


def _draw_row(url: str, task: int) -> tuple[int, str] | None:
    """The id and code of the task's draw (to address its pages)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT id, code FROM draw WHERE task_id = :t"), {"t": task}
            ).first()
            return (int(row[0]), str(row[1])) if row else None
    finally:
        engine.dispose()


def _witness_ids(url: str, task: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    query = (
        "SELECT w.id FROM draw_witness w JOIN draw d ON d.id = w.draw_id "
        "WHERE d.task_id = :t ORDER BY w.id"
    )
    try:
        with engine.connect() as conn:
            return [str(i) for i in conn.execute(text(query), {"t": task}).scalars()]
    except Exception:  # a fallback only
        return []
    finally:
        engine.dispose()


def _quota_of(path: Path) -> int | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return sum(int(s["quota"]) for s in record["manifest"]["strata"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _selected_of(path: Path) -> int | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return sum(len(v) for v in record["selected"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _pages_before(browser: Browser, w: CeremonyWorld, limit: int) -> tuple[list[Measure], int]:
    """Before prepare: the draw start page, the preview and plan pages (twice), the API preview."""
    t, p = w.task, w.plan
    pages = [browser.request("draw start page", f"/tasks/{t}/draw", "page", limit)]
    # Above 200,000 targets the preview and the plan's summary are computed as a background job
    # (eligibility.cache): the first request shows its progress; the job's time is recorded,
    # then the pages are measured once computed.
    for label, path, marker in (
        ("eligibility preview page", f"/tasks/{t}/eligibility", 'id="eligibility-pending"'),
        ("plan page", f"/plans/{p}", 'id="annual-pending"'),
    ):
        first = browser.request(label, path, "page", limit, keep=True)
        pages.append(first)
        started = time.perf_counter()
        while (
            first.ok and marker.encode() in browser.last and time.perf_counter() - started < limit
        ):
            time.sleep(1)
            browser.request(label, path, "page", limit, keep=True)
        if first.ok and marker.encode() not in browser.last:
            waited = time.perf_counter() - started
            pages.append(Measure(f"{label}: background job", "ok", seconds=waited, kind="job"))
        pages.append(browser.request(f"{label}, again", path, "page", limit))
    api = browser.request(
        "eligibility API (quota)",
        f"/api/v1/tasks/{t}/eligibility?limit=0",
        "download",
        limit,
        keep=True,
    )
    pages.append(api)
    try:
        quota = int(json.loads(browser.last)["quota"]) if api.ok else 0
    except (ValueError, KeyError, TypeError):
        quota = 0  # the API answers differently now: the record's quota is used instead
    return pages, quota


def _pages_after(
    browser: Browser, w: CeremonyWorld, draw: tuple[int, str] | None, limit: int
) -> list[Measure]:
    """After publication: every staff and portal page of the draw, and the downloads."""
    t, p = w.task, w.plan
    pages: list[tuple[str, str, str]] = []
    if draw is not None:
        d, code = draw
        pages += [
            ("officer's draw page", f"/draws/{d}", "page"),
            ("task page", f"/tasks/{t}", "page"),
            ("staff draw list", "/draws", "page"),
            ("eligibility preview page", f"/tasks/{t}/eligibility", "page"),
            ("plan page", f"/plans/{p}", "page"),
            ("portal draw list", "/public/draws", "page"),
            ("portal draw page", f"/public/draws/{code}", "page"),
            ("portal commitments", "/public/commitments", "page"),
            ("record JSON (officer)", f"/draws/{d}/record.json", "download"),
            ("auditor's record JSON", f"/draws/{d}/record-auditor.json", "download"),
            ("schedule CSV (检查日程和人员安排表)", f"/draws/{d}/schedule.csv", "download"),
            ("appendix CSV (抽取名单)", f"/draws/{d}/appendix.csv", "download"),
            ("appendix Excel (抽取名单)", f"/draws/{d}/appendix.xlsx", "download"),
            ("record JSON (portal)", f"/public/draws/{code}/record.json", "download"),
            ("抽取记录 PDF (portal)", f"/public/draws/{code}/record.pdf", "download"),
            ("verifier.py (portal)", "/public/verifier.py", "download"),
        ]
    return [browser.request(label, path, kind, limit) for label, path, kind in pages]


def _ceremony(
    r: BackendResult,
    w: CeremonyWorld,
    env: dict[str, str],
    o: Options,
    records: dict[str, Path],
) -> None:
    """The CLI steps, each its own process: prepare, commit, witnesses, dice, compute, exports."""
    user = ["--user", w.officer]
    t = str(w.task)

    def step(label: str, *args: str) -> tuple[Measure, str]:
        measure, stdout = run_step(label, [*CLI, *args], env, o.step_timeout, o.memory_limit)
        measure.path = "spotcheck " + " ".join(args[:2])
        r.steps.append(measure)
        return measure, stdout

    for n in range(3):
        # The steps' own group: a command line naming a group loads only that group's module.
        floor, _ = run_step(
            f"start-up floor {n + 1}", [*CLI, "ceremony", "--help"], env, 120, o.memory_limit
        )
        if floor.ok:
            r.startup.append(floor.seconds)
    cer = ("ceremony",)
    step("prepare", *cer, "prepare", t, *user, "--dice", str(DICE_DIGITS), "--no-drand")
    step("commit", *cer, "prepare", t, *user, "--commit")
    ids: list[str] = []
    for n, (name, kind, organisation, _digits) in enumerate(WITNESSES, start=1):
        args = ("--name", name, "--kind", kind, "--organisation", organisation)
        added, stdout = step(f"witness-add ({n})", *cer, "witness-add", t, *user, *args)
        found = re.search(r"#(\d+)", stdout)
        ids.append(found.group(1) if added.ok and found else "")
    if any(s.ok for s in r.steps if s.label.startswith("witness-add")) and not all(ids):
        # The CLI no longer prints "#id": read the witnesses' ids in the order they were added.
        ids = _witness_ids(env["DATABASE_URL"], w.task) or ids
    for n, ((_name, _kind, _org, digits), ident) in enumerate(
        zip(WITNESSES, ids, strict=True), start=1
    ):
        if not ident:
            r.steps.append(Measure(f"dice ({n})", "skipped", note="no witness id", kind="cli"))
            continue
        step(f"dice ({n})", *cer, "dice", t, *user, "--witness", ident, "--digits", digits)
    step("compute", *cer, "compute", t, *user)
    step("export public record", *cer, "export-record", t, *user, "--out", str(records["public"]))
    # Not a ceremony step: the auditor's copy (every opening) is what 纪检监察 or the superior
    # department download afterwards; measured the same way, reported on its own.
    export = ("export-record", t, *user, "--out", str(records["auditor"]), "--auditor")
    audit, _ = run_step(
        "export auditor's record", [*CLI, *cer, *export], env, o.step_timeout, o.memory_limit
    )
    audit.path = "spotcheck ceremony export-record --auditor"
    r.audit.append(audit)


def _verify(
    r: BackendResult, env: dict[str, str], o: Options, records: dict[str, Path], script: Path
) -> None:
    """`spotcheck verify` and the standalone verifier (standard library only) on both records."""
    for audience, path in records.items():
        if not path.exists():
            for how in ("spotcheck verify", "standalone verifier"):
                r.verify.append(
                    Measure(f"{how}, {audience}", "skipped", note="no record", kind="cli")
                )
            continue
        r.record_sizes[audience] = path.stat().st_size
        m, _ = run_step(
            f"spotcheck verify, {audience}",
            [*CLI, "verify", str(path)],
            env,
            o.step_timeout,
            o.memory_limit,
        )
        r.verify.append(m)
        # -I -S: no site-packages, no PYTHONPATH: what a member of the public has.
        argv = [sys.executable, "-I", "-S", str(script), str(path)]
        m, _ = run_step(
            f"standalone verifier, {audience}", argv, env, o.step_timeout, o.memory_limit
        )
        r.verify.append(m)


def _verifier_script(browser: Browser | None, env: dict[str, str], folder: Path) -> Path:
    """The portal's /public/verifier.py; else the same script from `spotcheck verifier-script`."""
    script = folder / "ssj_verify.py"
    if browser is not None:
        try:
            answer = browser.client.get("/public/verifier.py", timeout=120)
            if answer.status_code == 200:
                script.write_bytes(answer.content)
                return script
        except Exception as exc:
            print(f"  portal verifier download failed: {exc}")
    subprocess.run([*CLI, "verifier-script", str(script)], env=env, check=False, cwd=REPO)
    return script


def bench_backend(backend: str, o: Options) -> BackendResult:
    """Build the world, then measure pages, the naive draw, the ceremony, pages and throughput."""
    r = BackendResult(backend, rows=o.rows)
    db = f"spotcheck_ceremonybench_{os.getpid()}"
    pg = ["-h", HOST, "-U", "postgres"]
    folder = o.work / backend
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'ceremony.db'}"
    else:
        url = PG_URL.format(db=db)
        createdb = ["createdb", *pg, "--locale=C.UTF-8", "-T", "template0", "-E", "UTF8", db]
        subprocess.run(createdb, check=True)
    env = _step_env(url)
    started = os.getloadavg()[0]
    try:
        print(f"[{backend}] building the world of {o.rows:,} targets ...", flush=True)
        me = [sys.executable, "-m", "bench.ceremony_bench", "--child-build", url, str(o.rows)]
        built, stdout = run_step("build", me, env, 4 * 3600, o.memory_limit)
        if not built.ok:
            raise RuntimeError(f"building the world failed: {built.note}")
        answer = json.loads(stdout.strip().splitlines()[-1])
        w = CeremonyWorld(**answer["world"])
        r.world, r.build_s, r.equip_s = w.counts, answer["build_s"], answer["equip_s"]
        r.build_rss, r.version = built.rss, _version(url)
        print(f"[{backend}] built in {r.build_s:.0f} s + equipped in {r.equip_s:.0f} s")
        _measure(r, w, url, env, o, folder)
    finally:
        r.load = (started, os.getloadavg()[0])
        if backend == "postgres" and not o.keep:
            subprocess.run(["dropdb", *pg, "--if-exists", db], check=False)
        elif backend == "postgres":
            print(f"[{backend}] kept database {db}")
    return r


def _measure(
    r: BackendResult, w: CeremonyWorld, url: str, env: dict[str, str], o: Options, folder: Path
) -> None:
    server = Server([*CLI, "serve"], env, "/login", folder / "server.log")
    limit = o.memory_limit
    print(f"[{r.backend}] pages before the draw ...", flush=True)
    server.start()
    try:
        browser = Browser(server, w.officer, w.password, o.page_timeout)
        before, r.quota = _pages_before(browser, w, limit)
        r.pages += before
        browser.close()
    except (RuntimeError, OSError) as exc:
        r.problems.append(f"pages before the draw: {exc}")
    finally:
        server.stop()

    records = {"public": folder / "record-public.json", "auditor": folder / "record-auditor.json"}
    print(f"[{r.backend}] ceremony ...", flush=True)
    _ceremony(r, w, env, o, records)
    r.record_quota, r.selected = _quota_of(records["public"]), _selected_of(records["public"])

    k = r.quota or r.record_quota
    if k:
        print(f"[{r.backend}] naive draw of {k:,} ...", flush=True)
        r.naive_times, r.naive_rows, r.naive_pool = naive(url, w.department, k, o.naive_runs)
        print(f"  naive: {', '.join(f'{x:.2f} s' for x in r.naive_times)}")
    else:
        r.problems.append("no quota known (preview API and record both missing): no naive draw")

    draw = _draw_row(url, w.task)
    print(f"[{r.backend}] publication, PDF and pages after the draw ...", flush=True)
    browser_after: Browser | None = None
    try:
        server.start()
        browser_after = Browser(server, w.officer, w.password, o.page_timeout)
        if draw is not None:
            d = draw[0]
            publish = browser_after.request(
                "publish", f"/draws/{d}/publish", "http", limit, method="POST"
            )
            if publish.ok and publish.code != 303:
                publish.status, publish.note = "failed", f"HTTP {publish.code}, not a redirect"
            r.steps.append(publish)
            pdf = browser_after.request("抽取记录 PDF", f"/draws/{d}/record.pdf", "http", limit)
            r.steps.append(pdf)
        else:
            r.steps += [
                Measure("publish", "skipped", note="no draw", kind="http"),
                Measure("抽取记录 PDF", "skipped", note="no draw", kind="http"),
            ]
        r.pages += _pages_after(browser_after, w, draw, limit)
        script = _verifier_script(browser_after, env, folder)
        browser_after.close()
    except (RuntimeError, OSError) as exc:
        r.problems.append(f"pages after the draw: {exc}")
        script = _verifier_script(None, env, folder)
    finally:
        server.stop()

    print(f"[{r.backend}] verification ...", flush=True)
    _verify(r, env, o, records, script)

    print(f"[{r.backend}] throughput ...", flush=True)
    bare = Server([sys.executable, "-m", "bench.bare_app"], env, "/one", folder / "bare.log")
    cases: list[tuple[str, Server, str]] = [("bare app: one row", bare, "/one")]
    cases.append(("portal draw list", server, "/public/draws"))
    if draw is not None:
        cases.append(("portal draw page", server, f"/public/draws/{draw[1]}"))
    for label, target, path in cases:
        r.loads.append(
            throughput(label, target, path, o.load_seconds, o.connections, o.page_timeout)
        )


# ---- the report -------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _mem(size: int) -> str:
    return f"{size / GIB:.2f} GiB" if size >= GIB else f"{size / MIB:,.0f} MiB"


def _bytes(size: int) -> str:
    return f"{size / 1e6:,.2f} MB" if size >= 10_000 else f"{size:,} B"


def _outcome(m: Measure) -> str:
    if m.ok:
        return "ok"
    text = {"failed": "**failed**", "timeout": "**timeout**", "memory": "**killed (memory)**"}
    head = text.get(m.status, m.status)
    return f"{head}: {m.note.replace('|', '/')}" if m.note else head


def _step_goal(m: Measure) -> tuple[str, bool]:
    if m.label in ("commit", "compute"):
        return "≤ 15 s, < 2 GiB", m.ok and m.seconds <= GOAL_HEAVY_S and m.rss < GOAL_HEAVY_BYTES
    if m.label == "抽取记录 PDF":
        return "< 5 s", m.ok and m.seconds < GOAL_PDF_S
    return "< 1 s", m.ok and m.seconds < GOAL_STEP_S


def _verdicts(r: BackendResult) -> list[tuple[str, bool | None, str]]:
    """Each acceptance target of issue 12 on this backend: (target, held, what was measured)."""
    out: list[tuple[str, bool | None, str]] = []
    failed = [s.label for s in r.steps if not s.ok]
    out.append(
        (
            "the ceremony completes",
            r.complete,
            "every step ran" if r.complete else "not: " + ", ".join(failed),
        )
    )
    accepted = [v for v in r.verify if v.ok]
    out.append(
        (
            "`spotcheck verify` and the standalone verifier accept both records",
            len(r.verify) == 4 and len(accepted) == 4,
            f"{len(accepted)} of 4 checks accepted",
        )
    )
    for label in ("commit", "compute"):
        m = next((s for s in r.steps if s.label == label), None)
        if m is not None:
            goal, held = _step_goal(m)
            out.append(
                (f"{label} {goal} peak", held, f"{_outcome(m)}, {_s(m.seconds)}, {_mem(m.rss)}")
            )
    light = [s for s in r.steps if s.label not in ("commit", "compute", "抽取记录 PDF")]
    slow = [
        f"{s.label} {_s(s.seconds)}" + (f" ({_s(r.net(s))} net)" if s.kind == "cli" else "")
        for s in light
        if not _step_goal(s)[1]
    ]
    out.append(
        (
            "every other ceremony step < 1 s",
            not slow and bool(light),
            "all under 1 s" if not slow else "not: " + ", ".join(slow),
        )
    )
    pdf = next((s for s in r.steps if s.label == "抽取记录 PDF"), None)
    if pdf is not None:
        out.append(
            ("the 抽取记录 PDF < 5 s", _step_goal(pdf)[1], f"{_outcome(pdf)}, {_s(pdf.seconds)}")
        )
    parts = [x for x in r.pages if x.label.startswith("appendix")]
    if parts:
        held = all(x.ok and x.seconds < 15 for x in parts)
        said = ", ".join(f"{x.label} {_outcome(x)} {_s(x.seconds)}" for x in parts)
        out.append(("its appendix (Excel/CSV) < 15 s", held, said))
    else:
        out.append(("its appendix (Excel/CSV) < 15 s", None, "not measured"))
    if r.naive_s:
        ratio = r.ceremony_s / r.naive_s
        bound = "" if r.complete else " (ceremony incomplete: a lower bound)"
        out.append(
            (
                "whole ceremony ≤ 40× the naive draw",
                r.complete and ratio <= GOAL_RATIO,
                f"{_s(r.ceremony_s)} / {_s(r.naive_s)} = {ratio:.0f}×{bound}",
            )
        )
    pages = [p for p in r.pages if p.kind == "page" and not p.label.endswith("again")]
    bad = [
        f"{p.label} ({_outcome(p) if not p.ok else _s(p.seconds) + ', ' + _bytes(p.size)})"
        for p in pages
        if not (p.ok and p.seconds < GOAL_PAGE_S and p.size < GOAL_PAGE_BYTES)
    ]
    out.append(
        (
            "every staff and portal page < 1 s and < 2 MB",
            bool(pages) and not bad,
            "all" if not bad else "not: " + "; ".join(bad),
        )
    )
    again = [p for p in r.pages if p.label.endswith("again")]
    slow_again = [f"{p.label} {_s(p.seconds)}" for p in again if not (p.ok and p.seconds < 1)]
    out.append(
        (
            "preview and plan pages < 1 s once computed (second request)",
            bool(again) and not slow_again,
            "both" if not slow_again else "not: " + ", ".join(slow_again),
        )
    )
    bare = next((x for x in r.loads if x.path == "/one"), None)
    for load in r.loads:
        if load is bare or bare is None:
            continue
        share = load.rps / bare.rps if bare.rps else 0.0
        out.append(
            (
                f"{load.label} ≥ 50% of the bare app's requests/s",
                share >= GOAL_THROUGHPUT,
                f"{load.rps:.1f} vs {bare.rps:.1f} req/s = {100 * share:.0f}%",
            )
        )
    return out


def render_backend(r: BackendResult, o: Options) -> list[str]:
    """The tables of one backend."""
    name = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.backend]
    lines = [
        f"### {name} ({r.version})",
        "",
        f"World: {', '.join(f'{n:,} {what}' for what, n in r.world.items())}; built in "
        f"{_s(r.build_s)} (bench.eligibility_data) plus {_s(r.equip_s)} (officer, inspectors, "
        f"plan filed through the services); peak {_mem(r.build_rss)}. Quota of the task "
        f"(preview API): {f'{r.quota:,}' if r.quota else '—'}"
        + (f"; in the committed manifest: {r.record_quota:,}" if r.record_quota else "")
        + (f"; drawn: {r.selected:,}" if r.selected else "")
        + ".",
        "",
        f"1-minute load average of the machine when this backend's run started: {r.load[0]:.1f}"
        f", when it ended: {r.load[1]:.1f} (2 cores; the benchmark itself adds 1–2 while a "
        "step runs; more means other work competed).",
        "",
        f"CLI start-up floor (`spotcheck ceremony --help`: interpreter and the ceremony "
        "commands' imports, no database): "
        f"{', '.join(_s(x) for x in r.startup)}; median {_s(r.startup_s)}. The column “net” is "
        "a CLI step's wall time less that median; targets are judged on the wall time.",
        "",
        "| ceremony step | how | wall | net | peak RSS (process tree) | result | target |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for m in r.steps:
        goal, held = _step_goal(m)
        how = (
            m.path
            if m.kind == "cli"
            else f"HTTP {'POST' if m.label == 'publish' else 'GET'} {m.path}"
        )
        lines.append(
            f"| {m.label} | `{how}` | {_s(m.seconds)} | {_s(r.net(m))} | {_mem(m.rss)} "
            f"| {_outcome(m)} | {goal} {_ok(held)} |"
        )
    lines.append(
        f"| **whole ceremony** | | **{_s(r.ceremony_s)}** | | | "
        f"{'complete' if r.complete else '**incomplete**'} | |"
    )
    for m in r.audit:
        lines += [
            "",
            f"After the ceremony, {m.label} (`{m.path}`, every candidate's opening; for "
            f"纪检监察 and the superior department, not a ceremony step): {_outcome(m)}, "
            f"{_s(m.seconds)} wall ({_s(r.net(m))} net), peak {_mem(m.rss)}.",
        ]
    lines += ["", "| verification | wall | peak RSS | result |", "|---|---:|---:|---|"]
    for m in r.verify:
        verdict = {0: "accepted", 1: "**rejected**", 2: "**not a record**", 3: "partial"}
        result = verdict.get(m.code or 0, str(m.code)) if m.status in ("ok", "failed") else ""
        lines.append(f"| {m.label} | {_s(m.seconds)} | {_mem(m.rss)} | {result or _outcome(m)} |")
    if r.record_sizes:
        lines += [
            "",
            "Record files: "
            + ", ".join(f"{k} {_bytes(v)}" for k, v in r.record_sizes.items())
            + ".",
        ]
    if r.naive_s:
        ratio = r.ceremony_s / r.naive_s
        lines += [
            "",
            f"Naive draw (`ORDER BY random() LIMIT {r.quota or r.record_quota:,}` over the "
            f"department's {r.naive_pool:,} live targets, {r.naive_rows:,} rows): "
            + ", ".join(_s(x) for x in r.naive_times)
            + f"; median {_s(r.naive_s)}. Ceremony / naive: **{ratio:.0f}×**"
            + ("" if r.complete else " (the ceremony did not complete: a lower bound)")
            + ".",
        ]
    lines += [
        "",
        "| page (officer's session or anonymous portal) | path | time | size | HTTP "
        "| server peak RSS | result |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for m in r.pages:
        lines.append(
            f"| {m.label} | `{m.path}` | {_s(m.seconds)} | {_bytes(m.size)} | {m.code or '—'} "
            f"| {_mem(m.rss)} | {_outcome(m)} |"
        )
    if r.loads:
        tool = r.loads[0].tool
        lines += [
            "",
            f"Throughput ({tool}, {o.connections} connections, {o.load_seconds} s each, fresh "
            "server and one warm-up request per case):",
            "",
            "| case | path | req/s (2xx) | answers | errors |",
            "|---|---|---:|---:|---|",
        ]
        for load in r.loads:
            lines.append(
                f"| {load.label} | `{load.path}` | {load.rps:,.1f} | {load.good:,} "
                f"| {load.errors or '—'} |"
            )
    lines += ["", "Acceptance (issue 12):", ""]
    for target, state, what in _verdicts(r):
        shown = "not measured" if state is None else _ok(state)
        lines.append(f"- {target}: {what} — {shown}")
    if r.problems:
        lines += ["", "Problems of the run: " + "; ".join(r.problems)]
    lines.append("")
    return lines


METHOD = """- World: `bench.ceremony_world.build` = `bench.eligibility_data.build` (the 忻州 city
  registry under xinzhou-joint: 40% city, 60% four county bureaus; history 0.6·N checks; 2,000
  exemptions; 5,000 targets drawn by another department) plus, through the services, an officer
  of 忻州市市场监督管理局 (roles 业务科室 and 领导审批), 312 inspectors of the bureau and its
  section (300 on duty and certified, 12 not drawable), 20 declared conflicts, check methods on
  the plan's tasks, and the plan submitted, approved and filed. The xinzhou task is drawn.
- Ceremony: each CLI step is a fresh process (`python -c "from spotcheck.cli import main;
  main()" ceremony …`, DATABASE_URL in the environment): prepare with 20 dice digits and no
  drand, commit (`prepare --commit`), two witnesses, ten digits each, compute, export of the
  public record. Publication and the 抽取记录 PDF go over HTTP as the officer (`spotcheck
  serve`, logged in through the form with its CSRF token). The auditor's record (every
  opening) is exported the same way afterwards and reported on its own: it is not a step of
  the ceremony. The package's bytecode is compiled first (`compileall`), as an installed
  package has it. Wall time is the whole
  process (start-up, imports, the transaction); peak memory is the RSS summed over the whole
  process tree (the engine's worker processes included), sampled every 100 ms from
  /proc/PID/statm (cheap: reading PSS from smaps_rollup walks the page tables and slowed the
  measured processes by 20–40%). For HTTP steps and pages it is the server's tree, its
  baseline included. The whole ceremony is the sum of the steps.
- Verification: `spotcheck verify` and the portal's /public/verifier.py run with `python -I -S`
  (standard library only) on both exported records.
- Naive draw: `SELECT key FROM target WHERE <the department's subtree> AND status = '存续'
  ORDER BY random() LIMIT k`, k = the task's quota, in one connection, several runs.
- Pages: GET to the last byte with the officer's session (portal pages need none), bounded by
  a timeout; after a timeout or failure the server is restarted so that abandoned work does
  not slow the next request. The start, preview and plan pages are measured before prepare
  (the start page redirects once a draw exists), preview and plan twice in a row; the others
  after publication. Page targets apply to HTML pages, not to the downloads.
- Throughput: a fresh server per case (the platform by `spotcheck serve`, the bare app by
  `python -m bench.bare_app`, both `uvicorn.run(..., proxy_headers=False)` defaults), one
  warm-up request, then wrk on 127.0.0.1 on the same 2 cores; only 2xx answers count."""


def render(results: Sequence[BackendResult], o: Options) -> str:
    """The markdown section between the markers."""
    lines = [
        START,
        "## Draw ceremony at national scale (issue 12)",
        "",
        f"_Generated by `python -m bench.ceremony_bench --rows {o.rows}` on "
        f"{time.strftime('%Y-%m-%d %H:%M')}; re-run to refresh._",
        "",
        "**Machine**",
        "",
        *_machine(),
        "",
        "**Method**",
        "",
        METHOD,
        "",
    ]
    for r in results:
        lines += render_backend(r, o)
    lines.append(END)
    return "\n".join(lines)


def write_doc(section: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md; keep the rest."""
    write_section(section, START, END, DOC)


def _child_build(url: str, rows: int) -> None:
    """Build and equip the world in this (measured) process; print the timings as JSON."""
    from bench.ceremony_world import equip
    from bench.eligibility_data import build

    started = time.perf_counter()
    registry = build(url, rows)
    built = time.perf_counter()
    world = equip(url, registry)
    done = time.perf_counter()
    answer = {"world": world.as_json(), "build_s": built - started, "equip_s": done - built}
    print(json.dumps(answer, ensure_ascii=False), flush=True)


def _as_json(r: BackendResult) -> dict[str, Any]:
    out = asdict(r)
    out["ceremony_s"], out["naive_s"], out["complete"] = r.ceremony_s, r.naive_s, r.complete
    out["loads"] = [asdict(x) | {"rps": x.rps} for x in r.loads]
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark per backend; print the section and write it to docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--backend", choices=("sqlite", "postgres", "postgresql", "both"), default="both"
    )
    parser.add_argument("--step-timeout", type=float, default=1800, help="per CLI step, seconds")
    parser.add_argument("--page-timeout", type=float, default=120, help="per request, seconds")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--naive-runs", type=int, default=3)
    parser.add_argument(
        "--memory-limit-gib", type=float, default=16, help="kill a process tree above this RSS"
    )
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--keep", action="store_true", help="keep the databases and files")
    parser.add_argument("--child-build", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        _child_build(args.child_build[0], int(args.child_build[1]))
        return
    chosen = "postgres" if args.backend == "postgresql" else args.backend
    backends = ("sqlite", "postgres") if chosen == "both" else (chosen,)
    work = Path(tempfile.mkdtemp(prefix="ceremony-bench-"))
    options = Options(
        rows=args.rows,
        step_timeout=args.step_timeout,
        page_timeout=args.page_timeout,
        load_seconds=args.load_seconds,
        connections=args.connections,
        naive_runs=args.naive_runs,
        memory_limit=int(args.memory_limit_gib * GIB),
        keep=args.keep,
        work=work,
    )
    # As an installed package has them (pip compiles on install): without bytecode files every
    # CLI step would compile the sources again where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    results: list[BackendResult] = []
    try:
        for backend in backends:
            started = time.perf_counter()
            results.append(bench_backend(backend, options))
            print(f"[{backend}] done in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    section = render(results, options)
    print(section)
    if args.json:
        raw = [_as_json(r) for r in results]
        args.json.write_text(json.dumps(raw, ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.no_doc:
        write_doc(section)
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
