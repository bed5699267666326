"""The school boundary, in one place for pages and API.

A view or API handler names the roles it serves and receives a `SchoolAccess` instead of
the school id from the URL: the caller's membership is resolved (404 for a school they do
not belong to, 403 for a role too low) before the handler runs, so no handler can reach a
school's rows without it. Rows are then read through each app's access layer, built on
`SchoolQuerySet.visible_to(access)`.
"""

import inspect
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from .access import SchoolAccess, require_operator, staff_access
from .choices import ADMIN_ROLES, Role

ADMINS = ADMIN_ROLES
MAIN_ADMIN = (Role.MAIN_ADMIN,)
OPERATOR = ()  # platform operators only (no school role), e.g. to set a school's price


def resolve(
    request: HttpRequest,
    school: Any,
    roles: Iterable[str] | None = None,
    *,
    operator_ok: bool = False,
) -> SchoolAccess:
    """The caller's access to `school` (the one rule both pages and API apply)."""
    if roles == OPERATOR:
        require_operator(request.user)
        operator_ok = True
    access = staff_access(request.user, school, roles=roles, operator_ok=operator_ok)
    request.access = access  # type: ignore[attr-defined]
    return access


def school_view(
    roles: Iterable[str] | None = None, *, operator_ok: bool = False
) -> Callable[..., Any]:
    """Pages: `view(request, access, ...)` served at a URL with `<uuid:school>`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, school: Any, *args: Any, **kwargs: Any) -> HttpResponse:
            access = resolve(request, school, roles, operator_ok=operator_ok)
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorator


def school_api(
    roles: Iterable[str] | None = None, *, operator_ok: bool = False
) -> Callable[..., Any]:
    """API handlers: `handler(request, access, ...)` for a path with `{school}`.

    django-ninja reads the wrapper's signature, in which `access: SchoolAccess` is
    replaced by the path parameter `school: str`.
    """

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(handler)
        params = [
            p.replace(name="school", annotation=str) if p.name == "access" else p
            for p in signature.parameters.values()
        ]

        @wraps(handler)
        def wrapper(request: HttpRequest, **kwargs: Any) -> Any:
            access = resolve(request, kwargs.pop("school"), roles, operator_ok=operator_ok)
            return handler(request, access=access, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return wrapper

    return decorator
