"""Check-item verbs: items and versions, list releases (submit → approve/reject → published)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck import scoping
from spotcheck.accounts.models import ApprovalLevel, User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.catalog import access, points
from spotcheck.catalog.models import (
    RELEASE_LABELS,
    CatalogRelease,
    CheckItem,
    CheckItemVersion,
    CheckPoint,
    ReleaseStatus,
)
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, Forbidden, NotFound, Refused
from spotcheck.rulebooks.schema import cite
from spotcheck.workflow import approvals
from spotcheck.workflow import service as workflow_service
from spotcheck.workflow.machine import Basis, Machine, Move
from spotcheck.workflow.models import WorkflowStep

FIELDS = (
    "name",
    "list_type",
    "target_type",
    "content",
    "legal_basis",
    "methods",
    "ratio_bp",
    "frequency",
    "kind",
    "domains",
    "implementer",
)
# `guideline` (free text) is superseded by the version's check points (catalog.points).
# Where a department has adopted no rulebook yet, the list is still approved by a leader.
DEFAULT_APPROVAL_RULE = "本部门尚未采用细则配置：事项清单由领导审定后公布"


def approval_rule(session: Session, department: Department) -> str:
    """Who approves the department's item list and why, from its adopted rulebook profile."""
    from spotcheck.rulebooks import service as rulebooks_service

    found = rulebooks_service.adoption_for(session, department)
    if found is None:
        return DEFAULT_APPROVAL_RULE
    rule = rulebooks_service.get(session, found[0]).approvals.get("item_list")
    if rule is None:
        return DEFAULT_APPROVAL_RULE
    return f"{cite(rule.article)}：随机抽查事项清单由{rule.by}审定后公布"


def _joined(value: Any) -> str:
    items = value.split("|") if isinstance(value, str) else list(value or [])
    clean = [t.strip() for t in items if t and t.strip()]
    return "|" + "|".join(dict.fromkeys(clean)) + "|" if clean else ""


def normalise(record: Mapping[str, Any]) -> dict[str, Any]:
    """A version's fields as stored."""
    out: dict[str, Any] = {}
    for field in FIELDS:
        value = record.get(field)
        if field in ("methods", "domains"):
            out[field] = _joined(value)
        elif field == "ratio_bp":
            out[field] = int(value) if value not in (None, "") else None
        elif field == "kind":
            out[field] = value or "一般"
        elif field == "list_type":
            out[field] = value or "本部门"
        else:
            out[field] = (value or "").strip()
    if not out["name"]:
        raise DomainError("事项名称不能为空", field="name")
    if "check_points" in record:
        cleaned, errors = points.clean(record["check_points"] or [])
        if errors:
            raise DomainError(str(errors[0]), field="check_points")
        out["check_points"] = cleaned
    return out


def get_in_scope_or_404(session: Session, item_id: int, scope: Sequence[int]) -> CheckItem:
    """The item if its department is in scope, else NotFound."""
    return scoping.get_or_404(session, CheckItem, item_id, scope, "抽查事项")


def get_all(
    session: Session, scope: Sequence[int], q: str = "", published_only: bool = False
) -> list[CheckItem]:
    """Items of the departments in scope, by code."""
    query = select(CheckItem).where(CheckItem.department_id.in_(scope))
    if published_only:
        query = query.where(CheckItem.published_version_id.is_not(None))
    if q:
        query = query.join(
            CheckItemVersion, CheckItem.latest_version_id == CheckItemVersion.id
        ).where(
            (CheckItemVersion.name.contains(q, autoescape=True))
            | (CheckItem.code.startswith(q, autoescape=True))
        )
    return list(session.execute(query.order_by(CheckItem.code)).unique().scalars())


def versions(session: Session, item: CheckItem) -> list[CheckItemVersion]:
    """Every version of the item, newest first."""
    return list(
        session.execute(
            select(CheckItemVersion)
            .where(CheckItemVersion.item_id == item.id)
            .order_by(CheckItemVersion.version.desc())
        ).scalars()
    )


def _snapshot(version: CheckItemVersion | None) -> dict[str, Any]:
    if version is None:
        return {}
    return {f: getattr(version, f) for f in FIELDS} | {
        "check_points": [p.as_dict() for p in version.points]
    }


def _set_points(session: Session, version: CheckItemVersion, cleaned: list[points.Point]) -> None:
    """Replace the points of a draft version; a version in a release is frozen."""
    if version.release_id is not None:
        raise DomainError(
            f"第 {version.version} 版已提交审定或已发布，检查要点不能修改；保存修改将形成新版本"
        )
    if [p.as_dict() for p in version.points] == cleaned:
        return
    version.points.clear()
    session.flush()  # the old numbers go before the new ones take them
    version.points.extend(CheckPoint(number=n, **p) for n, p in enumerate(cleaned, start=1))


def check_points(
    session: Session, item_version_id: int, *, frozen_only: bool = True
) -> list[CheckPoint]:
    """The check points of an item version in order (what a task pinned), for visits and records.

    By default only a version in a release (submitted or published, so frozen) is answered; a
    draft's points may still change and raise a DomainError.
    """
    version = session.get(CheckItemVersion, item_version_id)
    if version is None:
        raise NotFound("抽查事项版本不存在")
    if frozen_only and version.release_id is None:
        raise DomainError(f"抽查事项第 {version.version} 版仍是草稿，检查要点尚未确定")
    return list(version.points)


def save(
    session: Session,
    actor: Actor,
    department: Department,
    code: str,
    record: Mapping[str, Any],
    *,
    dry_run: bool = False,
) -> tuple[CheckItem | None, str]:
    """Create an item or add a new draft version when its content changed; never edits a version.

    With dry_run nothing is written (the item is None when it would be new).
    """
    code = code.strip()
    if not code:
        raise DomainError("事项编码不能为空", field="code")
    values = normalise(record)
    item = session.execute(
        select(CheckItem).where(CheckItem.department_id == department.id, CheckItem.code == code)
    ).scalar()
    if item is None and dry_run:
        return None, "created"
    if item is None:
        item = CheckItem(department_id=department.id, code=code)
        session.add(item)
        session.flush()
        outcome = "created"
    else:
        if "check_points" not in values:  # a caller that does not speak of points keeps them
            values["check_points"] = _snapshot(item.latest).get("check_points", [])
        if _snapshot(item.latest) == values:
            return item, "unchanged"
        if dry_run:
            return item, "updated"
        outcome = "updated"
    latest = item.latest
    fields = {k: v for k, v in values.items() if k != "check_points"}
    if latest is not None and latest.release_id is None:
        # An unsubmitted draft is still the author's working copy: replace it, do not pile up.
        for field, value in fields.items():
            setattr(latest, field, value)
        version = latest
    else:
        number = (latest.version if latest else 0) + 1
        version = CheckItemVersion(item_id=item.id, version=number, created_by=actor.name, **fields)
        session.add(version)
        session.flush()
        item.latest_version_id = version.id
        item.latest = version
    _set_points(session, version, values.get("check_points", []))
    session.flush()
    audit_service.record(
        session,
        actor,
        f"item.{outcome}",
        object_type="check_item",
        object_id=item.id,
        summary=f"{'新增' if outcome == 'created' else '修改'}抽查事项 {code} {values['name']}（第 {version.version} 版草稿）",
        after=values,
    )
    return item, outcome


def drafts(session: Session, department: Department) -> list[CheckItemVersion]:
    """Versions of the department's items not yet in any release."""
    return list(
        session.execute(
            select(CheckItemVersion)
            .join(CheckItem, CheckItemVersion.item_id == CheckItem.id)
            .where(CheckItem.department_id == department.id, CheckItemVersion.release_id.is_(None))
            .order_by(CheckItem.code)
        ).scalars()
    )


def releases(session: Session, scope: Sequence[int]) -> list[CatalogRelease]:
    """Releases of the departments in scope, newest first."""
    return list(
        session.execute(
            select(CatalogRelease)
            .where(CatalogRelease.department_id.in_(scope))
            .order_by(CatalogRelease.id.desc())
        ).scalars()
    )


def release_versions(
    session: Session, release: CatalogRelease
) -> list[tuple[CheckItem, CheckItemVersion]]:
    """The item versions a release contains."""
    rows = session.execute(
        select(CheckItem, CheckItemVersion)
        .join(CheckItemVersion, CheckItemVersion.item_id == CheckItem.id)
        .where(CheckItemVersion.release_id == release.id)
        .order_by(CheckItem.code)
    ).all()
    return [(row[0], row[1]) for row in rows]


RELEASE = Machine(
    subject_type="catalog_release",
    noun="清单版本",
    labels={str(k): v for k, v in RELEASE_LABELS.items()},
    moves=(
        Move("submit", frozenset({ReleaseStatus.DRAFT}), ReleaseStatus.SUBMITTED, "提交审批"),
        Move(
            "approve",
            frozenset({ReleaseStatus.SUBMITTED}),
            ReleaseStatus.PUBLISHED,
            "审定发布",
            frozenset(access.APPROVE),
            "item_list",
        ),
        Move(
            "reject",
            frozenset({ReleaseStatus.SUBMITTED}),
            ReleaseStatus.REJECTED,
            "退回",
            frozenset(access.APPROVE),
        ),
    ),
    audit_prefix="catalog",
)


def requirement(session: Session, department: Department) -> approvals.Requirement:
    """The approval the item list needs: the adopted profile's `item_list`, else a platform rule."""
    from spotcheck.rulebooks import service as rulebooks_service

    found = rulebooks_service.adoption_for(session, department)
    if found is not None:
        need = approvals.requirement(rulebooks_service.get(session, found[0]), "item_list")
        if need is not None:
            return need
    return approvals.Requirement("item_list", ApprovalLevel.HEAD, "领导", "")


def _basis(release: CatalogRelease) -> Basis:
    article, _, text = release.rule.removeprefix("依据 ").partition("：")
    return Basis(article, text) if text else Basis("", release.rule)


def submit(
    session: Session, actor: Actor, department: Department, note: str = ""
) -> CatalogRelease:
    """Put every draft version into a new release awaiting the leader's approval.

    The department's row is locked first: of two concurrent submissions the second finds the
    drafts already in the first's release and is refused (409, audited)."""
    workflow_service.lock(session, department)
    pending = drafts(session, department)
    if not pending:
        audit_service.record(
            session,
            actor,
            "catalog.refused",
            object_type="department",
            object_id=department.id,
            summary=f"{department.name}：拒绝提交事项清单：没有待提交的事项修改",
            after={"attempt": "submit"},
        )
        raise Refused("没有待提交的事项修改（可能已由他人一并提交）")
    number = (
        session.execute(
            select(func.max(CatalogRelease.number)).where(
                CatalogRelease.department_id == department.id
            )
        ).scalar()
        or 0
    ) + 1
    rule = approval_rule(session, department)
    release = CatalogRelease(
        department_id=department.id, number=number, note=note.strip()[:300], rule=rule[:120]
    )
    session.add(release)
    session.flush()
    workflow_service.start(session, RELEASE, release, actor, "create", _basis(release))
    release.submitted_by, release.submitted_at = actor.name, utcnow()
    for version in pending:
        version.release_id = release.id
    session.flush()
    workflow_service.move(
        session,
        RELEASE,
        release,
        ReleaseStatus.SUBMITTED,
        actor,
        summary=f"提交事项清单第 {number} 版（{len(pending)} 项修改）待审批；{rule}",
        opinion=note,
        rule=_basis(release),
    )
    return release


def decide(
    session: Session,
    actor: Actor,
    user: User,
    release: CatalogRelease,
    *,
    approve: bool,
    opinion: str,
) -> CatalogRelease:
    """A leader at the profile's level approves (and so publishes) or rejects a submitted release."""
    to = ReleaseStatus.PUBLISHED if approve else ReleaseStatus.REJECTED
    workflow_service.guard(session, RELEASE, release, to, actor, _basis(release))
    if not user.has_role(*access.APPROVE):
        raise Forbidden(f"只有领导审批角色可以审定事项清单。{release.rule}")
    department = session.get(Department, release.department_id)
    assert department is not None
    need = requirement(session, department)
    approvals.check(user, need, department, "审定事项清单")
    given = None
    if approve:
        given = approvals.record(
            session,
            actor,
            need,
            subject_type=RELEASE.subject_type,
            subject_id=release.id,
            department=department,
            approver=user,
        )
        for item, version in release_versions(session, release):
            item.published_version_id = version.id
    else:
        if not opinion.strip():
            raise DomainError("退回时请填写审批意见", field="opinion")
        # Rejected versions go back to drafts so that the author can fix and submit them again.
        for _item, version in release_versions(session, release):
            version.release_id = None
    release.decided_by, release.decided_at, release.opinion = (
        actor.name,
        utcnow(),
        opinion.strip()[:300],
    )
    workflow_service.move(
        session,
        RELEASE,
        release,
        to,
        actor,
        summary=f"{'审定发布' if approve else '退回'}事项清单第 {release.number} 版：{opinion.strip()[:80]}",
        user=user,
        opinion=opinion,
        approval=given,
        rule=_basis(release),
    )
    return release


def steps(session: Session, release: CatalogRelease) -> list[WorkflowStep]:
    """The release's workflow steps in order."""
    return workflow_service.steps(session, RELEASE.subject_type, release.id)


def get_release_or_404(session: Session, release_id: int, scope: Sequence[int]) -> CatalogRelease:
    """The release if its department is in scope, else NotFound."""
    return scoping.get_or_404(session, CatalogRelease, release_id, scope, "清单版本")


def count(session: Session, scope: Sequence[int]) -> tuple[int, int]:
    """(items, published items) in scope."""
    total = session.execute(
        select(func.count(CheckItem.id)).where(CheckItem.department_id.in_(scope))
    ).scalar_one()
    published = session.execute(
        select(func.count(CheckItem.id)).where(
            CheckItem.department_id.in_(scope), CheckItem.published_version_id.is_not(None)
        )
    ).scalar_one()
    return total, published
