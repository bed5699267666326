"""Print runs as Celery jobs."""

from celery import shared_task

from . import actions


@shared_task(name="pupilhub.reports.tasks.make_print_run")
def make_print_run(run_id: str) -> None:
    actions.run_print(run_id)
