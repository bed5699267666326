"""Writing audit events. Call inside the action's transaction."""

from typing import Any

from django.db import models

from .models import AuditEvent


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    school: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event. `detail` must hold ids and field names, never content."""
    if school is None and obj is not None:
        school = getattr(obj, "school", None)
    return AuditEvent.objects.create(
        school=school,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


def changed_fields(instance: models.Model, data: dict[str, Any]) -> list[str]:
    """Names of the fields whose value `data` would change (for audit detail)."""
    return sorted(k for k, v in data.items() if getattr(instance, k, None) != v)
