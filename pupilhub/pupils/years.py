"""Academic years: September to August."""

from datetime import date
from typing import Any


def academic_year_start(on: date) -> int:
    """The calendar year the academic year holding `on` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def rollover_year(on: date) -> str:
    """The academic year a rollover on `on` moves the school into: from 1 June, the one
    starting that September (schools roll over in the summer term or holidays); before,
    the one under way (a school rolling over late, in the autumn)."""
    start = on.year if on.month >= 6 else on.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def label(start: int) -> str:
    """ "2025/26" for the academic year starting in September 2025."""
    return f"{start}/{(start + 1) % 100:02d}"


def previous(academic_year: str) -> str:
    """The academic year before "2026/27": "2025/26"."""
    return label(int(academic_year[:4]) - 1)


def current_for(school_id: Any, on: date) -> str:
    """The academic year a school is in: by the calendar (September to August), or the
    year it rolled into if it rolled over early (in June or July)."""
    from pupilhub.pupils.models import YearEnd

    by_date = label(academic_year_start(on))
    rolled = (
        YearEnd.objects.filter(school_id=school_id)
        .order_by("-academic_year")
        .values_list("academic_year", flat=True)
        .first()
    )
    return max(by_date, rolled) if rolled else by_date
