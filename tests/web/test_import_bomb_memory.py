"""A zip bomb uploaded to a real `spotcheck serve` is refused and leaves its memory flat.

Issue 11's acceptance: the peak memory while the bomb is handled stays under 200 MB above the
server's baseline. The server's peak resident size (VmHWM in /proc/<pid>/status) is read after
a warm-up import and again after the bombs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from spotcheck.demo.data import DEMO_PASSWORD
from spotcheck.tabular.limits import Limits
from tests.conftest import CSRF_RE
from tests.registries.conftest import target_row, targets_csv
from tests.tabular.bombs import GIB, HEADER_ROW, bomb, lying, sheet_xml, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIB_KIB = 1024


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def _csrf(http: httpx.Client, path: str) -> str:
    match = CSRF_RE.search(http.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _upload(http: httpx.Client, name: str, data: bytes, media: str) -> httpx.Response:
    return http.post(
        "/imports/targets",
        data={"csrf_token": _csrf(http, "/imports/targets")},
        files={"file": (name, data, media)},
    )


def test_a_zip_bomb_is_refused_by_the_server_with_flat_memory(
    served_process: tuple[str, subprocess.Popen[str]],
) -> None:
    url, server = served_process
    honest, lied = bomb(), lying(bomb())  # built before measuring; ~1 GiB each once inflated
    assert len(honest) < 4 * 1024 * 1024
    with httpx.Client(base_url=url, timeout=300) as http:
        http.post(
            "/login",
            data={
                "username": "officer",
                "password": DEMO_PASSWORD,
                "csrf_token": _csrf(http, "/login"),
            },
        )
        # Warm-up: one CSV and one small workbook through the whole import path.
        warm = _upload(http, "对象.csv", targets_csv([target_row(1)]), "text/csv")
        assert warm.status_code in (200, 400) and "检查" in warm.text
        small = _upload(http, "对象.xlsx", xlsx(sheet_xml(HEADER_ROW)), XLSX)
        assert small.status_code == 400
        baseline = _peak_kib(server.pid)

        refused = _upload(http, "对象.xlsx", honest, XLSX)
        assert refused.status_code == 400
        assert "文件无法读取：" + Limits().unpacked_message() in refused.text
        refused = _upload(http, "对象.xlsx", lied, XLSX)
        assert refused.status_code == 400
        assert "解压后是压缩大小的 100 倍以上，超过 100 倍的上限" in refused.text
        peak = _peak_kib(server.pid)

    assert server.poll() is None, "the server died"
    grown_mib = (peak - baseline) / MIB_KIB
    print(f"server peak RSS: {baseline / MIB_KIB:.0f} MB before, {peak / MIB_KIB:.0f} MB after")
    assert grown_mib < 200, f"peak memory grew by {grown_mib:.0f} MB for a {GIB >> 30} GiB bomb"
