"""Billing actions: quotes, activation, annual invoices. Web, API and the beat task call these."""

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.core.templatetags.pupilhub import pounds
from pupilhub.schools.models import School

from .models import Invoice, InvoiceKind, InvoiceLine, Subscription
from .pricing import Quote, add_months, quote
from .quotes import pupils_on_roll, school_quote


def _number(school: School, kind: str, start: date) -> str:
    return f"PH-{school.id.hex[:8].upper()}-{start:%Y%m%d}-{'A' if kind == 'activation' else 'Y'}"


def _create_invoice(
    sub: Subscription, kind: str, q: Quote, start: date, end: date, issued: date
) -> Invoice:
    school = sub.school
    invoice = Invoice.objects.create(
        school=school,
        subscription=sub,
        number=_number(school, kind, start),
        kind=kind,
        issued_on=issued,
        period_start=start,
        period_end=end,
        pupils_on_roll=q.pupils_on_roll,
        price_per_pupil_pence=q.price_per_pupil_pence,
        months=q.months_remaining if kind == InvoiceKind.ACTIVATION else 12,
        amount_pence=q.amount_due_pence if kind == InvoiceKind.ACTIVATION else q.annual_pence,
    )
    price = pounds(q.price_per_pupil_pence)
    if kind == InvoiceKind.ACTIVATION:
        description = (
            f"External Gateway from {start:%-d %B %Y} to {end:%-d %B %Y}: "
            f"{q.pupils_on_roll} pupils on roll at {price} a year, "
            f"{q.months_remaining}/12 of a year"
        )
    else:
        description = (
            f"External Gateway for {start:%-d %B %Y} to {end:%-d %B %Y}: "
            f"{q.pupils_on_roll} pupils on roll at {price} a year"
        )
    InvoiceLine.objects.create(
        invoice=invoice,
        description=description,
        quantity=q.pupils_on_roll,
        unit_pence=q.price_per_pupil_pence,
        amount_pence=invoice.amount_pence,
    )
    audit.record(None, f"invoice.{kind}_raised", invoice, amount_pence=invoice.amount_pence)
    return invoice


def do_activate(actor: Any, school: School, activation: date, invoice_date: date) -> Invoice:
    """Operator: start the subscription and raise its first invoice.

    With months left before the invoice date, that is a pro-rata activation invoice;
    activating on the invoice date itself (0 months) raises that date's annual invoice.
    """
    q = school_quote(school, activation, invoice_date)
    with transaction.atomic():
        if Subscription.objects.select_for_update().filter(school=school).exists():
            raise Conflict("This school already has a subscription.", code="already_subscribed")
        try:
            with transaction.atomic():
                sub = Subscription.objects.create(
                    school=school,
                    activated_on=activation,
                    first_invoice_date=invoice_date,
                    next_invoice_date=invoice_date,
                    created_by=actor,
                )
        except IntegrityError:
            raise Conflict(
                "This school already has a subscription.", code="already_subscribed"
            ) from None
        audit.record(actor, "subscription.activated", sub, school=school)
        if q.months_remaining:
            end = invoice_date - timedelta(days=1)
            return _create_invoice(sub, InvoiceKind.ACTIVATION, q, activation, end, activation)
        return _raise_annual(sub)


def _raise_annual(sub: Subscription) -> Invoice:
    """The annual invoice due on sub.next_invoice_date; moves the date on a year.

    The caller holds the subscription row locked. Pupils are counted now.
    """
    school = sub.school
    start = sub.next_invoice_date
    end = add_months(start, 12) - timedelta(days=1)
    annual = quote(pupils_on_roll(school), school.price_per_pupil_pence, start, start)
    invoice = _create_invoice(sub, InvoiceKind.ANNUAL, annual, start, end, start)
    sub.next_invoice_date = add_months(start, 12)
    sub.save(update_fields=["next_invoice_date"])
    return invoice


def raise_due_invoices(today: date) -> int:
    """Raise every annual invoice due on or before `today`. Safe to run twice or at once
    on two workers: each subscription is locked, and an invoice per period is unique."""
    raised = 0
    due = Subscription.objects.filter(next_invoice_date__lte=today).values_list("pk", flat=True)
    for pk in list(due):
        while True:
            with transaction.atomic():
                sub = (
                    Subscription.objects.select_for_update()
                    .select_related("school")
                    .filter(pk=pk, next_invoice_date__lte=today)
                    .first()
                )
                if sub is None:
                    break
                try:
                    _raise_annual(sub)
                except Invalid:
                    break  # the school lost its year range; the billing page says why
                raised += 1
    return raised


def do_set_price(actor: Any, school: School, pence: int) -> None:
    """Operators set a school's price per pupil a year (default 50p)."""
    if not 0 <= pence <= 100_000:
        raise Invalid(
            "The price must be between 0 and 100000 pence.",
            fields={"price_per_pupil_pence": ["Between 0 and 100000 pence."]},
        )
    with transaction.atomic():
        old = school.price_per_pupil_pence
        school.price_per_pupil_pence = pence
        school.save(update_fields=["price_per_pupil_pence"])
        audit.record(actor, "school.price_changed", school, old=old, new=pence)
