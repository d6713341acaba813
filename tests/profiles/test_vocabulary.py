"""Deadline events and approval kinds are fixed vocabularies; an unknown one is refused at its line."""

from __future__ import annotations

import pytest

from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.rulebooks.labels import APPROVAL_LABELS, EVENT_LABELS
from spotcheck.rulebooks.schema import ProfileInvalid, ProfileProblem, parse
from spotcheck.rulebooks.vocabulary import ApprovalKind, DeadlineEvent

ZIBO = rulebooks_service.builtin_text("zibo-gxj")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _problem(text: str) -> ProfileProblem:
    with pytest.raises(ProfileInvalid) as caught:
        parse(text)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_it_refuses_an_unknown_deadline_start_event_naming_its_line() -> None:
    text = ZIBO.replace('start = "decision_made"', 'start = "coffee_served"', 1)
    problem = _problem(text)
    assert problem.line == _line_of(text, "coffee_served")
    assert problem.where == "deadlines.feedback.start"
    assert "coffee_served" in problem.message and "visit_completed" in problem.message
    assert str(problem).startswith(f"第 {problem.line} 行（deadlines.feedback.start）：未知的取值")


def test_it_refuses_an_unknown_satisfying_state_naming_its_line() -> None:
    text = ZIBO.replace('state = "archived"', 'state = "filed_away"', 1)
    problem = _problem(text)
    assert problem.line == _line_of(text, "filed_away")
    assert problem.where == "deadlines.archive.state"


def test_it_refuses_an_unknown_approval_kind_naming_its_table() -> None:
    text = ZIBO.replace("[approvals.correct]", "[approvals.lunch_break]", 1)
    problem = _problem(text)
    assert problem.line == _line_of(text, "[approvals.lunch_break]")
    assert problem.where == "approvals.lunch_break"
    assert "lunch_break" in problem.message and "swap_inspector" in problem.message


def test_it_reads_the_free_text_spellings_of_old_copies_as_the_fixed_names() -> None:
    text = ZIBO.replace('start = "decision_made"', 'start = "recheck_decided"', 1).replace(
        'state = "feedback_given"', 'state = "fed_back"', 1
    )
    feedback = parse(text).deadlines["feedback"]
    assert feedback.start is DeadlineEvent.DECISION_MADE
    assert feedback.state is DeadlineEvent.FEEDBACK_GIVEN


def test_it_types_every_builtin_deadline_and_approval() -> None:
    for code in rulebooks_service.BUILTIN_CODES:
        profile = parse(rulebooks_service.builtin_text(code))
        for deadline in profile.deadlines.values():
            assert isinstance(deadline.start, DeadlineEvent)
            assert isinstance(deadline.state, DeadlineEvent)
        assert all(isinstance(kind, ApprovalKind) for kind in profile.approvals)
        # Looking an approval up by its plain name keeps working.
        assert profile.approvals.get("item_list") is profile.approvals[ApprovalKind.ITEM_LIST]


def test_it_has_a_chinese_label_for_every_word_of_both_vocabularies() -> None:
    assert set(EVENT_LABELS) == set(DeadlineEvent)
    assert set(APPROVAL_LABELS) == set(ApprovalKind)
