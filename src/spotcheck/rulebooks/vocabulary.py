"""The fixed vocabularies of a profile: deadline events and approval kinds (Chinese labels in labels.py)."""

from __future__ import annotations

import enum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator


class DeadlineEvent(enum.StrEnum):
    """What starts a deadline's clock, and the state that stops it (one vocabulary for both)."""

    VISIT_COMPLETED = "visit_completed"
    TASK_COMPLETED = "task_completed"
    DRAW_PUBLISHED = "draw_published"
    RESULT_ENTERED = "result_entered"
    REPORT_MADE = "report_made"
    RESULT_PUBLISHED = "result_published"
    OBJECTION_RECEIVED = "objection_received"
    DECISION_MADE = "decision_made"
    FEEDBACK_GIVEN = "feedback_given"
    ARCHIVED = "archived"


# Spellings the profiles used while these were free text; copies saved then still read the same.
LEGACY_EVENTS = {
    "inspection_completed": DeadlineEvent.VISIT_COMPLETED,
    "entered": DeadlineEvent.RESULT_ENTERED,
    "report_formed": DeadlineEvent.REPORT_MADE,
    "reported": DeadlineEvent.REPORT_MADE,
    "published": DeadlineEvent.RESULT_PUBLISHED,
    "recheck_decided": DeadlineEvent.DECISION_MADE,
    "rechecked": DeadlineEvent.DECISION_MADE,
    "fed_back": DeadlineEvent.FEEDBACK_GIVEN,
}


class ApprovalKind(enum.StrEnum):
    """The exceptions and acts a profile may name an approver for (the `[approvals.*]` tables)."""

    PLAN = "plan"
    ITEM_LIST = "item_list"
    WITHHOLD = "withhold"
    CORRECT = "correct"
    SWAP_INSPECTOR = "swap_inspector"
    BORROW = "borrow"
    DIRECT_ASSIGN = "direct_assign"
    EXCHANGE_TARGETS = "exchange_targets"


def _event(value: Any) -> Any:
    # Copies saved while these were free text keep their meaning under the fixed names.
    return LEGACY_EVENTS.get(value, value) if isinstance(value, str) else value


def _approval_kind(value: str) -> str:
    # Keys stay plain strings for lookups (approvals.get("borrow")) but only the fixed set passes.
    try:
        return ApprovalKind(value)
    except ValueError:
        raise ValueError(
            f"未知的审批事项“{value}”，只能是 {', '.join(k.value for k in ApprovalKind)}"
        ) from None


# The field types the profile schema uses.
EventName = Annotated[DeadlineEvent, BeforeValidator(_event)]
ApprovalName = Annotated[str, AfterValidator(_approval_kind)]
