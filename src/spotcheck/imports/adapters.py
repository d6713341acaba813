"""Adapters between the file layer (spotcheck.tabular) and the registries' services.

One adapter per kind maps the spec's record keys onto the model's fields, applies validated
records in the caller's transaction, validates single form submissions with the very same
column rules, and turns stored rows back into file rows for exports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.catalog import points as catalog_points
from spotcheck.catalog import service as catalog_service
from spotcheck.catalog.models import CheckItem
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.inspectors import links as inspector_links
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector
from spotcheck.tabular.reader import Cell, Table
from spotcheck.tabular.schema import RowError, Spec, validate
from spotcheck.tabular.specs import INSPECTORS, ITEMS, TARGETS
from spotcheck.targets import bulk as targets_bulk
from spotcheck.targets import service as targets_service
from spotcheck.targets.models import Target

# spec record key → model field, where they differ
TARGET_FIELDS = {
    "legal_representative": "legal_rep",
    "abnormal_operation": "abnormal",
    "serious_dishonesty": "dishonest",
    "complaint_count": "complaints",
    "operator_id_number": "id_number",
}
INSPECTOR_FIELDS = {
    "certificate_no": "cert_no",
    "certificate_issuer": "cert_issuer",
    "certificate_valid_until": "cert_valid_until",
}


class _FormTable(Table):
    """One form submission seen as a one-row table, so forms obey the import rules exactly."""

    def __init__(self, spec: Spec, values: Mapping[str, str]) -> None:
        super().__init__("表单", spec.headers, 1, 0)
        self._cells: list[Cell] = [values.get(c.key, "") for c in spec.columns]

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        yield 2, self._cells


def validate_form(spec: Spec, values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(record, {header: message}) for one form; the record is empty when there are errors."""
    result = validate(_FormTable(spec, values), spec)
    if result.errors:
        errors: dict[str, str] = {}
        for error in result.errors:
            errors.setdefault(error.column, error.rule)
        return {}, errors
    return dict(result.records[0]), {}


def _renamed(record: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {names.get(k, k): v for k, v in record.items()}


def _back(names: Mapping[str, str]) -> dict[str, str]:
    return {v: k for k, v in names.items()}


@dataclass(frozen=True)
class Outcome:
    """What an import did (or would do, on a dry run)."""

    rows: int
    created: int
    updated: int
    unchanged: int
    batch_id: int | None = None
    warnings: tuple[str, ...] = ()  # things to double-check that do not stop the import


class ImportRefused(DomainError):
    """Validated rows that the registry refuses (e.g. a department outside the user's scope)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"有 {len(errors)} 行无法导入，未写入任何数据")
        self.errors = errors


# ---- targets ---------------------------------------------------------------------------


def target_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A validated target row as the targets service expects it."""
    return _renamed(record, TARGET_FIELDS)


class _Renamed(Sequence[dict[str, Any]]):
    """Records renamed on access: a million renamed copies would cost ~400 MiB for nothing."""

    def __init__(self, records: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> None:
        self._records = records
        self._names = names

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [_renamed(r, self._names) for r in self._records[index]]
        return _renamed(self._records[index], self._names)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names = self._names
        for record in self._records:
            yield _renamed(record, names)


def target_form_values(target: Target) -> dict[str, str]:
    """A stored target as form values (spec keys)."""
    back = _back(TARGET_FIELDS)
    out: dict[str, str] = {}
    for field in targets_service.FIELDS:
        value = getattr(target, field)
        key = back.get(field, field)
        if isinstance(value, bool):
            out[key] = "是" if value else "否"
        elif field == "tags":
            out[key] = "、".join(target.tag_list)
        else:
            out[key] = "" if value is None else str(value)
    return out


def target_row(target: Target) -> list[Any]:
    """A stored target as an export row in template order."""
    values = {field: getattr(target, field) for field in targets_service.FIELDS}
    values["tags"] = "、".join(target.tag_list)
    values["registry_code"] = target.registry_code
    back = _back(TARGET_FIELDS)
    by_key = {back.get(f, f): v for f, v in values.items()}
    row: list[Any] = []
    for column in TARGETS.columns:
        value = by_key.get(column.key, "")
        if column.kind == "bool":
            value = "是" if value else "否"
        row.append(value)
    return row


def apply_targets(
    session: Session,
    actor: Actor,
    department: Department,
    records: Sequence[Mapping[str, Any]],
    *,
    filename: str,
    sha256: str,
    registry_tag: str = "",
    dry_run: bool = False,
) -> Outcome:
    """Upsert targets by key into the department's registry."""
    result = targets_bulk.apply_import(
        session,
        actor,
        department,
        [target_record(r) for r in records],
        filename=filename,
        sha256=sha256,
        extra_tag=registry_tag,
        dry_run=dry_run,
    )
    return Outcome(result.rows, result.created, result.updated, result.unchanged, result.batch_id)


# ---- inspectors ------------------------------------------------------------------------


def inspector_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A validated inspector row as the inspectors service expects it."""
    return _renamed(record, INSPECTOR_FIELDS)


def inspector_form_values(inspector: Inspector) -> dict[str, str]:
    """A stored inspector as form values (spec keys)."""
    back = _back(INSPECTOR_FIELDS)
    out = {
        back.get(f, f): ("" if getattr(inspector, f) is None else str(getattr(inspector, f)))
        for f in inspectors_service.FIELDS
    }
    out["expertise"] = "、".join(inspector.expertise_list)
    out["username"] = inspector.user.username if inspector.user is not None else ""
    out["department"] = inspector.department.name
    out["department_id"] = str(inspector.department_id)
    return out


def inspector_row(inspector: Inspector) -> list[Any]:
    """A stored inspector as an export row in template order."""
    values = inspector_form_values(inspector)
    return [values.get(column.key, "") for column in INSPECTORS.columns]


def _resolve_department(session: Session, name: str, scope: Sequence[int]) -> Department | None:
    department = departments_service.get_by_name(session, name) or departments_service.get_by_code(
        session, name
    )
    if department is None or department.id not in scope:
        return None
    return department


def _account_of(
    session: Session, record: Mapping[str, Any], department: Department
) -> tuple[User | None, str | None]:
    """The account a row's 登录账号 names (None when empty), or why it cannot be used."""
    username = record.get("username", "")
    if not username:
        return None, None
    account = accounts_service.get_by_username(session, username)
    if account is None:
        return None, f"系统中没有登录账号“{username}”；请先由系统管理员创建账号"
    values = inspectors_service.normalise(inspector_record(record))
    key = values["cert_no"] or inspectors_service.derived_key(
        department.code, values["name"], values["phone"]
    )
    other = inspector_links.of_user(session, account.id)
    try:
        inspector_links.check(
            session, other.id if other and other.key == key else None, department.id, account
        )
    except DomainError as exc:
        return None, exc.message
    return account, None


def apply_inspectors(
    session: Session,
    actor: Actor,
    records: Sequence[Mapping[str, Any]],
    row_numbers: Sequence[int],
    scope: Sequence[int],
    *,
    filename: str,
    sha256: str,
    dry_run: bool = False,
) -> Outcome:
    """Upsert inspectors by certificate number (or derived key); 部门 must be in the user's scope."""
    errors: list[RowError] = []
    resolved: list[tuple[Department, dict[str, Any], User | None]] = []
    accounts_in_file: dict[str, int] = {}
    for number, record in zip(row_numbers, records, strict=True):
        department = _resolve_department(session, record["department"], scope)
        if department is None:
            errors.append(
                RowError(
                    number,
                    "部门",
                    record["department"],
                    "不是您管理范围内的部门（按部门名称或编码匹配）",
                )
            )
            continue
        account, problem = _account_of(session, record, department)
        username = record.get("username", "")
        if problem is None and account is not None:
            first = accounts_in_file.setdefault(account.username, number)
            if first != number:
                problem = f"与第 {first} 行填写了同一登录账号；一个账号只能关联一名人员"
        if problem is not None:
            errors.append(RowError(number, inspector_links.FIELD, username, problem))
            continue
        resolved.append((department, inspector_record(record), account))
    if errors:
        raise ImportRefused(errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    source = f"批量导入（{filename[:60]}）"
    for number, (department, record, account) in zip(row_numbers, resolved, strict=True):
        try:
            inspector, outcome = inspectors_service.upsert(
                session, actor, department, record, source, scope, dry_run=dry_run
            )
        except DomainError as exc:
            errors.append(RowError(number, "执法证号", record.get("cert_no", ""), exc.message))
            continue
        if account is not None:
            try:
                if inspector is None:  # a new entry on a dry run: only the account is checked
                    inspector_links.check(session, None, department.id, account)
                elif dry_run:
                    inspector_links.check(session, inspector.id, inspector.department_id, account)
                elif inspector_links.link(session, actor, inspector, account, source):
                    outcome = "updated" if outcome == "unchanged" else outcome
            except DomainError as exc:
                errors.append(
                    RowError(number, inspector_links.FIELD, account.username, exc.message)
                )
                continue
            if dry_run and inspector is not None and inspector.user_id != account.id:
                outcome = "updated" if outcome == "unchanged" else outcome
        counts[outcome] += 1
    if errors:
        raise ImportRefused(errors)
    if not dry_run:
        audit_service.record(
            session,
            actor,
            "inspector.import",
            object_type="import",
            object_id=sha256[:16],
            summary=(
                f"导入执法检查人员 {filename[:80]}：共 {len(records)} 行，新增 {counts['created']}，"
                f"修改 {counts['updated']}，未变 {counts['unchanged']}"
            ),
            after={"sha256": sha256, "rows": len(records)},
        )
    return Outcome(len(records), counts["created"], counts["updated"], counts["unchanged"])


# ---- items -----------------------------------------------------------------------------


def item_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A validated item row as the catalog service expects it."""
    out = dict(record)
    out["target_type"] = "、".join(record.get("target_types") or [])
    out["implementer"] = record.get("department") or ""
    # The cell was validated by the column's check (catalog.points.cell_check).
    out["check_points"] = catalog_points.parse_lines(record.get("check_points") or "")[0]
    return out


def item_form_values(item: CheckItem) -> dict[str, Any]:
    """A stored item's latest version as form values."""
    version = item.latest
    assert version is not None
    return {
        "code": item.code,
        "name": version.name,
        "list_type": version.list_type,
        "target_types": version.target_type,
        "content": version.content,
        "legal_basis": version.legal_basis,
        "methods": version.method_list,
        "ratio_bp": version.ratio_text,
        "frequency": version.frequency,
        "kind": version.kind,
        "domains": version.domain_list,
        "department": version.implementer,
        "check_points": catalog_points.format_lines([p.as_dict() for p in version.points]),
    }


def item_row(item: CheckItem) -> list[Any]:
    """An item's latest version as an export row in template order."""
    values = item_form_values(item)
    values["methods"] = "、".join(values["methods"])
    values["domains"] = "、".join(values["domains"])
    return [values.get(column.key, "") for column in ITEMS.columns]


def apply_items(
    session: Session,
    actor: Actor,
    department: Department,
    records: Sequence[Mapping[str, Any]],
    *,
    filename: str,
    sha256: str,
    dry_run: bool = False,
) -> Outcome:
    """Add items or new draft versions to the department's list (drafts until approved)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for record in records:
        _item, outcome = catalog_service.save(
            session, actor, department, record["code"], item_record(record), dry_run=dry_run
        )
        counts[outcome] += 1
    return Outcome(len(records), counts["created"], counts["updated"], counts["unchanged"])
