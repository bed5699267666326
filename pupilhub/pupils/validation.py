"""Checking pupil details and reading the CSV import, before anything is saved."""

from datetime import date, datetime
from typing import Any

from pupilhub.core.errors import Invalid
from pupilhub.schools.choices import YEAR_CODES

from .identity import normalise_pupil_id, pupil_id_error
from .models import SEN_NEEDS, PupilStatus, SenStatus

REQUIRED = ("first_name", "surname", "date_of_birth", "pupil_id", "year_group")


def _name(value: Any, label: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValueError(f"Enter the pupil's {label}.")
    if len(text) > 100:
        raise ValueError(f"The {label} must be at most 100 characters.")
    return text


def _date(value: Any) -> date:
    """A date, `YYYY-MM-DD`, or `DD/MM/YYYY` as UK spreadsheets and MIS exports write it."""
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = str(value or "").strip()
        try:
            if "/" in text:
                day, month, year = (int(part) for part in text.split("/"))
                parsed = date(year, month, day)
            else:
                parsed = date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "Enter the date of birth as YYYY-MM-DD or DD/MM/YYYY (a real date)."
            ) from None
    if parsed > date.today() or parsed.year < 1900:
        raise ValueError("The date of birth must be a real date in the past.")
    return parsed


YEAR_WORDS = {"r": 0, "reception": 0, "n": 0, "nursery": 0}
YEAR_ERROR = "Enter the year group as 0-15, Y7, Year 7, R, P1-P7 or S1-S6."


def _year(value: Any) -> int:
    """A national year code, or the labels MIS exports use: `7`, `Y7`, `Year 7`, `R`,
    `Reception`, Scottish `P1`..`P7` (1-7) and `S1`..`S6` (8-13)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value if value is not None else "").lower().split())
    if text in YEAR_WORDS:
        return YEAR_WORDS[text]
    for prefix, offset in (("year ", 0), ("year", 0), ("y", 0), ("nc ", 0), ("p", 0), ("s", 7)):
        if text.startswith(prefix) and text[len(prefix) :].strip().isdigit():
            number = int(text[len(prefix) :])
            if (prefix == "p" and not 1 <= number <= 7) or (prefix == "s" and not 1 <= number <= 6):
                raise ValueError(YEAR_ERROR)
            text = str(number + offset)
            break
    try:
        year = int(text)
    except ValueError:
        raise ValueError(YEAR_ERROR) from None
    if year not in YEAR_CODES:
        raise ValueError(YEAR_ERROR)
    return year


def _sex(value: Any) -> str:
    text = str(value or "").strip().upper()
    found = {"": "", "F": "F", "FEMALE": "F", "M": "M", "MALE": "M"}.get(text)
    if found is None:
        raise ValueError("Sex must be F, M or empty.")
    return found


def _sen_status(value: Any) -> str:
    text = str(value or "N").strip().upper() or "N"
    if text not in SenStatus.values:
        raise ValueError("SEN status must be N (none), K (SEN support) or E (EHC plan).")
    return text


def _sen_start(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        parsed = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("Enter the SEN start date as YYYY-MM-DD.") from None
    if parsed > date.today() or parsed.year < 1900:
        raise ValueError("The SEN start date must be a real date, not in the future.")
    return parsed


def _sen_needs(value: Any) -> list[str]:
    """Ranked DfE need codes (primary first): a list, or `SPLD; ASD` in one cell."""
    if value in (None, ""):
        return []
    items = str(value).replace(",", ";").split(";") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("SEN needs must be a list of DfE codes.")
    codes = [str(c).strip().upper() for c in items if str(c).strip()]
    unknown = [c for c in codes if c not in SEN_NEEDS]
    if unknown:
        raise ValueError(
            f"Unknown SEN need {', '.join(unknown)}; use DfE codes such as SPLD, MLD, ASD, SEMH."
        )
    return list(dict.fromkeys(codes))


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
        "sex": _sex,
        "sen_status": _sen_status,
        "sen_needs": _sen_needs,
        "sen_start_date": _sen_start,
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
    if "sen_start_date" in cleaned and cleaned["sen_start_date"] is None:
        del cleaned["sen_start_date"]  # never given: set when the status is (see `sen_started`)
    return cleaned


def sen_started(cleaned: dict[str, Any], pupil: Any = None) -> dict[str, Any]:
    """A new SEN status starts today unless the data says when (a CTF's SEN/StartDate)."""
    status = cleaned.get("sen_status")
    if status and "sen_start_date" not in cleaned:
        if status == "N":
            cleaned["sen_start_date"] = None
        elif pupil is None or pupil.sen_status != status:
            cleaned["sen_start_date"] = date.today()
    return cleaned


def _pupil_id(school: Any, value: Any) -> str:
    pupil_id = normalise_pupil_id(str(value or ""))
    if not pupil_id:
        raise ValueError("Enter the pupil ID.")
    error = pupil_id_error(pupil_id, school.year_scheme)
    if error:
        raise ValueError(error)
    return pupil_id
