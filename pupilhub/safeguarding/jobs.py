"""The daily safeguarding alerts: overdue tasks (once a task), late referral responses and
child-protection files not confirmed in 5 school days (once a day each). An `Alert` row is
written before the mail, unique per thing and day, so a job run twice mails once."""

from datetime import date
from typing import Any

from django.db import transaction

from pupilhub.schools.actions import tell_leads

from . import actions
from .choices import AlertKind
from .models import ChildProtectionTransfer, Referral, Task

TEMPLATE = "safeguarding_alert"


def _tell(school: Any, kind: str, object_id: Any, on: date, what: str) -> bool:
    with transaction.atomic():
        if not actions.record_alert(school, kind, object_id, on):
            return False
        tell_leads(school, TEMPLATE, {"school": school.name, "what": what})
    return True


def daily_alerts(today: date) -> int:
    """Returns how many alerts went out."""
    sent = 0
    tasks = Task.objects.filter(
        done_at__isnull=True, due_on__lt=today, issue__deleted_at__isnull=True
    )
    for task in tasks.select_related("school"):
        # Once a task: keyed on its due day, not today.
        sent += _tell(
            task.school, AlertKind.TASK_OVERDUE, task.pk, task.due_on, "a task is overdue"
        )
    late = Referral.objects.filter(
        responded_on__isnull=True, response_due_on__lt=today, issue__deleted_at__isnull=True
    )
    for referral in late.select_related("school"):
        what = "an agency's response to a referral is late"
        sent += _tell(referral.school, AlertKind.REFERRAL_LATE, referral.pk, today, what)
    files = ChildProtectionTransfer.objects.filter(received_at__isnull=True, due_by__lt=today)
    for transfer in files.select_related("school"):
        what = "a child-protection file sent to another school has not been confirmed"
        sent += _tell(transfer.school, AlertKind.FILE_OVERDUE, transfer.pk, today, what)
    return sent
