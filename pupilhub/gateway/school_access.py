"""What school staff may read of the gateway's set-up: licence types, tracking fields and
values. Always from the caller's school (`SchoolQuerySet.visible_to`)."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.schools.access import SchoolAccess

from .models import LicenceType, TrackingField, TrackingValue


def licence_types(access: SchoolAccess) -> QuerySet[LicenceType]:
    return LicenceType.objects.visible_to(access)


def tracking_fields(access: SchoolAccess, year_group: int | None = None) -> QuerySet[TrackingField]:
    found = TrackingField.objects.visible_to(access)
    return found if year_group is None else found.filter(year_group=year_group)


def tracking_values(
    access: SchoolAccess, fields: list[TrackingField], pupils: list[Any]
) -> dict[tuple[Any, Any], str]:
    """{(pupil id, field id): value} for a marksheet."""
    rows = TrackingValue.objects.visible_to(access).filter(field__in=fields, pupil__in=pupils)
    return {(v.pupil_id, v.field_id): v.value for v in rows}
