"""What each person sees first on their school's dashboard.

Other apps register panels; each returns None when it has nothing to show
to this viewer. Panels must not leak what the viewer may not see.
"""

from collections.abc import Callable
from typing import Any

from .access import SchoolAccess

Panel = Callable[[SchoolAccess], dict[str, Any] | None]
PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    PANELS.append(panel)
    return panel


def register_first(panel: Panel) -> Panel:
    """A panel that heads the dashboard (new safeguarding concerns, for the leads)."""
    PANELS.insert(0, panel)
    return panel


def dashboard_panels(access: SchoolAccess) -> list[dict[str, Any]]:
    return [p for p in (panel(access) for panel in PANELS) if p]


# The operator's page: what schools are waiting for (activation, a cluster), registered by
# the apps that own them. Each is called with the operator and returns None when empty.
OperatorPanel = Callable[[Any], dict[str, Any] | None]
OPERATOR_PANELS: list[OperatorPanel] = []


def register_operator(panel: OperatorPanel) -> OperatorPanel:
    OPERATOR_PANELS.append(panel)
    return panel


def operator_panels(user: Any) -> list[dict[str, Any]]:
    return [p for p in (panel(user) for panel in OPERATOR_PANELS) if p]


@register
def pupils_panel(access: SchoolAccess) -> dict[str, Any]:
    from pupilhub.pupils.models import Pupil

    active = Pupil.objects.filter(school=access.school, status="active").count()
    return {"template": "schools/panels/pupils.html", "active": active}
