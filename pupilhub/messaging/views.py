"""Message pages: compose (with a live recipient count), sent list, status per pupil."""

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pupilhub.core.errors import DomainError, Forbidden
from pupilhub.core.views import apply_errors
from pupilhub.pupils.access import pupils_chosen
from pupilhub.schools.access import SchoolAccess, well_formed_ids
from pupilhub.schools.boundary import school_view

from . import actions, optout, prefill, preview, recipients
from .access import message_for, messages_for, reached, reached_rows
from .forms import ComposeForm


def _form(request: HttpRequest, access: SchoolAccess) -> ComposeForm:
    chosen = request.POST.getlist("pupils") or request.GET.getlist("pupil")
    pupils = pupils_chosen(access, well_formed_ids(chosen))
    if request.method == "POST":
        return ComposeForm(request.POST, school=access.school, pupils=pupils)
    initial = {
        "year_groups": request.GET.getlist("year_group"),
        "pupils": [str(p.pk) for p in pupils],
        **prefill.initial(access, request.GET),  # server-side templates only
    }
    return ComposeForm(initial=initial, school=access.school, pupils=pupils)


def _may_email(access: SchoolAccess) -> None:
    if not access.can_email_families:
        raise Forbidden("Only admins, and staff an admin allows, can email families.")


@school_view()
def compose(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    _may_email(access)
    form = _form(request, access)
    count, shown = None, None
    if request.method == "POST" and form.is_valid():
        try:
            if "send" in request.POST:
                message = actions.do_queue(
                    access,
                    form.cleaned_data["subject"],
                    form.cleaned_data["html_body"],
                    form.audience(),
                )
                when = message.send_after.strftime("%H:%M")
                flash.success(
                    request,
                    f"Your message to {message.recipient_count} people will be sent shortly "
                    f"(next dispatch at {when}).",
                )
                return redirect("messaging:detail", access.school.id, message.id)
            count = recipients.preview(
                access.school, recipients.clean_spec(access.school, form.audience())
            )
            if "show" in request.POST:
                chosen = form.chosen_pupils
                sample = chosen[0].first_name if chosen else _("Sam")
                shown = preview.as_sent(
                    access, form.cleaned_data["subject"], form.cleaned_data["html_body"], sample
                )
        except DomainError as exc:
            apply_errors(form, exc)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "count": count, "shown": shown}
    return render(request, "messaging/compose.html", context, status=status)


@school_view()
def count(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """htmx: the recipient count as the form changes (never names or addresses)."""
    _may_email(access)
    form = _form(request, access)
    result, problem = None, ""
    form.is_valid()
    try:
        audience = form.audience() if hasattr(form, "cleaned_data") else {}
        result = recipients.preview(access.school, recipients.clean_spec(access.school, audience))
    except DomainError as exc:
        problem = exc.message
    return render(request, "messaging/_count.html", {"count": result, "problem": problem})


@school_view()
def message_list(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    qs = messages_for(access).order_by("-created_at", "-id")
    found = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = recipients.counts_for(list(found))
    rows = [{"message": m, "counts": counts[m.pk]} for m in found]
    return render(request, "messaging/list.html", {"rows": rows, "page": found})


@school_view()
def detail(request: HttpRequest, access: SchoolAccess, message: str) -> HttpResponse:
    found = message_for(access, message)
    if request.method == "POST" and request.POST.get("retry") == "failed":
        count = actions.do_retry_failed(access, found)
        flash.success(request, f"{count} failed email(s) will be tried again at the next send.")
        return redirect(request.path)
    if request.method == "POST" and request.POST.get("cancel") == "1":
        try:
            stopped = actions.do_cancel(access, found)
        except DomainError as exc:
            flash.error(request, exc.message)
        else:
            flash.success(
                request,
                ngettext(
                    "Cancelled: %(n)d email will not be sent.",
                    "Cancelled: %(n)d emails will not be sent.",
                    stopped,
                )
                % {"n": stopped},
            )
        return redirect(request.path)
    c = recipients.counts(found)
    pupils, by_pupil = reached(found)
    shown = Paginator(pupils, 100).get_page(request.GET.get("page"))
    context = {
        "message": found,
        "counts": c,
        "status": recipients.status_of(c),
        "pupils": reached_rows(shown, by_pupil),
        "page": shown,
    }
    return render(request, "messaging/detail.html", context)


@csrf_exempt  # RFC 8058: the mail provider POSTs with no cookie and no session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every mass email. GET shows what it does (a link scanner opening it
    changes nothing); POST, one click or the page's button, stops that school's mass email
    to this account. A forged or reused link is a 400 and changes nothing."""
    try:
        delivery = optout.read_token(token)
    except DomainError as exc:
        return render(request, "messaging/unsubscribe.html", {"error": exc.message}, status=400)
    school = delivery.message.school
    context = {"school": school, "token": token, "done": False}
    if request.method == "POST":
        try:
            optout.do_unsubscribe(token)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "messaging/unsubscribe.html", context, status=400)
        context["done"] = True
    elif delivery.unsubscribed_at is not None:
        context["done"] = True
    return render(request, "messaging/unsubscribe.html", context)


@require_POST
def resubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Undo, from the confirmation page: the school's mass email comes again."""
    try:
        delivery = optout.do_resubscribe(token)
    except DomainError as exc:
        return render(request, "messaging/unsubscribe.html", {"error": exc.message}, status=400)
    context = {"school": delivery.message.school, "token": token, "again": True}
    return render(request, "messaging/unsubscribe.html", context)
