"""Safeguarding pages: raising a concern (everyone), receipts, the leads' list, an issue's
tasks and referrals, the chronology, the governors' summary, and child-protection files
(sending, and the receiving lead's page outside pupilhub)."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pupilhub.core import throttle
from pupilhub.core.downloads import csv_download
from pupilhub.core.errors import DomainError, RateLimited
from pupilhub.core.links import link_token
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.views import apply_errors
from pupilhub.documents.access import document_for, documents
from pupilhub.documents.choices import IssueStatus
from pupilhub.documents.registry import FILE, SAFEGUARDING
from pupilhub.pupils.access import pupil_for, visible_pupils
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view

from . import access as sg_access
from . import actions, bodymap, chronology, printing, sending
from .choices import BodyView
from .forms import (
    CategoryForm,
    CodeForm,
    ConcernForm,
    CPFileForm,
    ReceiptForm,
    ReferralForm,
    ResponseForm,
    TaskDoneForm,
    TaskForm,
)
from .validation import categories


def _concern_form(request: HttpRequest, access: SchoolAccess) -> ConcernForm:
    pupils = list(visible_pupils(access).filter(status="active").order_by("surname", "first_name"))
    initial = {"pupil": request.GET.get("pupil", "")}
    return ConcernForm(
        request.POST or None,
        pupils=pupils,
        categories=categories(access.school),
        initial=initial,
    )


@school_view()
def raise_concern(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """One short form for every member of staff; the leads are told at once."""
    form = _concern_form(request, access)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            pupil = pupil_for(access, form.cleaned_data["pupil"])
            issue = actions.do_raise_concern(access, pupil, form.to_data())
        except DomainError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            messages.success(
                request,
                _("Thank you. Your concern %(ref)s was passed to the safeguarding leads at %(t)s.")
                % {"ref": issue.reference, "t": f"{timezone.localtime(issue.created_at):%H:%M}"},
            )
            if access.can_see_safeguarding:
                args = [access.school.id, pupil.id, SAFEGUARDING.collection, issue.pk]
                return redirect("documents:detail", *args)
            return redirect("safeguarding:my_concerns", access.school.id)
    elif request.method == "POST":
        status = 400
    context = {"form": form, "views": BodyView.choices, "points": bodymap.SVG_POINTS}
    return render(request, "safeguarding/raise.html", context, status=status)


@school_view()
def my_concerns(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    receipts = sg_access.my_receipts(request.user, access.school.id)[:200]
    return render(request, "safeguarding/my_concerns.html", {"receipts": receipts})


@school_view()
def issue_list(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """Leads: every concern, newest first, filtered; and the school's own categories."""
    sg_access.require_lead(access)
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_category(access, form.cleaned_data["name"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Category added."))
            return redirect(request.path)
    status = request.GET.get("status", "")
    filters = {"status": status if status in ("new", "open", "closed") else ""}
    filters["category"] = request.GET.get("category", "")
    found = sg_access.issues(access, filters)[:200]
    context = {
        "issues": found,
        "form": form,
        "categories": categories(access.school),
        "statuses": IssueStatus.choices,
        "filters": filters,
    }
    return render(request, "safeguarding/issues.html", context)


def _issue(access: SchoolAccess, pupil: str, doc: str) -> Any:
    sg_access.require_lead(access)
    return document_for(access, SAFEGUARDING, pupil_for(access, pupil), doc)


def _issue_page(access: SchoolAccess, issue: Any) -> HttpResponse:
    args = [access.school.id, issue.pupil_id, SAFEGUARDING.collection, issue.pk]
    return redirect(reverse("documents:detail", args=args) + "#work")


def _staff(access: SchoolAccess) -> list[Any]:
    return list(sg_access.staff_of(access))


def _work_form(
    request: HttpRequest,
    access: SchoolAccess,
    issue: Any,
    form: Any,
    act: Any,
    words: tuple[str, str, str],
) -> HttpResponse:
    """One of the leads' forms on a concern: saved, then back to the concern; refused, the
    form again on its own page with what was typed and the errors (400)."""
    done, title, button = words
    if request.method == "POST" and form.is_valid():
        try:
            act(dict(form.cleaned_data))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return _issue_page(access, issue)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "issue": issue, "title": title, "button": button}
    return render(request, "safeguarding/form.html", context, status=status)


@school_view()
def task_new(request: HttpRequest, access: SchoolAccess, pupil: str, doc: str) -> HttpResponse:
    issue = _issue(access, pupil, doc)
    form = TaskForm(request.POST or None, staff=_staff(access), prefix="task")
    words = (
        _("Task assigned; they have been told by email."),
        _("Assign a task"),
        _("Assign the task"),
    )
    return _work_form(
        request, access, issue, form, lambda d: actions.do_assign_task(access, issue, d), words
    )


@school_view()
def referral_new(request: HttpRequest, access: SchoolAccess, pupil: str, doc: str) -> HttpResponse:
    issue = _issue(access, pupil, doc)
    form = ReferralForm(request.POST or None, prefix="referral")
    words = (_("Referral recorded."), _("Record a referral"), _("Record the referral"))
    return _work_form(
        request, access, issue, form, lambda d: actions.do_add_referral(access, issue, d), words
    )


@school_view()
def referral_response(
    request: HttpRequest, access: SchoolAccess, pupil: str, doc: str, ref: str
) -> HttpResponse:
    issue = _issue(access, pupil, doc)
    referral = sg_access.referral_for(access, issue, ref)
    form = ResponseForm(request.POST or None, prefix="response")
    words = (_("Response recorded."), _("Record the response"), _("Save the response"))
    return _work_form(
        request,
        access,
        issue,
        form,
        lambda d: actions.do_update_referral(access, referral, d),
        words,
    )


@require_POST
@school_view()
def task_done(
    request: HttpRequest, access: SchoolAccess, pupil: str, doc: str, task: str
) -> HttpResponse:
    found = sg_access.task_for(access, pupil_for(access, pupil), doc, task)
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        actions.do_complete_task(access, found, form.cleaned_data["note"])
        messages.success(request, _("Task marked done. Thank you."))
    else:
        messages.error(request, _("Say briefly what you did, then mark the task done."))
    if access.can_see_safeguarding and request.POST.get("back") == "issue":
        return _issue_page(access, found.issue)
    return redirect("schools:dashboard", access.school.id)


@school_view()
def chronology_page(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    sg_access.require_lead(access)
    target = pupil_for(access, pupil)
    issues, entries = chronology.chronology(access, target)
    context = {
        "pupil": target,
        "issues": issues,
        "entries": entries,
        "transfers": [(t, sg_access.cp_status(t)) for t in sg_access.cp_transfers(access, target)],
    }
    return render(request, "safeguarding/chronology.html", context)


@school_view()
def chronology_pdf(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    sg_access.require_lead(access)
    target = pupil_for(access, pupil)
    issues, entries = chronology.chronology(access, target)
    names = dict(categories(access.school))
    data = printing.chronology_pdf(access.school, target, issues, entries, names)
    return pdf_response(data, f"chronology-{target.pupil_id}.pdf")


def _period(request: HttpRequest) -> tuple[Any, Any]:
    from datetime import date

    def read(name: str) -> Any:
        try:
            return date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return None

    return read("from"), read("to")


@school_view()
def summary_page(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    start, end = _period(request)
    data = chronology.summary(access, start, end)
    if request.GET.get("format") == "csv":
        return csv_download(chronology.summary_rows(data), "safeguarding-summary.csv")
    peak = max([*data["by_month"].values(), 1])
    months = [(m, n, round(100 * n / peak)) for m, n in data["by_month"].items()]
    return render(
        request, "safeguarding/summary.html", {"data": data, "months": months, "query": request.GET}
    )


@school_view()
def cp_file_new(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    sg_access.require_lead(access)
    target = pupil_for(access, pupil)
    files = list(documents(access, FILE).filter(pupil=target))
    form = CPFileForm(request.POST or None, files=files)
    if request.method == "POST" and form.is_valid():
        try:
            data = {**form.cleaned_data, "files": form.cleaned_data["attachments"]}
            sending.send(access, target, data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Sent. The receiving lead has a link and, separately, a code.")
            )
            return redirect("safeguarding:chronology", access.school.id, target.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "safeguarding/cp_new.html", {"form": form, "pupil": target}, status=status
    )


# The receiving lead's pages: no account, the link and the code are the key. -------------

SESSION_KEY = "cp_file_open"
LINK_KEY = "cp_file_link"  # the link's token, posted once from the landing page
OPEN = "open"  # `/child-protection-file/open/...`: the link held in the session


def _live(request: HttpRequest, token: str) -> Any:
    if token == OPEN:
        token = request.session.get(LINK_KEY, "")
    transfer = sending.by_token(token) if token else None
    if transfer is None:
        raise Http404()
    return transfer


@never_cache
def cp_file_landing(request: HttpRequest) -> HttpResponse:
    """`/child-protection-file/#<token>`: a tiny script POSTs the token (or it is pasted);
    it is kept in this browser's session, so no later address carries it either."""
    if request.method == "POST":
        token = link_token(request.POST.get("token"))
        if sending.by_token(token) is None:
            return render(request, "accounts/link_invalid.html", status=400)
        request.session.cycle_key()
        request.session[LINK_KEY] = token
        return redirect("safeguarding:cp_file", OPEN)
    context = {
        "title": _("A child-protection file"),
        "text": _("Press Continue to open the file you were sent."),
        "button": _("Continue"),
        "autosubmit": True,
    }
    return render(request, "accounts/link_landing.html", context)


def _unlocked(request: HttpRequest, transfer: Any) -> bool:
    return request.session.get(SESSION_KEY) == str(transfer.pk)


@never_cache
def cp_file(request: HttpRequest, token: str) -> HttpResponse:
    """The code first; then the file to download and the receipt to confirm."""
    transfer = _live(request, token)
    code_form = CodeForm(request.POST if "code" in request.POST else None)
    status = 200
    if code_form.is_bound and code_form.is_valid():
        client = throttle.client_ip(request)
        try:
            if sending.check_code(transfer, code_form.cleaned_data["code"], client):
                request.session.cycle_key()
                request.session[SESSION_KEY] = str(transfer.pk)
                return redirect(request.path)
            code_form.add_error("code", _("That code is not right. Check the second email."))
            status = 400
        except RateLimited as exc:
            code_form.add_error(None, _("Too many wrong codes. Try again in an hour."))
            status, retry = 429, exc.retry_after
            response = render(
                request,
                "safeguarding/cp_file.html",
                {"code_form": code_form, "transfer": transfer},
                status=status,
            )
            response["Retry-After"] = str(retry)
            return response
    unlocked = _unlocked(request, transfer)
    context = {
        "transfer": transfer,
        "code_form": code_form,
        "unlocked": unlocked,
        "files": sending.sent_files(transfer) if unlocked else [],
        "receipt_form": ReceiptForm(),
    }
    return render(request, "safeguarding/cp_file.html", context, status=status)


@never_cache
def cp_file_pdf(request: HttpRequest, token: str) -> HttpResponse:
    transfer = _live(request, token)
    if not _unlocked(request, transfer):
        return redirect("safeguarding:cp_file", token)
    return pdf_response(
        sending.file_pdf(transfer), f"child-protection-{transfer.pupil.pupil_id}.pdf"
    )


@never_cache
def cp_file_attachment(request: HttpRequest, token: str, file_id: str) -> FileResponse:
    transfer = _live(request, token)
    found = sending.attachment(transfer, file_id) if _unlocked(request, transfer) else None
    if found is None:
        raise Http404()
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.filename)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def cp_file_receipt(request: HttpRequest, token: str) -> HttpResponse:
    transfer = _live(request, token)
    if not _unlocked(request, transfer):
        return redirect("safeguarding:cp_file", token)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        actions.do_confirm_cp_receipt(
            transfer, form.cleaned_data["name"], form.cleaned_data["role"]
        )
        request.session.pop(SESSION_KEY, None)
        return render(request, "safeguarding/cp_received.html", {"transfer": transfer})
    context = {
        "transfer": transfer,
        "code_form": CodeForm(),
        "unlocked": True,
        "receipt_form": form,
    }
    context["files"] = sending.sent_files(transfer)
    return render(request, "safeguarding/cp_file.html", context, status=400)
