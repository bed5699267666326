"""Billing endpoints: quote, operator activation, invoices (JSON, PDF, CSV)."""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from pupilhub.api.base import In, Pence, binary, errors, page
from pupilhub.core.pdf import response as pdf_response
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, OPERATOR, school_api

from . import actions, exports, quotes
from .access import invoice_for, invoices_for

router = Router(tags=["billing"])


class QuoteOut(Schema):
    pupils_on_roll: int
    price_per_pupil_pence: int
    annual_pence: int
    months_remaining: int
    monthly_pence: int
    amount_due_pence: int
    activation_date: date
    invoice_date: date


class LineOut(Schema):
    description: str
    quantity: int
    unit_pence: int
    amount_pence: int


class InvoiceOut(Schema):
    id: uuid.UUID
    number: str
    kind: str
    issued_on: date
    due_on: date
    period_start: date
    period_end: date
    pupils_on_roll: int
    price_per_pupil_pence: int
    months: int
    amount_pence: int
    po_number: str  # the school's purchase-order number, "" when none
    lines: list[LineOut]


class InvoiceList(Schema):
    items: list[InvoiceOut]
    next: str | None = None


class SubscriptionIn(In):
    activation_date: date
    invoice_date: date
    po_number: str | None = None  # left out: the one the school gave when it asked


class SubscriptionOut(Schema):
    id: uuid.UUID
    school: uuid.UUID
    activation_date: date
    invoice_date: date
    next_invoice_date: date
    invoice: InvoiceOut


class PriceIn(In):
    price_per_pupil_pence: Pence


def invoice_out(invoice: actions.Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.id,
        number=invoice.number,
        kind=invoice.kind,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        pupils_on_roll=invoice.pupils_on_roll,
        price_per_pupil_pence=invoice.price_per_pupil_pence,
        months=invoice.months,
        amount_pence=invoice.amount_pence,
        po_number=invoice.po_number,
        lines=[LineOut.from_orm(line) for line in invoice.lines.all()],
    )


@router.get("/schools/{school}/billing/quote", response={200: QuoteOut, **errors(400, 403, 404)})
@school_api(ADMINS, operator_ok=True)
def get_quote(
    request: HttpRequest,
    access: SchoolAccess,
    activation_date: date | None = None,
    invoice_date: date | None = None,
) -> QuoteOut:
    """What activating the gateway would cost (default: today, to the next invoice date)."""
    from django.utils import timezone

    q = quotes.school_quote(access.school, activation_date or timezone.localdate(), invoice_date)
    return QuoteOut(**q.as_dict())


@router.post(
    "/schools/{school}/subscription",
    response={201: SubscriptionOut, **errors(400, 403, 404, 409)},
)
@school_api(OPERATOR)
def activate(
    request: HttpRequest, access: SchoolAccess, payload: SubscriptionIn
) -> Status[SubscriptionOut]:
    """Operators: activate the gateway subscription and raise the first invoice."""
    invoice = actions.do_activate(
        request.user,
        access.school,
        payload.activation_date,
        payload.invoice_date,
        payload.po_number,
    )
    sub = invoice.subscription
    return Status(
        201,
        SubscriptionOut(
            id=sub.id,
            school=access.school.id,
            activation_date=sub.activated_on,
            invoice_date=sub.first_invoice_date,
            next_invoice_date=sub.next_invoice_date,
            invoice=invoice_out(invoice),
        ),
    )


class ActivationRequestIn(In):
    invoice_date: date | None = None  # left out: the next 1 April
    po_number: str = ""


class ActivationRequestOut(Schema):
    id: uuid.UUID
    status: str
    invoice_date: date
    po_number: str
    created_at: datetime


class PoNumberIn(In):
    po_number: str


class PoNumberOut(Schema):
    po_number: str


@router.post(
    "/schools/{school}/billing/activation-request",
    response={201: ActivationRequestOut, **errors(400, 403, 404, 409)},
)
@school_api(ADMINS)
def request_activation(
    request: HttpRequest, access: SchoolAccess, payload: ActivationRequestIn
) -> Status[Any]:
    """The Main School Admin asks for the subscription; an operator approves it with
    `POST .../subscription` (the request's purchase-order number is used)."""
    asked = actions.do_request_activation(access, payload.invoice_date, payload.po_number)
    return Status(201, asked)


@router.put(
    "/schools/{school}/billing/po-number", response={200: PoNumberOut, **errors(400, 403, 404, 409)}
)
@school_api(ADMINS)
def set_po_number(request: HttpRequest, access: SchoolAccess, payload: PoNumberIn) -> Any:
    """Admins: the purchase-order number printed on invoices raised from now on."""
    return {"po_number": actions.do_set_po_number(access, payload.po_number).po_number}


class PriceOut(Schema):
    price_per_pupil_pence: int


@router.put("/schools/{school}/billing/price", response={200: PriceOut, **errors(400, 403, 404)})
@school_api(OPERATOR)
def set_price(request: HttpRequest, access: SchoolAccess, payload: PriceIn) -> dict[str, int]:
    """Operators: the school's price per pupil a year, in pence (applies to the next invoice)."""
    actions.do_set_price(request.user, access.school, payload.price_per_pupil_pence)
    return {"price_per_pupil_pence": access.school.price_per_pupil_pence}


@router.get("/schools/{school}/invoices", response={200: InvoiceList, **errors(403, 404)})
@school_api(ADMINS, operator_ok=True)
def list_invoices(request: HttpRequest, access: SchoolAccess) -> dict[str, object]:
    invoices = invoices_for(access).order_by("-issued_on", "-id").prefetch_related("lines")
    return page(request, invoices, lambda i: invoice_out(i).dict())


@router.get(
    "/schools/{school}/invoices.csv",
    response={200: None, **errors(403, 404)},
    openapi_extra=binary("text/csv"),
)
@school_api(ADMINS, operator_ok=True)
def invoices_csv(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """Every invoice line, for the finance office's spreadsheet."""
    return exports.csv_response(access)


@router.get("/schools/{school}/invoices/{id}", response={200: InvoiceOut, **errors(403, 404)})
@school_api(ADMINS, operator_ok=True)
def get_invoice(request: HttpRequest, access: SchoolAccess, id: str) -> InvoiceOut:
    return invoice_out(invoice_for(access, id))


@router.get(
    "/schools/{school}/invoices/{id}/pdf",
    response={200: None, **errors(403, 404)},
    openapi_extra=binary("application/pdf"),
)
@school_api(ADMINS, operator_ok=True)
def invoice_pdf(request: HttpRequest, access: SchoolAccess, id: str) -> HttpResponse:
    invoice = invoice_for(access, id)
    return pdf_response(exports.invoice_pdf(invoice), f"{invoice.number}.pdf")
