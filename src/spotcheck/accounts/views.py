"""Login, logout, own password; the administrator's user pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from spotcheck.accounts import access
from spotcheck.accounts import login as accounts_login
from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import APPROVAL_LEVEL_LABELS, ROLE_LABELS, Role, User
from spotcheck.accounts.passwords import MIN_LENGTH, verify_password
from spotcheck.departments import service as departments_service
from spotcheck.errors import DomainError
from spotcheck.ids import FormId, PathId
from spotcheck.web.deps import client_ip
from spotcheck.web.security import SESSION_COOKIE, Db, LoggedIn, Principal, PublicUser, roles
from spotcheck.web.templating import render

router = APIRouter()
Admin = Annotated[Principal, Depends(roles(*access.MANAGE))]
admin_router = APIRouter(prefix="/admin/users")


def _safe_next(target: str) -> str:
    """Only local paths: an open redirect after login would help phishing."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, principal: PublicUser, next: str = "/") -> Response:
    """The login page (already logged-in users go home)."""
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", next=_safe_next(next), error="", username="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    _principal: PublicUser,
    db: Db,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (with lockout) and open a session."""
    settings = request.app.state.settings
    outcome = accounts_login.authenticate(db, settings, username, password, client_ip(request))
    if outcome.user is None:
        db.commit()  # the failed attempt and its audit event must be kept
        return render(
            request,
            "login.html",
            status_code=400,
            next=_safe_next(next),
            error=outcome.error,
            username=username,
        )
    token = accounts_service.start_session(
        db, outcome.user, client_ip(request), request.headers.get("user-agent", "")
    )
    db.commit()
    target = "/account/password" if outcome.user.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_absolute_hours * 3600,
    )
    return response


@router.post("/logout")
def logout(request: Request, _principal: LoggedIn, db: Db) -> Response:
    """End the session on the server and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE, "")
    accounts_service.end_session(db, token)
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, _principal: LoggedIn) -> HTMLResponse:
    """The change-my-password page."""
    return render(request, "account_password.html", error="", done=False, min_length=MIN_LENGTH)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    principal: LoggedIn,
    db: Db,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Change one's own password after proving the current one."""
    user = principal.user
    error = ""
    if not verify_password(user.password_hash, current):
        error = "当前密码不正确"
    elif new != confirm:
        error = "两次输入的新密码不一致"
    else:
        try:
            accounts_service.set_password(db, principal.actor, user, new)
            db.commit()
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "account_password.html",
        status_code=400 if error else 200,
        error=error,
        done=not error,
        min_length=MIN_LENGTH,
    )


def _parse_roles(values: list[str]) -> list[Role]:
    known = {r.value: r for r in Role}
    return [known[v] for v in values if v in known]


@admin_router.get("", response_class=HTMLResponse)
def user_list(request: Request, principal: Admin, db: Db) -> HTMLResponse:
    """Every user in the administrator's departments."""
    users = accounts_service.get_all(db, principal.scope)
    return render(request, "admin/users.html", users=users)


def _values_of(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "department_id": user.department_id,
        "roles": [r.value for r in user.roles],
        "active": user.active,
        "approval_level": user.approval_level.value if user.approval_level else "",
        "phone": user.phone,
    }


def _user_form(request: Request, principal: Admin, db: Db, **context: object) -> HTMLResponse:
    departments = departments_service.get_all(db, principal.scope)
    status = 400 if context.get("error") else 200
    return render(
        request,
        "admin/user_form.html",
        status_code=status,
        departments=departments,
        role_labels=ROLE_LABELS,
        roles=list(Role),
        levels=APPROVAL_LEVEL_LABELS,
        min_length=MIN_LENGTH,
        depth=departments_service.depth,
        **context,
    )


@admin_router.get("/new", response_class=HTMLResponse)
def user_new(request: Request, principal: Admin, db: Db) -> HTMLResponse:
    """The new-user form."""
    return _user_form(request, principal, db, target=None, error="", values={})


@admin_router.post("/new", response_class=HTMLResponse)
def user_create(
    request: Request,
    principal: Admin,
    db: Db,
    username: Annotated[str, Form()] = "",
    full_name: Annotated[str, Form()] = "",
    department_id: FormId = 0,
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form()] = "",
    approval_level: Annotated[str, Form()] = "default",
    phone: Annotated[str, Form()] = "",
) -> Response:
    """Create a user who must change the initial password at first login."""
    values = {
        "username": username,
        "full_name": full_name,
        "department_id": department_id,
        "roles": roles or [],
        "approval_level": approval_level,
        "phone": phone,
    }
    department = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    try:
        user = accounts_service.create(
            db,
            principal.actor,
            username=username,
            full_name=full_name,
            department=department,
            roles=_parse_roles(roles or []),
            password=password,
            must_change_password=True,
            approval_level=approval_level,
            phone=phone,
        )
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _user_form(request, principal, db, target=None, error=exc.message, values=values)
    return RedirectResponse(f"/admin/users/{user.id}?saved=1", status_code=303)


@admin_router.get("/{user_id}", response_class=HTMLResponse)
def user_edit(
    request: Request, principal: Admin, db: Db, user_id: PathId, saved: int = 0
) -> HTMLResponse:
    """One user's details, roles and password reset."""
    target = accounts_service.get_in_scope_or_404(db, user_id, principal.scope)
    return _user_form(
        request,
        principal,
        db,
        target=target,
        error="",
        values=_values_of(target),
        saved=bool(saved),
    )


@admin_router.post("/{user_id}", response_class=HTMLResponse)
def user_update(
    request: Request,
    principal: Admin,
    db: Db,
    user_id: PathId,
    full_name: Annotated[str, Form()] = "",
    department_id: FormId = 0,
    roles: Annotated[list[str] | None, Form()] = None,
    active: Annotated[str, Form()] = "",
    approval_level: Annotated[str, Form()] = "keep",
    phone: Annotated[str | None, Form()] = None,
) -> Response:
    """Save a user's name, department, roles, active flag, approval level and phone."""
    target = accounts_service.get_in_scope_or_404(db, user_id, principal.scope)
    values = {
        "username": target.username,
        "full_name": full_name,
        "department_id": department_id,
        "roles": roles or [],
        "active": active == "on",
        "approval_level": (
            approval_level if approval_level != "keep" else _values_of(target)["approval_level"]
        ),
        "phone": target.phone if phone is None else phone,
    }
    department = departments_service.get_in_scope_or_404(db, department_id, principal.scope)
    try:
        accounts_service.update(
            db,
            principal.actor,
            target,
            full_name=full_name,
            department=department,
            roles=_parse_roles(roles or []),
            active=active == "on",
            approval_level=approval_level,
            phone=phone,
        )
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _user_form(request, principal, db, target=target, error=exc.message, values=values)
    return RedirectResponse(f"/admin/users/{target.id}?saved=1", status_code=303)


@admin_router.post("/{user_id}/password", response_class=HTMLResponse)
def user_reset_password(
    request: Request,
    principal: Admin,
    db: Db,
    user_id: PathId,
    password: Annotated[str, Form()] = "",
) -> Response:
    """Reset a password: the user must change it at next login; open sessions end."""
    target = accounts_service.get_in_scope_or_404(db, user_id, principal.scope)
    try:
        accounts_service.set_password(db, principal.actor, target, password, must_change=True)
        accounts_service.end_all_sessions(db, target)
        db.commit()
    except DomainError as exc:
        db.rollback()
        return _user_form(
            request, principal, db, target=target, error=exc.message, values=_values_of(target)
        )
    return RedirectResponse(f"/admin/users/{target.id}?saved=1", status_code=303)


@router.get("/account/tokens", response_class=HTMLResponse)
def token_list(request: Request, principal: LoggedIn, db: Db) -> HTMLResponse:
    """The user's API tokens for data docking."""
    return render(
        request,
        "account_tokens.html",
        tokens=accounts_service.api_tokens(db, principal.user),
        plain="",
        error="",
    )


@router.post("/account/tokens", response_class=HTMLResponse)
def token_create(
    request: Request, principal: LoggedIn, db: Db, name: Annotated[str, Form()] = ""
) -> HTMLResponse:
    """Create a token and show it once."""
    try:
        _token, plain = accounts_service.create_api_token(db, principal.actor, principal.user, name)
        db.commit()
        error = ""
    except DomainError as exc:
        db.rollback()
        plain, error = "", exc.message
    return render(
        request,
        "account_tokens.html",
        status_code=400 if error else 200,
        tokens=accounts_service.api_tokens(db, principal.user),
        plain=plain,
        error=error,
    )


@router.post("/account/tokens/{token_id}/revoke")
def token_revoke(principal: LoggedIn, db: Db, token_id: PathId) -> Response:
    """Revoke a token."""
    accounts_service.revoke_api_token(db, principal.actor, principal.user, token_id)
    db.commit()
    return RedirectResponse("/account/tokens", status_code=303)
