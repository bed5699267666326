"""School mail that carries a single-use link: the task makes the link itself, so the raw
token is never in the broker, and is retried while the mail server is down."""

import secrets
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from pupilhub.accounts.tasks import RETRY
from pupilhub.core import emails

from .choices import Role
from .invitations import invite_hash
from .models import StaffMembership


@shared_task(**RETRY)
def send_invitation(membership_id: str) -> None:
    """A new link for an invitation still open (each try makes a new one: only the last
    mailed works)."""
    membership = (
        StaffMembership.objects.select_related("user", "school")
        .filter(pk=membership_id, status=StaffMembership.Status.INVITED)
        .first()
    )
    if membership is None:
        return
    raw = secrets.token_urlsafe(32)
    membership.invite_token_hash = invite_hash(raw)
    membership.invite_expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    membership.save(update_fields=["invite_token_hash", "invite_expires_at"])
    user = membership.user
    context = {
        "first_name": user.first_name,
        "school": membership.school.name,
        "role": membership.get_role_display(),
        "main_admin": membership.role == Role.MAIN_ADMIN,
        "safeguarding_lead": membership.safeguarding_lead,
        "token": raw,
        "days": settings.INVITATION_DAYS,
    }
    emails.send_now("invitation", user.email, context)


@shared_task(
    name="pupilhub.schools.tasks.make_audit_export",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def make_audit_export(job_id: str) -> None:
    from .exports import make

    make(job_id)


@shared_task(name="pupilhub.schools.tasks.sweep_stale_exports")
def sweep_stale_exports() -> dict[str, int]:
    from .exports import sweep_stale

    return sweep_stale()
