"""Transition pages: operator clusters, memberships, partners and shared pupils, requests."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, Forbidden, NotFound
from pupilhub.core.views import apply_errors, unconfirmed
from pupilhub.schools import visibility
from pupilhub.schools.access import SchoolAccess, require_operator
from pupilhub.schools.boundary import school_view
from pupilhub.schools.choices import ADMIN_ROLES

from . import actions, serializers
from .access import (
    all_clusters,
    cluster_requests_of,
    membership_for,
    memberships,
    partner_for,
    partners,
    request_for,
    requests_for,
)
from .forms import ClusterForm, ClusterRequestForm, MemberForm, types_field
from .matching import shared


@login_required
def operator_clusters(request: HttpRequest) -> HttpResponse:
    """Operators: clusters, every membership's status and who decided when."""
    require_operator(request.user)
    cluster_form = ClusterForm(request.POST if "create" in request.POST else None)
    member_form = MemberForm(request.POST if "add" in request.POST else None)
    form = cluster_form if "create" in request.POST else member_form
    if request.method == "POST" and form.is_valid():
        try:
            if form is cluster_form:
                actions.do_create_cluster(request.user, form.cleaned_data["name"])
                messages.success(request, "Cluster created.")
            else:
                actions.do_add_member(
                    request.user, form.cleaned_data["cluster"], form.cleaned_data["school"]
                )
                messages.success(request, "School added; its Main School Admin has been asked.")
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect("transition:operator_clusters")
    clusters = all_clusters(request.user)
    return render(
        request,
        "transition/operator_clusters.html",
        {"clusters": clusters, "cluster_form": cluster_form, "member_form": member_form},
    )


@school_view(roles=ADMIN_ROLES)
def clusters(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    qs = memberships(access)
    ask = ClusterRequestForm(request.POST or None, initial=_ask_initial(access))
    status = 200
    if request.method == "POST":
        if not access.is_main_admin:
            raise Forbidden(_("Only the Main School Admin can ask for a cluster."))
        if ask.is_valid():
            try:
                actions.do_request_cluster(
                    access,
                    ask.cleaned_data["name"],
                    ask.cleaned_data["schools"],
                    ask.cleaned_data["note"],
                )
            except DomainError as exc:
                apply_errors(ask, exc)
            else:
                messages.success(
                    request, _("Your request is with the platform operator, who will set it up.")
                )
                return redirect("transition:clusters", access.school.id)
        status = 400
    return render(
        request,
        "transition/clusters.html",
        {
            "memberships": [_with_active(serializers.membership(m)) for m in qs],
            "ask_form": ask,
            "asked": cluster_requests_of(access),
        },
        status=status,
    )


def _ask_initial(access: SchoolAccess) -> dict[str, str]:
    return {"schools": f"{access.school.name}, {access.school.postcode}"}


@require_POST
@login_required
def close_cluster_request(request: HttpRequest, ask: str) -> HttpResponse:
    """Operators: a cluster request is dealt with."""
    require_operator(request.user)
    actions.do_close_cluster_request(request.user, ask)
    messages.success(request, _("Marked as done."))
    return redirect("schools:operator")


def _with_active(membership: dict[str, Any]) -> dict[str, Any]:
    active = [s for s in membership["schools"] if s["status"] == "active"]
    return {**membership, "active_schools": active}


@require_POST
@school_view(roles=ADMIN_ROLES)
def decide(request: HttpRequest, access: SchoolAccess, membership: str) -> HttpResponse:
    target = {"approve": "active", "deny": "denied", "leave": "left"}.get(
        request.POST.get("to", "")
    )
    found = membership_for(access, membership)
    if target in ("denied", "left"):
        ask = unconfirmed(
            request,
            title=f"{'Deny' if target == 'denied' else 'Leave'} {found.cluster.name}?",
            message=(
                "This school will no longer share pupils with the cluster's schools: no new "
                "transfer requests either way. Records already transferred stay. Joining again "
                "needs the platform operator."
            ),
            action="Deny the membership" if target == "denied" else "Leave the cluster",
            back=reverse("transition:clusters", args=[access.school.id]),
        )
        if ask:
            return ask
    if target is None:
        messages.error(request, "Choose approve, deny or leave.")
    else:
        try:
            actions.do_decide_membership(access, found, target)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Membership of {found.cluster.name} is now {target}.")
    return redirect("transition:clusters", access.school.id)


@school_view(roles=ADMIN_ROLES)
def transition(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """Partners; for a chosen partner, shared pupils to request and near misses to fix."""
    schools = list(partners(access.school))
    partner = partner_for(access, request.GET["partner"]) if request.GET.get("partner") else None
    context: dict[str, Any] = {"partners": schools, "partner": partner}
    if partner:
        found = Paginator(shared(access.school, partner), 100).get_page(request.GET.get("page"))
        near, near_total = serializers.near_miss_rows(access.school, partner)
        context["shared"] = {
            "items": serializers.shared_rows(access, list(found), partner),
            "near_misses": near,
            "near_misses_total": near_total,
        }
        context["page"] = found
        context["types_field"] = types_field(visibility.sees_safeguarding(access))
        context["type_keys"] = serializers.visible_types(access)
    return render(request, "transition/transition.html", context)


@require_POST
@school_view(roles=ADMIN_ROLES)
def request_create(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    year = request.POST.get("year_group", "").strip()
    try:
        req = actions.do_request_transfer(
            access,
            request.POST.get("from_school"),
            request.POST.getlist("pupils"),
            request.POST.getlist("document_types"),
            int(year) if year.isdigit() else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message + _field_text(exc))
        back = request.POST.get("back") or ""
        if back.startswith("/schools/"):
            return redirect(back)
        return redirect("transition:home", access.school.id)
    messages.success(request, f"Request sent to {req.from_school.name} for {req.total} pupil(s).")
    return redirect("transition:request", access.school.id, req.id)


def _field_text(exc: DomainError) -> str:
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    return (" " + " ".join(details)) if details else ""


@school_view(roles=ADMIN_ROLES)
def request_list(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    today = timezone.localdate()
    incoming = list(requests_for(access, "incoming")[:100])
    outgoing = list(requests_for(access, "outgoing")[:100])
    return render(
        request,
        "transition/requests.html",
        {"incoming": incoming, "outgoing": outgoing, "today": today},
    )


@school_view(roles=ADMIN_ROLES)
def request_detail(request: HttpRequest, access: SchoolAccess, req: str) -> HttpResponse:
    found = request_for(access, req)
    if request.method == "POST":
        return _answer(request, access, found)
    context = {
        "req": found,
        "data": serializers.transfer(found),
        "sender": found.from_school_id == access.school.pk,
        "today": timezone.localdate(),
        "can_safeguard": visibility.sees_safeguarding(access),
    }
    template = "transition/_progress.html" if request.htmx else "transition/request.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _answer(request: HttpRequest, access: SchoolAccess, req: Any) -> HttpResponse:
    what = request.POST.get("action")
    chosen = request.POST.getlist("pupils") or None
    if what in ("approve", "review") and request.POST.get("confirmed") != "1":
        # Nothing leaves the school without a look at exactly what goes, and to whom.
        return _confirm_send(request, access, req, chosen)
    if request.POST.get("send") == "all":
        chosen = None
    try:
        if what == "approve":
            result = actions.do_approve(access, req, chosen)
            messages.success(
                request,
                "Copying started: this page shows progress."
                if result.status == "running"
                else "Approved: documents copied.",
            )
        elif what == "deny":
            actions.do_deny(access, req, chosen)
            messages.success(request, "Denied. Nothing was copied.")
        elif what == "acknowledge":
            actions.do_acknowledge(access, req)
            messages.success(request, "Receipt confirmed.")
        else:
            messages.error(request, "Choose approve, deny or confirm receipt.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("transition:request", access.school.id, req.id)


def _confirm_send(
    request: HttpRequest, access: SchoolAccess, req: Any, chosen: list[str] | None
) -> HttpResponse:
    if req.status != "pending" or req.from_school_id != access.school.pk:
        messages.error(request, _("This request cannot be sent now."))
        return redirect("transition:request", access.school.id, req.id)
    if req.includes_safeguarding and not visibility.sees_safeguarding(access):
        raise Forbidden(
            _("Only a safeguarding lead or the Main School Admin can send safeguarding records.")
        )
    rows = serializers.approval_preview(req, chosen)
    everyone = serializers.approval_preview(req, None) if chosen else rows
    context = {
        "req": req,
        "rows": rows,
        "some": bool(chosen) and len(rows) < len(everyone),
        "all_count": len(everyone),
        "safeguarding_total": sum(r["safeguarding"] for r in rows),
    }
    return render(request, "transition/confirm_send.html", context)


@school_view()
def receipt(request: HttpRequest, access: SchoolAccess, req: str) -> HttpResponse:
    """Confirming receipt of transferred records: the receiving school's admins and any of
    its safeguarding leads (the landed notice links here)."""
    if not (access.is_admin or access.can_see_safeguarding):
        raise Forbidden(_("Only school admins and safeguarding leads can confirm receipt."))
    found = request_for(access, req)
    if found.to_school_id != access.school.pk:
        raise NotFound()
    if request.method == "POST":
        try:
            actions.do_acknowledge(access, found)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Receipt confirmed: %(school)s is told.") % {"school": found.from_school.name},
            )
        return redirect("transition:receipt", access.school.id, found.id)
    return render(request, "transition/receipt.html", {"req": found})
