"""Errors of the SSJ-DRAW-1 engine: every refusal says why, in Chinese and in English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """One finding of the engine or the verifier: a stable code and the text in both languages."""

    code: str
    zh: str
    en: str

    def text(self) -> str:
        """The reason as one line, Chinese first."""
        return f"[{self.code}] {self.zh} / {self.en}"


class DrawError(Exception):
    """A refusal of the draw engine; nothing is half-made when one is raised."""

    default_code = "draw"

    def __init__(self, zh: str, en: str, *, code: str | None = None) -> None:
        super().__init__(en)
        self.reason = Reason(code or self.default_code, zh, en)

    @property
    def code(self) -> str:
        """The stable code of this refusal."""
        return self.reason.code

    @property
    def zh(self) -> str:
        """The Chinese message."""
        return self.reason.zh

    @property
    def en(self) -> str:
        """The English message."""
        return self.reason.en

    def __str__(self) -> str:
        return f"{self.reason.zh} / {self.reason.en}"


class InputError(DrawError):
    """Input outside the allowed JSON subset (floats, booleans, control characters, ...)."""

    default_code = "input"


class ManifestError(DrawError):
    """A manifest that is not well formed."""

    default_code = "manifest"


class InfeasibleError(ManifestError):
    """A well-formed manifest whose inspector slots cannot always be filled."""

    default_code = "infeasible"


class EntropyError(DrawError):
    """Revealed entropy that does not match the plan or was public at commit time."""

    default_code = "entropy"


class EventError(DrawError):
    """An event after the draw that is not allowed or does not match its derived fields."""

    default_code = "event"


class OpeningError(DrawError):
    """An opening that is missing or does not match its commitment."""

    default_code = "opening"


class MatchingError(DrawError):
    """No inspector could be found for a slot (only possible for an infeasible manifest)."""

    default_code = "matching"
