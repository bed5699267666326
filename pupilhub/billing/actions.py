"""Billing actions: quotes, activation, annual invoices. Web, API and the beat task call these."""

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.core.templatetags.pupilhub import pounds
from pupilhub.schools.models import School

from .models import (
    ActivationRequest,
    Invoice,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    Subscription,
)
from .pricing import Quote, add_months, quote
from .quotes import pupils_on_roll, school_quote

NEXT_NUMBER = "UPDATE billing_invoicecounter SET last = last + 1 WHERE year = %s RETURNING last"


def _number(issued: date) -> str:
    """The next number of the year it is issued in: PH-2026-000123. One UPDATE ...
    RETURNING takes it and locks the year's counter row until the invoice commits, so two
    schools never share a number (8 hex digits of a school's id collided at national
    scale), at one query an invoice (24,000 on 1 July)."""
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(NEXT_NUMBER, [issued.year])
            row = cursor.fetchone()
        if row is not None:
            return f"PH-{issued.year}-{row[0]:06d}"
        with transaction.atomic():  # the year's first invoice: its counter row
            InvoiceCounter.objects.get_or_create(year=issued.year)
    raise RuntimeError("invoice counter row missing")  # pragma: no cover - made just above


def _create_invoice(
    sub: Subscription, kind: str, q: Quote, start: date, end: date, issued: date
) -> Invoice:
    school = sub.school
    invoice = Invoice.objects.create(
        school=school,
        subscription=sub,
        number=_number(issued),
        kind=kind,
        issued_on=issued,
        period_start=start,
        period_end=end,
        pupils_on_roll=q.pupils_on_roll,
        price_per_pupil_pence=q.price_per_pupil_pence,
        months=q.months_remaining if kind == InvoiceKind.ACTIVATION else 12,
        amount_pence=q.amount_due_pence if kind == InvoiceKind.ACTIVATION else q.annual_pence,
        po_number=sub.po_number,
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


def do_activate(
    actor: Any, school: School, activation: date, invoice_date: date, po_number: str | None = None
) -> Invoice:
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
                asked = (
                    ActivationRequest.objects.select_for_update()
                    .filter(school=school, status=ActivationRequest.Status.PENDING)
                    .first()
                )
                if po_number is None:
                    po_number = asked.po_number if asked else ""
                sub = Subscription.objects.create(
                    school=school,
                    activated_on=activation,
                    first_invoice_date=invoice_date,
                    next_invoice_date=invoice_date,
                    created_by=actor,
                    po_number=_clean_po(po_number),
                )
                if asked:
                    asked.status = ActivationRequest.Status.APPROVED
                    asked.decided_at = timezone.now()
                    asked.save(update_fields=["status", "decided_at"])
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
                if sub.next_invoice_date > today:
                    break  # up to date: no second look at this subscription
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


PO_LIMIT = 40


def _clean_po(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > PO_LIMIT:
        raise Invalid(
            "A purchase-order number is at most 40 characters.",
            fields={"po_number": ["At most 40 characters."]},
        )
    return text


def do_request_activation(
    access: Any, invoice_date: date | None, po_number: str = ""
) -> ActivationRequest:
    """The Main School Admin asks for the subscription (the operator approves it, which
    activates from that day to the chosen invoice date). One request waits at a time."""
    from .quotes import default_invoice_date

    access.require_main_admin("Only the Main School Admin can ask for activation.")
    school = access.school
    today = timezone.localdate()
    wanted = invoice_date or default_invoice_date(today)
    school_quote(school, today, wanted)  # the same checks the activation will make
    po = _clean_po(po_number)
    with transaction.atomic():
        if Subscription.objects.filter(school=school).exists():
            raise Conflict("This school already has a subscription.", code="already_subscribed")
        if ActivationRequest.objects.filter(school=school, status="pending").exists():
            raise Conflict(
                "An activation request is already waiting for the operator.",
                code="already_requested",
            )
        asked = ActivationRequest.objects.create(
            school=school, requested_by=access.user, invoice_date=wanted, po_number=po
        )
        audit.record(access.user, "subscription.requested", asked, school=school)
    return asked


@transaction.atomic
def do_set_po_number(access: Any, po_number: str) -> Subscription:
    """Admins: the purchase-order number printed on the invoices raised from now on."""
    access.require_admin("Only school admins can set the purchase-order number.")
    sub = Subscription.objects.select_for_update().filter(school=access.school).first()
    if sub is None:
        raise Conflict("The school has no subscription yet.", code="not_subscribed")
    sub.po_number = _clean_po(po_number)
    sub.save(update_fields=["po_number"])
    audit.record(access.user, "subscription.po_number_changed", sub, school=access.school)
    return sub
