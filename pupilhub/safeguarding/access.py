"""What a viewer may see of safeguarding work.

Leads and the main admin see everything; an assignee sees their own tasks (never the
record); a raiser sees their own receipts. For everyone else nothing here exists: the
checks run before anything is looked up, so an answer never depends on what exists.
"""

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Forbidden, NotFound
from pupilhub.documents.access import documents
from pupilhub.documents.models import SafeguardingIssue
from pupilhub.documents.registry import SAFEGUARDING
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import ChildProtectionTransfer, Referral, Task


def require_lead(access: SchoolAccess) -> None:
    if not access.can_see_safeguarding:
        raise Forbidden("Only safeguarding leads and the Main School Admin can do this.")


def issues(access: SchoolAccess, filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """Every live issue of the school, newest first (leads and the main admin). Serving the
    list is a sensitive read: audited once a list."""
    require_lead(access)
    qs = documents(access, SAFEGUARDING).select_related("pupil", "created_by")
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("pupil"):
        pid = parse_id(filters["pupil"])
        qs = qs.filter(Q(pupil_id=pid) | Q(links__pupil_id=pid)).distinct()
    if filters.get("since"):
        qs = qs.filter(date__gte=filters["since"])
    audit.record(access.user, "safeguarding_issue.listed", None, school=access.school)
    return qs.order_by("-date", "-created_at")


def pupil_issues(access: SchoolAccess, pupil: Pupil) -> list[SafeguardingIssue]:
    """A pupil's issues and those they are linked to, oldest first, with what the
    chronology and the PDF need loaded in a few queries."""
    require_lead(access)
    qs = (
        documents(access, SAFEGUARDING)
        .filter(Q(pupil=pupil) | Q(links__pupil=pupil))
        .distinct()
        .select_related("pupil", "created_by", "transferred_from_school")
        .prefetch_related("marks", "links__pupil", "log__by", "tasks__assignee__user", "referrals")
    )
    return sorted(qs, key=lambda i: (i.date, i.created_at))


def new_concerns(access: SchoolAccess) -> QuerySet[Any]:
    """Concerns no lead has opened yet, oldest first."""
    require_lead(access)
    return (
        documents(access, SAFEGUARDING)
        .filter(opened_at__isnull=True, status="new")
        .select_related("pupil")
        .order_by("created_at")
    )


def task_for(access: SchoolAccess, pupil: Pupil, issue_id: Any, task_id: Any) -> Task:
    """A task by its ids: its assignee's, or any a lead may see; for anyone else, 404."""
    qs = Task.objects.visible_to(access).filter(
        pk=parse_id(task_id), issue_id=parse_id(issue_id), issue__pupil=pupil
    )
    if not access.can_see_safeguarding:
        if access.membership is None:
            raise NotFound()
        qs = qs.filter(assignee=access.membership)
    task = qs.select_related("issue").first()
    if task is None:
        raise NotFound()
    return task


def my_tasks(access: SchoolAccess, *, open_only: bool = True) -> QuerySet[Any]:
    """The caller's own tasks: what to do and by when (the record stays unseen)."""
    if access.membership is None:
        return Task.objects.none()
    qs = Task.objects.visible_to(access).filter(assignee=access.membership)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.select_related("issue").order_by("due_on")


def referral_for(access: SchoolAccess, issue: SafeguardingIssue, ref_id: Any) -> Referral:
    require_lead(access)
    found = Referral.objects.visible_to(access).filter(pk=parse_id(ref_id), issue=issue).first()
    if found is None:
        raise NotFound()
    return found


def overdue_tasks(access: SchoolAccess, today: date | None = None) -> QuerySet[Any]:
    require_lead(access)
    today = today or timezone.localdate()
    return (
        Task.objects.visible_to(access)
        .filter(done_at__isnull=True, due_on__lt=today, issue__deleted_at__isnull=True)
        .select_related("assignee__user", "issue__pupil")
    )


def late_referrals(access: SchoolAccess, today: date | None = None) -> QuerySet[Any]:
    require_lead(access)
    today = today or timezone.localdate()
    return (
        Referral.objects.visible_to(access)
        .filter(responded_on__isnull=True, response_due_on__lt=today)
        .filter(issue__deleted_at__isnull=True)
        .select_related("issue__pupil")
    )


def cp_transfers(access: SchoolAccess, pupil: Pupil | None = None) -> QuerySet[Any]:
    require_lead(access)
    qs = ChildProtectionTransfer.objects.visible_to(access).select_related("pupil")
    return qs.filter(pupil=pupil) if pupil is not None else qs


def cp_transfer_for(access: SchoolAccess, pupil: Pupil, transfer_id: Any) -> Any:
    found = cp_transfers(access, pupil).filter(pk=parse_id(transfer_id)).first()
    if found is None:
        raise NotFound()
    return found


def cp_status(transfer: ChildProtectionTransfer, today: date | None = None) -> str:
    """sent, opened, received; or overdue once the due day has passed without receipt."""
    today = today or timezone.localdate()
    if transfer.received_at is None and transfer.due_by < today:
        return "overdue"
    return transfer.status


def staff_of(access: SchoolAccess) -> QuerySet[Any]:
    """The school's active staff, for choosing whom a task goes to."""
    from pupilhub.schools.models import StaffMembership

    return (
        StaffMembership.objects.active()
        .filter(school=access.school)
        .select_related("user")
        .order_by("user__surname", "user__first_name")
    )


def my_receipts(user: Any, school_id: Any = None) -> QuerySet[Any]:
    """Concerns the caller raised, at schools where they are still staff: the receipt and
    the child's name, nothing of what they wrote."""
    from pupilhub.schools.access import memberships_for

    schools = [m.school_id for m in memberships_for(user)]
    if school_id:
        wanted = parse_id(school_id)
        schools = [s for s in schools if s == wanted]
    return (
        SafeguardingIssue.objects.filter(
            school_id__in=schools, created_by=user, source_document__isnull=True
        )
        .exclude(reference="")
        .select_related("pupil", "school")
        .order_by("-created_at")
    )
