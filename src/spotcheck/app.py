"""The FastAPI application: routers, templates, static files, error pages, security headers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spotcheck import gcpause
from spotcheck.config import Settings, get_settings
from spotcheck.db import is_lock_timeout, make_engine, make_session_factory
from spotcheck.errors import DomainError
from spotcheck.web import problems
from spotcheck.web.security import (
    BROWSER_COOKIE,
    AccessDenied,
    CsrfFailed,
    LoginRequired,
    PasswordChangeRequired,
    new_browser_id,
)
from spotcheck.web.templating import render

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
_STATUS_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    409: "操作与当前状态冲突",
    410: "文件已缺失",
    413: "上传的文件过大",
    422: "提交的数据不完整或格式有误",
    500: "系统内部错误",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


NOT_FOUND_TEXT = "您访问的页面不存在，或您无权查看。"


def _error(
    request: Request,
    status: int,
    message: str,
    errors: Sequence[problems.FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error as the API's one JSON shape (spotcheck.web.problems) or as a Chinese page."""
    response: Response
    if _wants_json(request):
        response = JSONResponse(problems.error_body(status, message, errors), status_code=status)
    else:
        response = render(
            request,
            "error.html",
            status_code=status,
            status=status,
            title=_STATUS_TITLES.get(status, "出错了"),
            message=message,
        )
    response.headers.update(headers or {})
    return response


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (a path can have one route per method); a
    literal path outranks a template that also matches it (/rulebooks/validate is not a
    rulebook named "validate"), as in the OpenAPI document."""
    literal: set[str] = set()
    templated: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        route_methods = getattr(context.original_route, "methods", None)
        path = str(context.path)
        if route_methods and compile_path(path)[0].match(request.url.path):
            (templated if "{" in path else literal).update(route_methods)
    return ", ".join(sorted(literal or templated))


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_json(request):
            message = "请先登录：请求须带有效的 API 令牌（Authorization: Bearer …）或登录会话"
            return _error(request, 401, message, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password_change(request: Request, _exc: PasswordChangeRequired) -> Response:
        if _wants_json(request):
            return _error(request, 403, "请先修改初始密码")
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(AccessDenied)
    async def _denied(request: Request, exc: AccessDenied) -> Response:
        return _error(request, 403, exc.message)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        return _error(request, 403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        field = [problems.FieldProblem(field=exc.field, message=exc.message)] if exc.field else []
        return _error(request, exc.status_code, exc.message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else ""
        message = detail or {404: NOT_FOUND_TEXT}.get(exc.status_code, "")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
            message = f"此地址不支持 {request.method} 请求，可用的方式：{headers['Allow']}"
        return _error(
            request,
            exc.status_code,
            message or _STATUS_TITLES.get(exc.status_code, "出错了"),
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        # A path that does not parse or is out of range (an id ≥ 2³¹, 0, …) names nothing: 404.
        if any(tuple(err.get("loc", ()))[:1] == ("path",) for err in errors):
            return _error(request, 404, NOT_FOUND_TEXT)
        found = problems.field_problems(errors)
        return _error(request, 422, problems.summary(found), found)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _error(request, 500, "系统内部错误，已记录日志。请稍后重试或联系系统管理员。")

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        if is_lock_timeout(exc):
            # Another operation held the row (or SQLite's write lock) longer than the request may
            # wait: nothing was changed (the transaction is rolled back); the client retries.
            log.warning("lock wait timed out on %s %s", request.method, request.url.path)
            message = "数据正被另一项操作写入，本次请求未作任何更改，请稍后重试"
            return _error(request, 503, message, headers={"Retry-After": "5"})
        return await _crash(request, exc)


_SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)
_NO_STORE = ("/admin", "/account", "/api")


class BrowserIdAndHeaders:
    """Give a new browser its id cookie (CSRF tokens are bound to it) and add the security
    headers to every response; mark the request as served (gcpause).

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (``@app.middleware``) cost more per
    request than the portal's cached pages themselves (issue 12's throughput target)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        new_bid = None
        path: str = scope.get("path", "")
        # The portal has no forms: its pages, cached for everyone, set no cookie.
        if not path.startswith("/public/") and BROWSER_COOKIE not in HTTPConnection(scope).cookies:
            new_bid = new_browser_id()
            scope.setdefault("state", {})["browser_id"] = new_bid

        async def start(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS:
                    if name.decode() not in headers:
                        headers.append(name.decode(), value.decode())
                if path.startswith(_NO_STORE) and "cache-control" not in headers:
                    headers.append("cache-control", "no-store")
                if new_bid is not None:
                    cookie = Response()
                    cookie.set_cookie(
                        BROWSER_COOKIE,
                        new_bid,
                        httponly=True,
                        samesite="lax",
                        secure=self.settings.secure_cookies,
                    )
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        with gcpause.serving():  # never pause the collector of the whole server process
            await self.app(scope, receive, start)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(BrowserIdAndHeaders, settings=settings)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for the given settings (the environment's by default)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="spotcheck 双随机、一公开监管平台",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    engine = make_engine(settings)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)

    from spotcheck.accounts import views as accounts_views
    from spotcheck.api import registries as api_registries
    from spotcheck.api import router as api_router
    from spotcheck.audit import views as audit_views
    from spotcheck.calendar import views as calendar_views
    from spotcheck.catalog import views as catalog_views
    from spotcheck.departments import views as departments_views
    from spotcheck.draws import api as draws_api
    from spotcheck.draws import attachment_views as draws_attachment_views
    from spotcheck.draws import my_views as draws_my_views
    from spotcheck.draws import views as draws_views
    from spotcheck.imports import views as imports_views
    from spotcheck.inspectors import views as inspectors_views
    from spotcheck.plans import api as plans_api
    from spotcheck.plans import task_views as plans_task_views
    from spotcheck.plans import views as plans_views
    from spotcheck.portal import views as portal_views
    from spotcheck.rulebooks import api as rulebooks_api
    from spotcheck.rulebooks import views as rulebooks_views
    from spotcheck.targets import exemption_views
    from spotcheck.targets import views as targets_views
    from spotcheck.web import views as home_views

    app.include_router(home_views.router)
    app.include_router(accounts_views.router)
    app.include_router(accounts_views.admin_router)
    app.include_router(departments_views.router)
    app.include_router(calendar_views.router)
    app.include_router(audit_views.router)
    app.include_router(exemption_views.router)
    app.include_router(targets_views.router)
    app.include_router(inspectors_views.router)
    app.include_router(catalog_views.router)
    app.include_router(imports_views.router)
    app.include_router(rulebooks_views.router)
    app.include_router(plans_views.router)
    app.include_router(plans_task_views.router)
    app.include_router(rulebooks_api.router)
    app.include_router(plans_api.router)
    app.include_router(draws_api.router)
    app.include_router(draws_attachment_views.router)
    app.include_router(draws_views.router)
    app.include_router(draws_my_views.router)
    app.include_router(portal_views.router)
    app.include_router(api_router.router)
    app.include_router(api_registries.router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    _install_middleware(app, settings)
    _install_error_handlers(app)
    return app
