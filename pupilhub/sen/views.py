"""SEN cycle pages: a plan's review, the provision library, group interventions and their
session register, impact, the SEN register, EHC plans, and families' view of plans."""

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pupilhub.core import pdf
from pupilhub.core.downloads import csv_download
from pupilhub.core.errors import DomainError
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.replica import replica_reads
from pupilhub.core.templatetags.pupilhub import pounds
from pupilhub.core.views import apply_errors
from pupilhub.documents.choices import AreaOfNeed
from pupilhub.gateway.access import link_for
from pupilhub.pupils.access import pupil_for, visible_pupils
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view
from pupilhub.schools.choices import year_choices

from . import actions, cycle, families
from .access import (
    ehcp_of,
    intervention_for,
    interventions,
    library,
    plan_for,
    require_cycle,
    unheard_comments,
)
from .forms import CommentForm, EHCPForm, InterventionForm, LibraryForm, ReviewForm, SessionForm


@school_view()
def review_new(request: HttpRequest, access: SchoolAccess, pupil: str, plan: str) -> HttpResponse:
    require_cycle(access)
    target = pupil_for(access, pupil)
    found = plan_for(access, target, plan)
    heard = unheard_comments(found)
    initial = {
        "parent_views": "\n".join(c.text for c in heard if not c.from_pupil),
        "pupil_views": "\n".join(c.text for c in heard if c.from_pupil),
    }
    form = ReviewForm(request.POST or None, targets=found.targets or [], initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.do_review(access, found, form.to_data())
            except DomainError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Review saved."))
                return redirect("documents:detail", access.school.id, target.id, "plans", found.pk)
    context = {"form": form, "plan": found, "pupil": target}
    return render(request, "sen/review.html", context, status=status)


@school_view()
def library_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    form = LibraryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_library_item(access, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Added to the provision library."))
            return redirect(request.path)
    context = {"items": library(access), "form": form, "runs": _runs(access)}
    return render(request, "sen/library.html", context, status=400 if form.errors else 200)


def _runs(access: SchoolAccess) -> bool:
    from .access import runs_cycle

    return runs_cycle(access)


@school_view()
def intervention_list(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    pupils = list(visible_pupils(access).filter(status="active").order_by("surname", "first_name"))
    form = InterventionForm(request.POST or None, pupils=pupils)
    if request.method == "POST" and form.is_valid():
        try:
            group = actions.do_create_intervention(access, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Intervention set up; each pupil has their share."))
            return redirect("sen:intervention", access.school.id, group.pk)
    rows = [cycle.intervention_out(g) for g in interventions(access)[:100]]
    context = {"groups": rows, "form": form, "runs": _runs(access)}
    return render(request, "sen/interventions.html", context, status=400 if form.errors else 200)


@school_view()
def intervention_page(request: HttpRequest, access: SchoolAccess, group: str) -> HttpResponse:
    found = intervention_for(access, group)
    data = cycle.intervention_out(found)
    members = [
        p.pupil for p in found.provisions.select_related("pupil").order_by("created_at", "id")
    ]
    form = SessionForm(request.POST or None, pupils=members)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            actions.do_record_session(access, found, c["date"], c["attended"], c["notes"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Session recorded."))
            return redirect(request.path)
    context = {"group": data, "form": form, "runs": _runs(access)}
    return render(request, "sen/intervention.html", context, status=400 if form.errors else 200)


def _impact_filters(request: HttpRequest) -> dict[str, Any]:
    from datetime import date

    out: dict[str, Any] = {}
    year = request.GET.get("year_group", "")
    if year.isdigit():
        out["year_group"] = int(year)
    if request.GET.get("area_of_need") in AreaOfNeed.values:
        out["area_of_need"] = request.GET["area_of_need"]
    with contextlib.suppress(ValueError):
        out["since"] = date.fromisoformat(request.GET.get("since", ""))
    return out


IMPACT_HEADER = [
    "provision", "pupils", "cost_pence", "measured", "mean_entry", "mean_exit", "mean_change",
    "improved_pct", "cost_per_point_pence", "mean_review_score",
]  # fmt: skip


@school_view()
def impact_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    rows = cycle.impact(access, _impact_filters(request))
    fmt = request.GET.get("format")
    table = [[r[k] if k != "provision" else r["name"] for k in IMPACT_HEADER] for r in rows]
    if fmt == "csv":
        return csv_download(
            [IMPACT_HEADER, *[["" if v is None else v for v in row] for row in table]], "impact.csv"
        )
    if fmt == "pdf":
        return pdf_response(_impact_pdf(access, rows), "provision-impact.pdf")
    chart = [
        {"name": r["name"], "change": r["mean_change"] or 0}
        for r in rows
        if r["mean_change"] is not None
    ]
    context = {
        "rows": rows,
        "chart": chart,
        "areas": AreaOfNeed.choices,
        "years": year_choices(access.school.year_scheme),
        "query": request.GET,
    }
    return render(request, "sen/impact.html", context)


def _impact_pdf(access: SchoolAccess, rows: list[dict[str, Any]]) -> bytes:
    head = [
        _("Provision"),
        _("Pupils"),
        _("Cost"),
        _("Mean change"),
        _("Improved"),
        _("Cost a point"),
    ]
    body = [
        [
            pdf.text(r["name"], "cell"),
            pdf.text(str(r["pupils"]), "cell"),
            pdf.text(pounds(r["cost_pence"]), "cell"),
            pdf.text(
                _("not yet measured") if r["mean_change"] is None else str(r["mean_change"]), "cell"
            ),
            pdf.text("" if r["improved_pct"] is None else f"{r['improved_pct']}%", "cell"),
            pdf.text(
                "" if r["cost_per_point_pence"] is None else pounds(r["cost_per_point_pence"]),
                "cell",
            ),
        ]
        for r in rows
    ]
    table = pdf.table([[pdf.text(h, "cell_bold") for h in head], *body], header=True, grid=True,
                      widths=[150, 50, 70, 70, 60, 70])  # fmt: skip
    story = [pdf.Heading(_("Provision impact: %(s)s") % {"s": access.school.name}), table]
    return pdf.render(
        story,
        title=_("Provision impact"),
        author=access.school.name,
        running_name=access.school.name,
    )


@school_view()
def register_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    rows = cycle.register(access)
    if request.GET.get("format") == "csv":
        return csv_download(cycle.register_rows(rows), "sen-register.csv")
    return render(request, "sen/register.html", {"rows": rows})


@school_view()
def ehcp_page(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    target = pupil_for(access, pupil)
    found = ehcp_of(access, target)
    initial = {f: getattr(found, f) for f in EHCPForm.base_fields} if found else {}
    form = EHCPForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_ehcp(access, target, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("EHC plan saved."))
            return redirect(request.path)
    computed = cycle.ehcp_out(found, target) if found else None
    context = {"pupil": target, "form": form, "computed": computed}
    return render(request, "sen/ehcp.html", context, status=400 if form.errors else 200)


@login_required
@replica_reads
def family_plans(request: HttpRequest, link: str) -> HttpResponse:
    """A family's view of the open plans, with a comment box on each."""
    found = link_for(request.user, link)
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = families.plan_for(found, request.POST.get("plan"))
        try:
            actions.do_comment(request.user, found, plan, form.cleaned_data["text"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Thank you: the school will see your comment with the plan.")
            )
            return redirect(request.path)
    context = {"link": found, "plans": families.plans_out(found), "form": form}
    return render(request, "sen/family_plans.html", context, status=400 if form.errors else 200)
