"""Academic years: September to August."""

from datetime import date


def academic_year_start(on: date) -> int:
    """The calendar year the academic year holding `on` began (1 September)."""
    return on.year if on.month >= 9 else on.year - 1


def rollover_year(on: date) -> str:
    """The academic year a rollover on `on` moves the school into: from 1 June, the one
    starting that September (schools roll over in the summer term or holidays); before,
    the one under way (a school rolling over late, in the autumn)."""
    start = on.year if on.month >= 6 else on.year - 1
    return f"{start}/{(start + 1) % 100:02d}"
