"""A workflow machine declared as data: its states, their labels and the allowed moves."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from spotcheck.accounts.models import Role
from spotcheck.errors import IllegalTransition, Refused
from spotcheck.rulebooks.schema import PLATFORM_RULE


@dataclass(frozen=True)
class Basis:
    """The rule a move or decision follows: the article (empty for a platform rule) and its text."""

    article: str
    text: str

    def __str__(self) -> str:
        if not self.article or self.article == PLATFORM_RULE:
            return f"{PLATFORM_RULE}：{self.text}"
        return f"依据 {self.article}：{self.text}"


@dataclass(frozen=True)
class Move:
    """One allowed move: its action name, from which states to which, and what it needs.

    `roles` (empty: whatever the route allows) are the roles the acting user needs; `approval` is
    the kind of approval (a key of the profile's approvals, or "plan") that must accompany it.
    """

    action: str
    sources: frozenset[str]
    target: str
    verb: str
    roles: frozenset[Role] = frozenset()
    approval: str | None = None


@dataclass(frozen=True)
class Machine:
    """A state machine: subject type (table), Chinese noun, state labels, moves, time stamps."""

    subject_type: str
    noun: str
    labels: Mapping[str, str]
    moves: tuple[Move, ...]
    audit_prefix: str
    # Column set to the time of arrival in a state (e.g. "approved" → "approved_at").
    stamps: Mapping[str, str] = field(default_factory=dict)
    # The audit action of a refused move (default "<audit_prefix>.refused"): every machine's
    # refusals are on the chain, so a lost race leaves its trace like any other attempt.
    refusal_action: str = ""
    # The error raised for a refused move (Refused or a subclass: the surfaces commit its audit).
    refusal_error: type[IllegalTransition] = Refused

    def __post_init__(self) -> None:
        if not self.refusal_action:
            object.__setattr__(self, "refusal_action", f"{self.audit_prefix}.refused")
        MACHINES[self.subject_type] = self

    def audit_actions(self) -> list[str]:
        """Every audit action this machine records (its moves and its refusal)."""
        return [f"{self.audit_prefix}.{m.action}" for m in self.moves] + [self.refusal_action]

    def label(self, state: str | enum.Enum) -> str:
        """The Chinese label of a state."""
        return self.labels.get(value_of(state), value_of(state))

    def move_to(self, state: str | enum.Enum, target: str | enum.Enum) -> Move | None:
        """The move from `state` to `target`, if the machine allows it."""
        here, there = value_of(state), value_of(target)
        for move in self.moves:
            if move.target == there and here in move.sources:
                return move
        return None

    def moves_from(self, state: str | enum.Enum) -> list[Move]:
        """The moves allowed from a state."""
        here = value_of(state)
        return [m for m in self.moves if here in m.sources]

    def by_target(self, target: str | enum.Enum) -> Move:
        """Some move into `target` (its verb names an illegal attempt)."""
        there = value_of(target)
        for move in self.moves:
            if move.target == there:
                return move
        raise KeyError(there)

    def allowed(self) -> dict[str, set[str]]:
        """The table of allowed moves as {state: {targets}} (for pages and tests)."""
        table: dict[str, set[str]] = {state: set() for state in self.labels}
        for move in self.moves:
            for source in move.sources:
                table.setdefault(source, set()).add(move.target)
        return table


# Every machine declared, by subject type (for the pages' labels and the layer test's audit labels).
MACHINES: dict[str, Machine] = {}


def value_of(state: str | enum.Enum) -> str:
    """A state as its stored string (an enum member's value, or the string itself)."""
    return str(state.value) if isinstance(state, enum.Enum) else str(state)


def moves(*rows: tuple[str, tuple[str | enum.Enum, ...], str | enum.Enum, str]) -> tuple[Move, ...]:
    """Build moves from (action, sources, target, verb) rows."""
    return tuple(
        Move(action, frozenset(value_of(s) for s in sources), value_of(target), verb)
        for action, sources, target, verb in rows
    )
