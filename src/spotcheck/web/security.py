"""Access rules: every route declares one as a dependency; CSRF is checked by the same rule."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import ROLE_LABELS, Role, User
from spotcheck.audit.service import Actor
from spotcheck.departments import service as departments_service
from spotcheck.inspectors.models import Inspector
from spotcheck.web.deps import client_ip, get_db, get_settings

SESSION_COOKIE = "spotcheck_session"
BROWSER_COOKIE = "spotcheck_bid"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ACCESS_ATTR = "__spotcheck_access__"


class LoginRequired(Exception):
    """No valid session: HTML pages redirect to the login page, the API answers 401."""


class AccessDenied(Exception):
    """Logged in, but the route needs a role the user does not have."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    """An unsafe request without the form's CSRF token."""


class PasswordChangeRequired(Exception):
    """An initial or reset password must be replaced before anything else is done."""


PASSWORD_CHANGE_PATHS = {"/account/password", "/logout"}


@dataclass(frozen=True)
class Principal:
    """The logged-in user with the departments they may see."""

    user: User
    scope: list[int]
    ip: str
    # Whether the user acts for the top department (the root of the tree): settings every
    # department shares (calendar, rulebook profiles and their channels) are changed only there.
    at_top: bool = False
    # The inspector registry entry linked to the account (我的任务 in the navigation), if any.
    inspector_id: int | None = None

    @property
    def actor(self) -> Actor:
        """The user as the audit log names them."""
        return Actor(self.user.id, self.user.full_name, self.user.department_id, self.ip)

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds any of the roles."""
        return self.user.has_role(*roles)

    def may_change_shared(self, *roles: Role) -> bool:
        """Whether the user may change a setting every department shares: a role, at the top."""
        return self.at_top and self.has_role(*roles)


def csrf_binding(request: Request) -> str:
    """The cookie the CSRF token is bound to: the session if any, else the browser id."""
    binding = (
        request.cookies.get(SESSION_COOKIE)
        or request.cookies.get(BROWSER_COOKIE)
        or getattr(request.state, "browser_id", "")
    )
    return str(binding or "")


def csrf_token(request: Request) -> str:
    """HMAC of the binding cookie under the secret key: forms carry it, attackers cannot."""
    key = request.app.state.settings.secret_key.encode()
    return hmac.new(key, b"csrf|" + csrf_binding(request).encode(), hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form field or header does not carry the token."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return  # API token requests carry no cookies, so they cannot be forged cross-site
    if request.url.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return  # no session to ride on: nothing to forge, and the login check answers 401
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else ""
    if not csrf_binding(request) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfFailed()


def new_browser_id() -> str:
    """A random identifier for the anonymous CSRF binding cookie."""
    return secrets.token_urlsafe(24)


def _mark(func: Callable[..., Any], description: str) -> Callable[..., Any]:
    setattr(func, ACCESS_ATTR, description)
    return func


def _load_principal(request: Request, db: Session) -> Principal | None:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        # Data docking (数据对接): a bearer token stands for its user, on the JSON API only.
        if not request.url.path.startswith("/api/"):
            return None
        api_user = accounts_service.resolve_api_token(db, authorization[7:].strip())
        if api_user is None:
            raise LoginRequired()
        return _principal_for(request, db, api_user)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    login = accounts_service.resolve_session(db, request.app.state.settings, token)
    if login is None:
        db.commit()  # persist the expiry mark
        return None
    return _principal_for(request, db, login.user)


def _principal_for(request: Request, db: Session, user: User) -> Principal:
    # A 科室 is part of its 局: its staff keep the bureau's registries, plans and tasks (002 第四、六条).
    scope = departments_service.acting_scope(db, user.department)
    at_top = departments_service.is_top(db, user.department)
    entry = db.scalar(select(Inspector.id).where(Inspector.user_id == user.id))
    principal = Principal(
        user=user, scope=scope, ip=client_ip(request), at_top=at_top, inspector_id=entry
    )
    request.state.principal = principal
    db.commit()  # persist the last-seen touch before the view runs
    return principal


async def _public(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal | None:
    await verify_csrf(request)
    return _load_principal(request, db)


public = _mark(_public, "公开（无需登录）")


async def _anonymous() -> None:
    """Pages for everyone that read no session at all (the portal's cached pages)."""
    return None


anonymous = _mark(_anonymous, "公开（无需登录）")


def _require_login(request: Request, db: Session) -> Principal:
    principal = _load_principal(request, db)
    if principal is None:
        raise LoginRequired()
    if principal.user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired()
    return principal


async def _login(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
    await verify_csrf(request)
    return _require_login(request, db)


login_required = _mark(_login, "已登录用户")


def roles(*allowed: Role) -> Callable[..., Awaitable[Principal]]:
    """An access rule: logged in and holding one of the roles."""
    names = "、".join(ROLE_LABELS[r] for r in allowed)

    async def rule(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
        await verify_csrf(request)
        principal = _require_login(request, db)
        if not principal.has_role(*allowed):
            raise AccessDenied(f"此功能仅限{names}使用")
        return principal

    return _mark(rule, f"角色：{names}")


def shared_setting(*allowed: Role) -> Callable[..., Awaitable[Principal]]:
    """An access rule for settings every department shares: one of the roles, held at the top
    department (a district administrator may not change the province's calendar)."""
    names = "、".join(ROLE_LABELS[r] for r in allowed)

    async def rule(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
        await verify_csrf(request)
        principal = _require_login(request, db)
        if not principal.may_change_shared(*allowed):
            top = departments_service.top(db)
            where = f"（{top.name}）" if top is not None else ""
            raise AccessDenied(
                f"此功能仅限顶级部门{where}的{names}使用：工作日历、细则配置等全平台共用的设置"
                "由顶级部门统一维护"
            )
        return principal

    return _mark(rule, f"角色：{names}（顶级部门）")


PublicUser = Annotated[Principal | None, Depends(public)]
Anonymous = Annotated[None, Depends(anonymous)]
LoggedIn = Annotated[Principal, Depends(login_required)]
Db = Annotated[Session, Depends(get_db)]
_ = get_settings  # re-exported for views


def route_rule(route: APIRoute) -> str | None:
    """The access rule a route declares through its dependencies, or None."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is not None and hasattr(dep.call, ACCESS_ATTR):
            return str(getattr(dep.call, ACCESS_ATTR))
        stack.extend(dep.dependencies)
    return None


@dataclass(frozen=True)
class RouteInfo:
    """One route as served: full path, methods, and the access rule it declares."""

    path: str
    methods: frozenset[str]
    rule: str | None
    kind: str  # "api", "mount" or "other"


def route_table(app: FastAPI) -> list[RouteInfo]:
    """Every route of the app with its full path (included routers flattened)."""
    table: list[RouteInfo] = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        path = str(context.path or getattr(route, "path", ""))
        if isinstance(route, APIRoute):
            table.append(RouteInfo(path, frozenset(route.methods or ()), route_rule(route), "api"))
        elif isinstance(route, Mount):
            table.append(RouteInfo(path, frozenset(), None, "mount"))
        else:
            table.append(
                RouteInfo(path, frozenset(getattr(route, "methods", None) or ()), None, "other")
            )
    return table


ALLOWED_MOUNTS = {"/static"}


def routes_without_rule(app: FastAPI) -> Sequence[str]:
    """Every route of the app that declares no access rule ("METHOD path")."""
    bare: list[str] = []
    for info in route_table(app):
        if info.kind == "api" and info.rule is None:
            bare.extend(f"{m} {info.path}" for m in sorted(info.methods))
        elif info.kind == "mount" and info.path not in ALLOWED_MOUNTS:
            bare.append(f"MOUNT {info.path}")
        elif info.kind == "other":
            bare.append(f"ROUTE {info.path}")
    return bare
