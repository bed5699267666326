"""Safeguarding jobs: the child-protection file's two mails, and the daily alerts."""

from celery import shared_task
from django.utils import timezone

from pupilhub.accounts.tasks import RETRY
from pupilhub.core import emails

from . import actions, jobs, links
from .models import ChildProtectionTransfer


@shared_task(name="pupilhub.safeguarding.tasks.send_cp_file", **RETRY)
def send_cp_file(transfer_id: str) -> None:
    """The link and, in a second mail, its code. Both are made here, so neither sits in the
    broker; a redelivered task makes a new pair (the first stops working)."""
    transfer = (
        ChildProtectionTransfer.objects.filter(pk=transfer_id, received_at__isnull=True)
        .select_related("school")
        .first()
    )
    if transfer is None:
        return
    raw, code = links.new_token(), links.new_code()
    actions.do_issue_cp_secrets(transfer, raw, code)
    context = {
        "school": transfer.school.name,
        "to_school": transfer.to_school_name,
        "token": raw,
        "expires": f"{timezone.localtime(transfer.expires_at):%-d %B %Y}",
    }
    emails.send_now("cp_file_link", transfer.to_email, context)
    emails.send_now("cp_file_code", transfer.to_email, {**context, "token": "", "code": code})


@shared_task(name="pupilhub.safeguarding.tasks.daily_alerts")
def daily_alerts() -> int:
    return jobs.daily_alerts(timezone.localdate())
