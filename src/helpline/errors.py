"""Domain errors raised by services and rules; only helpline.web maps them to HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user can act on: carries a stable code, a message and the field at fault."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The caller sent a value the domain cannot accept."""

    code = "invalid_input"


class NotFound(DomainError):
    """The thing asked for does not exist, or is outside the actor's client scope."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with existing data, e.g. a duplicate code."""

    code = "conflict"


class IllegalTransition(DomainError):
    """An event that the current state of a state machine does not allow."""

    code = "illegal_transition"


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "not_authenticated"


class PermissionDenied(DomainError):
    """The actor's role or client scope does not allow this action."""

    code = "permission_denied"
