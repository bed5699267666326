"""Writing audit events. Call inside the action's transaction."""

from collections.abc import Sequence
from typing import Any

from django.db import models

from .models import AuditEvent


def actor_kind(actor: Any, school: Any) -> str:
    """staff, operator, api_key, external or system. Users answer `is_staff_at(school)` themselves
    (core knows no model above it)."""
    if not getattr(actor, "is_authenticated", False):
        return "system"
    if getattr(actor, "is_operator", False):
        return "operator"
    if getattr(actor, "is_api_key", False):
        return "api_key"
    is_staff_at = getattr(actor, "is_staff_at", None)
    return "staff" if is_staff_at is None or is_staff_at(school) else "external"


def is_safeguarding(action: str, obj: Any) -> bool:
    """The safeguarding-visibility flag: events about a safeguarding record, or any record
    that says it reveals one (a transfer request that includes safeguarding issues)."""
    return action.startswith("safeguarding") or bool(getattr(obj, "is_safeguarding_record", False))


def pupil_of(obj: Any, detail: dict[str, Any]) -> str:
    """The pupil an event is about: named in its detail, the record's pupil, or the pupil."""
    if detail.get("pupil"):
        return str(detail["pupil"])
    if obj is None:
        return ""
    if obj._meta.label_lower == "pupils.pupil":
        return str(obj.pk)
    return str(getattr(obj, "pupil_id", None) or "")


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    school: Any = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event. `detail` must hold ids and field names, never content."""
    return _record(actor, action, obj, school, detail, sensitive=False)


def record_sensitive(
    actor: Any, action: str, obj: models.Model | None = None, *, school: Any = None
) -> AuditEvent:
    """One event that also covers a safeguarding read (a lead's view of a pupil page that
    lists the pupil's safeguarding records): only those who may see safeguarding see it."""
    return _record(actor, action, obj, school, {}, sensitive=True)


def _record(
    actor: Any,
    action: str,
    obj: models.Model | None,
    school: Any,
    detail: dict[str, Any],
    *,
    sensitive: bool,
) -> AuditEvent:
    if school is None and obj is not None:
        school = getattr(obj, "school", None)
    return AuditEvent.objects.create(
        school=school,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_kind=actor_kind(actor, school),
        safeguarding=sensitive or is_safeguarding(action, obj),
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        pupil=pupil_of(obj, detail),
        detail=detail,
    )


def record_each(
    actor: Any, action: str, objs: Sequence[models.Model], *, school: Any, **detail: Any
) -> None:
    """One event per object (each pupil's access log shows it), written in one insert."""
    kind = actor_kind(actor, school)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            school=school,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_kind=kind,
            safeguarding=is_safeguarding(action, obj),
            action=action,
            object_type=obj._meta.model_name or "",
            object_id=str(obj.pk),
            pupil=pupil_of(obj, detail),
            detail=detail,
        )
        for obj in objs
    )


def changed_fields(instance: models.Model, data: dict[str, Any]) -> list[str]:
    """Names of the fields whose value `data` would change (for audit detail)."""
    return sorted(k for k, v in data.items() if getattr(instance, k, None) != v)
