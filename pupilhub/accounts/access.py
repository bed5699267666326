"""What operators and people signing in may read of accounts."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pupilhub.core.errors import NotFound
from pupilhub.schools.access import parse_id, require_operator

from .models import LoginHold, User


def current_holds(user: Any) -> QuerySet[LoginHold]:
    """Operators: accounts held after repeated failed sign-ins, newest first."""
    require_operator(user)
    return (
        LoginHold.objects.filter(until__gt=timezone.now())
        .select_related("user")
        .order_by("-created_at")
    )


def hold_for(user: Any, hold_id: Any) -> LoginHold:
    require_operator(user)
    found = LoginHold.objects.select_related("user").filter(pk=parse_id(hold_id)).first()
    if found is None:
        raise NotFound()
    return found


def active_user(user_id: Any) -> User | None:
    """A user part-way through signing in (the id the session holds), if still active."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def signed_in(request: Any) -> User:
    """The signed-in user of a request the login check has already let through."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound()
    return user
