"""Jinja2 templates with the globals every page needs (user, CSRF token, navigation)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from spotcheck import clock
from spotcheck.accounts import access as accounts_access
from spotcheck.audit.labels import action_label
from spotcheck.catalog import access as catalog_access
from spotcheck.inspectors import access as inspectors_access
from spotcheck.rulebooks.schema import Rule, cite
from spotcheck.targets import access as targets_access
from spotcheck.web.security import CSRF_FIELD, csrf_token

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def _local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Show a UTC datetime in Beijing time, the time users think in."""
    if value is None:
        return ""
    return value.astimezone(clock.BEIJING).strftime(fmt)


def _cite(value: Rule | str) -> str:
    """A rule's source in a sentence; a platform rule (the rulebook silent) with its note."""
    if isinstance(value, Rule):
        return value.citation if value.is_platform else cite(value.article)
    return cite(str(value))


templates.env.filters["local"] = _local
templates.env.filters["cite"] = _cite
templates.env.filters["action_label"] = action_label
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
# Pages ask the domains' access policies too (`user.has_role(*access.catalog.EDIT)`), never role names.
templates.env.globals["access"] = {
    "accounts": accounts_access,
    "catalog": catalog_access,
    "inspectors": inspectors_access,
    "targets": targets_access,
}

# The navigation of the whole platform; domains not yet built are shown greyed, not linked.
NAV: list[dict[str, Any]] = [
    {"label": "首页", "href": "/"},
    {"label": "事项清单", "href": "/items"},
    {"label": "检查对象", "href": "/targets"},
    {"label": "执法人员", "href": "/inspectors"},
    {"label": "年度计划", "href": "/plans"},
    {"label": "抽查任务", "href": "/tasks"},
    {"label": "随机抽取", "href": "/draws"},
    {"label": "检查实施", "href": None},
    {"label": "结果公示", "href": None},
    {"label": "异议与处置", "href": None},
    {"label": "档案", "href": None},
]
ADMIN_NAV: list[dict[str, Any]] = [
    {"label": "部门管理", "href": "/admin/departments"},
    {"label": "用户管理", "href": "/admin/users"},
    {"label": "工作日历", "href": "/admin/calendar"},
    {"label": "细则配置", "href": "/rulebooks"},
    {"label": "操作日志", "href": "/admin/audit"},
]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the common context."""
    principal = getattr(request.state, "principal", None)
    base = {
        "request": request,
        "principal": principal,
        "user": principal.user if principal else None,
        "csrf_token": csrf_token(request),
        "nav": NAV,
        "admin_nav": ADMIN_NAV,
        "path": request.url.path,
    }
    base.update(context)
    return templates.TemplateResponse(request, name, base, status_code=status_code)
