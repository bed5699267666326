"""Report endpoints: Report Manager (school side) and downloads for external users."""

import uuid
from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from pupilhub.api.base import In, Open, YearCode, binary, errors, page
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.replica import replica_reads
from pupilhub.gateway.access import link_for
from pupilhub.pupils import filters as pupil_filters
from pupilhub.pupils.access import pupil_for
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, school_api

from . import actions, printing
from . import compile as compiler
from .access import available_reports, report_for, reports_for, run_for
from .models import PrintRun, Report
from .serve import run_file

router = Router(tags=["reports"])
me_router = Router(tags=["gateway (external users)"])


class ReportIn(In):
    name: str
    year_groups: list[YearCode]
    fields: list[Any]
    licence_types: list[str] = []


class ReportPatch(In):
    """Keys left out keep their value."""

    name: str | None = None
    year_groups: list[YearCode] | None = None
    fields: list[Any] | None = None
    licence_types: list[str] | None = None


class ReportFieldOut(Schema):
    key: str
    heading: str = ""


class ReportOut(Schema):
    id: str
    name: str
    status: str
    year_groups: list[int]
    fields: list[ReportFieldOut]
    licence_types: list[str]
    created_at: datetime


class PrintRunIn(In):
    paper_only: bool = False
    # Optional filters: only pupils of this sex (F/M), SEN status (N/K/E) or SEN need code.
    sex: str = ""
    sen_status: str = ""
    sen_need: str = ""


def report_out(report: Report) -> dict[str, Any]:
    return {
        "id": str(report.id),
        "name": report.name,
        "status": report.status,
        "year_groups": report.year_groups,
        "fields": report.fields,
        "licence_types": [str(t.pk) for t in report.licence_types.all()],
        "created_at": report.created_at,
    }


class ReportList(Schema):
    items: list[ReportOut]
    next: str | None = None


class PrintRunOut(Open):
    id: uuid.UUID
    status: str
    paper_only: bool
    filters: dict[str, Any]
    total: int
    done: int
    pages: int
    created_at: datetime


class LogoOut(Schema):
    logo: bool


class MyReport(Schema):
    id: uuid.UUID
    name: str
    status: str
    academic_year: str  # "2025/26"; empty for a report from before years were kept
    earlier_year: bool  # from an academic year that has ended ("last year's reports")


class MyReportList(Schema):
    items: list[MyReport]
    next: str | None = None


def run_out(run: PrintRun) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "status": run.status,
        "paper_only": run.paper_only,
        "filters": run.filters,
        "total": run.total,
        "done": run.done,
        "pages": run.pages,
        "created_at": run.created_at,
    }


@router.post("/schools/{school}/reports", response={201: ReportOut, **errors(400, 403, 404)})
@school_api()
def create_report(
    request: HttpRequest, access: SchoolAccess, payload: ReportIn
) -> Status[dict[str, Any]]:
    return Status(201, report_out(actions.do_create_report(access, payload.dict())))


@router.get("/schools/{school}/reports", response={200: ReportList, **errors(403, 404)})
@school_api()
def list_reports(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    return page(request, reports_for(access), report_out)


@router.get("/schools/{school}/reports/{id}", response={200: ReportOut, **errors(403, 404)})
@school_api()
def get_report(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return report_out(report_for(access, id))


@router.patch(
    "/schools/{school}/reports/{id}", response={200: ReportOut, **errors(400, 403, 404, 409)}
)
@school_api()
def update_report(
    request: HttpRequest, access: SchoolAccess, id: str, payload: ReportPatch
) -> dict[str, Any]:
    report = report_for(access, id)
    return report_out(actions.do_update_report(access, report, payload.dict(exclude_unset=True)))


@router.post(
    "/schools/{school}/reports/{id}/end", response={200: ReportOut, **errors(403, 404, 409)}
)
@school_api()
def end_report(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return report_out(actions.do_set_status(access, report_for(access, id), "ended"))


@router.post(
    "/schools/{school}/reports/{id}/archive", response={200: ReportOut, **errors(403, 404, 409)}
)
@school_api()
def archive_report(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return report_out(actions.do_set_status(access, report_for(access, id), "archived"))


@router.get(
    "/schools/{school}/reports/{id}/pupils/{pupil}/pdf",
    response={200: None, **errors(403, 404)},
    openapi_extra=binary("application/pdf"),
)
@school_api()
def report_pdf(request: HttpRequest, access: SchoolAccess, id: str, pupil: str) -> HttpResponse:
    """Staff preview, compiled now from the pupil's current record."""
    report = report_for(access, id)
    target = pupil_for(access, pupil)
    return pdf_response(compiler.report_pdf(report, target), f"{report.name}-{target.pupil_id}.pdf")


@router.post(
    "/schools/{school}/reports/{id}/print-runs",
    response={202: PrintRunOut, **errors(400, 403, 404)},
)
@school_api(ADMINS)
def start_print_run(
    request: HttpRequest, access: SchoolAccess, id: str, payload: PrintRunIn
) -> Status[dict[str, Any]]:
    """A Celery job; poll `GET .../print-runs/{job}` for `done` of `total`."""
    filters = pupil_filters.clean(payload.dict())
    run = actions.do_start_print_run(access, report_for(access, id), payload.paper_only, filters)
    run.refresh_from_db()
    return Status(202, run_out(run))


@router.get(
    "/schools/{school}/reports/{id}/print-runs/{job}",
    response={200: PrintRunOut, **errors(403, 404)},
)
@school_api(ADMINS)
def get_print_run(request: HttpRequest, access: SchoolAccess, id: str, job: str) -> dict[str, Any]:
    return run_out(run_for(access, report_for(access, id), job))


@router.get(
    "/schools/{school}/reports/{id}/print-runs/{job}/pdf",
    openapi_extra=binary("application/pdf"),
    response={200: None, **errors(403, 404, 409)},
)
@school_api(ADMINS)
def print_run_pdf(request: HttpRequest, access: SchoolAccess, id: str, job: str) -> FileResponse:
    run = run_for(access, report_for(access, id), job)
    return run_file(run)


@router.post("/schools/{school}/logo", response={200: LogoOut, **errors(400, 403, 404, 413)})
@school_api(ADMINS)
def upload_logo(
    request: HttpRequest, access: SchoolAccess, file: UploadedFile = File(...)
) -> dict[str, Any]:
    """The school's logo for report headers: PNG or JPEG."""
    actions.do_set_logo(access, file.name or "logo", file.read())
    return {"logo": True}


@me_router.get("/me/pupils/{link}/reports", response={200: MyReportList, **errors(404)})
@decorate_view(replica_reads)
def my_reports(request: HttpRequest, link: str) -> dict[str, Any]:
    """Ended and archived reports this link's licence type may see."""
    found = link_for(request.user, link)
    reports = available_reports(found.pupil, found.licence_type)
    items = [
        {
            "id": str(r.id),
            "name": r.name,
            "status": r.status,
            "academic_year": r.academic_year,
            "earlier_year": r.earlier,
        }
        for r in reports
    ]
    return {"items": items, "next": None}


@me_router.get(
    "/me/pupils/{link}/reports/{report}/pdf",
    response={200: None, **errors(404)},
    openapi_extra=binary("application/pdf"),
)
@decorate_view(replica_reads)
def my_report_pdf(request: HttpRequest, link: str, report: str) -> HttpResponse:
    """Compiled now; only fields the licence type may see."""
    chosen, data = printing.external_report_pdf(request.user, link, report)
    return pdf_response(data, f"{chosen.name}.pdf")
