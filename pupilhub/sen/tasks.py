"""The SEN cycle's weekly digest: each SENCo is told, on Monday morning, how much falls due
at their school in the next 14 days (counts and a link; names stay in pupilhub)."""

from collections import Counter
from typing import Any

from celery import shared_task
from django.utils import timezone

from pupilhub.accounts.tasks import RETRY
from pupilhub.core import emails
from pupilhub.core.outbox import enqueue
from pupilhub.schools.access import staff_access
from pupilhub.schools.models import StaffMembership

from . import cycle


def digest(today: Any = None) -> int:
    """Send each SENCo their school's digest; returns how many mails went."""
    today = today or timezone.localdate()
    sent = 0
    sencos = StaffMembership.objects.active().filter(senco=True).select_related("user", "school")
    for member in sencos:
        access = staff_access(member.user, member.school_id)
        items = cycle.due(access, 14, today)
        if not items:
            continue
        counts = Counter(i["label"] for i in items)
        overdue = sum(i["overdue"] for i in items)
        context = {
            "school": member.school.name,
            "school_id": str(member.school_id),
            "counts": sorted(counts.items()),
            "overdue": overdue,
        }
        enqueue(send_digest, member.user.email, context)
        sent += 1
    return sent


@shared_task(name="pupilhub.sen.tasks.send_digest", **RETRY)
def send_digest(address: str, context: dict[str, Any]) -> None:
    emails.send_now(
        "sen_digest", address, {**context, "counts": [tuple(c) for c in context["counts"]]}
    )


@shared_task(name="pupilhub.sen.tasks.weekly_digest")
def weekly_digest() -> int:
    return digest()
