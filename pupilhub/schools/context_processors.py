"""Navigation context: the school switcher and the current school."""

from typing import Any

from django.http import HttpRequest

from pupilhub.schools.access import memberships_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    from .support import contact

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"support": contact}  # called only if the page shows it
    access = getattr(request, "access", None)
    return {
        "nav_memberships": access.memberships if access else memberships_for(user),
        "access": access,
        "current_school": access.school if access else None,
        "support": contact,
    }
