"""Dashboard: how many families use the gateway (admins), with a link to manage it."""

from typing import Any

from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register

from . import school_access


@register
def gateway_panel(access: SchoolAccess) -> dict[str, Any] | None:
    if not access.is_admin:
        return None
    rows = school_access.coverage(access.school)
    pupils = sum(r["pupils"] for r in rows)
    with_parent = sum(r["with_parent"] for r in rows)
    return {
        "template": "gateway/panel_dashboard.html",
        "pupils": pupils,
        "with_parent": with_parent,
        "percent": round(100 * with_parent / pupils) if pupils else 0,
        "enabled": access.school.external_login_enabled,
    }
