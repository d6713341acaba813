"""The one shape of every error of the JSON API, and its Chinese texts.

Every error under /api/ is `ApiError`: a stable `code` for programs, `message` in Chinese for
people (`detail` repeats it: clients written against the first API version read that key), and
`errors`, one entry per field when fields are at fault. The app's exception handlers build it
(`error_body`), the API routers declare it for each status they can return (`responses`), and a
request validation failure is turned into field problems in Chinese (`field_problems`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    422: "validation_failed",
    429: "too_many_requests",
    500: "server_error",
    503: "busy",
}
DESCRIPTIONS = {
    400: "违反业务规则：message 说明原因及依据条款，errors 逐字段说明",
    401: "未登录：缺少或无效的 API 令牌（Authorization: Bearer …）或会话",
    403: "无权执行：角色不允许此操作，须先修改初始密码，或表单的 CSRF 校验失败",
    404: "不存在或不在您的部门范围内（编号超出范围时也是 404）",
    409: "与对象当前的状态冲突（例如流程已前进到下一步），或存储的文件与登记的 SHA-256 不符",
    410: "存储的文件已缺失（已记入审计日志）",
    413: "上传的文件过大",
    422: "请求数据不完整或格式有误：errors 逐字段说明",
    429: "请求过于频繁，请稍后再试",
    503: "数据正被另一项操作写入，等待超过上限（DB_LOCK_TIMEOUT_MS）；未作任何更改，请稍后重试",
}
CODE_TEXT = "、".join(f"{status} {code}" for status, code in CODES.items())


class FieldProblem(BaseModel):
    """One field at fault and what is wrong with it."""

    field: str = Field(
        description="出错的字段：请求体中的键路径（如 participants.0）、查询参数名或表单字段名"
    )
    message: str = Field(description="问题说明（中文）")


class ApiError(BaseModel):
    """An error of the JSON API: every refusal and failure has this shape."""

    code: str = Field(description=f"错误类别，供程序判断：{CODE_TEXT}")
    message: str = Field(description="错误说明（中文），可直接展示给用户")
    detail: str = Field(description="同 message（为兼容第一版接口的调用方而保留）")
    errors: Sequence[FieldProblem] = Field(
        default_factory=list, description="逐字段的问题；与字段无关的错误为空列表"
    )


def error_body(status: int, message: str, errors: Iterable[FieldProblem] = ()) -> dict[str, Any]:
    """The JSON of an error response."""
    return ApiError(
        code=CODES.get(status, "error"), message=message, detail=message, errors=list(errors)
    ).model_dump()


def responses(*statuses: int, model: type[BaseModel] = ApiError) -> dict[int | str, Any]:
    """The `responses=` of a router or route: each status with the error model and its meaning."""
    return {s: {"model": model, "description": DESCRIPTIONS[s]} for s in statuses}


# What every route of the JSON API may answer besides its success: a broken rule, no login, no
# right (or CSRF), an unknown or foreign object, malformed input, a database lock held too long by
# another operation. Routes add 409 / 413 themselves.
API_ERRORS = responses(400, 401, 403, 404, 422, 503)

# pydantic's union members appear in an error's location; they are not fields of the request.
_UNION_TAGS = {
    "int",
    "str",
    "float",
    "bool",
    "date",
    "datetime",
    "none",
    "list",
    "dict",
    "constrained-int",
    "constrained-str",
    "constrained-float",
}


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc[1:] if not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p))]
    if parts:
        return ".".join(parts)
    return {"body": "请求体"}.get(str(loc[0]) if loc else "", str(loc[0]) if loc else "请求")


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    texts = {
        "missing": "必填",
        "extra_forbidden": "不认识的字段",
        "json_invalid": "不是有效的 JSON",
        "json_type": "应为 JSON",
        "string_type": "应为文本",
        "bool_type": "应为 true 或 false",
        "bool_parsing": "应为 true 或 false",
        "list_type": "应为列表",
        "dict_type": "应为对象",
        "model_type": "应为对象",
        "model_attributes_type": "应为对象",
        "uuid_parsing": "应为 UUID",
        "string_pattern_mismatch": "格式不符合要求",
    }
    if kind in texts:
        return texts[kind]
    if kind.startswith("int_") or kind == "int_type":
        return "应为整数"
    if kind.startswith("float_") or kind.startswith("decimal_"):
        return "应为数字"
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return "应为日期，如 2027-03-01" if kind.startswith("date_") else "应为日期时间"
    bounds = {
        "greater_than_equal": "不能小于 {ge}",
        "greater_than": "应大于 {gt}",
        "less_than_equal": "不能大于 {le}",
        "less_than": "应小于 {lt}",
        "string_too_short": "至少 {min_length} 个字符",
        "string_too_long": "不能超过 {max_length} 个字符",
        "too_short": "至少 {min_length} 项",
        "too_long": "不能超过 {max_length} 项",
    }
    if kind in bounds:
        return bounds[kind].format_map(defaultdict(str, ctx))
    if kind in ("literal_error", "enum"):
        return f"应为以下之一：{ctx.get('expected', '')}"
    if kind == "value_error":
        return str(ctx.get("error", "")) or "取值无效"
    if kind == "id_range":  # spotcheck.ids: our own Chinese text
        return str(error.get("msg", "")) or "编号超出范围"
    return "格式有误"


def field_problems(errors: Iterable[Mapping[str, Any]]) -> list[FieldProblem]:
    """pydantic / FastAPI validation errors as one Chinese problem per field (the first wins)."""
    out: dict[str, FieldProblem] = {}
    for error in errors:
        field = _field(tuple(error.get("loc", ())))
        out.setdefault(field, FieldProblem(field=field, message=_message(error)))
    return list(out.values())


def summary(problems: Sequence[FieldProblem]) -> str:
    """The whole refusal in one Chinese sentence."""
    listed = "；".join(f"{p.field}：{p.message}" for p in problems)
    return f"提交的数据不完整或格式有误：{listed or '请求'}"
