"""The operator's page: schools whose Main School Admin asked for activation."""

from typing import Any

from pupilhub.schools.dashboard import register_operator

from .access import pending_requests


@register_operator
def activation_requests(user: Any) -> dict[str, Any] | None:
    found = list(pending_requests()[:200])
    if not found:
        return None
    return {"template": "billing/operator_panel.html", "requests": found}
