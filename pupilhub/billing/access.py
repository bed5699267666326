"""Which invoices a caller may see: their school's, admins and operators only."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import ActivationRequest, Invoice, Subscription


def invoices_for(access: SchoolAccess) -> QuerySet[Invoice]:
    return Invoice.objects.filter(school=access.school).prefetch_related("lines")


def invoice_for(access: SchoolAccess, invoice_id: Any) -> Invoice:
    invoice = invoices_for(access).filter(pk=parse_id(invoice_id)).select_related("school").first()
    if invoice is None:
        raise NotFound()
    return invoice


def subscription_for(access: SchoolAccess) -> Subscription | None:
    return Subscription.objects.visible_to(access).first()


def pending_request(access: SchoolAccess) -> ActivationRequest | None:
    return (
        ActivationRequest.objects.filter(school=access.school, status="pending")
        .select_related("requested_by")
        .first()
    )


def pending_requests() -> QuerySet[ActivationRequest]:
    """Every school waiting for activation (the operator's page)."""
    return ActivationRequest.objects.filter(status="pending").select_related(
        "school", "requested_by"
    )
