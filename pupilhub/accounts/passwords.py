"""Password rules (length, common and breached lists, similarity to the account)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from pupilhub.core.errors import Invalid

from .models import (
    User,
)


def password_errors(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def ensure_valid_password(password: str, user: User | None = None, field: str = "password") -> None:
    errors = password_errors(password, user)
    if errors:
        raise Invalid(errors[0], code="weak_password", fields={field: errors})
