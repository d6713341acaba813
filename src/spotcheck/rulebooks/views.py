"""Rulebook pages: the profiles in Chinese with their articles, copies, the TOML editor, adoption."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from spotcheck import clock
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError
from spotcheck.ids import FormId, PathId
from spotcheck.rulebooks import access, describe, versions
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.labels import readable_path, value_text
from spotcheck.rulebooks.schema import ProfileInvalid, ProfileProblem
from spotcheck.web.security import Db, LoggedIn, Principal, roles, shared_setting
from spotcheck.web.templating import render

router = APIRouter(prefix="/rulebooks")
# Profiles and their channels are every department's: the top department's administrators only.
Editor = Annotated[Principal, Depends(shared_setting(*access.PROFILES))]
Adopter = Annotated[Principal, Depends(roles(*access.ADOPT))]
MAX_TEXT = 200_000  # characters: the largest built-in profile is under 10 000


def adoptions(db: Session, departments: list[Department]) -> list[dict[str, Any]]:
    """Each department with the profile in force for it and where that adoption was made."""
    out = []
    for department in departments:
        found = rulebooks_service.adoption_for(db, department)
        out.append(
            {
                "department": department,
                "code": found[0] if found else "",
                "owner": found[1] if found else None,
                "inherited": bool(found and found[1].id != department.id),
            }
        )
    return out


@router.get("", response_class=HTMLResponse)
def rulebook_list(request: Request, principal: LoggedIn, db: Db) -> HTMLResponse:
    """Every profile (built-in first, then copies) and the adoption of each visible department."""
    entries = rulebooks_service.get_all(db)
    day = clock.today()
    return render(
        request,
        "rulebooks/list.html",
        entries=entries,
        expired={e.code: e.profile.expired_on(day) for e in entries},
        names={e.code: e.name for e in entries},
        adoptions=adoptions(db, departments_service.get_all(db, principal.scope)),
        can_adopt=principal.has_role(*access.ADOPT),
    )


def _detail(
    request: Request,
    principal: Principal,
    db: Db,
    code: str,
    *,
    status_code: int = 200,
    error: str = "",
    flash: str = "",
) -> HTMLResponse:
    profile = rulebooks_service.get(db, code)
    custom = (
        None
        if rulebooks_service.is_builtin(code)
        else rulebooks_service.get_custom_or_404(db, code)
    )
    adopted_by = [
        a
        for a in adoptions(db, departments_service.get_all(db, principal.scope))
        if a["code"] == code and not a["inherited"]
    ]
    return render(
        request,
        "rulebooks/detail.html",
        status_code=status_code,
        code=code,
        custom=custom,
        d=describe.describe(profile, clock.today()),
        adopted_by=adopted_by,
        departments=departments_service.get_all(db, principal.scope),
        versions=versions.get_all(db, code),
        current_sha=versions.digest(rulebooks_service.get_text(db, code)),
        can_edit=principal.may_change_shared(*access.PROFILES),
        can_adopt=principal.has_role(*access.ADOPT),
        error=error,
        flash=flash,
    )


@router.get("/{code}", response_class=HTMLResponse)
def rulebook_detail(
    request: Request, principal: LoggedIn, db: Db, code: str, done: str = ""
) -> HTMLResponse:
    """One profile in Chinese, rule by rule, each with the article it comes from."""
    flash = {"adopted": "已采用。", "saved": "已保存。", "copied": "已复制。"}.get(done, "")
    return _detail(request, principal, db, code, flash=flash)


@router.get("/{code}/versions/{number:int}", response_class=HTMLResponse)
def rulebook_version(
    request: Request, _principal: LoggedIn, db: Db, code: str, number: PathId
) -> HTMLResponse:
    """One version of a profile, read-only: what past plans, tasks and draws were decided under."""
    version = versions.get_by_number_or_404(db, code, number)
    current = versions.latest(db, code)
    assert current is not None  # this version exists
    return render(
        request,
        "rulebooks/version.html",
        version=version,
        current=current,
        is_current=current.id == version.id
        and version.sha256 == versions.digest(rulebooks_service.get_text(db, code)),
        d=describe.describe(versions.profile(version), clock.today()),
    )


@router.get("/{code}/toml", response_class=PlainTextResponse)
def rulebook_toml(principal: LoggedIn, db: Db, code: str, download: int = 0) -> Response:
    """The profile's TOML text, shown as plain text or downloaded as CODE.toml."""
    text = rulebooks_service.get_text(db, code)
    if download:
        return Response(
            text,
            media_type="application/toml; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{code}.toml"'},
        )
    return PlainTextResponse(text)


@router.post("/{code}/copy", response_class=HTMLResponse)
def rulebook_copy(
    request: Request, principal: Editor, db: Db, code: str, new_code: Annotated[str, Form()] = ""
) -> Response:
    """Copy a profile under a new code; the copy opens in the editor."""
    try:
        custom = rulebooks_service.copy(db, principal.actor, code, new_code)
        db.commit()
    except DomainError as exc:
        db.rollback()
        if exc.status_code == 404:
            raise
        return _detail(request, principal, db, code, status_code=400, error=exc.message)
    return RedirectResponse(f"/rulebooks/{custom.code}/edit", status_code=303)


@router.post("/{code}/adopt", response_class=HTMLResponse)
def rulebook_adopt(principal: Adopter, db: Db, code: str, department_id: FormId = 0) -> Response:
    """Make a department in the administrator's scope use the profile."""
    department = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    rulebooks_service.adopt(db, principal.actor, department, code)
    db.commit()
    return RedirectResponse(f"/rulebooks/{code}?done=adopted", status_code=303)


def _editable(db: Db, code: str) -> None:
    if rulebooks_service.is_builtin(code):
        raise DomainError("内置细则配置不能直接修改：请先“复制为新配置”，再修改副本")
    rulebooks_service.get_custom_or_404(db, code)


def _editor(
    request: Request,
    code: str,
    text: str,
    based_on: str,
    problems: list[ProfileProblem],
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "rulebooks/edit.html",
        status_code=status_code,
        code=code,
        text=text,
        based_on=based_on,
        problems=problems,
    )


@router.get("/{code}/edit", response_class=HTMLResponse)
def rulebook_edit(request: Request, _principal: Editor, db: Db, code: str) -> HTMLResponse:
    """The TOML editor of a copy."""
    _editable(db, code)
    custom = rulebooks_service.get_custom_or_404(db, code)
    return _editor(request, code, custom.text, custom.based_on, [])


@router.post("/{code}/edit", response_class=HTMLResponse)
def rulebook_save(
    request: Request, principal: Editor, db: Db, code: str, text: Annotated[str, Form()] = ""
) -> Response:
    """Validate and save a copy; on any problem show each with its line and save nothing."""
    _editable(db, code)
    custom = rulebooks_service.get_custom_or_404(db, code)
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        problem = ProfileProblem(line=None, where="", message=f"内容过长（超过 {MAX_TEXT} 字）")
        return _editor(request, code, text[:MAX_TEXT], custom.based_on, [problem], 400)
    try:
        rulebooks_service.save(db, principal.actor, code, text)
        db.commit()
    except ProfileInvalid as exc:
        db.rollback()
        return _editor(request, code, text, custom.based_on, exc.problems, 400)
    return RedirectResponse(f"/rulebooks/{code}?done=saved", status_code=303)


@router.get("/{code}/diff", response_class=HTMLResponse)
def rulebook_diff(request: Request, _principal: LoggedIn, db: Db, code: str) -> HTMLResponse:
    """The parameters of a copy that differ from its original."""
    if rulebooks_service.is_builtin(code):
        raise DomainError("内置细则配置就是原细则；复制并修改后的副本才有差异可看")
    custom = rulebooks_service.get_custom_or_404(db, code)
    rows = [
        {
            "label": readable_path(c.path),
            "path": c.path,
            "old": value_text(c.old),
            "new": value_text(c.new),
        }
        for c in rulebooks_service.diff(db, code)
    ]
    return render(
        request,
        "rulebooks/diff.html",
        code=code,
        based_on=custom.based_on,
        profile_name=rulebooks_service.get(db, code).profile.name,
        rows=rows,
    )
