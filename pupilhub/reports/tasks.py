"""Print runs as Celery jobs."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import printing


@shared_task(
    name="pupilhub.reports.tasks.make_print_run",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def make_print_run(run_id: str) -> None:
    printing.run_print(run_id)


@shared_task(name="pupilhub.reports.tasks.sweep_stale")
def sweep_stale() -> dict[str, int]:
    return printing.sweep_stale()
