"""JSON API: rulebook profiles, validation of a profile text, adoption, the 免检免扰 list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from spotcheck import clock
from spotcheck.departments import service as departments_service
from spotcheck.errors import Forbidden
from spotcheck.ids import Id, PathId
from spotcheck.rulebooks import access
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.schema import ProfileInvalid, parse
from spotcheck.targets import exemptions as exemptions_service
from spotcheck.targets.models import Exemption
from spotcheck.web import problems
from spotcheck.web.security import Db, LoggedIn

router = APIRouter(prefix="/api/v1", tags=["rulebooks"], responses=problems.API_ERRORS)


class RulebookOut(BaseModel):
    """A profile as listed."""

    code: str
    name: str
    agency: str
    seed: str
    builtin: bool
    based_on: str
    effective_from: dt.date
    effective_until: dt.date | None
    expired: bool


class RulebookDetail(BaseModel):
    """A whole profile (the validated parameters) and the warnings for using it today."""

    code: str
    builtin: bool
    based_on: str
    profile: dict[str, Any]
    warnings: list[str]


class ValidateIn(BaseModel):
    """A profile text to check."""

    text: str = Field(max_length=200_000)


class ProblemOut(BaseModel):
    """One problem of a profile text and its line."""

    line: int | None
    where: str
    message: str


class ValidateOut(BaseModel):
    """Whether the text is a valid profile, and every problem if not."""

    ok: bool
    code: str = ""
    problems: list[ProblemOut] = []


class AdoptionOut(BaseModel):
    """The profile in force for a department and the department whose adoption it is."""

    department_id: int
    department: str
    profile_code: str | None
    inherited: bool
    adopted_by_department_id: int | None
    adopted_by_department: str | None


@router.get("/rulebooks", response_model=list[RulebookOut])
def list_rulebooks(_principal: LoggedIn, db: Db) -> list[RulebookOut]:
    """Every profile: the five built-in ones first, then the copies."""
    day = clock.today()
    return [
        RulebookOut(
            code=e.code,
            name=e.name,
            agency=e.profile.profile.agency,
            seed=e.seed,
            builtin=e.builtin,
            based_on=e.based_on,
            effective_from=e.profile.profile.effective_from,
            effective_until=e.profile.profile.effective_until,
            expired=e.profile.expired_on(day),
        )
        for e in rulebooks_service.get_all(db)
    ]


@router.get("/rulebooks/{code}", response_model=RulebookDetail)
def get_rulebook(_principal: LoggedIn, db: Db, code: str) -> RulebookDetail:
    """One profile as JSON, with `warnings` (e.g. an expired document)."""
    profile = rulebooks_service.get(db, code)
    builtin = rulebooks_service.is_builtin(code)
    return RulebookDetail(
        code=code,
        builtin=builtin,
        based_on="" if builtin else rulebooks_service.get_custom_or_404(db, code).based_on,
        profile=profile.model_dump(mode="json"),
        warnings=rulebooks_service.warnings(profile, clock.today()),
    )


@router.post("/rulebooks/validate", response_model=ValidateOut)
def validate_rulebook(_principal: LoggedIn, body: ValidateIn) -> ValidateOut:
    """Check a profile text (TOML) without saving it; every problem names its line."""
    try:
        profile = parse(body.text)
    except ProfileInvalid as exc:
        return ValidateOut(
            ok=False,
            problems=[
                ProblemOut(line=p.line, where=p.where, message=p.message) for p in exc.problems
            ],
        )
    return ValidateOut(ok=True, code=profile.code)


@router.get("/departments/{department_id:int}/rulebook", response_model=AdoptionOut)
def department_rulebook(principal: LoggedIn, db: Db, department_id: PathId) -> AdoptionOut:
    """The profile a department uses and where it is inherited from."""
    department = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    found = rulebooks_service.adoption_for(db, department)
    return AdoptionOut(
        department_id=department.id,
        department=department.name,
        profile_code=found[0] if found else None,
        inherited=bool(found and found[1].id != department.id),
        adopted_by_department_id=found[1].id if found else None,
        adopted_by_department=found[1].name if found else None,
    )


class ExemptionOut(BaseModel):
    """An entry of the 免检免扰 list (002 第九条)."""

    id: int
    department_id: int
    target_key: str
    target_name: str
    valid_from: dt.date
    valid_until: dt.date | None
    basis: str
    status: str
    created_by: str
    revoked_by: str


class ExemptionIn(BaseModel):
    """A new entry; the department defaults to the user's own."""

    target_key: str = Field(max_length=40)
    target_name: str = Field(default="", max_length=200)
    valid_from: dt.date
    valid_until: dt.date | None = None
    basis: str = Field(max_length=200)
    department_id: Id | None = None


def _exemption(row: Exemption, day: dt.date) -> ExemptionOut:
    return ExemptionOut(
        id=row.id,
        department_id=row.department_id,
        target_key=row.target_key,
        target_name=row.target_name,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        basis=row.basis,
        status=exemptions_service.status_of(row, day),
        created_by=row.created_by,
        revoked_by=row.revoked_by,
    )


def _may_edit(principal: LoggedIn) -> None:
    if not principal.has_role(*access.EXEMPTIONS):
        raise Forbidden("免检免扰名单仅限系统管理员、综合协调、业务科室维护")


@router.get("/exemptions", response_model=list[ExemptionOut])
def list_exemptions(principal: LoggedIn, db: Db) -> list[ExemptionOut]:
    """The 免检免扰 entries of the user's departments, newest first."""
    day = clock.today()
    return [_exemption(r, day) for r in exemptions_service.get_all(db, principal.scope)]


@router.post("/exemptions", response_model=ExemptionOut, status_code=201)
def add_exemption(principal: LoggedIn, db: Db, body: ExemptionIn) -> ExemptionOut:
    """Put a target on a department's 免检免扰 list for a period."""
    _may_edit(principal)
    department = departments_service.get_in_scope_or_404(
        db, body.department_id or principal.user.department_id, principal.scope
    )
    row = exemptions_service.add(
        db,
        principal.actor,
        department,
        target_key=body.target_key,
        target_name=body.target_name,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        basis=body.basis,
    )
    db.commit()
    return _exemption(row, clock.today())


@router.post(
    "/exemptions/{exemption_id:int}/revoke",
    response_model=ExemptionOut,
    responses=problems.responses(409),
)
def revoke_exemption(principal: LoggedIn, db: Db, exemption_id: PathId) -> ExemptionOut:
    """End an exemption now (the entry stays, marked revoked)."""
    _may_edit(principal)
    row = exemptions_service.get_or_404(db, exemption_id, principal.scope)
    exemptions_service.revoke(db, principal.actor, row)
    db.commit()
    return _exemption(row, clock.today())
