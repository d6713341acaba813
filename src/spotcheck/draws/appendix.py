"""The appendix of the 抽取记录: the full list of drawn targets and their groups, as CSV and
Excel, bound to the signed record by the SHA-256 it prints (`Draw.list_sha256`).

The CSV is the list itself: its SHA-256 is the list's, so anyone can check a copy with
`sha256sum`. The Excel file carries the same rows under a first line naming that SHA-256.
"""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from spotcheck.draws import visits
from spotcheck.draws.models import Draw
from spotcheck.tabular import bulk_xlsx

WIDTHS = (10, 40, 26, 30, 70, 30)


def filename(draw: Draw, fmt: str) -> str:
    """The appendix's file name."""
    return f"{draw.code}-抽取名单.{fmt}"


def csv_bytes(session: Session, draw: Draw) -> bytes:
    """The appendix as CSV (UTF-8 with BOM); its SHA-256 is `draw.list_sha256`."""
    return visits.appendix_csv(session, draw)


def xlsx_bytes(session: Session, draw: Draw) -> bytes:
    """The appendix as an Excel workbook, the list's SHA-256 on its first line."""
    stream = io.BytesIO()
    bulk_xlsx.write(
        stream,
        visits.APPENDIX_HEADERS,
        (visits.appendix_row(v) for v in visits.every(session, draw)),
        sheet_title="抽取名单",
        title=(
            f"抽取记录 {draw.code} 附件：抽取名单（共 {draw.selected_count} 个对象）。"
            f"名单 SHA-256：{draw.list_sha256}（即同名 CSV 文件的 SHA-256）"
        ),
        widths=WIDTHS,
    )
    return stream.getvalue()
