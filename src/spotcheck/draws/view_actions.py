"""Shared by the draw pages: show the page with a message, run one ceremony verb and show its
refusal on the page (a Refused is committed first: it holds its audit event)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from spotcheck.draws import access, view_context
from spotcheck.draws.models import Draw
from spotcheck.errors import DomainError, Forbidden, NotFound, Refused
from spotcheck.ids import parse_id
from spotcheck.web.security import Principal, roles
from spotcheck.web.templating import render

Runner = Annotated[Principal, Depends(roles(*access.RUN))]
DONE = {
    "prepared": "已开始准备抽取。请核对下列内容后承诺。",
    "entropy": "随机数来源已保存。",
    "borrow": "借调已登记，借调部门的合格人员已加入该岗位人员库。",
    "unborrow": "借调已撤销。",
    "committed": "清单已承诺（冻结）。请宣读或拍照记录下方摘要，然后收集随机数。",
    "witness": "监督人已登记。",
    "dice": "骰子数字已录入。",
    "drand": "drand 随机数已录入并校验通过。",
    "computed": "抽取完成。结果已确定，不能重新计算。",
    "attachment": "附件已上传。",
    "channel": "报送已记录。",
    "published": "已公开。",
    "event": "事件已记录，抽取记录已更新。",
    "abandoned": "本次抽取已经批准放弃，承诺仍在公开门户公示。任务可以重新准备抽取。",
}


def show(
    request: Request,
    db: Session,
    principal: Principal,
    draw_id: int,
    *,
    error: str = "",
    done: str = "",
    status_code: int = 200,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The draw page, with a message from the last action; a drawn inspector of another
    department sees it read-only, with only their own visits (access.readable_or_404)."""
    draw, member_only = access.readable_or_404(db, draw_id, principal.scope, principal.user)
    params = request.query_params
    number = parse_id(params.get("page")) or 1
    query = params.get("q", "")[:100]
    return render(
        request,
        "draws/detail.html",
        status_code=status_code,
        error=error,
        done=DONE.get(done, ""),
        values=values or {},
        **view_context.context(db, principal, draw, number, query, member_only=member_only),
    )


def act(
    request: Request,
    db: Session,
    principal: Principal,
    draw: Draw,
    action: Callable[[], object],
    done: str,
    anchor: str = "",
    values: dict[str, Any] | None = None,
) -> Response:
    """Run one ceremony verb: commit and go back to the page, or show the refusal on it."""
    draw_id = draw.id
    try:
        action()
    except Refused as exc:
        # Keeps the refusal's audit event ("draw.refused", draws/service.py; "file.tampered" of a
        # stored file found altered, files/store.py): by contract the only row it wrote.
        db.commit()
        return show(request, db, principal, draw_id, error=exc.message, status_code=exc.status_code)
    except NotFound:
        raise
    except DomainError as exc:
        db.rollback()
        return show(
            request,
            db,
            principal,
            draw_id,
            error=exc.message,
            status_code=exc.status_code,
            values=values,
        )
    db.commit()
    return RedirectResponse(f"/draws/{draw_id}?done={done}{anchor}", status_code=303)


def runnable(db: Session, principal: Principal, draw_id: int) -> Draw:
    """A draw the user may see and run; a participant-only department may not run it."""
    draw = access.draw_or_404(db, draw_id, principal.scope)
    if not access.can_run(db, principal.user, principal.scope, draw):
        raise Forbidden("抽取由发起部门的任务发起人员操作，参与部门不能操作")
    return draw


async def form_of(request: Request) -> dict[str, str]:
    """The posted form as plain strings."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
