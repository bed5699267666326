"""Safeguarding endpoints (shared/API.md "School: safeguarding"). Raising a concern and an
issue's own routes live with the other pupil documents (documents/api.py)."""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from pupilhub.api.base import errors, page
from pupilhub.core.downloads import csv_download
from pupilhub.core.errors import Invalid
from pupilhub.core.pdf import response as pdf_response
from pupilhub.documents.access import document_for
from pupilhub.documents.registry import SAFEGUARDING
from pupilhub.pupils.access import pupil_for
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_api

from . import access as sg_access
from . import actions, chronology, printing, sending
from .schemas import (
    CategoryIn,
    CategoryList,
    CategoryOut,
    ChronologyOut,
    CPTransferIn,
    CPTransferList,
    CPTransferOut,
    IssueList,
    ReceiptList,
    ReferralIn,
    ReferralOut,
    ReferralPatch,
    SummaryOut,
    TaskDoneIn,
    TaskIn,
    TaskList,
    TaskOut,
)
from .schemas import (
    Status as IssueStatus,
)
from .serve import ISSUE_RELATED, cp_out, issue_out, referral_out, task_out
from .validation import categories

router = Router(tags=["safeguarding"])
me_router = Router(tags=["safeguarding"])
ISSUE = "/schools/{school}/pupils/{pupil}/safeguarding-issues/{id}"


class IssueFilters(Schema):
    status: IssueStatus | None = None
    category: str | None = None
    pupil: str | None = None
    since: date | None = None


@me_router.get("/me/concerns-raised", response={200: ReceiptList, **errors(404)})
def concerns_raised(request: HttpRequest, school: str | None = None) -> dict[str, Any]:
    """The caller's own receipts: reference, when, and the child's name. Nothing more."""

    def shape(issue: Any) -> dict[str, Any]:
        return {
            "reference": issue.reference,
            "received_at": issue.created_at,
            "pupil": {"first_name": issue.pupil.first_name, "surname": issue.pupil.surname},
            "school": {"id": str(issue.school_id), "name": issue.school.name},
        }

    return page(request, sg_access.my_receipts(request.user, school), shape)


@router.get(
    "/schools/{school}/safeguarding/categories", response={200: CategoryList, **errors(404)}
)
@school_api()
def list_categories(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    """Any member of staff: the list a concern's category comes from."""
    return {"items": [{"key": k, "name": n} for k, n in categories(access.school)], "next": None}


@router.post(
    "/schools/{school}/safeguarding/categories",
    response={201: CategoryOut, **errors(400, 403, 404, 409)},
)
@school_api()
def add_category(
    request: HttpRequest, access: SchoolAccess, payload: CategoryIn
) -> Status[CategoryOut]:
    category = actions.do_add_category(access, payload.name)
    return Status(201, CategoryOut(key=category.key, name=category.name))


@router.get("/schools/{school}/safeguarding-issues", response={200: IssueList, **errors(403, 404)})
@school_api()
def list_issues(
    request: HttpRequest, access: SchoolAccess, filters: Query[IssueFilters]
) -> dict[str, Any]:
    """Leads and the main admin: every issue of the school, newest first."""
    found = sg_access.issues(access, filters.dict(exclude_none=True))
    return page(request, found.prefetch_related(*ISSUE_RELATED), issue_out)


def _issue(access: SchoolAccess, pupil: str, id: str) -> Any:
    sg_access.require_lead(access)
    return document_for(access, SAFEGUARDING, pupil_for(access, pupil), id)


@router.post(ISSUE + "/tasks", response={201: TaskOut, **errors(400, 403, 404)})
@school_api()
def add_task(
    request: HttpRequest, access: SchoolAccess, pupil: str, id: str, payload: TaskIn
) -> Status[dict[str, Any]]:
    task = actions.do_assign_task(access, _issue(access, pupil, id), payload.dict())
    return Status(201, task_out(task))


@router.get(ISSUE + "/tasks", response={200: TaskList, **errors(403, 404)})
@school_api()
def list_tasks(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> dict[str, Any]:
    issue = _issue(access, pupil, id)
    return page(request, issue.tasks.select_related("issue"), task_out)


@router.post(ISSUE + "/tasks/{task}/done", response={200: TaskOut, **errors(400, 403, 404)})
@school_api()
def task_done(
    request: HttpRequest, access: SchoolAccess, pupil: str, id: str, task: str, payload: TaskDoneIn
) -> dict[str, Any]:
    """The assignee (or a lead) closes the task with a note."""
    found = sg_access.task_for(access, pupil_for(access, pupil), id, task)
    return task_out(actions.do_complete_task(access, found, payload.note))


@router.get("/schools/{school}/safeguarding/my-tasks", response={200: TaskList, **errors(404)})
@school_api()
def my_tasks(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    """The caller's open tasks (what and when; never the record)."""
    return page(request, sg_access.my_tasks(access), task_out)


@router.post(ISSUE + "/referrals", response={201: ReferralOut, **errors(400, 403, 404)})
@school_api()
def add_referral(
    request: HttpRequest, access: SchoolAccess, pupil: str, id: str, payload: ReferralIn
) -> Status[dict[str, Any]]:
    referral = actions.do_add_referral(access, _issue(access, pupil, id), payload.dict())
    return Status(201, referral_out(referral))


@router.patch(ISSUE + "/referrals/{ref}", response={200: ReferralOut, **errors(400, 403, 404)})
@school_api()
def update_referral(
    request: HttpRequest,
    access: SchoolAccess,
    pupil: str,
    id: str,
    ref: str,
    payload: ReferralPatch,
) -> dict[str, Any]:
    referral = sg_access.referral_for(access, _issue(access, pupil, id), ref)
    data = payload.dict(exclude_unset=True)
    return referral_out(actions.do_update_referral(access, referral, data))


@router.get(
    "/schools/{school}/pupils/{pupil}/chronology",
    response={200: ChronologyOut, **errors(403, 404)},
)
@school_api()
def pupil_chronology(
    request: HttpRequest,
    access: SchoolAccess,
    pupil: str,
    format: Literal["json", "pdf"] = "json",
) -> Any:
    """Leads and the main admin: every issue (linked ones too), action, task, referral and
    transfer in date order. JSON, or `?format=pdf`."""
    sg_access.require_lead(access)
    target = pupil_for(access, pupil)
    issues, entries = chronology.chronology(access, target)
    if format == "pdf":
        names = dict(categories(access.school))
        data = printing.chronology_pdf(access.school, target, issues, entries, names)
        return pdf_response(data, f"chronology-{target.pupil_id}.pdf")
    return {
        "pupil": {"id": target.pk, "first_name": target.first_name, "surname": target.surname},
        "issues": [issue_out(i) for i in issues],
        "entries": [e.as_json() for e in entries],
    }


@router.get(
    "/schools/{school}/safeguarding/summary",
    response={200: SummaryOut, **errors(400, 403, 404)},
    by_alias=True,
)
@school_api()
def summary(
    request: HttpRequest,
    access: SchoolAccess,
    to: date | None = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Counts for governors, no names. `?from=&to=` bound the dates; `?format=csv`."""
    start = _from_param(request)
    data = chronology.summary(access, start, to)
    if format == "csv":
        return csv_download(chronology.summary_rows(data), "safeguarding-summary.csv")
    return data


def _from_param(request: HttpRequest) -> date | None:
    """`from` is a Python keyword, so it is read here (and named in the OpenAPI document)."""
    raw = request.GET.get("from")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid("Dates are YYYY-MM-DD.", fields={"from": ["Dates are YYYY-MM-DD."]}) from None


@router.post(
    "/schools/{school}/pupils/{pupil}/child-protection-transfers",
    response={201: CPTransferOut, **errors(400, 403, 404, 409)},
)
@school_api()
def send_cp_file(
    request: HttpRequest, access: SchoolAccess, pupil: str, payload: CPTransferIn
) -> Status[dict[str, Any]]:
    """Leads: send the child-protection file to a school outside pupilhub or the cluster."""
    transfer = sending.send(access, pupil_for(access, pupil), payload.dict())
    return Status(201, cp_out(transfer))


@router.get(
    "/schools/{school}/pupils/{pupil}/child-protection-transfers",
    response={200: CPTransferList, **errors(403, 404)},
)
@school_api()
def list_cp_files(request: HttpRequest, access: SchoolAccess, pupil: str) -> dict[str, Any]:
    return page(request, sg_access.cp_transfers(access, pupil_for(access, pupil)), cp_out)


@router.get(
    "/schools/{school}/pupils/{pupil}/child-protection-transfers/{id}",
    response={200: CPTransferOut, **errors(403, 404)},
)
@school_api()
def get_cp_file(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> dict[str, Any]:
    sg_access.require_lead(access)
    return cp_out(sg_access.cp_transfer_for(access, pupil_for(access, pupil), id))
