"""Dashboard notices (membership decisions, incoming requests) and the pupil-page banner."""

from typing import Any

from django.utils import timezone

from pupilhub.pupils.models import Pupil
from pupilhub.pupils.panels import register as register_pupil_panel
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register as register_dashboard_panel
from pupilhub.schools.dashboard import register_operator

from .access import open_cluster_requests, partners, requests_for
from .choices import ItemStatus, MembershipStatus, RequestStatus
from .models import ClusterMembership, TransferItem
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
    asked = _already_asked(access, pupil, twins)
    for other in twins:
        # What was requested (and is waiting) or has arrived is not offered again.
        waiting, done = asked.get(other.school_id, (set(), set()))
        seen = set(counts[other.id])  # the types this viewer may know of (safeguarding: leads)
        waiting, done = waiting & seen, done & seen
        left = {k: n for k, n in counts[other.id].items() if n and k not in waiting | done}
        if left or waiting:
            offers.append(
                {
                    "school": other.school,
                    "counts": left,
                    "safeguarding": left.pop("safeguarding_issues", 0),
                    "waiting": sorted(waiting),
                }
            )
    if not offers:
        return None
    return {"template": "transition/panel_banner.html", "offers": offers}


def _already_asked(
    access: SchoolAccess, pupil: Pupil, twins: list[Pupil]
) -> dict[Any, tuple[set[str], set[str]]]:
    """Per sending school: document types requested and waiting, and types transferred."""
    found: dict[Any, tuple[set[str], set[str]]] = {}
    items = TransferItem.objects.filter(
        pupil=pupil,
        request__to_school=access.school,
        request__from_school__in={t.school_id for t in twins},
        status__in=[ItemStatus.PENDING, ItemStatus.TRANSFERRED],
        request__status__in=[RequestStatus.PENDING, RequestStatus.RUNNING, RequestStatus.COMPLETED],
    ).select_related("request")
    for item in items:
        waiting, done = found.setdefault(item.request.from_school_id, (set(), set()))
        target = done if item.status == ItemStatus.TRANSFERRED else waiting
        target.update(item.request.document_types)
    return found


@register_operator
def cluster_requests(user: Any) -> dict[str, Any] | None:
    """Heads' requests for a cluster, on the operator's page until marked done."""
    found = open_cluster_requests()
    if not found:
        return None
    return {"template": "transition/operator_requests.html", "requests": found}
