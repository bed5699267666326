"""Creating, changing and importing pupils. Atomic and audited."""

import csv
import io
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid, TooLarge
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.choices import YEAR_CODES

from .identity import normalise_pupil_id, pupil_id_error
from .models import Pupil, PupilStatus

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
REQUIRED = ("first_name", "surname", "date_of_birth", "pupil_id", "year_group")
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _name(value: Any, label: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValueError(f"Enter the pupil's {label}.")
    if len(text) > 100:
        raise ValueError(f"The {label} must be at most 100 characters.")
    return text


def _date(value: Any) -> date:
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise ValueError("Enter the date of birth as YYYY-MM-DD.") from None
    if parsed > date.today() or parsed.year < 1900:
        raise ValueError("The date of birth must be a real date in the past.")
    return parsed


def _year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError("Enter the year group as a code from 0 (Reception) to 15.") from None
    if year not in YEAR_CODES:
        raise ValueError("Enter the year group as a code from 0 (Reception) to 15.")
    return year


def _sets(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("Sets must be a list of names.")
    sets = [" ".join(str(s).split()) for s in items]
    sets = [s for s in sets if s]
    if any(len(s) > 40 for s in sets) or len(sets) > 50:
        raise ValueError("Each set name must be at most 40 characters (50 sets at most).")
    return sets


def _status(value: Any) -> str:
    status = str(value or "active").strip().lower()
    if status not in PupilStatus.values:
        raise ValueError("Status must be active or archived.")
    return status


def _tutor(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > 20:
        raise ValueError("The tutor group must be at most 20 characters.")
    return text


def clean_pupil(school: Any, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate pupil fields, returning clean values or raising Invalid per field."""
    cleaners = {
        "first_name": lambda v: _name(v, "first name"),
        "surname": lambda v: _name(v, "surname"),
        "date_of_birth": _date,
        "pupil_id": lambda v: _pupil_id(school, v),
        "year_group": _year,
        "tutor_group": _tutor,
        "sets": _sets,
        "status": _status,
    }
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, clean in cleaners.items():
        if field not in data:
            if partial:
                continue
            if field in REQUIRED:
                errors[field] = ["This field is required."]
                continue
        try:
            cleaned[field] = clean(data.get(field))
        except ValueError as exc:
            errors[field] = [str(exc)]
    if errors:
        raise Invalid("Please correct the pupil's details.", fields=errors)
    return cleaned


def _pupil_id(school: Any, value: Any) -> str:
    pupil_id = normalise_pupil_id(str(value or ""))
    if not pupil_id:
        raise ValueError("Enter the pupil ID.")
    error = pupil_id_error(pupil_id, school.year_scheme)
    if error:
        raise ValueError(error)
    return pupil_id


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


def read_csv(raw: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Decode (UTF-8 with or without BOM) and parse a CSV with a header row."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise TooLarge("The file is larger than 5 MB; split it into smaller files.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            "The file is not UTF-8 text. Save it from your spreadsheet as 'CSV UTF-8'.",
            code="invalid_file",
        ) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise Invalid(f"The file is not valid CSV: {exc}.", code="invalid_file") from None
    return header, rows


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
