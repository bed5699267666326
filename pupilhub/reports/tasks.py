"""Print runs as Celery jobs."""

from celery import shared_task

from . import printing


@shared_task(name="pupilhub.reports.tasks.make_print_run")
def make_print_run(run_id: str) -> None:
    printing.run_print(run_id)
