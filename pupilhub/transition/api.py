"""Cluster and transition endpoints (operator: clusters; school admins: the rest)."""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from pupilhub.api.base import In, Open, YearCode, errors, page
from pupilhub.schools.access import (
    SchoolAccess,
    parse_id,
    require_operator,
)
from pupilhub.schools.boundary import ADMINS, school_api
from pupilhub.schools.models import School

from . import actions, serializers
from .access import (
    all_clusters,
    membership_for,
    memberships,
    partner_for,
    partners,
    request_for,
    requests_for,
)
from .matching import shared
from .models import Cluster

router = Router(tags=["transition"])


class ClusterIn(In):
    name: str


class MemberIn(In):
    school: str


class RequestIn(In):
    from_school: str
    pupils: list[str] = []
    year_group: YearCode | None = None
    document_types: list[str]


class PupilsIn(In):
    pupils: list[str] | None = None


class Named(Schema):
    id: uuid.UUID
    name: str


class ClusterMemberOut(Schema):
    id: uuid.UUID
    school: Named
    status: str
    decided_by: str | None = None
    decided_at: datetime | None = None


class ClusterOut(Schema):
    id: uuid.UUID
    name: str
    members: list[ClusterMemberOut] = []


class ClusterList(Schema):
    items: list[ClusterOut]
    next: str | None = None


class MemberOut(Schema):
    id: uuid.UUID
    cluster: uuid.UUID
    school: uuid.UUID
    status: str


class ClusterSchool(Named):
    status: str


class MembershipOut(Schema):
    id: uuid.UUID
    cluster: Named
    status: str
    decided_at: datetime | None = None
    schools: list[ClusterSchool]


class MembershipList(Schema):
    items: list[MembershipOut]
    next: str | None = None


class PartnerList(Schema):
    items: list[Named]
    next: str | None = None


class SharedPupil(Open):
    pupil: uuid.UUID
    pupil_detail: dict[str, Any]
    partner_pupil: dict[str, Any]


class SharedPupilList(Schema):
    items: list[SharedPupil]
    next: str | None = None
    near_misses: list[SharedPupil] | None = None
    near_misses_total: int | None = None


class TransferItem(Open):
    pupil: uuid.UUID
    pupil_name: str
    status: str


class TransferOut(Open):
    id: uuid.UUID
    from_school: uuid.UUID
    to_school: uuid.UUID
    from_school_name: str
    to_school_name: str
    status: str
    document_types: list[str]
    created_at: datetime
    due_by: datetime | date | None = None
    decided_at: datetime | None = None
    acknowledged_at: datetime | None = None
    awaiting_receipt: bool
    total: int
    done: int
    items: list[TransferItem] | None = None


class TransferList(Schema):
    items: list[TransferOut]
    next: str | None = None


def _cluster(request: HttpRequest, cluster: str) -> Cluster:
    require_operator(request.user)
    return get_object_or_404(Cluster, pk=parse_id(cluster))


@router.post("/clusters", response={201: ClusterOut, **errors(400, 403)})
def create_cluster(request: HttpRequest, payload: ClusterIn) -> Status[dict[str, Any]]:
    """Operators: a new cluster."""
    require_operator(request.user)
    cluster = actions.do_create_cluster(request.user, payload.name)
    return Status(201, {"id": str(cluster.id), "name": cluster.name})


@router.get("/clusters", response={200: ClusterList, **errors(403)})
def list_clusters(request: HttpRequest) -> dict[str, Any]:
    """Operators: every cluster and every membership's status, who decided and when."""
    require_operator(request.user)
    clusters = all_clusters(request.user)
    return {
        "items": [
            {
                "id": str(c.id),
                "name": c.name,
                "members": [
                    {
                        "id": str(m.id),
                        "school": {"id": str(m.school_id), "name": m.school.name},
                        "status": m.status,
                        "decided_by": m.decided_by.email if m.decided_by else None,
                        "decided_at": m.decided_at,
                    }
                    for m in c.memberships.all()
                ],
            }
            for c in clusters
        ],
        "next": None,
    }


@router.post("/clusters/{cluster}/members", response={201: MemberOut, **errors(400, 403, 404, 409)})
def add_member(request: HttpRequest, cluster: str, payload: MemberIn) -> Status[dict[str, Any]]:
    """Operators: add a school (pending until its Main School Admin approves)."""
    found = _cluster(request, cluster)
    school = get_object_or_404(School, pk=parse_id(payload.school))
    m = actions.do_add_member(request.user, found, school)
    return Status(
        201,
        {"id": str(m.id), "cluster": str(found.id), "school": str(school.id), "status": m.status},
    )


@router.get(
    "/schools/{school}/cluster-memberships", response={200: MembershipList, **errors(403, 404)}
)
@school_api(ADMINS)
def list_memberships(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    qs = memberships(access)
    return {"items": [serializers.membership(m) for m in qs], "next": None}


def _decide(access: SchoolAccess, id: str, to: str) -> dict[str, Any]:
    m = membership_for(access, id)
    actions.do_decide_membership(access, m, to)
    return serializers.membership(m)


@router.post(
    "/schools/{school}/cluster-memberships/{id}/approve",
    response={200: MembershipOut, **errors(403, 404, 409)},
)
@school_api()
def approve_membership(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """Main School Admin only."""
    return _decide(access, id, "active")


@router.post(
    "/schools/{school}/cluster-memberships/{id}/deny",
    response={200: MembershipOut, **errors(403, 404, 409)},
)
@school_api()
def deny_membership(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """Main School Admin only."""
    return _decide(access, id, "denied")


@router.post(
    "/schools/{school}/cluster-memberships/{id}/leave",
    response={200: MembershipOut, **errors(403, 404, 409)},
)
@school_api()
def leave_membership(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """Main School Admin only."""
    return _decide(access, id, "left")


@router.get(
    "/schools/{school}/transition/partners", response={200: PartnerList, **errors(403, 404)}
)
@school_api(ADMINS)
def list_partners(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    items = [{"id": str(s.id), "name": s.name} for s in partners(access.school)]
    return {"items": items, "next": None}


@router.get(
    "/schools/{school}/transition/shared-pupils",
    response={200: SharedPupilList, **errors(403, 404)},
)
@school_api(ADMINS)
def shared_pupils(request: HttpRequest, access: SchoolAccess, partner: str = "") -> dict[str, Any]:
    """Pupils of this school matching one at `partner`; near misses listed apart."""
    other = partner_for(access, partner)
    result = page(
        request,
        shared(access.school, other),
        batch=lambda rows: serializers.shared_rows(access, rows, other),
    )
    if request.GET.get("page", "1") == "1":  # near misses to fix: with the first page
        result["near_misses"], result["near_misses_total"] = serializers.near_miss_rows(
            access.school, other
        )
    return result


@router.post(
    "/schools/{school}/transfer-requests", response={201: TransferOut, **errors(400, 403, 404, 409)}
)
@school_api()
def create_request(
    request: HttpRequest, access: SchoolAccess, payload: RequestIn
) -> Status[dict[str, Any]]:
    """The receiving school asks; give pupils, or a year_group, and document types."""
    req = actions.do_request_transfer(
        access, payload.from_school, payload.pupils, payload.document_types, payload.year_group
    )
    return Status(201, serializers.transfer(req))


@router.get(
    "/schools/{school}/transfer-requests", response={200: TransferList, **errors(400, 403, 404)}
)
@school_api(ADMINS)
def list_requests(
    request: HttpRequest, access: SchoolAccess, direction: str = ""
) -> dict[str, Any]:
    if direction not in ("", "incoming", "outgoing"):
        from pupilhub.core.errors import invalid_field

        raise invalid_field("direction", "Use incoming or outgoing.")
    qs = requests_for(access, direction)
    return page(
        request,
        qs,
        lambda r: serializers.transfer(r, with_items=False),
        keyset=("-created_at", "-id"),
    )


@router.get(
    "/schools/{school}/transfer-requests/{id}", response={200: TransferOut, **errors(403, 404)}
)
@school_api(ADMINS)
def get_request(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return serializers.transfer(request_for(access, id))


@router.post(
    "/schools/{school}/transfer-requests/{id}/approve",
    response={200: TransferOut, 202: TransferOut, **errors(400, 403, 404, 409)},
)
@school_api()
def approve_request(
    request: HttpRequest, access: SchoolAccess, id: str, payload: PupilsIn | None = None
) -> Status[dict[str, Any]]:
    """The sending school approves (all pupils, or `pupils`); large ones answer 202 and run
    as a job: poll the request for `done` of `total`."""
    req = actions.do_approve(access, request_for(access, id), payload.pupils if payload else None)
    return Status(202 if req.status == "running" else 200, serializers.transfer(req))


@router.post(
    "/schools/{school}/transfer-requests/{id}/deny",
    response={200: TransferOut, **errors(400, 403, 404, 409)},
)
@school_api()
def deny_request(
    request: HttpRequest, access: SchoolAccess, id: str, payload: PupilsIn | None = None
) -> dict[str, Any]:
    req = request_for(access, id)
    actions.do_deny(access, req, payload.pupils if payload else None)
    return serializers.transfer(req)


@router.post(
    "/schools/{school}/transfer-requests/{id}/acknowledge",
    response={200: TransferOut, **errors(403, 404, 409)},
)
@school_api()
def acknowledge_request(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """The receiving school confirms receipt."""
    return serializers.transfer(actions.do_acknowledge(access, request_for(access, id)))
