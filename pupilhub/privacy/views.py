"""Data protection pages: retention (and the leavers due), a pupil's access log, the
subject-access download, and the records deleted but not yet purged."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, Forbidden
from pupilhub.core.views import apply_errors
from pupilhub.documents.access import can_delete
from pupilhub.pupils.access import pupil_for
from pupilhub.schools import audit_words
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import MAIN_ADMIN, school_view

from . import actions, purge, retention, subject_access
from .access import access_log, recently_deleted
from .forms import RetentionForm


@school_view()
def retention_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """The head sets the policy; safeguarding leads see it, and any shortening waiting."""
    current = retention.policy(access)
    pending = current["pending"]
    rows = {
        "pending": pending,
        "pending_rows": [
            (actions.LABELS[k], v) for k, v in (pending or {}).get("values", {}).items()
        ],
        "current_rows": [(label, current[k]) for k, label in actions.LABELS.items()],
    }
    if not access.is_main_admin:
        if request.method == "POST":
            raise Forbidden(_("Only the Main School Admin can change the retention policy."))
        context = {**rows, "read_only": True}
        return render(request, "privacy/retention.html", context)
    form = RetentionForm(request.POST or None, initial=current)
    status = 200
    impact = None
    if request.method == "POST" and form.is_valid():
        wanted = {k: form.cleaned_data[k] for k in retention.FIELDS}
        impact = purge.leavers_newly_due(access.school, wanted["leavers_years"])
        typed = form.cleaned_data["confirm"].strip()
        if impact["count"] and typed != str(impact["count"]):
            # Records would go: say how many and when, and wait for the number typed back.
            form.ask_to_confirm()
            if typed:
                form.add_error(
                    "confirm",
                    _("Type %(count)s to remove these records, or keep the longer period.")
                    % {"count": impact["count"]},
                )
            status = 400 if typed else 200
            return render(
                request,
                "privacy/retention.html",
                {"form": form, "impact": impact, "leavers": retention.leavers_due(access), **rows},
                status=status,
            )
        try:
            actions.do_set_retention(access, wanted)
        except DomainError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _(
                    "Retention saved. A longer period applies from tonight; a shorter one in "
                    "30 days, and the safeguarding leads have been told."
                ),
            )
            return redirect("privacy:retention", access.school.id)
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "leavers": retention.leavers_due(access),
        **rows,
    }
    return render(request, "privacy/retention.html", context, status=status)


@require_POST
@school_view(roles=MAIN_ADMIN)
def keep_leaver(request: HttpRequest, access: SchoolAccess, notice: str) -> HttpResponse:
    kept = actions.do_keep_leaver(access, notice)
    messages.success(
        request,
        f"{kept.pupil.full_name}'s records are kept until {kept.purge_on:%-d %B %Y}.",
    )
    return redirect("privacy:retention", access.school.id)


@school_view()
def pupil_access_log(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    target = pupil_for(access, pupil)
    page = Paginator(access_log(access, target), 50).get_page(request.GET.get("page"))
    rows = audit_words.page_rows(access, page.object_list)
    context = {"pupil": target, "page": page, "rows": rows}
    return render(request, "privacy/access_log.html", context)


@school_view()
def subject_access_download(
    request: HttpRequest, access: SchoolAccess, pupil: str
) -> HttpResponseBase:
    target = pupil_for(access, pupil)
    return subject_access.response(subject_access.export(access, target), target)


@school_view()
def deleted_records(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    if not can_delete(access):
        raise Forbidden("Only admins and safeguarding leads can restore deleted records.")
    target = pupil_for(access, pupil)
    rows = recently_deleted(access, target)
    return render(request, "privacy/deleted.html", {"pupil": target, "rows": rows})
