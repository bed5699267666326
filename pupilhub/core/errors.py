"""Domain errors raised by actions and access helpers.

Web views and the API translate these the same way: NotFound and Forbidden are
Django's own 404/403 exceptions, so pages need no extra handling; the API maps
each to the contract's error body with its `code`.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404


class NotFound(Http404):
    """Missing, or belongs to a school the caller cannot see: never say which."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)
        self.message = message


class Forbidden(PermissionDenied):
    """Authenticated and allowed to see the school, but not to do this."""

    code = "forbidden"
    status = 403

    def __init__(
        self, message: str = "You are not allowed to do this.", code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class DomainError(Exception):
    """A request the domain refuses, with a contract error code."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class Invalid(DomainError):
    status = 400
    code = "invalid"


class Unauthenticated(DomainError):
    """Credentials were right but incomplete (a second factor is due), or the code was wrong."""

    status = 401
    code = "unauthenticated"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class StorageFull(DomainError):
    """The file store or the temporary space is full: nothing was saved."""

    status = 507
    code = "storage_full"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or "The file store is full, so nothing was saved. Please try again later."
        )


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message or "Too many attempts. Please wait and try again.")
        self.retry_after = max(1, int(retry_after))


def invalid_field(field: str, message: str, code: str = "invalid") -> Invalid:
    """Shorthand for a single-field validation error."""
    return Invalid(message, code=code, fields={field: [message]})
