"""Tracking data actions: the school's fields (grades, targets, attendance...) and the values
staff enter on marksheets or import; what families see of them is set per licence type."""

import csv
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from pupilhub.core import audit
from pupilhub.core.errors import Invalid, invalid_field
from pupilhub.pupils.identity import normalise_pupil_id
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.models import School

from .choices import FieldKind
from .models import (
    TrackingField,
    TrackingValue,
)


def do_create_field(access: SchoolAccess, data: dict[str, Any]) -> TrackingField:
    access.require_admin("Only school admins can define tracking fields.")
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 120:
        raise invalid_field("name", "Give the field a name (at most 120 characters).")
    portlet = data.get("portlet") or "tracking"
    if portlet != "tracking":
        raise invalid_field("portlet", "Tracking fields belong to the tracking portlet.")
    kind = data.get("kind") or FieldKind.GRADE
    if kind not in FieldKind.values:
        raise invalid_field("kind", "Use grade, number or text.")
    year = data.get("year_group")
    if year is not None and not 0 <= int(year) <= 15:
        raise invalid_field("year_group", "Year codes run from 0 to 15.")
    base = slugify(data.get("key") or name)[:50] or "field"
    key, n = base, 1
    while TrackingField.objects.filter(school=access.school, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    with transaction.atomic():
        field = TrackingField.objects.create(
            school=access.school,
            key=key,
            name=name,
            portlet=portlet,
            kind=kind,
            subject=str(data.get("subject") or "")[:60],
            year_group=year,
            period=str(data.get("period") or "")[:40],
            position=TrackingField.objects.filter(school=access.school).count(),
        )
        audit.record(access.user, "tracking_field.created", field)
    return field


def _clean_value(field: TrackingField, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > 200:
        raise ValueError("At most 200 characters.")
    if text and field.kind == FieldKind.NUMBER:
        try:
            float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number.") from None
    return text


def do_set_values(access: SchoolAccess, pupil: Pupil, values: dict[str, Any]) -> dict[str, str]:
    """Record tracking values for one pupil: all or nothing."""
    fields = {
        f.key: f for f in TrackingField.objects.filter(school=access.school, key__in=list(values))
    }
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            errors[key] = ["No tracking field has this key."]
            continue
        try:
            clean[key] = _clean_value(field, value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise Invalid("Some values could not be saved; nothing was changed.", fields=errors)
    with transaction.atomic():
        write_values(access.school, [(pupil, fields[k], v) for k, v in clean.items()])
        audit.record(
            access.user, "tracking.values_set", pupil, school=access.school, fields=sorted(clean)
        )
    return clean


def write_values(school: School, rows: list[tuple[Pupil, TrackingField, str]]) -> int:
    """Store many values in a few queries whatever their number: read what exists, then
    one bulk update (changed values only) and one bulk insert. Returns how many changed.
    Call inside a transaction."""
    if not rows:
        return 0
    pupil_ids = {p.pk for p, _, _ in rows}
    field_ids = {f.pk for _, f, _ in rows}
    existing = {
        (v.pupil_id, v.field_id): v
        for v in TrackingValue.objects.filter(
            school=school, pupil__in=pupil_ids, field__in=field_ids
        ).only("id", "pupil_id", "field_id", "value")
    }
    now = timezone.now()
    changed, new = [], {}
    for pupil, field, value in rows:
        found = existing.get((pupil.pk, field.pk))
        if found is None:
            new[(pupil.pk, field.pk)] = TrackingValue(
                school=school, pupil=pupil, field=field, value=value, updated_at=now
            )
        elif found.value != value:
            found.value, found.updated_at = value, now
            changed.append(found)
    TrackingValue.objects.bulk_update(changed, ["value", "updated_at"], batch_size=500)
    TrackingValue.objects.bulk_create(list(new.values()), batch_size=500)
    return len(changed) + len(new)


def do_set_marksheet(
    access: SchoolAccess,
    pupils: list[Pupil],
    fields: list[TrackingField],
    posted: dict[tuple[Any, str], str],
) -> tuple[int, dict[str, list[str]]]:
    """A whole marksheet (pupil x field cells): every cell checked first, then all saved
    at once, or nothing and every bad cell named (`"<pupil id>:<field key>"`)."""
    errors: dict[str, list[str]] = {}
    rows = []
    for pupil in pupils:
        for field in fields:
            raw = posted.get((pupil.pk, field.key))
            if raw is None:
                continue
            try:
                rows.append((pupil, field, _clean_value(field, raw)))
            except ValueError as exc:
                errors[f"{pupil.pk}:{field.key}"] = [str(exc)]
    if errors:
        return 0, errors
    with transaction.atomic():
        changed = write_values(access.school, rows)
        audit.record(
            access.user,
            "tracking.marksheet_saved",
            None,
            school=access.school,
            pupils=len(pupils),
            values=changed,
        )
    return changed, {}


def do_import_values(access: SchoolAccess, data: bytes) -> dict[str, Any]:
    """CSV: a `pupil_id` column, then one column per field key. All or nothing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid_field("file", "The file must be UTF-8 CSV.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if "pupil_id" not in header:
        raise invalid_field("file", "The first row must name the columns, including pupil_id.")
    fields = {f.key: f for f in TrackingField.objects.filter(school=access.school, key__in=header)}
    unknown = [h for h in header if h != "pupil_id" and h not in fields]
    if unknown:
        raise invalid_field("file", f"Unknown field key(s) in the header: {', '.join(unknown)}.")
    pupils = {p.pupil_id: p for p in Pupil.objects.filter(school=access.school)}
    errors, rows = [], []
    for number, row in enumerate(reader, start=2):
        pupil = pupils.get(normalise_pupil_id(row.get("pupil_id") or ""))
        if pupil is None:
            errors.append({"row": number, "message": "No pupil with this pupil_id."})
            continue
        for key, field in fields.items():
            try:
                rows.append((pupil, field, _clean_value(field, row.get(key))))
            except ValueError as exc:
                errors.append({"row": number, "message": f"{key}: {exc}"})
    if errors:
        return {"updated": 0, "errors": errors}
    with transaction.atomic():
        write_values(access.school, rows)
        audit.record(access.user, "tracking.imported", None, school=access.school, values=len(rows))
    return {"updated": len(rows), "errors": []}
