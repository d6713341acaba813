"""Domain errors carry a Chinese message the UI shows as it is."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; `message` is Simplified Chinese for the user."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or is outside the user's scope (both look the same)."""

    status_code = 404

    def __init__(self, message: str = "未找到该对象，或您无权查看") -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """The user is known but the action is not theirs to take."""

    status_code = 403


class IllegalTransition(DomainError):
    """A workflow move that the state machine does not allow."""

    status_code = 409


class Refused(IllegalTransition):
    """A refused move whose "…refused" audit event is the only row its transaction has written.

    The workflow mechanism locks and re-reads the subject before it checks anything, so a verb
    refuses before it changes anything: every surface (request, CLI) commits on a Refused, so the
    attempt stays on the audit chain, and then shows the message (HTTP 409)."""
