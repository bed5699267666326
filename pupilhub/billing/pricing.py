"""The gateway's price: pure functions, no database. Money is integer pence.

Rules (issue 8): pupils on roll x price per pupil a year; an activation part-way
through the year pays for the months left to the annual invoice date, a started
month counting as a whole one, rounded half up to the penny once, at the end.
"""

import calendar
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pupilhub.core.errors import invalid_field


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months, the day clamped to the month's end.

    31 Jan + 1 month = 28 (or 29) Feb.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def months_remaining(activation: date, invoice: date) -> int:
    """Whole months from activation to the invoice date, a started month counting as one.

    1 Feb -> 1 Jul: 5; 15 Feb -> 1 Jul: 5; 20 Jun -> 1 Jul: 1; 31 Jan -> 1 Mar: 2;
    on the invoice date itself: 0 (that day's annual invoice charges the year).
    """
    if invoice < activation:
        raise invalid_field(
            "invoice_date", "The invoice date must not be before the activation date."
        )
    full = (invoice.year - activation.year) * 12 + invoice.month - activation.month
    while full > 0 and add_months(activation, full) > invoice:
        full -= 1
    return full + (1 if add_months(activation, full) < invoice else 0)


def round_pence(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Quote:
    """What activating on `activation_date` costs, up to `invoice_date`."""

    pupils_on_roll: int
    price_per_pupil_pence: int
    annual_pence: int
    months_remaining: int
    monthly_pence: int
    amount_due_pence: int
    activation_date: date
    invoice_date: date

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def quote(pupils: int, price_pence: int, activation: date, invoice: date) -> Quote:
    """The pro-rata charge. The monthly figure is for information only: the amount
    due is annual x months / 12 rounded once, never a rounded monthly figure x months."""
    if add_months(activation, 12) < invoice:
        raise invalid_field(
            "invoice_date", "The first annual invoice date must fall within a year of activation."
        )
    months = months_remaining(activation, invoice)
    annual = pupils * price_pence
    return Quote(
        pupils_on_roll=pupils,
        price_per_pupil_pence=price_pence,
        annual_pence=annual,
        months_remaining=months,
        monthly_pence=round_pence(Decimal(annual) / 12),
        amount_due_pence=round_pence(Decimal(annual) * months / 12),
        activation_date=activation,
        invoice_date=invoice,
    )
