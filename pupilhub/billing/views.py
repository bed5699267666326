"""Billing pages: quote and invoices for school admins; price and activation for operators."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.core.errors import DomainError
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.views import apply_errors
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, school_view

from . import actions, exports, quotes
from .access import invoice_for, invoices_for, pending_request, subscription_for
from .forms import ActivateForm, ActivationRequestForm, PoNumberForm, PriceForm, QuoteForm


@school_view(ADMINS, operator_ok=True)
def billing(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    subscription = subscription_for(access)
    asked = pending_request(access)
    quote_form = QuoteForm(request.GET or None, auto_id="quote_%s")  # ids unlike the operator's
    quote, quote_error = None, ""
    if subscription is None and (quote_form.is_valid() or not request.GET):
        data = quote_form.cleaned_data if request.GET else {}
        try:
            quote = quotes.school_quote(
                access.school,
                data.get("activation_date") or timezone.localdate(),
                data.get("invoice_date"),
            )
        except DomainError as exc:
            quote_error = exc.message
    forms = {
        "activate_form": ActivateForm(
            initial={
                "activation_date": timezone.localdate(),
                "invoice_date": asked.invoice_date if asked else None,
                "po_number": asked.po_number if asked else "",
            }
        ),
        "price_form": PriceForm(initial={"price_pounds": _pounds(access.school)}),
        "request_form": ActivationRequestForm(),
        "po_form": PoNumberForm(
            initial={"po_number": subscription.po_number if subscription else ""}
        ),
    }
    status = 200
    if request.method == "POST":
        result = _post(request, access)
        if isinstance(result, HttpResponse):
            return result
        name, form = result
        forms[name] = form
        status = 400
    return render(
        request,
        "billing/billing.html",
        {
            "subscription": subscription,
            "asked": asked,
            "next_invoice": subscription and quotes.next_annual(access.school, subscription),
            "quote": quote,
            "quote_error": quote_error,
            "quote_form": quote_form,
            "invoices": invoices_for(access),
            "billed_school": access.school,
            **forms,
        },
        status=status,
    )


def _pounds(school: Any) -> str:
    return f"{Decimal(school.price_per_pupil_pence) / 100:.2f}"


def _post(request: HttpRequest, access: SchoolAccess) -> HttpResponse | tuple[str, Any]:
    """One form posted: a redirect when it worked, else (its name, the form with errors)."""
    if access.is_operator:
        if "activate" in request.POST:
            return _activate(request, access)
        return _price(request, access)
    if "request_activation" in request.POST:
        form: Any = ActivationRequestForm(request.POST)
        if form.is_valid():
            try:
                actions.do_request_activation(
                    access, form.cleaned_data["invoice_date"], form.cleaned_data["po_number"]
                )
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("Activation requested: the platform operator will confirm it.")
                )
                return redirect("billing:billing", access.school.id)
        return "request_form", form
    form = PoNumberForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_po_number(access, form.cleaned_data["po_number"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Purchase-order number saved."))
            return redirect("billing:billing", access.school.id)
    return "po_form", form


def _activate(request: HttpRequest, access: SchoolAccess) -> HttpResponse | tuple[str, Any]:
    form = ActivateForm(request.POST)
    if form.is_valid():
        try:
            invoice = actions.do_activate(
                request.user,
                access.school,
                form.cleaned_data["activation_date"],
                form.cleaned_data["invoice_date"],
                form.cleaned_data["po_number"],
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Subscription activated; invoice {invoice.number} raised.")
            return redirect("billing:billing", access.school.id)
    return "activate_form", form


def _price(request: HttpRequest, access: SchoolAccess) -> HttpResponse | tuple[str, Any]:
    form = PriceForm(request.POST)
    if form.is_valid():
        try:
            actions.do_set_price(request.user, access.school, form.pence())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Price saved.")
            return redirect("billing:billing", access.school.id)
    return "price_form", form


@school_view(ADMINS, operator_ok=True)
def invoice_pdf(request: HttpRequest, access: SchoolAccess, invoice: object) -> HttpResponse:
    found = invoice_for(access, invoice)
    return pdf_response(exports.invoice_pdf(found), f"{found.number}.pdf")


@school_view(ADMINS, operator_ok=True)
def invoices_csv(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    return exports.csv_response(access)
