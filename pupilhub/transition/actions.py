"""Transition actions: clusters, membership decisions, transfer requests and the copy."""

import logging
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from pupilhub.accounts import tasks as account_tasks
from pupilhub.core import audit, heartbeat
from pupilhub.core.errors import Conflict, Forbidden, Invalid, NotFound, invalid_field
from pupilhub.core.outbox import enqueue
from pupilhub.pupils.access import pupils_from_ids
from pupilhub.pupils.models import Pupil
from pupilhub.schools import visibility
from pupilhub.schools.access import SchoolAccess, main_admin_of
from pupilhub.schools.models import School

from . import notices
from .access import in_cluster, partner_for
from .auditing import audit_both
from .choices import DOCUMENT_TYPES, ItemStatus, MembershipStatus, RequestStatus
from .jobs import run_items, school_days_after
from .models import Cluster, ClusterMembership, TransferItem, TransferRequest

log = logging.getLogger(__name__)

# Approvals with more pupils than this run as a Celery job with a progress bar.
ASYNC_PUPILS = 100
SAFEGUARDING_SCHOOL_DAYS = 5


# Clusters (operator) -------------------------------------------------------


def do_create_cluster(actor: Any, name: str) -> Cluster:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise invalid_field("name", "Give the cluster a name (at most 200 characters).")
    with transaction.atomic():
        cluster = Cluster.objects.create(name=name, created_by=actor)
        audit.record(actor, "cluster.created", cluster)
    return cluster


def do_add_member(actor: Any, cluster: Cluster, school: School) -> ClusterMembership:
    """Invite a school: pending until its Main School Admin approves.

    Re-adding a school that denied or left invites it again (pending).
    """
    with transaction.atomic():
        membership, created = ClusterMembership.objects.select_for_update().get_or_create(
            cluster=cluster, school=school, defaults={"added_by": actor}
        )
        if not created:
            if membership.status in (MembershipStatus.PENDING, MembershipStatus.ACTIVE):
                raise Conflict(
                    f"{school.name} is already {membership.status} in this cluster.",
                    code="already_member",
                )
            membership.status = MembershipStatus.PENDING
            membership.added_by, membership.decided_by, membership.decided_at = actor, None, None
            membership.save()
        audit.record(actor, "cluster.member_added", membership, school=school)
        transaction.on_commit(lambda: _notify_main_admin(membership.pk))
    return membership


def _notify_main_admin(membership_id: Any) -> None:
    membership = ClusterMembership.objects.select_related("cluster", "school").get(pk=membership_id)
    head = main_admin_of(membership.school)
    if head is None:
        return
    context = {
        "user": {"first_name": head.first_name},
        "school": {"id": str(membership.school_id), "name": membership.school.name},
        "cluster": {"name": membership.cluster.name},
    }
    # Already after commit: queued (and retried), so a mail server that is down costs the
    # operator's request nothing.
    enqueue(account_tasks.send_plain, "cluster_invitation", head.email, context)


def do_decide_membership(access: SchoolAccess, membership: ClusterMembership, to: str) -> None:
    """The Main School Admin approves, denies, or leaves."""
    access.require_main_admin("Only the Main School Admin can decide cluster membership.")
    allowed = {
        MembershipStatus.ACTIVE: (MembershipStatus.PENDING,),
        MembershipStatus.DENIED: (MembershipStatus.PENDING,),
        MembershipStatus.LEFT: (MembershipStatus.PENDING, MembershipStatus.ACTIVE),
    }[MembershipStatus(to)]
    with transaction.atomic():
        locked = ClusterMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.status not in allowed:
            raise Conflict(
                f"This membership is {locked.status}; it cannot become {to}.", code="invalid_state"
            )
        locked.status = to
        locked.decided_by, locked.decided_at = access.user, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        audit.record(access.user, f"cluster.membership_{to}", locked, school=access.school)
    membership.refresh_from_db()


# Requests ------------------------------------------------------------------


def _check_types(access: SchoolAccess, types: list[str]) -> list[str]:
    if not types:
        raise invalid_field("document_types", "Choose at least one document type.")
    unknown = [t for t in types if t not in DOCUMENT_TYPES]
    if unknown:
        raise invalid_field(
            "document_types",
            f"Unknown document type(s): {', '.join(unknown)}. Use {', '.join(DOCUMENT_TYPES)}.",
        )
    if "safeguarding_issues" in types and not visibility.sees_safeguarding(access):
        raise Forbidden(
            "Only a safeguarding lead or the Main School Admin can request safeguarding issues."
        )
    return [t for t in DOCUMENT_TYPES if t in types]  # canonical order, no repeats


def do_request_transfer(
    access: SchoolAccess,
    from_school_id: Any,
    pupil_ids: list[Any],
    types: list[str],
    year_group: int | None = None,
) -> TransferRequest:
    """The receiving school asks a partner for documents of some of its own pupils."""
    access.require_admin("Only school admins can request transfers.")
    types = _check_types(access, types)
    sender = partner_for(access, from_school_id, missing="conflict")
    pupils = _own_pupils(access, pupil_ids, year_group)
    today = timezone.localdate()
    with transaction.atomic():
        req = TransferRequest.objects.create(
            from_school=sender,
            to_school=access.school,
            requested_by=access.user,
            document_types=types,
            includes_safeguarding=visibility.SAFEGUARDING_KEY in types,
            due_by=(
                school_days_after(today, SAFEGUARDING_SCHOOL_DAYS)
                if "safeguarding_issues" in types
                else None
            ),
            total=len(pupils),
        )
        TransferItem.objects.bulk_create([TransferItem(request=req, pupil=p) for p in pupils])
        audit_both(access.user, "transfer.requested", req, pupils=len(pupils), types=types)
        notices.request_arrived(req)
    return req


def _own_pupils(access: SchoolAccess, pupil_ids: list[Any], year_group: int | None) -> list[Pupil]:
    if year_group is not None:
        found = list(
            Pupil.objects.filter(school=access.school, year_group=year_group, status="active")
        )
        if not found:
            raise invalid_field("year_group", "No active pupils in that year group.")
        return found
    if not pupil_ids:
        raise invalid_field("pupils", "Choose at least one pupil.")
    return pupils_from_ids(access.school, pupil_ids)


def _require_sender(access: SchoolAccess, req: TransferRequest) -> None:
    access.require_admin("Only school admins can answer transfer requests.")
    if req.from_school_id != access.school.pk:
        raise Forbidden("Only the sending school can answer this request.")
    if req.includes_safeguarding and not visibility.sees_safeguarding(access):
        raise Forbidden(
            "Only a safeguarding lead or the Main School Admin can approve safeguarding issues."
        )


def _require_cluster(req: TransferRequest) -> None:
    if not in_cluster(req.from_school, req.to_school):
        raise Conflict("Both schools must be active members of one cluster.", code="not_in_cluster")


def do_deny(access: SchoolAccess, req: TransferRequest, pupil_ids: list[Any] | None = None) -> None:
    """Deny the whole request, or some pupils of it. Nothing is copied."""
    _require_sender(access, req)
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=req.pk)
        stale = locked.status == RequestStatus.RUNNING and heartbeat.is_stale(locked.heartbeat_at)
        if locked.status != RequestStatus.PENDING and not stale:
            raise Conflict(f"This request is {locked.status}.", code="invalid_state")
        items = locked.items.filter(status=ItemStatus.PENDING)
        if pupil_ids is not None:
            items = items.filter(pupil_id__in=_uuids(pupil_ids))
        items.update(status=ItemStatus.DENIED, reason="denied")
        if not locked.items.filter(status=ItemStatus.PENDING).exists():
            done = locked.items.exclude(status=ItemStatus.DENIED).exists()
            locked.status = RequestStatus.COMPLETED if done else RequestStatus.DENIED
            locked.decided_by, locked.decided_at = access.user, timezone.now()
        elif stale:
            locked.status = RequestStatus.PENDING  # the rest await a decision again
        locked.save()
        audit_both(access.user, "transfer.denied", locked, pupils=len(pupil_ids or []) or "all")
        if locked.status == RequestStatus.DENIED:
            notices.request_decided(locked, approved=False)
    req.refresh_from_db()


def _uuids(values: list[Any]) -> list[Any]:
    import uuid

    try:
        return [uuid.UUID(str(v)) for v in values]
    except ValueError:
        raise invalid_field("pupils", "Pupil ids must be ids from this request.") from None


def do_approve(
    access: SchoolAccess, req: TransferRequest, pupil_ids: list[Any] | None = None
) -> TransferRequest:
    """Approve the request (or some of its pupils) and copy the documents.

    Idempotent: approving a completed request again copies nothing. Large requests
    are handed to a Celery job; the request shows its progress (`total`, `done`).
    """
    _require_sender(access, req)
    _require_cluster(req)
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=req.pk)
        stale = locked.status == RequestStatus.RUNNING and heartbeat.is_stale(locked.heartbeat_at)
        if locked.status == RequestStatus.COMPLETED or (
            locked.status == RequestStatus.RUNNING and not stale
        ):
            return locked
        if stale:  # its worker died mid-copy: approving again carries on with the rest
            locked.status = RequestStatus.PENDING
        if locked.status == RequestStatus.FAILED:  # approving again retries the failed pupils
            locked.items.filter(status=ItemStatus.FAILED).update(
                status=ItemStatus.PENDING, reason=""
            )
            locked.status = RequestStatus.PENDING
        if locked.status != RequestStatus.PENDING:
            raise Conflict(f"This request is {locked.status}.", code="invalid_state")
        pending = locked.items.filter(status=ItemStatus.PENDING)
        chosen = pending if pupil_ids is None else pending.filter(pupil_id__in=_uuids(pupil_ids))
        chosen_ids = list(chosen.values_list("pk", flat=True))
        locked.status = RequestStatus.RUNNING
        locked.decided_by, locked.decided_at = access.user, timezone.now()
        locked.heartbeat_at = timezone.now()
        locked.save()
        audit_both(access.user, "transfer.approved", locked, pupils=len(chosen_ids))
        notices.request_decided(locked, approved=True)
        if len(chosen_ids) > ASYNC_PUPILS:
            from .tasks import run_transfer

            transaction.on_commit(
                lambda: enqueue(run_transfer, str(locked.pk), [str(i) for i in chosen_ids])
            )
            return locked
    run_items(locked.pk, chosen_ids, access.user)
    locked.refresh_from_db()
    return locked


def do_acknowledge(access: SchoolAccess, req: TransferRequest) -> TransferRequest:
    """The receiving school confirms receipt: an admin, or any of its safeguarding leads
    (required of a lead or the main admin for child-protection files); the sender sees
    "awaiting receipt" until then, and is told who confirmed."""
    if not (access.is_admin or access.can_see_safeguarding):
        raise Forbidden("Only school admins and safeguarding leads can confirm receipt.")
    if req.to_school_id != access.school.pk:
        raise Forbidden("Only the receiving school can confirm receipt.")
    if req.includes_safeguarding and not visibility.sees_safeguarding(access):
        raise Forbidden("Only a safeguarding lead or the Main School Admin can confirm receipt.")
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=req.pk)
        if locked.status != RequestStatus.COMPLETED:
            raise Conflict(
                "Receipt can be confirmed once the transfer is complete.", code="invalid_state"
            )
        if locked.acknowledged_at is None:
            locked.acknowledged_by, locked.acknowledged_at = access.user, timezone.now()
            locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
            audit_both(access.user, "transfer.acknowledged", locked)
            notices.receipt_confirmed(locked)
    return locked


CLUSTER_SCHOOL_LINE = re.compile(
    r"^(?P<name>.+?)[,\s]+(?P<postcode>[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$", re.IGNORECASE
)


def _cluster_schools(text: str) -> list[str]:
    """One school a line, named with its postcode: every line must carry one."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]
    problems = [line for line in lines if not CLUSTER_SCHOOL_LINE.match(line)]
    if problems:
        raise Invalid(
            "Give each school's postcode after its name.",
            fields={"schools": [f'Add the postcode: "{line}"' for line in problems[:10]]},
        )
    if not lines:
        raise invalid_field("schools", "Name the schools, one a line, each with its postcode.")
    if len(lines) > 50:
        raise invalid_field("schools", "At most 50 schools in one request.")
    return lines


@transaction.atomic
def do_request_cluster(access: SchoolAccess, name: str, schools: str, note: str = "") -> Any:
    """The Main School Admin asks the operator for a cluster; it lands on their page."""
    from .models import ClusterRequest

    access.require_main_admin("Only the Main School Admin can ask for a cluster.")
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise invalid_field("name", "Name the cluster (at most 200 characters).")
    found = ClusterRequest.objects.create(
        school=access.school,
        requested_by=access.user,
        name=name,
        schools=_cluster_schools(schools),
        note=(note or "").strip()[:2000],
    )
    audit.record(access.user, "cluster.requested", found, school=access.school)
    return found


@transaction.atomic
def do_close_cluster_request(operator: Any, request_id: Any) -> Any:
    """Operators: the cluster was made (or the request answered): off the list."""
    from pupilhub.schools.access import parse_id

    from .models import ClusterRequest

    found = ClusterRequest.objects.filter(pk=parse_id(request_id), done_at__isnull=True).first()
    if found is None:
        raise NotFound()
    found.done_at, found.done_by = timezone.now(), operator
    found.save(update_fields=["done_at", "done_by"])
    audit.record(operator, "cluster.request_done", found, school=found.school)
    return found
