"""Narrowing a set of pupils (or their records) by sex, SEN status and SEN need: the
provision map's and print runs' filters. Pages ignore a value they do not know (as for
their other filters); the API's 400 names it (`clean`)."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import Invalid

from .models import SEN_NEEDS, SenStatus, Sex

FIELDS = ("sex", "sen_status", "sen_need")
ALLOWED = {"sex": Sex.values, "sen_status": SenStatus.values, "sen_need": list(SEN_NEEDS)}


def read(source: Any) -> dict[str, str]:
    """The known filters from a query string or body; unknown values dropped."""
    found = {f: str(source.get(f) or "").strip().upper() for f in FIELDS}
    return {f: v for f, v in found.items() if v in ALLOWED[f]}


def clean(data: dict[str, Any]) -> dict[str, str]:
    """As `read`, but a value that is not allowed is a 400 naming its field."""
    errors = {}
    for field in FIELDS:
        value = str(data.get(field) or "").strip().upper()
        if value and value not in ALLOWED[field]:
            errors[field] = [f"Must be one of {', '.join(ALLOWED[field])}."]
    if errors:
        raise Invalid("Please correct the filters.", fields=errors)
    return read(data)


def apply(qs: QuerySet[Any], filters: dict[str, str], prefix: str = "") -> QuerySet[Any]:
    """`prefix` reaches the pupil from a record (`pupil__`)."""
    if filters.get("sex"):
        qs = qs.filter(**{f"{prefix}sex": filters["sex"]})
    if filters.get("sen_status"):
        qs = qs.filter(**{f"{prefix}sen_status": filters["sen_status"]})
    if filters.get("sen_need"):
        # Ranked codes in a JSON list: match the quoted code, so MLD never matches PMLD
        # (and the same lookup works on SQLite and PostgreSQL).
        qs = qs.filter(**{f"{prefix}sen_needs__icontains": f'"{filters["sen_need"]}"'})
    return qs


def choices() -> dict[str, list[tuple[str, str]]]:
    """For a page's selects."""
    return {
        "sex": list(Sex.choices),
        "sen_status": list(SenStatus.choices),
        "sen_need": [(code, f"{code}: {label}") for code, label in SEN_NEEDS.items()],
    }
