"""School pages: switcher, dashboard, staff, audit log, operator."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupilhub.accounts import mfa
from pupilhub.accounts.access import current_holds, hold_for
from pupilhub.accounts.actions import lift_hold as lift_login_hold
from pupilhub.core.errors import DomainError, Forbidden, NotFound
from pupilhub.core.keyset import keyset_page, read_cursor, write_cursor
from pupilhub.core.views import apply_errors, unconfirmed
from pupilhub.schools.boundary import school_view

from . import actions, audit_words, exports, support
from . import audit_log as audit_log_reader
from .access import (
    SchoolAccess,
    all_schools,
    api_key_for,
    api_keys,
    handover_for,
    memberships_for,
    open_handovers,
    parse_id,
    require_operator,
    staff_access,
)
from .apikeys import SCOPES
from .choices import ADMIN_ROLES, Role
from .dashboard import dashboard_panels, operator_panels
from .forms import ApiKeyForm, HandoverForm, RoleForm, SchoolForm, StaffForm, SupportForm
from .models import StaffMembership


@login_required
def switch(request: HttpRequest) -> HttpResponse:
    return render(request, "schools/switch.html", {"memberships": memberships_for(request.user)})


@school_view()
def dashboard(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    return render(request, "schools/dashboard.html", {"panels": dashboard_panels(access)})


@school_view(roles=ADMIN_ROLES)
def staff(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """Everyone invited or active; invite someone (only the main admin grants safeguarding)."""
    form = StaffForm(request.POST or None, can_grant_lead=access.is_main_admin)
    if request.method == "POST" and form.is_valid():
        try:
            membership = actions.do_add_staff(access, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {membership.user.email}.")
            return redirect("schools:staff", access.school.id)
    members = access.school.memberships.select_related("user").order_by(
        "status", "user__surname", "user__first_name"
    )
    context = {
        "form": form,
        "members": members,
        "handovers": open_handovers(request.user, access.school) if access.is_main_admin else [],
    }
    return render(request, "schools/staff.html", context)


def _staff_member(access: SchoolAccess, membership: str) -> StaffMembership:
    member = (
        access.school.memberships.select_related("user").filter(pk=parse_id(membership)).first()
    )
    if member is None:
        raise NotFound()
    return member


STAFF_BUTTONS = {
    "remove": (actions.do_remove_staff, "Removed from this school."),
    "resend": (actions.do_resend_invitation, "A new invitation link is on its way."),
    "reset_mfa": (actions.do_reset_mfa, "Second factor reset: they set up a new one at sign-in."),
}


@school_view(roles=ADMIN_ROLES)
def staff_edit(request: HttpRequest, access: SchoolAccess, membership: str) -> HttpResponse:
    member = _staff_member(access, membership)
    form = RoleForm(
        request.POST or None,
        initial={
            "role": member.role,
            "safeguarding_lead": member.safeguarding_lead,
            "can_email_families": member.can_email_families,
            "senco": member.senco,
        },
        can_grant_lead=access.is_main_admin,
    )
    button = next((b for b in STAFF_BUTTONS if request.POST.get(b)), None)
    if request.method == "POST" and button == "remove":
        ask = unconfirmed(
            request,
            title=f"Remove {member.user} from this school?",
            message=(
                "They lose access to this school's pupils at once. Their past work and the "
                "audit log keep their name."
                if member.status == "active"
                else "The invitation link stops working."
            ),
            action="Remove from this school" if member.status == "active" else "Revoke invitation",
            back=request.path,
        )
        if ask:
            return ask
    if request.method == "POST" and (button or form.is_valid()):
        try:
            if button:
                action, done = STAFF_BUTTONS[button]
                action(access, member)
            else:
                lead = form.cleaned_data.get("safeguarding_lead")
                email = form.cleaned_data.get("can_email_families")
                senco = form.cleaned_data.get("senco")
                actions.do_change_role(
                    access, member, form.cleaned_data["role"], lead, email, senco
                )
                done = "Role saved."
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("schools:staff", access.school.id)
    context = {"form": form, "member": member, "has_mfa": mfa.has_mfa(member.user)}
    return render(request, "schools/staff_edit.html", context)


AUDIT_PAGE = 50
AUDIT_COUNT_CAP = 10_000


@school_view(roles=ADMIN_ROLES)
def audit_log(request: HttpRequest, access: SchoolAccess) -> HttpResponseBase:
    """Filters for breach scoping, and the same selection as a CSV file."""
    try:
        filters = audit_log_reader.parse(request.GET)
        error = ""
    except DomainError as exc:
        filters, error = audit_log_reader.Filters(), exc.message
    found = audit_log_reader.events(access, filters)
    if filters.format == "csv":
        if exports.too_big_to_stream(found):
            job = exports.do_start_audit_export(access, filters)
            return redirect("schools:audit_export", access.school.id, job.id)
        return audit_log_reader.csv_response(found)
    try:
        raw = request.GET.get("cursor", "")
        last = read_cursor(raw).get("k") if raw else None
        shown, following = keyset_page(found, audit_log_reader.ORDER, last, AUDIT_PAGE)
    except DomainError as exc:  # a cursor edited by hand: the first page, and why
        error = exc.message
        shown, following = keyset_page(found, audit_log_reader.ORDER, None, AUDIT_PAGE)
    # Counted up to a cap: a long history is "more than 10,000", never a full count.
    counted = found.order_by()[: AUDIT_COUNT_CAP + 1].count()
    older = (
        "?" + urlencode({**filters.query(), "cursor": write_cursor({"k": following})})
        if following
        else ""
    )
    groups = audit_words.action_groups(access.can_see_safeguarding)
    context = {
        "counted": min(counted, AUDIT_COUNT_CAP),
        "more_than_cap": counted > AUDIT_COUNT_CAP,
        "older": older,
        "newest": "?" + urlencode(filters.query()) if request.GET.get("cursor") else "",
        "rows": audit_words.page_rows(access, shown),
        "action_groups": groups,
        "action_custom": (
            (filters.action, audit_words.describe(filters.action.rstrip(".")))
            if filters.action and filters.action not in dict(groups)
            else None
        ),
        "filters": filters,
        "form": {k: request.GET.get(k, "") for k in ("pupil", "actor", "action", "since", "until")},
        "error": error,
        "csv_query": urlencode({**filters.query(), "format": "csv"}),
        "sees_safeguarding": access.can_see_safeguarding,
    }
    return render(request, "schools/audit.html", context, status=400 if error else 200)


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
    schools = all_schools(request.user)
    holds = current_holds(request.user)
    context = {
        "form": form,
        "schools": schools,
        "holds": holds[:100],
        "handovers": open_handovers(request.user),
        "handover_form": HandoverForm(schools=schools),
        "panels": operator_panels(request.user),
        "support_form": SupportForm(initial=support.contact(), auto_id="support_%s"),
    }
    return render(request, "schools/operator.html", context)


@login_required
@require_POST
def set_support(request: HttpRequest) -> HttpResponse:
    """Operators: the support email and phone every footer and help page shows."""
    require_operator(request.user)
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            support.do_set_contact(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["phone"],
                form.cleaned_data["hours"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Support contact saved: every page's footer shows it."))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("schools:operator")


@login_required
@require_POST
def propose_handover(request: HttpRequest) -> HttpResponse:
    """An operator proposes a new Main School Admin; a second operator must approve."""
    require_operator(request.user)
    schools = all_schools(request.user)
    form = HandoverForm(request.POST, schools=schools)
    if form.is_valid():
        access = staff_access(request.user, form.cleaned_data["school"].id, operator_ok=True)
        member = access.school.memberships.filter(
            user__email__iexact=form.cleaned_data["email"].strip()
        ).first()
        try:
            if member is None:
                raise NotFound(_("Nobody with that address works at this school."))
            actions.do_start_handover(access, member)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Hand-over proposed: a second operator must approve it."))
    else:
        messages.error(request, _("Choose a school and give the staff member's address."))
    return redirect(f"{reverse('schools:operator')}#handovers")


@login_required
@require_POST
def decide_handover(request: HttpRequest, handover: str, decision: str) -> HttpResponse:
    """Approve (a different operator from the proposer) or stop a proposed hand-over."""
    if decision not in ("approve", "cancel"):
        raise NotFound()
    found = handover_for(request.user, handover)
    access = staff_access(request.user, found.school_id, operator_ok=True)
    action = actions.do_approve_handover if decision == "approve" else actions.do_cancel_handover
    try:
        action(access, found)
    except (DomainError, Forbidden) as exc:
        messages.error(request, getattr(exc, "message", "") or str(exc))
    else:
        messages.success(
            request, _("Hand-over approved.") if decision == "approve" else _("Hand-over stopped.")
        )
    if access.is_operator:
        return redirect(f"{reverse('schools:operator')}#handovers")
    return redirect("schools:staff", found.school_id)


@login_required
@require_POST
def lift_hold(request: HttpRequest, hold: str) -> HttpResponse:
    found = hold_for(request.user, hold)
    lift_login_hold(request.user, found)  # type: ignore[arg-type]
    messages.success(request, "Hold lifted: the account can sign in again.")
    return redirect("schools:operator")


@school_view(roles=[Role.MAIN_ADMIN])
def api_keys_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """The school's API keys: make one (shown once, here), see when each was last used,
    revoke one."""
    form = ApiKeyForm(request.POST or None)
    made = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = actions.do_create_api_key(
                    access, form.cleaned_data["name"], form.cleaned_data["scopes"]
                )
            except DomainError as exc:
                apply_errors(form, exc)
                status = exc.status
            else:
                form = ApiKeyForm()
        else:
            status = 400
    context = {
        "form": form,
        "keys": list(api_keys(access)),
        "made": made[0] if made else None,
        "raw": made[1] if made else None,
        "scope_words": SCOPES,
    }
    response = render(request, "schools/api_keys.html", context, status=status)
    if made:
        response["Cache-Control"] = "no-store"  # the key is on this page only
    return response


@require_POST
@school_view(roles=[Role.MAIN_ADMIN])
def revoke_api_key(request: HttpRequest, access: SchoolAccess, key: str) -> HttpResponse:
    found = api_key_for(access, key)
    ask = unconfirmed(
        request,
        title=_("Revoke this API key?"),
        message=_("“%(name)s” stops working at once. Whatever uses it will need a new key.")
        % {"name": found.name},
        action=request.path,
        back=reverse("schools:api_keys", args=[access.school.id]),
    )
    if ask is not None:
        return ask
    actions.do_revoke_api_key(access, found)
    messages.success(request, _("The key “%(name)s” is revoked.") % {"name": found.name})
    return redirect("schools:api_keys", access.school.id)


@school_view(roles=ADMIN_ROLES)
def audit_export(request: HttpRequest, access: SchoolAccess, job: str) -> HttpResponse:
    """A background audit CSV: progress while it is made, then the download (htmx polls
    the status section; without JavaScript, reloading shows it)."""
    found = exports.job_for(access, job)
    template = "schools/_audit_export.html" if request.htmx else "schools/audit_export.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": found})


@school_view(roles=ADMIN_ROLES)
def audit_export_file(request: HttpRequest, access: SchoolAccess, job: str) -> HttpResponseBase:
    found = exports.job_for(access, job)
    if found.status != "done" or not found.file or found.expires_at <= timezone.now():
        raise NotFound()
    return exports.download(access, found)
