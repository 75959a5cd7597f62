"""Domain errors. Services raise them; the web and API layers turn them into pages and status codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """Base class: a rule refused the request. ``message`` is shown to people as it is."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """No such object, or the caller may not see it (both answer 404)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """Signed in, but the role or separation-of-duties rules forbid the action."""

    code = "forbidden"


class InvalidTransition(DomainError):
    """The action is not allowed in the improvement's current stage."""

    code = "invalid_transition"


class VersionConflict(DomainError):
    """Someone else changed the object since the caller read it."""

    code = "version_conflict"

    def __init__(
        self, message: str = "This record was changed by someone else. Reload it and try again."
    ) -> None:
        super().__init__(message)


class AlreadyExists(DomainError):
    """A duplicate of something that may exist only once."""

    code = "already_exists"


class ValidationFailed(DomainError):
    """Bad field values; ``fields`` maps a field name to its messages."""

    code = "validation_failed"

    def __init__(
        self, fields: Mapping[str, Sequence[str]], message: str = "Some values need correcting."
    ) -> None:
        super().__init__(message)
        self.fields = {name: list(messages) for name, messages in fields.items()}


class GateCriteriaUnmet(DomainError):
    """A gate's must criteria are not all met; ``unmet`` lists their codes."""

    code = "gate_criteria_unmet"

    def __init__(
        self, unmet: Sequence[str], message: str = "The gate's must criteria are not all met."
    ) -> None:
        super().__init__(message)
        self.unmet = list(unmet)
