"""Dashboard notices (membership decisions, incoming requests) and the pupil-page banner."""

from typing import Any

from django.utils import timezone

from pupilhub.pupils.models import Pupil
from pupilhub.pupils.panels import register as register_pupil_panel
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register as register_dashboard_panel

from .access import partners, requests_for
from .choices import MembershipStatus, RequestStatus
from .models import ClusterMembership
from .serializers import document_counts, visible_types


@register_dashboard_panel
def transition_panel(access: SchoolAccess) -> dict[str, Any] | None:
    if not access.is_admin:
        return None
    pending = list(
        ClusterMembership.objects.filter(
            school=access.school, status=MembershipStatus.PENDING
        ).select_related("cluster")
    )
    incoming = list(requests_for(access, "incoming").filter(status=RequestStatus.PENDING)[:20])
    if not pending and not incoming:
        return None
    return {
        "template": "transition/panel_dashboard.html",
        "pending": pending,
        "incoming": incoming,
        "today": timezone.localdate(),
    }


@register_pupil_panel
def transfer_banner(access: SchoolAccess, pupil: Pupil) -> dict[str, Any] | None:
    """'Records for this pupil are held at X': one click requests them."""
    if not access.is_admin:
        return None
    offers = []
    types = visible_types(access)
    # One indexed look-up by match key, not a roll comparison per page view.
    twins = list(
        Pupil.objects.filter(
            school__in=partners(access.school), match_key=pupil.match_key
        ).select_related("school")
    )
    counts = document_counts(twins, types)  # one grouped query a type, for every partner
    for other in twins:
        if any(counts[other.id].values()):
            offers.append({"school": other.school, "counts": counts[other.id]})
    if not offers:
        return None
    return {"template": "transition/panel_banner.html", "offers": offers}
