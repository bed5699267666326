from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupilhub.billing.pricing import add_months, months_remaining, quote, round_pence
from pupilhub.core.errors import Invalid


def test_the_guides_example_exactly():
    q = quote(600, 50, date(2027, 2, 1), date(2027, 7, 1))
    assert q.annual_pence == 30000
    assert q.monthly_pence == 2500
    assert q.months_remaining == 5
    assert q.amount_due_pence == 12500


@pytest.mark.parametrize(
    ("activation", "invoice", "months"),
    [
        (date(2027, 2, 1), date(2027, 7, 1), 5),
        (date(2027, 2, 15), date(2027, 7, 1), 5),
        (date(2027, 6, 20), date(2027, 7, 1), 1),
        (date(2027, 1, 31), date(2027, 3, 1), 2),
        (date(2027, 7, 1), date(2027, 7, 1), 0),
        (date(2027, 6, 30), date(2027, 7, 1), 1),
        (date(2026, 7, 1), date(2027, 7, 1), 12),
        (date(2026, 7, 2), date(2027, 7, 1), 12),
        (date(2027, 1, 31), date(2027, 2, 28), 1),
    ],
)
def test_a_started_month_counts_as_a_whole_one(activation, invoice, months):
    assert months_remaining(activation, invoice) == months


def test_months_clamp_to_the_end_of_short_months():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_the_amount_is_rounded_half_up_once_at_the_end():
    # 7 pupils at 50p: annual 350p, monthly 29.1666 -> 29p; 5 months = 145.83 -> 146p,
    # not 5 x 29 = 145p.
    q = quote(7, 50, date(2027, 2, 1), date(2027, 7, 1))
    assert q.monthly_pence == 29
    assert q.amount_due_pence == 146
    # exactly half a penny rounds up: annual 6p, 1 month = 0.5p -> 1p
    assert quote(1, 6, date(2027, 6, 20), date(2027, 7, 1)).amount_due_pence == 1
    assert round_pence(Decimal("2.5")) == 3 and round_pence(Decimal("3.5")) == 4


def test_bad_dates_are_refused():
    with pytest.raises(Invalid) as exc:
        quote(10, 50, date(2027, 7, 2), date(2027, 7, 1))
    assert "invoice_date" in exc.value.fields
    with pytest.raises(Invalid):
        quote(10, 50, date(2027, 1, 1), date(2028, 3, 1))  # more than a year away


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(dates, st.integers(min_value=0, max_value=366), st.integers(0, 5000), st.integers(0, 500))
def test_the_charge_never_exceeds_the_annual_amount(activation, days, pupils, price):
    from datetime import timedelta

    invoice = activation + timedelta(days=days)
    if add_months(activation, 12) < invoice:
        return
    q = quote(pupils, price, activation, invoice)
    assert 0 <= q.months_remaining <= 12
    assert 0 <= q.amount_due_pence <= q.annual_pence


@given(
    dates,
    st.integers(0, 365),
    st.integers(0, 365),
    st.integers(1, 5000),
    st.integers(1, 500),
)
def test_the_charge_is_monotonic_in_months_remaining(invoice, early, late, pupils, price):
    from datetime import timedelta

    early, late = max(early, late), min(early, late)
    a = quote(pupils, price, invoice - timedelta(days=early), invoice)
    b = quote(pupils, price, invoice - timedelta(days=late), invoice)
    assert a.months_remaining >= b.months_remaining  # activating earlier: more months
    assert a.amount_due_pence >= b.amount_due_pence  # ... and never less to pay
    if a.months_remaining == b.months_remaining:
        assert a.amount_due_pence == b.amount_due_pence


@given(dates.filter(lambda d: d.day <= 28), st.integers(1, 5000), st.integers(1, 500))
def test_whole_months_back_from_the_invoice_date_charge_twelfths(invoice, pupils, price):
    # Days 29-31 are left out: m months back is then clamped to a month's end, which is
    # more than m months before (e.g. 29 Feb 2020 - 12 months = 28 Feb 2019, refused as
    # more than a year); the property tests above cover those dates.
    amounts = [quote(pupils, price, add_months(invoice, -m), invoice) for m in range(13)]
    assert [q.months_remaining for q in amounts] == list(range(13))
    assert amounts[0].amount_due_pence == 0
    assert amounts[12].amount_due_pence == pupils * price
