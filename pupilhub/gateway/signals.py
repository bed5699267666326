"""Every school gets the built-in Pupil and Parent/Guardian licence types; a pupil registered
again with an address that has an account is added once the address's owner confirms."""

from datetime import timedelta
from typing import Any

from django.dispatch import receiver
from django.utils import timezone

from pupilhub.accounts.signals import email_verified, registration_mail_prepared
from pupilhub.schools.signals import school_created


@receiver(school_created)
def add_builtin_types(sender: Any, school: Any, **kwargs: Any) -> None:
    from .licences import ensure_builtin_types

    ensure_builtin_types(school)


PENDING_HOURS = 72  # as long as the link in the mail works


@receiver(registration_mail_prepared)
def tie_pending_links(sender: Any, user: Any, token: Any, **kwargs: Any) -> None:
    """The pupils registered again with this address ride on the mail's link (a retried
    mail's fresh link takes them over)."""
    from .models import PendingLink

    since = timezone.now() - timedelta(hours=PENDING_HOURS)
    PendingLink.objects.filter(user=user, created_at__gte=since).update(token=token)


@receiver(email_verified)
def add_pending_links(sender: Any, user: Any, token: Any, **kwargs: Any) -> None:
    from .families import add_pending

    add_pending(user, token)
