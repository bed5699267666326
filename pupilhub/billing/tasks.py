"""Billing's beat job: raise annual invoices on their dates (daily, idempotent)."""

from celery import shared_task
from django.utils import timezone

from . import actions


@shared_task(name="pupilhub.billing.tasks.raise_due_invoices")
def raise_due_invoices() -> int:
    return actions.raise_due_invoices(timezone.localdate())
