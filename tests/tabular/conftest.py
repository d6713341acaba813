"""Helpers that write real .xlsx and .csv files into tmp_path."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

FileMaker = Callable[..., Path]


@pytest.fixture
def make_csv(tmp_path: Path) -> FileMaker:
    """Write rows as a CSV file in an encoding; returns its path."""

    def make(
        rows: Sequence[Sequence[Any]], encoding: str = "utf-8", name: str = "data.csv"
    ) -> Path:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path

    return make


@pytest.fixture
def make_xlsx(tmp_path: Path) -> FileMaker:
    """Write rows with openpyxl (cells keep their Python types; None = empty); returns its path."""

    def make(rows: Sequence[Sequence[Any]], name: str = "data.xlsx", start_row: int = 1) -> Path:
        workbook = Workbook()
        sheet = workbook.active
        for r, row in enumerate(rows, start=start_row):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        path = tmp_path / name
        workbook.save(path)
        return path

    return make
