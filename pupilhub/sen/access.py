"""What a viewer may see of the SEN cycle. Reviews, the library and interventions follow
the plans and provisions they belong to (`documents.access`: confidential ones only for
admins and safeguarding leads); the register, impact and EHC plans are for admins and
SENCos, who run the cycle."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import Forbidden, NotFound
from pupilhub.documents.access import document_for, documents
from pupilhub.documents.registry import PLAN
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import EHCP, Intervention, LibraryItem, PlanComment, Review


def runs_cycle(access: SchoolAccess) -> bool:
    """Admins and SENCos run the cycle (SENCo: the flag, or a safeguarding lead as the
    demo's SENCos are, who already see confidential records)."""
    m = access.membership
    return bool(m and (m.is_admin or m.senco or m.safeguarding_lead))


def require_cycle(access: SchoolAccess) -> None:
    if not runs_cycle(access):
        raise Forbidden("Only admins and SENCos run the SEN cycle.")


def plan_for(access: SchoolAccess, pupil: Pupil, plan_id: Any) -> Any:
    return document_for(access, PLAN, pupil, plan_id)


def reviews_of(plan: Any) -> QuerySet[Review]:
    return Review.objects.filter(plan=plan).prefetch_related("scores").select_related("created_by")


def unheard_comments(plan: Any) -> QuerySet[PlanComment]:
    """Families' comments on a plan since its last review."""
    return PlanComment.objects.filter(plan=plan, review__isnull=True)


def library(access: SchoolAccess) -> QuerySet[LibraryItem]:
    return LibraryItem.objects.visible_to(access)


def library_item(access: SchoolAccess, item_id: Any) -> LibraryItem:
    found = library(access).filter(pk=parse_id(item_id)).first()
    if found is None:
        raise NotFound()
    return found


def interventions(access: SchoolAccess) -> QuerySet[Intervention]:
    return Intervention.objects.visible_to(access)


def intervention_for(access: SchoolAccess, intervention_id: Any) -> Intervention:
    found = interventions(access).filter(pk=parse_id(intervention_id)).first()
    if found is None:
        raise NotFound()
    return found


def ehcp_of(access: SchoolAccess, pupil: Pupil) -> EHCP | None:
    require_cycle(access)
    return EHCP.objects.visible_to(access).filter(pupil=pupil).first()


def open_plans(access: SchoolAccess) -> QuerySet[Any]:
    """Open plans of active pupils (a leaver's plan nags nobody)."""
    return documents(access, PLAN).filter(
        status__in=("draft", "active", "reviewed"), pupil__status="active"
    )
