"""School pages: switcher, dashboard, staff, audit log, operator."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pupilhub.core.errors import DomainError, NotFound
from pupilhub.core.models import AuditEvent
from pupilhub.core.views import apply_errors, school_view

from . import actions
from .access import SchoolAccess, memberships_for, parse_id, require_operator, staff_access
from .choices import ADMIN_ROLES, Role
from .dashboard import dashboard_panels
from .forms import RoleForm, SchoolForm, StaffForm
from .models import School


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    return render(request, "schools/switch.html", {"memberships": memberships_for(request.user)})


@school_view()
def dashboard(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    return render(request, "schools/dashboard.html", {"panels": dashboard_panels(access)})


@school_view(roles=ADMIN_ROLES)
def staff(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_staff(access, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Staff member added.")
            return redirect("schools:staff", access.school.id)
    members = access.school.memberships.select_related("user").order_by("user__surname")
    return render(request, "schools/staff.html", {"form": form, "members": members})


@school_view(roles=ADMIN_ROLES)
def staff_edit(request: HttpRequest, access: SchoolAccess, membership: str) -> HttpResponse:
    member = (
        access.school.memberships.select_related("user").filter(pk=parse_id(membership)).first()
    )
    if member is None:
        raise NotFound()
    form = RoleForm(
        request.POST or None,
        initial={"role": member.role, "safeguarding_lead": member.safeguarding_lead},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("remove"):
                actions.do_remove_staff(access, member)
                messages.success(request, "Staff member removed from this school.")
            else:
                actions.do_change_role(
                    access,
                    member,
                    form.cleaned_data["role"],
                    form.cleaned_data["safeguarding_lead"],
                )
                messages.success(request, "Role saved.")
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect("schools:staff", access.school.id)
    return render(request, "schools/staff_edit.html", {"form": form, "member": member})


@school_view(roles=ADMIN_ROLES)
def audit_log(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    events = AuditEvent.objects.filter(school=access.school).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events.order_by("-at"), 50).get_page(request.GET.get("page"))
    return render(request, "schools/audit.html", {"page": page, "action": action})


@login_required
def operator(request: HttpRequest) -> HttpResponse:
    """Operators: every school, and a form creating a school with its Main School Admin."""
    require_operator(request.user)
    form = SchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                school = actions.do_create_school(request.user, data)  # type: ignore[arg-type]
                actions.do_add_staff(
                    staff_access(request.user, school.id, operator_ok=True),
                    {
                        "email": data["admin_email"],
                        "first_name": data["admin_first_name"],
                        "surname": data["admin_surname"],
                        "role": Role.MAIN_ADMIN,
                    },
                )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{school.name} created; its Main School Admin is invited.")
            return redirect("schools:operator")
    schools = School.objects.order_by("name")
    return render(request, "schools/operator.html", {"form": form, "schools": schools})
