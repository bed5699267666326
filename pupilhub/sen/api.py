"""The SEN cycle's endpoints (shared/API.md "School: SEN cycle")."""

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic import Field

from pupilhub.api.base import In, Lenient, Pence, errors, page
from pupilhub.core.downloads import csv_download
from pupilhub.core.replica import replica_reads
from pupilhub.gateway.access import link_for
from pupilhub.pupils.access import pupil_for
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_api

from . import actions, cycle, families
from .access import (
    ehcp_of,
    intervention_for,
    library,
    library_item,
    plan_for,
    require_cycle,
    reviews_of,
)

router = Router(tags=["SEN cycle"])
me_router = Router(tags=["SEN cycle"])
Area = Literal["cognition_learning", "communication_interaction", "semh", "sensory_physical"]
Count = Annotated[int, Field(ge=0, le=100_000)]
Score = Annotated[int, Field(ge=-2, le=2)]


class ScoreIn(In):
    target: Annotated[int, Field(ge=0, le=1000)]
    score: Score
    comment: Annotated[str, Field(max_length=5000)] = ""


class ReviewIn(In):
    date: Date
    targets: Annotated[list[ScoreIn], Field(max_length=100)] = []
    pupil_views: Annotated[str, Field(max_length=20000)] | None = None
    parent_views: Annotated[str, Field(max_length=20000)] | None = None
    outcome: Literal["continue", "amend", "close", "escalate"]
    next_review_date: Date | None = None


class ScoreOut(Schema):
    target: int
    score: int
    comment: str


class ReviewOut(Schema):
    id: uuid.UUID
    plan: uuid.UUID
    date: Date
    outcome: str
    pupil_views: str
    parent_views: str
    next_review_date: Date | None
    mean_score: float | None
    targets: list[ScoreOut]
    created_at: datetime


class ReviewList(Schema):
    items: list[ReviewOut]
    next: str | None = None


def review_out(review: Any) -> dict[str, Any]:
    fields = ("date", "outcome", "pupil_views", "parent_views", "next_review_date", "mean_score")
    return {
        "id": review.pk,
        "plan": review.plan_id,
        **{f: getattr(review, f) for f in fields},
        "targets": [
            {"target": s.target, "score": s.score, "comment": s.comment}
            for s in review.scores.all()
        ],
        "created_at": review.created_at,
    }


REVIEWS = "/schools/{school}/pupils/{pupil}/plans/{plan}/reviews"


@router.post(REVIEWS, response={201: ReviewOut, **errors(400, 403, 404, 409)})
@school_api()
def add_review(
    request: HttpRequest, access: SchoolAccess, pupil: str, plan: str, payload: ReviewIn
) -> Status[dict[str, Any]]:
    """Admins and SENCos: score each target -2..+2, hear the views, decide what next."""
    require_cycle(access)
    found = plan_for(access, pupil_for(access, pupil), plan)
    review = actions.do_review(access, found, payload.dict(exclude_unset=False))
    return Status(201, review_out(reviews_of(found).get(pk=review.pk)))


@router.get(REVIEWS, response={200: ReviewList, **errors(403, 404)})
@school_api()
def list_reviews(
    request: HttpRequest, access: SchoolAccess, pupil: str, plan: str
) -> dict[str, Any]:
    found = plan_for(access, pupil_for(access, pupil), plan)
    return page(request, reviews_of(found), review_out)


class DueItem(Schema):
    kind: str
    label: str
    pupil: dict[str, Any]
    due_on: Date
    overdue: bool
    plan: uuid.UUID | None
    plan_title: str


class DueList(Schema):
    items: list[DueItem]
    next: str | None = None


@router.get("/schools/{school}/sen/due", response={200: DueList, **errors(403, 404)})
@school_api()
def sen_due(
    request: HttpRequest,
    access: SchoolAccess,
    within_days: Annotated[int, Field(ge=0, le=3660)] = 30,
) -> dict[str, Any]:
    """Plan reviews, EHCP deadlines and parent meetings due or overdue (active pupils)."""
    return page(request, cycle.due(access, within_days))


class LibraryIn(In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    area_of_need: Area
    provider: Annotated[str, Field(max_length=200)] = ""
    frequency: Annotated[str, Field(max_length=100)] = ""
    session_minutes: Count | None = None
    sessions_per_week: Count | None = None
    group_size: Count | None = None
    cost_pence: Pence = 0
    staff_hourly_rate_pence: Pence | None = None
    description: Annotated[str, Field(max_length=20000)] = ""


class LibraryOut(LibraryIn, Lenient):
    id: uuid.UUID


class LibraryList(Schema):
    items: list[LibraryOut]
    next: str | None = None


def library_out(item: Any) -> dict[str, Any]:
    return {"id": item.pk, **{f: getattr(item, f) for f in LibraryIn.model_fields}}


@router.get("/schools/{school}/provision-library", response={200: LibraryList, **errors(404)})
@school_api()
def list_library(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    return page(request, library(access), library_out)


@router.post(
    "/schools/{school}/provision-library", response={201: LibraryOut, **errors(400, 403, 404)}
)
@school_api()
def add_library_item(
    request: HttpRequest, access: SchoolAccess, payload: LibraryIn
) -> Status[dict[str, Any]]:
    return Status(201, library_out(actions.do_add_library_item(access, payload.dict())))


class InterventionIn(In):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    library_item: uuid.UUID | None = None
    area_of_need: Area
    provider: Annotated[str, Field(max_length=200)] = ""
    start_date: Date
    end_date: Date
    session_minutes: Annotated[int, Field(ge=1, le=1440)]
    sessions_per_week: Annotated[int, Field(ge=1, le=50)]
    staff_hourly_rate_pence: Pence | None = None
    cost_pence: Pence | None = None
    pupils: Annotated[list[uuid.UUID], Field(min_length=1, max_length=500)]


class GroupPupil(Schema):
    pupil: dict[str, Any]
    provision: uuid.UUID
    cost_pence: int
    attended: int
    shortfall: bool


class SessionOut(Schema):
    id: uuid.UUID
    date: Date
    attended: list[uuid.UUID]
    notes: str


class InterventionOut(Schema):
    id: uuid.UUID
    name: str
    area_of_need: str
    provider: str
    start_date: Date
    end_date: Date
    session_minutes: int
    sessions_per_week: int
    staff_hourly_rate_pence: int | None
    cost_pence: int
    cost_per_pupil_pence: int
    planned_sessions: int
    planned_to_date: int
    delivered_sessions: int
    pupils: list[uuid.UUID]
    attendance: list[GroupPupil]
    sessions: list[SessionOut]


class InterventionList(Schema):
    items: list[InterventionOut]
    next: str | None = None


@router.post(
    "/schools/{school}/interventions", response={201: InterventionOut, **errors(400, 403, 404)}
)
@school_api()
def add_intervention(
    request: HttpRequest, access: SchoolAccess, payload: InterventionIn
) -> Status[dict[str, Any]]:
    """One intervention, many pupils: the cost (lump sum, or staff rate x hours) shared to
    the penny, remainders to the first pupils."""
    data = payload.dict()
    if data.get("library_item"):
        data["library_item"] = library_item(access, data["library_item"])
    return Status(201, cycle.intervention_out(actions.do_create_intervention(access, data)))


@router.get("/schools/{school}/interventions", response={200: InterventionList, **errors(404)})
@school_api()
def list_interventions(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    from .access import interventions

    return page(request, interventions(access), cycle.intervention_out)


@router.get("/schools/{school}/interventions/{id}", response={200: InterventionOut, **errors(404)})
@school_api()
def get_intervention(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return cycle.intervention_out(intervention_for(access, id))


class SessionIn(In):
    date: Date
    attended: Annotated[list[uuid.UUID], Field(max_length=500)] = []
    notes: Annotated[str, Field(max_length=5000)] = ""


@router.post(
    "/schools/{school}/interventions/{id}/sessions",
    response={201: SessionOut, **errors(400, 403, 404)},
)
@school_api()
def add_session(
    request: HttpRequest, access: SchoolAccess, id: str, payload: SessionIn
) -> Status[dict[str, Any]]:
    group = intervention_for(access, id)
    s = actions.do_record_session(access, group, payload.date, payload.attended, payload.notes)
    return Status(
        201,
        {
            "id": s.pk,
            "date": s.date,
            "attended": [p.pk for p in s.attended.all()],
            "notes": s.notes,
        },
    )


class ImpactFilters(Schema):
    year_group: Annotated[int, Field(ge=0, le=15)] | None = None
    area_of_need: Area | None = None
    since: Date | None = None


class ImpactRow(Schema):
    name: str
    pupils: int
    cost_pence: int
    measured: int
    mean_entry: float | None
    mean_exit: float | None
    mean_change: float | None
    improved_pct: float | None
    cost_per_point_pence: int | None
    mean_review_score: float | None


class ImpactList(Schema):
    items: list[ImpactRow]
    next: str | None = None


@router.get(
    "/schools/{school}/provision-map/impact", response={200: ImpactList, **errors(403, 404)}
)
@school_api()
def impact(
    request: HttpRequest, access: SchoolAccess, filters: Query[ImpactFilters]
) -> dict[str, Any]:
    """Per provision name. Impact not yet measured (no exit scores) is null, never 0."""
    return {"items": cycle.impact(access, filters.dict()), "next": None}


class RegisterRow(Schema):
    pupil: dict[str, Any]
    year_group: int | None
    sen_status: str
    primary_need: str
    plan_review_due: Date | None
    last_review_score: float | None
    provisions: list[str]
    cost_this_year_pence: int
    parent_meetings_this_year: int
    parent_meetings_flag: bool


class RegisterList(Schema):
    items: list[RegisterRow]
    next: str | None = None


@router.get("/schools/{school}/sen-register", response={200: RegisterList, **errors(403, 404)})
@school_api()
def sen_register(
    request: HttpRequest, access: SchoolAccess, format: Literal["json", "csv"] = "json"
) -> Any:
    rows = cycle.register(access)
    if format == "csv":
        return csv_download(cycle.register_rows(rows), "sen-register.csv")
    return page(request, rows)


class EHCPIn(In):
    local_authority: Annotated[str, Field(min_length=1, max_length=200)]
    issued_on: Date
    last_review_on: Date | None = None
    next_review_meeting_on: Date | None = None
    phase_transfer_year: int | None = None


class EHCPOut(EHCPIn, Lenient):
    review_due_by: Date
    invitations_by: Date | None
    reports_by: Date | None
    paperwork_to_la_by: Date | None
    phase_transfer_named_by: Date | None


EHCP_PATH = "/schools/{school}/pupils/{pupil}/ehcp"


@router.get(EHCP_PATH, response={200: EHCPOut, **errors(403, 404)})
@school_api()
def get_ehcp(request: HttpRequest, access: SchoolAccess, pupil: str) -> dict[str, Any]:
    target = pupil_for(access, pupil)
    found = ehcp_of(access, target)
    if found is None:
        from pupilhub.core.errors import NotFound

        raise NotFound()
    return cycle.ehcp_out(found, target)


@router.put(EHCP_PATH, response={200: EHCPOut, **errors(400, 403, 404)})
@school_api()
def put_ehcp(
    request: HttpRequest, access: SchoolAccess, pupil: str, payload: EHCPIn
) -> dict[str, Any]:
    target = pupil_for(access, pupil)
    return cycle.ehcp_out(actions.do_set_ehcp(access, target, payload.dict()), target)


class FamilyTarget(Schema):
    index: int
    description: str
    success_criteria: str = ""
    outcome: str = ""
    latest_score: int | None


class FamilyPlan(Schema):
    id: uuid.UUID
    title: str
    review_date: Date | None
    last_reviewed: Date | None
    targets: list[FamilyTarget]


class FamilyPlanList(Schema):
    items: list[FamilyPlan]
    next: str | None = None


@me_router.get("/me/pupils/{link}/plans", response={200: FamilyPlanList, **errors(404)})
@decorate_view(replica_reads)
def my_plans(request: HttpRequest, link: str) -> dict[str, Any]:
    """The pupil's open plans, targets and latest scores, where the licence type may see
    the `sen` portlet."""
    return {"items": families.plans_out(link_for(request.user, link)), "next": None}


class CommentIn(In):
    text: str


class CommentOut(Schema):
    id: uuid.UUID
    plan: uuid.UUID
    text: str
    created_at: datetime


@me_router.post(
    "/me/pupils/{link}/plans/{plan}/comments", response={201: CommentOut, **errors(400, 404, 409)}
)
def comment(
    request: HttpRequest, link: str, plan: str, payload: CommentIn
) -> Status[dict[str, Any]]:
    found = link_for(request.user, link)
    c = actions.do_comment(request.user, found, families.plan_for(found, plan), payload.text)
    return Status(201, {"id": c.pk, "plan": c.plan_id, "text": c.text, "created_at": c.created_at})
