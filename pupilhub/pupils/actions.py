"""Creating, changing and importing pupils. Atomic and audited."""

from typing import Any

from django.db import IntegrityError, transaction

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.schools.access import SchoolAccess

from .models import Pupil
from .validation import REQUIRED, clean_pupil, read_csv

FIELDS = (
    "first_name",
    "surname",
    "date_of_birth",
    "pupil_id",
    "year_group",
    "tutor_group",
    "sets",
    "status",
)


def _duplicate() -> Conflict:
    return Conflict(
        "Another pupil in this school already has that pupil ID.",
        code="duplicate_pupil_id",
        fields={"pupil_id": ["Another pupil in this school already has that pupil ID."]},
    )


def do_create_pupil(access: SchoolAccess, data: dict[str, Any]) -> Pupil:
    access.require_admin("Only school admins can add pupils.")
    cleaned = clean_pupil(access.school, data)
    try:
        with transaction.atomic():
            pupil = Pupil.objects.create(school=access.school, **cleaned)
            audit.record(access.user, "pupil.created", pupil)
    except IntegrityError:
        raise _duplicate() from None
    return pupil


def do_update_pupil(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> Pupil:
    access.require_admin("Only school admins can change pupils' details.")
    cleaned = clean_pupil(access.school, data, partial=True)
    changed = audit.changed_fields(pupil, cleaned)
    for key, value in cleaned.items():
        setattr(pupil, key, value)
    try:
        with transaction.atomic():
            pupil.save()
            audit.record(access.user, "pupil.updated", pupil, fields=changed)
    except IntegrityError:
        raise _duplicate() from None
    return pupil


def do_import_pupils(access: SchoolAccess, raw: bytes, *, partial: bool = False) -> dict[str, Any]:
    """Create or update pupils from CSV. All-or-nothing unless `partial`.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    A row whose pupil_id exists in the school updates that pupil.
    """
    access.require_admin("Only school admins can import pupils.")
    header, rows = read_csv(raw)
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise Invalid(
            "The header row must name the columns " + ", ".join(FIELDS) + ".",
            code="invalid_file",
            fields={"file": [f"Missing column: {name}" for name in missing]},
        )
    existing = {p.pupil_id: p for p in Pupil.objects.filter(school=access.school)}
    errors: list[dict[str, Any]] = []
    valid: list[tuple[dict[str, Any], Pupil | None]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        data = {k: v for k, v in row.items() if k in FIELDS and v is not None}
        if not any((v or "").strip() for v in data.values()):
            continue  # a blank line at the end of a spreadsheet export
        try:
            cleaned = clean_pupil(access.school, data)
        except Invalid as exc:
            message = "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.fields.items())
            errors.append({"row": number, "message": message})
            continue
        pid = cleaned["pupil_id"]
        if pid in seen:
            errors.append(
                {"row": number, "message": f"pupil_id: {pid} already appears on row {seen[pid]}."}
            )
            continue
        seen[pid] = number
        valid.append((cleaned, existing.get(pid)))
    if errors and not partial:
        return {"created": 0, "updated": 0, "errors": errors}
    created = updated = 0
    with transaction.atomic():
        for cleaned, pupil in valid:
            if pupil is None:
                pupil = Pupil.objects.create(school=access.school, **cleaned)
                created += 1
            else:
                for key, value in cleaned.items():
                    setattr(pupil, key, value)
                pupil.save()
                updated += 1
        audit.record(
            access.user,
            "pupil.imported",
            school=access.school,
            created=created,
            updated=updated,
            rejected_rows=len(errors),
        )
    return {"created": created, "updated": updated, "errors": errors}
