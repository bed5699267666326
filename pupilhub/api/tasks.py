"""API jobs: forgetting idempotent answers past their replay window."""

from celery import shared_task

from .middleware import purge_answers


@shared_task(name="pupilhub.api.tasks.forget_idempotent_answers", ignore_result=True)
def forget_idempotent_answers() -> int:
    return purge_answers()
