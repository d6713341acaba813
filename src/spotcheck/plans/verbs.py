"""The plan workflow verbs, declared once: each surface (pages, API, CLI) turns this table into
its routes or commands through one small adapter, so a verb is wired once, not three times."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from spotcheck.accounts.models import Role, User
from spotcheck.audit.service import Actor
from spotcheck.plans import access
from spotcheck.plans import service as plans_service
from spotcheck.plans.models import AnnualPlan
from spotcheck.workflow.models import WorkflowStep

COORDINATORS = access.PLAN
LEADERS = access.APPROVE


@dataclass(frozen=True)
class Inputs:
    """What a workflow verb may record: opinion, document number (文号), adjustment reason."""

    opinion: str = ""
    document_no: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Field:
    """One input a verb takes, with its help text (CLI option, form field, API body field)."""

    name: str
    help: str
    required: bool = False


Run = Callable[[Session, Actor, User | None, AnnualPlan, Inputs], WorkflowStep | AnnualPlan]


@dataclass(frozen=True)
class PlanVerb:
    """A plan verb: its name (URL segment and command), label, roles, inputs and service call."""

    name: str
    label: str
    help: str
    roles: tuple[Role, ...]
    fields: tuple[Field, ...]
    run: Run


def _leader(user: User | None) -> User:
    assert user is not None, "a leader's verb needs the acting user"
    return user


VERBS: tuple[PlanVerb, ...] = (
    PlanVerb(
        "submit",
        "提交审批",
        "提交审批（须至少有一个任务，且每个任务无误）。",
        COORDINATORS,
        (Field("opinion", "提交说明"),),
        lambda s, a, u, p, i: plans_service.submit(s, a, p, i.opinion),
    ),
    PlanVerb(
        "approve",
        "批准",
        "批准（本部门或上级部门具有细则规定审批层级的领导）。",
        LEADERS,
        (Field("opinion", "审批意见"), Field("document_no", "审定文号（细则规定外部审定时必填）")),
        lambda s, a, u, p, i: plans_service.approve(s, a, _leader(u), p, i.opinion, i.document_no),
    ),
    PlanVerb(
        "return",
        "退回",
        "退回修改（领导；须写明意见）。",
        LEADERS,
        (Field("opinion", "退回意见（必填）"),),
        lambda s, a, u, p, i: plans_service.return_(s, a, _leader(u), p, i.opinion),
    ),
    PlanVerb(
        "file",
        "备案",
        "备案（调整后的版本备案时，原版本被替代）。",
        COORDINATORS,
        (Field("document_no", "备案文号"),),
        lambda s, a, u, p, i: plans_service.file(s, a, p, i.document_no),
    ),
    PlanVerb(
        "publish",
        "公开",
        "向社会公开。",
        COORDINATORS,
        (),
        lambda s, a, u, p, i: plans_service.publish(s, a, p),
    ),
    PlanVerb(
        "adjust",
        "调整",
        "调整已备案或已公开的计划：生成新版本，复制任务。",
        COORDINATORS,
        (Field("reason", "调整原因", required=True),),
        lambda s, a, u, p, i: plans_service.adjust(s, a, p, i.reason),
    ),
)
