"""The dates the SEN cycle is judged by, as pure functions (tested as a table).

EHC plans (SEND Code of Practice 9.166-9.176): reviewed within 12 months of issue or of the
last review; invitations to the review meeting 4 weeks before it, advice and reports
circulated 2 weeks before, the paperwork to the local authority within 2 weeks after. At a
phase transfer the next school is named by 15 February of the transfer year (31 March for a
move into post-16)."""

import calendar
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (29 Feb + 12 months: 28 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def academic_year_start(on: date) -> date:
    """1 September of the academic year holding `on`."""
    return date(on.year if on.month >= 9 else on.year - 1, 9, 1)


def ehcp_dates(plan: Any, year_group: int | None, today: date) -> dict[str, date | None]:
    base = plan.last_review_on or plan.issued_on
    meeting = plan.next_review_meeting_on
    out: dict[str, date | None] = {
        "review_due_by": add_months(base, 12),
        "invitations_by": meeting - timedelta(weeks=4) if meeting else None,
        "reports_by": meeting - timedelta(weeks=2) if meeting else None,
        "paperwork_to_la_by": meeting + timedelta(weeks=2) if meeting else None,
        "phase_transfer_named_by": None,
    }
    if plan.phase_transfer_year:
        post16 = _year_before_transfer(year_group, plan.phase_transfer_year, today) == 11
        month, day = (3, 31) if post16 else (2, 15)
        out["phase_transfer_named_by"] = date(plan.phase_transfer_year, month, day)
    return out


def _year_before_transfer(year_group: int | None, transfer_year: int, today: date) -> int | None:
    """The year group the pupil will be in during the academic year the transfer ends."""
    if year_group is None:
        return None
    ends = academic_year_start(today).year + 1  # the calendar year this academic year ends
    return year_group + (transfer_year - ends)


def planned_sessions(start: date, end: date, per_week: int) -> int:
    """Sessions a week times the weeks the intervention runs in (a part week counts)."""
    if end < start:
        return 0
    return per_week * math.ceil(((end - start).days + 1) / 7)


def group_cost(lump_sum: int | None, rate_pence: int | None, sessions: int, minutes: int) -> int:
    """The group's cost: the lump sum, else the staff rate times the hours (pence, rounded
    half up once)."""
    if rate_pence:
        exact = Decimal(rate_pence) * sessions * minutes / 60
        return int(exact.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return lump_sum or 0


def shares(total: int, count: int) -> list[int]:
    """`total` pence over `count` pupils to the penny: remainders to the first pupils."""
    if count <= 0:
        return []
    base, extra = divmod(total, count)
    return [base + 1 if i < extra else base for i in range(count)]
