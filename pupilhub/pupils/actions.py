"""Creating, changing and importing pupils. Atomic and audited."""

from typing import Any

from django.db import IntegrityError, transaction

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.schools.access import SchoolAccess

from . import counts, mis
from .models import Pupil
from .validation import REQUIRED, clean_pupil


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


def do_import_pupils(
    access: SchoolAccess, raw: bytes, *, partial: bool = False, dry_run: bool = False
) -> dict[str, Any]:
    """Create or update pupils from an MIS export (CSV or .xlsx, see `mis.py`).

    All-or-nothing unless `partial`; `dry_run` changes nothing and answers what would
    happen. Rows are numbered as a spreadsheet shows them (header = row 1). A row whose
    pupil_id is on roll updates that pupil, and only the columns the file has.
    """
    access.require_admin("Only school admins can import pupils.")
    fields, rows = mis.read(raw)
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise Invalid(
            "The header row must name the columns UPN (or pupil ID), surname, forename, "
            "date of birth and year group.",
            code="invalid_file",
            fields={"file": [f"Missing column: {name}" for name in missing]},
        )
    existing = {p.pupil_id: p for p in Pupil.objects.filter(school=access.school)}
    errors: list[dict[str, Any]] = []
    creates: list[Pupil] = []
    updates: list[Pupil] = []
    changed_fields: set[str] = set()
    unchanged = 0
    seen: dict[str, int] = {}
    for number, data in rows:
        try:
            cleaned = clean_pupil(access.school, data, partial=True)
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
        pupil = existing.get(pid)
        if pupil is None:
            creates.append(Pupil(school=access.school, **cleaned))
            continue
        changes = audit.changed_fields(pupil, cleaned)
        if not changes:
            unchanged += 1
            continue
        for key in changes:
            setattr(pupil, key, cleaned[key])
        changed_fields |= set(changes)
        updates.append(pupil)
    result = {"created": len(creates), "updated": len(updates), "unchanged": unchanged}
    if errors and not partial:
        return {"created": 0, "updated": 0, "unchanged": 0, "errors": errors}
    if dry_run:
        return {**result, "errors": errors}
    for pupil in creates:
        pupil.refresh_match_key()
    try:
        with transaction.atomic():
            # New pupils in bulk (nothing caches a pupil not yet there); changes one by one,
            # so the caches that hold a pupil (roll counts, families' pages) hear of them.
            Pupil.objects.bulk_create(creates, batch_size=500)
            for pupil in updates:
                pupil.save(update_fields=sorted(changed_fields | {"updated_at"}))
            audit.record(
                access.user,
                "pupil.imported",
                school=access.school,
                created=len(creates),
                updated=len(updates),
                unchanged=unchanged,
                rejected_rows=len(errors),
            )
            transaction.on_commit(lambda: counts.forget(access.school.pk))
    except IntegrityError:
        raise _duplicate() from None  # a pupil added with the same ID meanwhile
    return {**result, "errors": errors}
