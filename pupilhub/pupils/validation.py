"""Checking pupil details and reading the CSV import, before anything is saved."""

import csv
import io
from datetime import date
from typing import Any

from pupilhub.core.errors import Invalid, TooLarge
from pupilhub.schools.choices import YEAR_CODES

from .identity import normalise_pupil_id, pupil_id_error
from .models import PupilStatus

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
