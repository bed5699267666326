"""Document pages: add, view, edit, delete/restore, upload and download, provision map."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, StorageFull
from pupilhub.core.pdf import response as pdf_response
from pupilhub.core.views import apply_errors, unconfirmed
from pupilhub.privacy.retention import purge_after
from pupilhub.pupils.access import pupil_for
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view

from . import actions, printing
from .access import action_log, document_for, history, require_type
from .forms import ActionForm, UploadForm, apply_choices, document_form, to_api_data
from .panels import detail_panels
from .registry import BY_COLLECTION, FILE, PASSPORT, SAFEGUARDING, DocType
from .serve import file_response, readable, serialize


def _dtype(kind: str) -> DocType:
    dtype = BY_COLLECTION.get(kind)
    if dtype is None:
        raise Http404()
    return dtype


def _back(access: SchoolAccess, pupil: Any) -> HttpResponse:
    return redirect("pupils:detail", access.school.id, pupil.id)


@school_view()
def doc_edit(
    request: HttpRequest, access: SchoolAccess, pupil: str, kind: str, doc: str | None = None
) -> HttpResponse:
    dtype = _dtype(kind)
    if dtype is FILE:
        return doc_upload(request, access, pupil)
    if dtype is SAFEGUARDING and not doc:
        # Anyone may raise a concern: one short form, for every member of staff.
        return redirect(reverse("safeguarding:raise", args=[access.school.id]) + f"?pupil={pupil}")
    require_type(access, dtype)
    target = pupil_for(access, pupil)
    instance = document_for(access, dtype, target, doc) if doc else None
    form_class = document_form(dtype, can_mark_confidential=access.can_see_confidential)
    form = form_class(request.POST or None, instance=instance)
    apply_choices(form, dtype, access.school)
    if request.method == "POST" and form.is_valid():
        data = to_api_data(dtype, form)
        try:
            if instance:
                actions.do_update_document(access, dtype, instance, data)
            else:
                actions.do_create_document(access, dtype, target, data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{dtype.label} saved.")
            return _back(access, target)
    return render(
        request,
        "documents/edit.html",
        {"form": form, "dtype": dtype, "pupil": target, "doc": instance},
    )


@school_view()
def doc_detail(
    request: HttpRequest, access: SchoolAccess, pupil: str, kind: str, doc: str
) -> HttpResponse:
    dtype = _dtype(kind)
    require_type(access, dtype)
    target = pupil_for(access, pupil)
    instance = document_for(access, dtype, target, doc)
    action_form = ActionForm(request.POST or None) if dtype is SAFEGUARDING else None
    if action_form is not None and request.method == "POST" and action_form.is_valid():
        actions.do_add_safeguarding_action(access, instance, action_form.cleaned_data["text"])
        messages.success(request, "Action added to the log.")
        return redirect(request.path)
    log = list(action_log(access, instance)) if dtype is SAFEGUARDING else []
    # The log is the actions' one home: the issue's text copy of it is not shown again.
    skip = ("actions_taken",) if log else ()
    return render(
        request,
        "documents/detail.html",
        {
            "dtype": dtype,
            "pupil": target,
            "doc": instance,
            "data": serialize(dtype, instance),
            "rows": readable(dtype, instance, skip),
            "action_form": action_form,
            "log": log,
            "extras": detail_panels(request, access, dtype.type, instance),
        },
    )


@school_view()
def doc_history(
    request: HttpRequest, access: SchoolAccess, pupil: str, kind: str, doc: str
) -> HttpResponse:
    dtype = _dtype(kind)
    target = pupil_for(access, pupil)
    instance = document_for(access, dtype, target, doc)
    return render(
        request,
        "documents/history.html",
        {"dtype": dtype, "pupil": target, "doc": instance, "events": history(access, instance)},
    )


@school_view()
def passport_pdf(request: HttpRequest, access: SchoolAccess, pupil: str, doc: str) -> HttpResponse:
    target = pupil_for(access, pupil)
    passport = document_for(access, PASSPORT, target, doc)
    return pdf_response(
        printing.passport_pdf(access, target, passport), f"passport-{target.pupil_id}.pdf"
    )


@require_POST
@school_view()
def doc_delete(
    request: HttpRequest, access: SchoolAccess, pupil: str, kind: str, doc: str
) -> HttpResponse:
    dtype = _dtype(kind)
    require_type(access, dtype)
    target = pupil_for(access, pupil)
    restoring = request.POST.get("restore") == "1"
    instance = document_for(access, dtype, target, doc, deleted=None if restoring else False)
    if not restoring:
        ask = unconfirmed(
            request,
            title=f"Delete this {dtype.label.lower()}?",
            message=(
                f"“{instance}” will be deleted from {target.full_name}'s records. An admin or a "
                "safeguarding lead can restore it until the school's retention policy removes "
                "it for good."
            ),
            action=f"Delete the {dtype.label.lower()}",
            back=reverse("documents:detail", args=[access.school.id, target.id, kind, instance.pk]),
        )
        if ask:
            return ask
    try:
        if restoring:
            actions.do_restore_document(access, dtype, instance)
            messages.success(request, f"{dtype.label} restored.")
        else:
            actions.do_delete_document(access, dtype, instance)
            purge_on = purge_after(access.school, instance.deleted_at)
            messages.success(
                request,
                f"{dtype.label} deleted. It can be restored from “Recently deleted” on the "
                f"pupil's page until {purge_on:%-d %B %Y}, when it is removed for good.",
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(access, target)


def doc_upload(request: HttpRequest, access: SchoolAccess, pupil: str) -> HttpResponse:
    target = pupil_for(access, pupil)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if getattr(request, "upload_storage_full", False):
        form = UploadForm(request.POST, request.FILES)
        form.is_valid()  # bound, so the message shows with the form
        form.errors.clear()
        form.add_error(None, StorageFull().message)
        return render(request, "documents/upload.html", {"form": form, "pupil": target}, status=507)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            actions.do_upload_file(
                access, target, upload.name, upload.read(), form.cleaned_data["description"]
            )
        except DomainError as exc:
            apply_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, "File uploaded.")
            return _back(access, target)
    return render(request, "documents/upload.html", {"form": form, "pupil": target}, status=status)


@school_view()
def file_download(request: HttpRequest, access: SchoolAccess, pupil: str, doc: str) -> FileResponse:
    return file_response(access, pupil_for(access, pupil), doc)
