"""What a school may see of clusters and transfers. A school sees its own memberships,
partners it shares an *active* cluster with, and requests it is a party to."""

from typing import Any

from django.db.models import Q, QuerySet

from pupilhub.core.errors import Conflict, NotFound
from pupilhub.schools import visibility
from pupilhub.schools.access import SchoolAccess, parse_id, require_operator
from pupilhub.schools.models import School

from .choices import MembershipStatus
from .models import Cluster, ClusterMembership, TransferRequest

ACTIVE = MembershipStatus.ACTIVE


def active_clusters(school: Any) -> QuerySet[ClusterMembership, dict[str, Any]]:
    return ClusterMembership.objects.filter(school=school, status=ACTIVE).values("cluster_id")


def partners(school: School) -> QuerySet[School]:
    """Schools with an active membership in a cluster where `school` is active too."""
    return (
        School.objects.filter(
            cluster_memberships__status=ACTIVE,
            cluster_memberships__cluster_id__in=active_clusters(school),
        )
        .exclude(pk=school.pk)
        .distinct()
        .order_by("name")
    )


def in_cluster(a: School, b: Any) -> bool:
    return partners(a).filter(pk=getattr(b, "pk", b)).exists()


def partner_for(access: SchoolAccess, school_id: Any, *, missing: str = "not_found") -> School:
    """A partner school, or an answer that says nothing about schools outside the cluster:
    404 for look-ups, 409 `not_in_cluster` for requests (the same for an unknown id)."""
    try:
        pk = parse_id(school_id)
    except NotFound:
        pk = None
    school = partners(access.school).filter(pk=pk).first() if pk else None
    if school is None:
        if missing == "conflict":
            raise Conflict(
                "Both schools must be active members of one cluster.", code="not_in_cluster"
            )
        raise NotFound()
    return school


def membership_for(access: SchoolAccess, membership_id: Any) -> ClusterMembership:
    found = (
        ClusterMembership.objects.select_related("cluster", "school")
        .filter(school=access.school, pk=parse_id(membership_id))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def requests_for(access: SchoolAccess, direction: str = "") -> QuerySet[TransferRequest]:
    """Requests the school is a party to; one naming safeguarding issues only for those who
    may see safeguarding (for anyone else it does not exist)."""
    mine = access.school
    if direction == "incoming":  # asked of me: I send
        where = Q(from_school=mine)
    elif direction == "outgoing":  # I asked: I receive
        where = Q(to_school=mine)
    else:
        where = Q(from_school=mine) | Q(to_school=mine)
    found = TransferRequest.objects.filter(where).select_related("from_school", "to_school")
    return visibility.rows(access, found, "includes_safeguarding")


def request_for(access: SchoolAccess, request_id: Any) -> TransferRequest:
    found = requests_for(access).filter(pk=parse_id(request_id)).first()
    if found is None:
        raise NotFound()
    return found


def memberships(access: SchoolAccess) -> QuerySet[ClusterMembership]:
    """The school's own cluster memberships, whatever their status."""
    return ClusterMembership.objects.visible_to(access).select_related("cluster", "school")


def all_clusters(user: Any) -> QuerySet[Cluster]:
    """Operators: every cluster with its memberships (the platform view)."""
    require_operator(user)
    return Cluster.objects.prefetch_related("memberships__school", "memberships__decided_by")


def cluster_requests_of(access: SchoolAccess) -> list[Any]:
    """This school's cluster requests still with the operator."""
    from .models import ClusterRequest

    return list(ClusterRequest.objects.filter(school=access.school, done_at__isnull=True))


def open_cluster_requests() -> list[Any]:
    """Every school's cluster request still with the operator (the operator's page)."""
    from .models import ClusterRequest

    return list(
        ClusterRequest.objects.filter(done_at__isnull=True).select_related(
            "school", "requested_by"
        )[:200]
    )
