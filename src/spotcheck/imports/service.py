"""One import, as the web wizard and the CLI run it: read, validate, apply, all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from sqlalchemy.orm import Session

from spotcheck.audit.service import Actor
from spotcheck.config import Settings
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.imports import adapters
from spotcheck.imports import history as history_adapter
from spotcheck.tabular.encoding import label as encoding_label
from spotcheck.tabular.history_spec import HISTORY
from spotcheck.tabular.limits import MIB, Limits
from spotcheck.tabular.reader import Table, TableError, open_table
from spotcheck.tabular.schema import Result, RowError, Spec, validate
from spotcheck.tabular.specs import INSPECTORS, ITEMS, TARGETS
from spotcheck.tabular.writer import write_csv, write_xlsx
from spotcheck.targets import service as targets_service

Kind = Literal["targets", "inspectors", "items", "history"]
# The file layouts: templates, exports and validation.
SPECS: dict[str, Spec] = {
    "targets": TARGETS,
    "inspectors": INSPECTORS,
    "items": ITEMS,
    "history": HISTORY,
}
LABELS = {
    "targets": "检查对象",
    "inspectors": "执法检查人员",
    "items": "随机抽查事项",
    "history": "检查记录",
}
MAX_UPLOAD = (
    100 * 1024 * 1024
)  # the web wizard and the API; larger files go through `spotcheck import`
PREVIEW_ROWS = 5


def limits_of(settings: Settings) -> Limits:
    """The bounds of one import file as configured (IMPORT_MAX_* settings)."""
    return Limits(
        max_unpacked_bytes=settings.import_max_unpacked_mb * MIB,
        max_ratio=settings.import_max_ratio,
        max_rows=settings.import_max_rows,
    )


@dataclass
class Report:
    """The outcome of one import attempt: counts when it went in, every error when not."""

    kind: str
    filename: str
    sha256: str
    rows: int = 0
    outcome: adapters.Outcome | None = None
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    # What was read, for the user to recognise before confirming: how the text was decoded
    # and the first data rows as decoded (row number, cells as text).
    encoding: str = ""
    headers: list[str] = field(default_factory=list)
    preview: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file was (or would be) imported."""
        return self.outcome is not None and not self.errors and not self.file_error


def run(
    session: Session,
    actor: Actor,
    kind: str,
    data: bytes,
    filename: str,
    *,
    department: Department | None,
    scope: Sequence[int],
    registry: str = "",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> Report:
    """Validate the whole file and, when it has no error at all, apply it (never commits)."""
    if kind not in SPECS:
        raise DomainError(f"不支持的导入类型：{kind}")
    report = Report(kind, filename, hashlib.sha256(data).hexdigest())
    try:
        table = open_table(data, filename, limits=limits)
        _preview(report, table)
        result: Result = validate(table, SPECS[kind], progress=progress)
    except TableError as exc:
        report.file_error = str(exc)
        return report
    report.rows = result.rows_read
    if result.errors:
        report.errors = result.errors
        if kind == "history":
            # Every error at once: duplicates and unknown departments among the valid rows too.
            found, _ids = history_adapter.problems(session, result.records, result.row_numbers)
            report.errors = sorted([*result.errors, *found], key=lambda e: e.row)
        return report
    if kind == "history":
        try:
            report.outcome = history_adapter.apply(
                session,
                actor,
                result.records,
                result.row_numbers,
                scope,
                filename=filename,
                sha256=report.sha256,
                dry_run=dry_run,
            )
        except adapters.ImportRefused as exc:
            report.errors = exc.errors
        return report
    try:
        if kind == "inspectors":
            report.outcome = adapters.apply_inspectors(
                session,
                actor,
                result.records,
                result.row_numbers,
                scope,
                filename=filename,
                sha256=report.sha256,
                dry_run=dry_run,
            )
        elif department is None:
            raise DomainError(f"导入{LABELS[kind]}须指定部门")
        elif kind == "targets":
            tag = (
                targets_service.get_registry(session, department, registry).tag if registry else ""
            )
            report.outcome = adapters.apply_targets(
                session,
                actor,
                department,
                result.records,
                filename=filename,
                sha256=report.sha256,
                registry_tag=tag,
                dry_run=dry_run,
            )
        else:
            report.outcome = adapters.apply_items(
                session,
                actor,
                department,
                result.records,
                filename=filename,
                sha256=report.sha256,
                dry_run=dry_run,
            )
    except adapters.ImportRefused as exc:
        report.errors = exc.errors
    return report


def _preview(report: Report, table: Table) -> None:
    """The decoding and the first rows as read, shown by the wizard before the user confirms."""
    report.encoding = encoding_label(table.encoding) if table.encoding else "Excel 工作簿"
    report.headers = list(table.headers)
    for number, cells in table.rows():
        report.preview.append((number, ["" if c is None else str(c) for c in cells]))
        if len(report.preview) >= PREVIEW_ROWS:
            break


def write_rows(stream: IO[bytes], kind: str, fmt: str, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of one kind in template layout as .xlsx (code columns as text) or .csv (UTF-8 BOM)."""
    spec = SPECS[kind]
    if fmt == "xlsx":
        write_xlsx(
            stream,
            spec.headers,
            rows,
            text_columns=spec.text_headers,
            sheet_title=spec.title or "数据",
        )
    else:
        write_csv(stream, spec.headers, rows)
