"""Core jobs: handing kept jobs from the outbox to the broker."""

from celery import shared_task

from . import outbox


@shared_task(name="pupilhub.core.tasks.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    return outbox.drain()
