"""Report Manager pages, print runs with a progress bar, and parents' downloads."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from pupilhub.core.errors import DomainError
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.replica import replica_reads
from pupilhub.gateway import school_access
from pupilhub.pupils import filters as pupil_filters
from pupilhub.pupils.access import pupil_for, year_roll
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view
from pupilhub.schools.choices import ADMIN_ROLES, year_choices

from . import actions, printing
from . import compile as compiler
from .access import report_for, reports_for, run_for
from .models import Report
from .serve import run_file


@school_view()
def report_list(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    if request.method == "POST":
        return _create(request, access)
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports_for(access),
            "fields": _form_fields(access, None),
            "types": school_access.licence_types(access),
            "years": year_choices(access.school.year_scheme),
            "chosen": {},
        },
    )


def _form_fields(access: SchoolAccess, report: Report | None) -> list[dict[str, Any]]:
    """The school's tracking fields for the report form: the report's own first, in its
    order, ticked and with their headings; then the rest."""
    mine = {
        f["key"]: (i, f.get("heading") or "") for i, f in enumerate(report.fields if report else [])
    }
    rows = [
        {
            "key": f.key,
            "name": f.described(access.school.year_scheme),
            "checked": f.key in mine,
            "heading": mine.get(f.key, (0, ""))[1],
            "order": mine.get(f.key, (len(mine), ""))[0],
        }
        for f in school_access.tracking_fields(access)
    ]
    return sorted(rows, key=lambda r: r["order"])  # stable: the rest keep the school's order


def _posted_report(post: Any) -> dict[str, Any]:
    keys = post.getlist("fields")
    return {
        "name": post.get("name", ""),
        "year_groups": [int(y) for y in post.getlist("year_groups") if y.isdigit()],
        "fields": [{"key": k, "heading": post.get(f"heading:{k}", "")} for k in keys],
        "licence_types": post.getlist("licence_types"),
    }


@school_view(roles=ADMIN_ROLES)
def report_edit(request: HttpRequest, access: SchoolAccess, report: str) -> HttpResponse:
    found = report_for(access, report)
    if request.method == "POST":
        try:
            actions.do_update_report(access, found, _posted_report(request.POST))
        except DomainError as exc:
            details = " ".join(m for msgs in exc.fields.values() for m in msgs)
            messages.error(request, details or exc.message)
            return redirect("reports:edit", access.school.id, found.pk)
        messages.success(request, "Report saved.")
        return redirect("reports:detail", access.school.id, found.pk)
    return render(
        request,
        "reports/edit.html",
        {
            "report": found,
            "fields": _form_fields(access, found),
            "types": school_access.licence_types(access),
            "years": year_choices(access.school.year_scheme),
            "chosen": {
                "name": found.name,
                "years": found.year_groups,
                "types": {t.pk for t in found.licence_types.all()},
            },
        },
    )


def _create(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    post = request.POST
    try:
        if "logo" in post:
            upload = request.FILES.get("file")
            if upload is None:
                raise actions.invalid_field("file", "Choose a PNG or JPEG file.")
            actions.do_set_logo(access, upload.name or "logo", upload.read())
            messages.success(request, "Logo saved: it appears on every report.")
            return redirect("reports:list", access.school.id)
        report = actions.do_create_report(access, _posted_report(post))
    except DomainError as exc:
        details = " ".join(m for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or exc.message)
        return redirect("reports:list", access.school.id)
    messages.success(request, "Report created. It stays invisible to families until you end it.")
    return redirect("reports:detail", access.school.id, report.id)


@school_view()
def report_detail(request: HttpRequest, access: SchoolAccess, report: str) -> HttpResponse:
    found = report_for(access, report)
    if request.method == "POST":
        return _act(request, access, found)
    keys = [f["key"] for f in found.fields]
    warnings = []
    for lt in found.licence_types.all():
        hidden = [k for k in keys if k not in lt.access.get("tracking", [])]
        if hidden or "available" not in lt.access.get("reports", []):
            warnings.append(
                {
                    "type": lt,
                    "hidden": len(hidden),
                    "no_portlet": "available" not in lt.access.get("reports", []),
                }
            )
    pupils = year_roll(access, found.year_groups, limit=500)
    invite = (
        reverse("messaging:compose", args=[access.school.id])
        + "?"
        + urlencode({"template": "report_ready", "report": found.pk})
    )
    return render(
        request,
        "reports/detail.html",
        {
            "report": found,
            "warnings": warnings,
            "pupils": pupils,
            "invite": invite,
            "runs": found.print_runs.all()[:10],
            "fields": _field_names(access, found),
            "pupil_choices": pupil_filters.choices(),
        },
    )


def _field_names(access: SchoolAccess, report: Report) -> list[dict[str, str]]:
    """The report's fields as the school named them: heading, then the field and subject."""
    keys = [f["key"] for f in report.fields]
    named = {f.key: f for f in school_access.tracking_fields(access).filter(key__in=keys)}
    rows = []
    for f in report.fields:
        field = named.get(f["key"])
        scheme = access.school.year_scheme
        name = field.described(scheme) if field else "A tracking field that was removed"
        rows.append({"heading": f.get("heading") or name, "name": name if f.get("heading") else ""})
    return rows


def _act(request: HttpRequest, access: SchoolAccess, report: object) -> HttpResponse:
    what = request.POST.get("action")
    try:
        if what in ("ended", "archived"):
            actions.do_set_status(access, report, what)  # type: ignore[arg-type]
            messages.success(request, f"Report {what}.")
        elif what == "print":
            run = actions.do_start_print_run(
                access,
                report,  # type: ignore[arg-type]
                request.POST.get("paper_only") == "1",
                pupil_filters.read(request.POST),
            )
            return redirect("reports:run", access.school.id, report.pk, run.pk)  # type: ignore[attr-defined]
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("reports:detail", access.school.id, report.pk)  # type: ignore[attr-defined]


@school_view()
def preview(request: HttpRequest, access: SchoolAccess, report: str, pupil: str) -> HttpResponse:
    found = report_for(access, report)
    target = pupil_for(access, pupil)
    return pdf_response(compiler.report_pdf(found, target), f"{found.name}-{target.pupil_id}.pdf")


@school_view(roles=ADMIN_ROLES)
def run_status(request: HttpRequest, access: SchoolAccess, report: str, run: str) -> HttpResponse:
    found = run_for(access, report_for(access, report), run)
    template = "reports/_run.html" if request.htmx else "reports/run.html"  # type: ignore[attr-defined]
    return render(request, template, {"run": found, "report": found.report})


@school_view(roles=ADMIN_ROLES)
def run_pdf(request: HttpRequest, access: SchoolAccess, report: str, run: str) -> FileResponse:
    return run_file(run_for(access, report_for(access, report), run))


@login_required
@replica_reads
def my_report(request: HttpRequest, link: str, report: str) -> HttpResponse:
    chosen, data = printing.external_report_pdf(request.user, link, report)
    return pdf_response(data, f"{chosen.name}.pdf")
