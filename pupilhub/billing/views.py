"""Billing pages: quote and invoices for school admins; price and activation for operators."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from pupilhub.core.errors import DomainError
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.views import apply_errors
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, school_view

from . import actions, exports, quotes
from .access import invoice_for, invoices_for, subscription_for
from .forms import ActivateForm, PriceForm, QuoteForm


@school_view(ADMINS, operator_ok=True)
def billing(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    subscription = subscription_for(access)
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
    activate_form, price_form = (
        ActivateForm(),
        PriceForm(initial={"price_per_pupil_pence": access.school.price_per_pupil_pence}),
    )
    if request.method == "POST" and access.is_operator:
        result = _operator_post(request, access)
        if isinstance(result, HttpResponse):
            return result
        activate_form, price_form = result
    return render(
        request,
        "billing/billing.html",
        {
            "subscription": subscription,
            "next_invoice": subscription and quotes.next_annual(access.school, subscription),
            "quote": quote,
            "quote_error": quote_error,
            "quote_form": quote_form,
            "invoices": invoices_for(access),
            "activate_form": activate_form,
            "price_form": price_form,
            "billed_school": access.school,
        },
    )


def _operator_post(
    request: HttpRequest, access: SchoolAccess
) -> HttpResponse | tuple[ActivateForm, PriceForm]:
    activate_form = ActivateForm()
    price_form = PriceForm(initial={"price_per_pupil_pence": access.school.price_per_pupil_pence})
    if "activate" in request.POST:
        activate_form = ActivateForm(request.POST)
        if activate_form.is_valid():
            try:
                invoice = actions.do_activate(
                    request.user,
                    access.school,
                    activate_form.cleaned_data["activation_date"],
                    activate_form.cleaned_data["invoice_date"],
                )
            except DomainError as exc:
                apply_errors(activate_form, exc)
            else:
                messages.success(
                    request, f"Subscription activated; invoice {invoice.number} raised."
                )
                return redirect("billing:billing", access.school.id)
    else:
        price_form = PriceForm(request.POST)
        if price_form.is_valid():
            try:
                actions.do_set_price(
                    request.user, access.school, price_form.cleaned_data["price_per_pupil_pence"]
                )
            except DomainError as exc:
                apply_errors(price_form, exc)
            else:
                messages.success(request, "Price saved.")
                return redirect("billing:billing", access.school.id)
    return activate_form, price_form


@school_view(ADMINS, operator_ok=True)
def invoice_pdf(request: HttpRequest, access: SchoolAccess, invoice: object) -> HttpResponse:
    found = invoice_for(access, invoice)
    return pdf_response(exports.invoice_pdf(found), f"{found.number}.pdf")


@school_view(ADMINS, operator_ok=True)
def invoices_csv(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    return exports.csv_response(access)
