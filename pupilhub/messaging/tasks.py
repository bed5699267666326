"""The dispatcher's beat job (every 10 minutes; exactly one beat per deployment)."""

from celery import shared_task

from . import dispatch


@shared_task(name="pupilhub.messaging.tasks.dispatch_mail")
def dispatch_mail() -> dict[str, int]:
    return dispatch.dispatch()
