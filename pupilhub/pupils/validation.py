"""Checking pupil details and reading the CSV import, before anything is saved."""

from datetime import date, datetime
from typing import Any

from pupilhub.core.errors import Invalid
from pupilhub.schools.choices import N1, N2, NOT_NC, YEAR_CODES

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


MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
DATE_ERROR = "Enter the date of birth as YYYY-MM-DD, DD/MM/YYYY or 9 May 2014 (a real date)."


def read_date(text: str) -> date:
    """The date forms MIS exports write: `2014-05-09`, `2014/05/09`, `09/05/2014`,
    `09.05.2014`, `09-05-2014`, `9 May 2014`, `09-May-2014` (day first: UK order)."""
    text = " ".join(text.replace(",", " ").split())
    parts = [p for p in text.replace("/", " ").replace(".", " ").replace("-", " ").split(" ") if p]
    if len(parts) != 3:
        raise ValueError(DATE_ERROR)
    if parts[1].isalpha():
        month = MONTHS.get(parts[1].lower())
        if month is None or not (parts[0].isdigit() and parts[2].isdigit()):
            raise ValueError(DATE_ERROR)
        day, year = int(parts[0]), int(parts[2])
    elif all(p.isdigit() for p in parts):
        if len(parts[0]) == 4:  # year first
            year, month, day = (int(p) for p in parts)
        else:
            day, month, year = (int(p) for p in parts)
    else:
        raise ValueError(DATE_ERROR)
    if year < 100:
        raise ValueError(DATE_ERROR)  # a two-digit year is ambiguous for a date of birth
    return date(year, month, day)


def _date(value: Any) -> date:
    """A date in any form `read_date` knows (or a spreadsheet's own date cell)."""
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = read_date(str(value or ""))
        except ValueError:
            raise ValueError(DATE_ERROR) from None
    if parsed > date.today() or parsed.year < 1900:
        raise ValueError("The date of birth must be a real date in the past.")
    return parsed


YEAR_WORDS = {
    "r": 0,
    "rec": 0,
    "reception": 0,
    "yr r": 0,
    "year r": 0,
    "n1": N1,
    "nursery 1": N1,
    "n2": N2,
    "nursery 2": N2,
    "nursery": N2,  # the year before Reception
    "x": NOT_NC,
}
YEAR_ERROR = "Enter the year group as 0-15, Y7, Yr 7, Year 7, R, N1, N2, X, P1-P7 or S1-S6."


def _year(value: Any) -> int:
    """A national year code, or the labels MIS exports use: `7`, `Y7`, `Yr 7`, `Year 7`,
    `R`/`Rec`/`Reception`, `N1`/`N2` (nursery: -2, -1), `X` (not following the National
    Curriculum: 99), Scottish `P1`..`P7` (1-7) and `S1`..`S6` (8-13)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value if value is not None else "").lower().split())
    if text in YEAR_WORDS:
        return YEAR_WORDS[text]
    prefixes = (("year ", 0), ("year", 0), ("yr ", 0), ("yr", 0), ("y", 0), ("nc ", 0))
    for prefix, offset in (*prefixes, ("p", 0), ("s", 7)):
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


SEN_WORDS = {
    "no special educational need": "N",
    "no sen": "N",
    "none": "N",
    "sen support": "K",
    "k - sen support": "K",
    "ehc plan": "E",
    "ehcp": "E",
    "education, health and care plan": "E",
    "education health and care plan": "E",
    "statement": "E",  # statements became EHC plans in 2014-2018
    "statement of sen": "E",
}


def _sen_status(value: Any) -> str:
    text = " ".join(str(value or "N").split()) or "N"
    text = SEN_WORDS.get(text.lower(), text.upper())
    if text not in SenStatus.values:
        raise ValueError(
            "SEN status must be N (none), K (SEN support) or E (EHC plan), or those in words."
        )
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
