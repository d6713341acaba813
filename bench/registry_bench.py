"""Registry benchmark (issue 3): import a 1M-row GB18030 CSV, fail on one bad row, re-import, search.

Run ``python -m bench.registry_bench [--rows N] [--quick] [--backend sqlite|postgresql]``.
Every import is the real command line (``spotcheck import targets FILE --department CODE``)
in a child process; its wall time and peak RSS (``os.wait4`` rusage of that child) are
recorded. Searches call ``spotcheck.targets.search.search`` in this process against the
imported registry. The figures go to docs/benchmarks.md between the registry-bench markers.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spotcheck.tabular.codes import make_uscc
from spotcheck.tabular.regions import regions
from spotcheck.tabular.specs import TARGETS

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- registry-bench:start -->", "<!-- registry-bench:end -->"
DEPARTMENT = "370300-GXJ"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
GOAL_IMPORT_S = 60.0
GOAL_RSS_MIB = 2048.0
GOAL_SEARCH_MS = 200.0
SEED = 20260503

# ---- the file ----------------------------------------------------------------------------

# 字号 (trade names): two characters each; a given one is carried by ~1/len of the firms.
_ZIHAO = tuple(
    "鑫源华通宏达恒信德昌金泰瑞丰永盛兴隆聚源天成中和东岳齐鲁泰和隆昌汇丰同心博远新华盛世安泰福泽润禾"
    "嘉禾万通信达明辉志诚正大裕丰长青振华光大海丰宝丰富源和顺祥瑞旭日锦程鸿运凯旋卓越华夏龙腾金鼎银河"
    "新宇星辰立信诚信康达嘉信荣盛元亨利民惠民齐盛鲁中"[i : i + 2]
    for i in range(0, 120, 2)
)
# 行业用语 with weights (scope phrase, industry codes).
_TRADES: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
    ("化工", 8, "化学原料和化学制品制造；危险化学品经营", ("C26",)),
    ("陶瓷", 5, "日用陶瓷制品制造；建筑陶瓷制品销售", ("C30",)),
    ("机械制造", 10, "通用设备制造；机械零部件加工", ("C34", "C35")),
    ("食品", 10, "食品生产；食品销售；预包装食品销售", ("C13", "C14")),
    ("医药", 4, "药品生产；药品批发；医疗器械销售", ("C27", "F51")),
    ("纺织", 5, "棉纺纱加工；针纺织品销售", ("C17",)),
    ("电子科技", 8, "电子元器件制造；技术开发、技术咨询、技术服务", ("C39", "I65")),
    ("建材", 6, "水泥制品制造；建筑材料销售", ("C30", "F51")),
    ("商贸", 14, "日用百货销售；五金产品零售", ("F51", "F52")),
    ("物流", 6, "道路货物运输；仓储服务", ("G54", "G59")),
    ("信息技术", 6, "软件开发；信息系统集成服务", ("I65",)),
    ("环保科技", 4, "环境保护专用设备制造；大气污染治理", ("C35", "N77")),
    ("汽车销售", 4, "汽车新车销售；汽车零配件零售", ("F52",)),
    ("钢铁", 3, "钢压延加工；金属材料销售", ("C31",)),
    ("餐饮管理", 7, "餐饮服务；餐饮管理", ("H62",)),
)
_SUFFIXES = (("有限公司", 62), ("有限责任公司", 14), ("股份有限公司", 4), ("集团有限公司", 2))
_SHOPS = ("小吃店", "便利店", "五金店", "理发店", "面馆", "超市", "水果店", "家电维修部")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉"
_ROADS = ("人民西路", "共青团路", "柳泉路", "华光路", "新村西路", "北京路", "鲁泰大道", "中润大道")
_TAGS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "食品生产",
    "重点监管",
    "特种设备",
    "危险化学品",
    "食品生产、重点监管",
)
# Searched fragments: matched by few, by many, by nobody (see the generator's weights).
FRAGMENTS = (
    ("q", "鑫源医药", "few"),
    ("q", "鑫源", "some"),
    ("q", "化工", "many"),
    ("q", "有限公司", "most"),
)
NO_MATCH = "龘靐"


@dataclass(frozen=True)
class Area:
    """A current county-level code and the short city name used in firm names."""

    code: str
    city: str
    county: str


def _areas() -> list[tuple[Area, int]]:
    table = regions()
    out: list[tuple[Area, int]] = []
    for code, region in sorted(table.items()):
        if region.abolished is not None or not code.startswith("37") or code.endswith("00"):
            continue
        if code[4:] == "01" or region.name in ("市辖区",):
            continue
        city = table.get(code[:4] + "00")
        if city is None or city.abolished is not None:
            continue
        short = city.name.removesuffix("市")
        # Most of the registry is in Zibo (the demo department's city), the rest across Shandong.
        weight = 60 if code.startswith("3703") else 2
        out.append((Area(code, short, region.name), weight))
    return out


def _rows(count: int, rng: random.Random) -> Iterator[list[str]]:
    areas, area_weights = zip(*_areas(), strict=True)
    trade_weights = [t[1] for t in _TRADES]
    suffixes = [name for name, _weight in _SUFFIXES]
    suffix_weights = [weight for _name, weight in _SUFFIXES]
    for seq in range(1, count + 1):
        area = rng.choices(areas, area_weights)[0]
        legal = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(("", rng.choice(_GIVEN)))
        shop = rng.random() < 0.12
        if shop:
            kind = "个体工商户"
            key = make_uscc(seq, authority="9", category="2", region=area.code)
            name = f"{area.county}{legal[0]}记{rng.choice(_SHOPS)}"
            scope, industry = "小餐饮；日用百货零售", rng.choice(("H62", "F52", "O80"))
        else:
            trade = rng.choices(_TRADES, trade_weights)[0]
            kind = "农民专业合作社" if rng.random() < 0.02 else "企业"
            category = "3" if kind == "农民专业合作社" else "1"
            key = make_uscc(seq, category=category, region=area.code)
            suffix = "专业合作社" if category == "3" else rng.choices(suffixes, suffix_weights)[0]
            name = f"{area.city}{rng.choice(_ZIHAO)}{trade[0]}{suffix}"
            scope, industry = trade[2], rng.choice(trade[3])
        # Firm names repeat across the province; the credit code tells them apart.
        phone = (
            f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.7
            else f"0533-{rng.randrange(2000000, 9999999):07d}"
        )
        yield [
            key,
            name,
            kind,
            f"山东省{area.city}市{area.county}{rng.choice(_ROADS)}{rng.randrange(1, 999)}号",
            area.code,
            industry,
            legal,
            phone,
            scope,
            rng.choices(("存续", "注销", "吊销", "迁出"), (90, 6, 3, 1))[0],
            rng.choices("ABCD", (30, 50, 15, 5))[0],
            "是" if rng.random() < 0.03 else "否",
            "是" if rng.random() < 0.005 else "否",
            str(rng.choices((0, 1, 2, 5), (85, 10, 4, 1))[0]),
            rng.choice(_TAGS),
        ]


def write_csv(path: Path, count: int, *, bad_row: int | None = None) -> None:
    """The 15 template columns, GB18030; ``bad_row`` (file row number) gets a wrong check digit."""
    headers = TARGETS.headers[:15]
    rng = random.Random(SEED)
    with path.open("wb") as raw:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        for index, row in enumerate(_rows(count, rng), start=2):
            if index == bad_row:
                row[0] = row[0][:17] + ("0" if row[0][17] != "0" else "1")
            writer.writerow(row)
            if index % 50_000 == 0:
                raw.write(buffer.getvalue().encode("gb18030"))
                buffer.seek(0)
                buffer.truncate()
        raw.write(buffer.getvalue().encode("gb18030"))


# ---- running the command line ------------------------------------------------------------


@dataclass
class Run:
    """One child process: exit code, wall seconds, peak RSS (MiB) and its output."""

    argv: list[str]
    code: int
    seconds: float
    rss_mib: float
    stdout: str
    stderr: str


def run(argv: Sequence[str], env: dict[str, str], timeout: float = 1800) -> Run:
    """Run ``argv``; wall time and the child's own peak RSS via wait4 (not other children's)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, env=env, cwd=REPO)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            list(argv),
            proc.returncode,
            seconds,
            usage.ru_maxrss / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def _check(result: Run, what: str) -> Run:
    if result.code != 0:
        raise SystemExit(f"{what} failed ({result.code}):\n{result.stdout}\n{result.stderr}")
    return result


# ---- search ------------------------------------------------------------------------------


@dataclass
class Timing:
    """Median and p95 of repeated calls, and what the last call returned."""

    label: str
    median_ms: float
    p95_ms: float
    total: int
    capped: bool
    runs: int


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def search_timings(url: str, runs: int, key_prefixes: Sequence[str]) -> list[Timing]:
    """Time ``targets.search.search`` for each case (one warm-up call, then ``runs`` calls)."""
    from spotcheck.config import Settings
    from spotcheck.db import import_all_models, make_engine, make_session_factory
    from spotcheck.departments import service as departments_service
    from spotcheck.targets import search as targets_search
    from spotcheck.targets.search import Filters

    import_all_models()
    settings = Settings(DATABASE_URL=url)
    engine = make_engine(settings)
    factory = make_session_factory(engine)
    cases: list[tuple[str, Filters]] = [
        (f"名称含“{text}”（{share}）", Filters(q=text)) for _k, text, share in FRAGMENTS
    ]
    cases.append((f"名称含“{NO_MATCH}”（无匹配）", Filters(q=NO_MATCH)))
    cases += [(f"代码前缀 {p}", Filters(key=p)) for p in key_prefixes]
    cases += [
        ("区划 370303（张店区）", Filters(region="370303")),
        ("区划 370300（淄博全市）", Filters(region="370300")),
        ("区划 371700（菏泽全市）", Filters(region="371700")),
    ]
    out: list[Timing] = []
    try:
        with factory() as session:
            dept = departments_service.get_by_code(session, DEPARTMENT)
            assert dept is not None
            scope = departments_service.subtree_ids(session, dept)
            for label, filters in cases:
                targets_search.search(session, scope, filters, page=1, per_page=50)
                times: list[float] = []
                for _ in range(runs):
                    started = time.perf_counter()
                    _rows_found, total, capped = targets_search.search(
                        session, scope, filters, page=1, per_page=50
                    )
                    times.append((time.perf_counter() - started) * 1000)
                    session.expunge_all()
                out.append(
                    Timing(
                        label,
                        statistics.median(times),
                        _percentile(times, 0.95),
                        total,
                        capped,
                        runs,
                    )
                )
    finally:
        engine.dispose()
    return out


# ---- one backend -------------------------------------------------------------------------


@dataclass
class BackendResult:
    """Everything measured on one database."""

    backend: str
    version: str
    rows: int
    before_fail: int = 0
    after_fail: int = 0
    after_import: int = 0
    after_reimport: int = 0
    fail: Run | None = None
    fail_line: str = ""
    good: Run | None = None
    again: Run | None = None
    searches: list[Timing] = field(default_factory=list)
    searches_vacuumed: list[Timing] = field(default_factory=list)


def _vacuum(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE) target"))
    finally:
        engine.dispose()


def _count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM target")).scalar_one())
    finally:
        engine.dispose()


def _version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                return "SQLite " + str(conn.execute(text("select sqlite_version()")).scalar_one())
            full = str(conn.execute(text("select version()")).scalar_one())
            return full.split(" on ")[0]
    finally:
        engine.dispose()


def bench_backend(
    backend: str, good: Path, bad: Path, bad_row: int, rows: int, runs: int, work: Path
) -> BackendResult:
    """Upgrade + demo load, then the failing import, the import, the re-import and searches."""
    pg_db = f"spotcheck_regbench_{os.getpid()}"
    if backend == "sqlite":
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        url = PG_URL.format(db=pg_db)
        subprocess.run(
            [
                "createdb",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--locale=C.UTF-8",
                "-T",
                "template0",
                pg_db,
            ],
            check=True,
        )
    # A wide console: rich would otherwise wrap each error line at 80 columns.
    env = {**os.environ, "DATABASE_URL": url, "SPOTCHECK_ENV": "development", "COLUMNS": "400"}
    cli = str(VENV_BIN / "spotcheck")
    try:
        _check(run([cli, "db", "upgrade"], env), "db upgrade")
        _check(run([cli, "demo", "load"], env), "demo load")
        result = BackendResult(backend, _version(url), rows)
        importing = [cli, "import", "targets"]
        result.before_fail = _count(url)
        result.fail = run([*importing, str(bad), "--department", DEPARTMENT], env)
        result.after_fail = _count(url)
        lines = [ln.strip() for ln in result.fail.stderr.splitlines() if f"第 {bad_row} 行" in ln]
        result.fail_line = lines[0] if lines else "(no line naming the row)"
        print(f"[{backend}] failing import: exit {result.fail.code}, {result.fail.seconds:.1f} s")
        result.good = _check(
            run([*importing, str(good), "--department", DEPARTMENT], env), "import"
        )
        result.after_import = _count(url)
        print(f"[{backend}] import: {result.good.seconds:.1f} s, {result.good.rss_mib:.0f} MiB")
        result.again = _check(
            run([*importing, str(good), "--department", DEPARTMENT], env), "re-import"
        )
        result.after_reimport = _count(url)
        print(f"[{backend}] re-import: {result.again.seconds:.1f} s")
        prefixes = _key_prefixes(good)
        result.searches = search_timings(url, runs, prefixes)
        if backend == "postgresql":
            # What autovacuum does within a minute or so of a big import: the visibility map
            # lets the name index answer without visiting the table.
            _vacuum(url)
            result.searches_vacuumed = search_timings(url, runs, prefixes)
        for t in [*result.searches, *result.searches_vacuumed]:
            print(f"[{backend}] {t.label}: median {t.median_ms:.1f} ms, p95 {t.p95_ms:.1f} ms")
        return result
    finally:
        if backend == "postgresql":
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", pg_db], check=False
            )


def _key_prefixes(path: Path) -> list[str]:
    """A short prefix shared by many codes and a long one shared by a handful."""
    with path.open("rb") as raw:
        raw.readline()
        first = raw.readline().decode("gb18030").split(",")[0]
    return [first[:8], first[:14]]


# ---- the report --------------------------------------------------------------------------


def _machine() -> list[str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(re.findall(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[0])
        mem = f"{kib / 1048576:.1f} GiB"
    except (OSError, IndexError):
        pass
    return [
        f"- CPU: {os.cpu_count()} × {cpu or platform.processor()}; RAM {mem}",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
    ]


def _ok(passed: bool) -> str:
    return "✅ 达标" if passed else "❌ 未达标"


def render(results: Sequence[BackendResult], rows: int, runs: int, file_mib: float) -> str:
    """The markdown section between the markers."""
    lines = [
        START,
        "## 名录库导入与检索（issue 3）",
        "",
        f"_Generated by `python -m bench.registry_bench --rows {rows}` on "
        f"{time.strftime('%Y-%m-%d %H:%M')}; re-run to refresh._",
        "",
        "**Machine**",
        "",
        *_machine(),
        *[f"- {r.backend}: {r.version}" for r in results],
        "",
        "**Method**",
        "",
        f"- A {rows:,}-row CSV of targets ({file_mib:.0f} MiB, GB18030, the 15 template columns "
        "in template order): valid 统一社会信用代码 (`make_uscc`), current Shandong county codes "
        "(most in Zibo), industries such as C26/C31, realistic firm and shop names. A second "
        "file differs in one row (row "
        "number in the table below) whose credit code has a wrong check character.",
        "- Each database is fresh: `spotcheck db upgrade`, `spotcheck demo load`, then, as a user "
        f"runs it, `spotcheck import targets FILE --department {DEPARTMENT}` in a child process: "
        "the bad file first, then the good file, then the good file again. Time is wall clock "
        "of the whole command (start-up, read, validation, write, commit); peak RSS is the "
        "child's `ru_maxrss` from `wait4`. Target rows are counted before and after each run.",
        f"- Search: `targets.search.search(session, scope, Filters(...), page=1, per_page=50)` "
        f"(one page plus the count capped at 10,000) in one process over the imported registry, "
        f"scope = the subtree of {DEPARTMENT}; one warm-up call, then {runs} timed calls per case. "
        "The import runs ANALYZE itself after a large change; on PostgreSQL the searches are "
        "timed right after the import and again after `VACUUM (ANALYZE) target`, which is what "
        "autovacuum does shortly after a million inserts (it sets the visibility map, so the "
        "name index answers without visiting the table).",
        "",
    ]
    header = "| figure | " + " | ".join(r.backend for r in results) + " | goal |"
    lines += [header, "|---|" + "---|" * len(results) + "---|"]

    def row(label: str, cells: list[str], goal: str = "") -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {goal} |")

    def imp(run_: Run | None) -> str:
        if run_ is None:
            return "—"
        passed = run_.code == 0 and run_.seconds < GOAL_IMPORT_S and run_.rss_mib < GOAL_RSS_MIB
        return f"{run_.seconds:.1f} s, {run_.rss_mib:.0f} MiB {_ok(passed)}"

    row(f"import {rows:,} rows (new)", [imp(r.good) for r in results], "< 60 s, < 2 GiB")
    row(
        "  rows after import",
        [f"{r.after_import:,} (before {r.before_fail:,})" for r in results],
    )
    row(
        "  printed",
        [(r.good.stdout.strip().splitlines() or [""])[-1] if r.good else "" for r in results],
    )
    row("re-import (all 未变)", [imp(r.again) for r in results], "< 60 s, < 2 GiB")
    row(
        "  printed",
        [(r.again.stdout.strip().splitlines() or [""])[-1] if r.again else "" for r in results],
    )

    def failed(r: BackendResult) -> str:
        assert r.fail is not None
        nothing = r.before_fail == r.after_fail
        passed = r.fail.code == 1 and nothing and "(no line" not in r.fail_line
        return (
            f"exit {r.fail.code}, {r.fail.seconds:.1f} s, {r.fail.rss_mib:.0f} MiB; rows "
            f"{r.before_fail:,} → {r.after_fail:,} {_ok(passed)}"
        )

    row("import with 1 bad row", [failed(r) for r in results], "exit 1, nothing written")
    row("  error printed", [f"`{r.fail_line}`" for r in results])
    labels = [t.label for t in results[0].searches] if results else []

    def timing(t: Timing) -> str:
        shown = f"{t.total:,}{'+' if t.capped else ''}"
        return (
            f"{t.median_ms:.1f} / {t.p95_ms:.1f} ms ({shown} hits) {_ok(t.p95_ms < GOAL_SEARCH_MS)}"
        )

    for i, label in enumerate(labels):
        cells = []
        for r in results:
            cell = timing(r.searches[i])
            if r.searches_vacuumed:
                cell = (
                    f"right after import: {cell}<br>after VACUUM: {timing(r.searches_vacuumed[i])}"
                )
            cells.append(cell)
        row(f"search {label}: median / p95", cells, "< 200 ms")
    lines += ["", END]
    return "\n".join(lines)


def write_doc(section: str) -> None:
    """Replace the section between the markers (appended when absent); keep the rest."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Generate the files, run every case on each backend, write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows and 5 search runs")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-doc", action="store_true", help="print, do not write the doc")
    parser.add_argument("--json", type=Path, help="also dump the raw figures here")
    args = parser.parse_args(argv)
    rows, runs = (100_000, 5) if args.quick else (args.rows, args.runs)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    work = Path(tempfile.mkdtemp(prefix="registry-bench-"))
    try:
        good, bad = work / "targets.csv", work / "targets_bad.csv"
        bad_row = rows // 2 + 1
        started = time.perf_counter()
        write_csv(good, rows)
        write_csv(bad, rows, bad_row=bad_row)
        file_mib = good.stat().st_size / 1048576
        print(f"files: {file_mib:.0f} MiB each, {time.perf_counter() - started:.0f} s")
        results = [bench_backend(b, good, bad, bad_row, rows, runs, work) for b in backends]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section = render(results, rows, runs, file_mib)
    if args.json:
        args.json.write_text(
            json.dumps([_as_json(r) for r in results], ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    if args.no_doc:
        print(section)
    else:
        write_doc(section)
        print(f"wrote {DOC.relative_to(REPO)}")


def _as_json(r: BackendResult) -> dict[str, Any]:
    def run_(x: Run | None) -> dict[str, Any] | None:
        return None if x is None else {"code": x.code, "seconds": x.seconds, "rss_mib": x.rss_mib}

    return {
        "backend": r.backend,
        "fail": run_(r.fail),
        "fail_line": r.fail_line,
        "import": run_(r.good),
        "reimport": run_(r.again),
        "counts": [r.before_fail, r.after_fail, r.after_import, r.after_reimport],
        "search": [t.__dict__ for t in r.searches],
        "search_vacuumed": [t.__dict__ for t in r.searches_vacuumed],
    }


if __name__ == "__main__":
    main()
