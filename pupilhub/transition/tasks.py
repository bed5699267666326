"""Transition jobs: large approvals, and the daily overdue-safeguarding check."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from . import jobs


@shared_task(
    name="pupilhub.transition.tasks.run_transfer",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def run_transfer(request_id: str, item_ids: list[str]) -> None:
    jobs.run_items(request_id, item_ids)


@shared_task(name="pupilhub.transition.tasks.sweep_stale")
def sweep_stale() -> dict[str, int]:
    return jobs.sweep_stale()


@shared_task(name="pupilhub.transition.tasks.notify_overdue")
def notify_overdue() -> int:
    return jobs.notify_overdue(timezone.localdate())
