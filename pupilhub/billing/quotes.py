"""What a school would pay: pupils on roll, the invoice date, quotes and the trial."""

from datetime import date

from pupilhub.core.errors import Invalid
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School

from .models import Subscription
from .pricing import Quote, quote


def pupils_on_roll(school: School) -> int:
    """Active pupils inside the school's own year range.

    Archived pupils and retained groups beyond the range (last year's Y11 kept as
    Y12 in a Y7-Y11 school; S7 = 14 in an S1-S6 school) are not charged.
    """
    if school.year_from is None or school.year_to is None:
        raise Invalid(
            "Set the school's year range (first and last year group) before billing.",
            code="no_year_range",
            fields={"year_from": ["Required for billing."], "year_to": ["Required for billing."]},
        )
    return Pupil.objects.filter(
        school=school,
        status="active",
        year_group__gte=school.year_from,
        year_group__lte=school.year_to,
    ).count()


def default_invoice_date(activation: date) -> date:
    """With no invoice date given: the next 1 April (schools' financial year)."""
    candidate = date(activation.year, 4, 1)
    return candidate if candidate >= activation else date(activation.year + 1, 4, 1)


def school_quote(school: School, activation: date, invoice: date | None = None) -> Quote:
    invoice = invoice or _existing_invoice_date(school) or default_invoice_date(activation)
    return quote(pupils_on_roll(school), school.price_per_pupil_pence, activation, invoice)


def _existing_invoice_date(school: School) -> date | None:
    sub = Subscription.objects.filter(school=school).first()
    return sub.next_invoice_date if sub else None


def is_trial(school: School) -> bool:
    """Before a subscription the gateway runs on trial limits."""
    return not Subscription.objects.filter(school=school).exists()


def next_annual(school: School, sub: Subscription) -> Quote | None:
    """An estimate of the next annual invoice from today's roll (pupils are counted on the
    day it is raised); None while the school has no year range to count within."""
    try:
        pupils = pupils_on_roll(school)
    except Invalid:
        return None
    day = sub.next_invoice_date
    return quote(pupils, school.price_per_pupil_pence, day, day)
