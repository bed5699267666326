"""Reading staff invitations (accepting one is an action)."""

import hashlib

from django.utils import timezone

from pupilhub.core.links import link_token

from .models import StaffMembership


def invite_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def invitation_for(raw: str) -> StaffMembership | None:
    """The open invitation behind a link, or None (unknown, used, revoked or expired)."""
    return (
        StaffMembership.objects.select_related("user", "school")
        .filter(
            invite_token_hash=invite_hash(link_token(raw)),
            status=StaffMembership.Status.INVITED,
            invite_expires_at__gt=timezone.now(),
        )
        .first()
    )


def invitation_needs_current_password(membership: StaffMembership) -> bool:
    return membership.user.is_verified
