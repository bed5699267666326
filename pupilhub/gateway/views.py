"""Gateway pages. Staff: settings, licence types, keys, external users, tracking.
Parents and pupils: register, verify, My Pupils, a pupil's window, account."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupilhub.accounts import actions as account_actions
from pupilhub.accounts.access import signed_in
from pupilhub.accounts.actions import do_set_password, request_email_change
from pupilhub.accounts.models import OneTimeToken
from pupilhub.accounts.signin import verify_own_password
from pupilhub.core.downloads import attach
from pupilhub.core.errors import DomainError, NotFound, RateLimited, invalid_field
from pupilhub.core.links import link_token
from pupilhub.core.replica import replica_reads
from pupilhub.core.views import apply_errors, unconfirmed
from pupilhub.messaging.access import linked_schools
from pupilhub.messaging.optout import opted_out, set_school_mail
from pupilhub.pupils.access import pupil_for, year_roll
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_view
from pupilhub.schools.choices import ADMIN_ROLES

from . import (
    control,
    families,
    key_sheets,
    licence_check,
    licences,
    school_access,
)
from . import (
    tracking as tracking_actions,
)
from .access import link_for, links_for, open_school_or_none, shown_name
from .choices import LicenceKind
from .forms import (
    AddPupilForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    FieldForm,
    ImportForm,
    KeysForm,
    PreferencesForm,
    RegisterForm,
    SettingsForm,
)
from .models import TrackingField
from .portlets import PORTLETS, access_words
from .presentation import cached_sections

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Staff: gateway settings, licence types, keys, users ------------------------------------


@school_view(roles=ADMIN_ROLES)
def gateway_home(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    school = access.school
    licences.ensure_builtin_types(school)
    settings_form = SettingsForm(
        request.POST if "settings" in request.POST else None,
        initial={
            "external_login_enabled": school.external_login_enabled,
            "pupil_email_domains": school.pupil_email_domains,
        },
    )
    if request.method == "POST" and "settings" in request.POST and settings_form.is_valid():
        try:
            control.do_set_gateway(
                access,
                settings_form.cleaned_data["external_login_enabled"],
                settings_form.cleaned_data["pupil_email_domains"],
            )
        except DomainError as exc:
            apply_errors(settings_form, exc)
        else:
            messages.success(request, "Gateway settings saved.")
            return redirect("gateway:home", school.id)
    named = _prefilled_pupil(access, request.GET.get("pupil", ""))
    keys_form = KeysForm(school=school, initial={"pupils": named})
    return _home(request, access, settings_form, keys_form)


def _prefilled_pupil(access: SchoolAccess, pupil: str) -> str:
    """From a pupil's page ("Issue a licence key"): that pupil's ID in the keys form."""
    if not pupil:
        return ""
    try:
        return pupil_for(access, pupil).pupil_id
    except (DomainError, NotFound):  # not this school's pupil: an empty form, nothing said
        return ""


def _home(
    request: HttpRequest,
    access: SchoolAccess,
    settings_form: SettingsForm,
    keys_form: KeysForm,
    status: int = 200,
) -> HttpResponse:
    from pupilhub.billing.quotes import is_trial

    school = access.school
    return render(
        request,
        "gateway/home.html",
        {
            "types": [(lt, access_words(lt.access)) for lt in school_access.licence_types(access)],
            "settings_form": settings_form,
            "keys_form": keys_form,
            "coverage": school_access.coverage(school),
            "trial": is_trial(school),
            "sender": settings.DEFAULT_FROM_EMAIL,
            "join_address": key_sheets.join_address(school),
        },
        status=status,
    )


def _settings_form(school: Any) -> SettingsForm:
    return SettingsForm(
        initial={
            "external_login_enabled": school.external_login_enabled,
            "pupil_email_domains": school.pupil_email_domains,
        }
    )


@require_POST
@school_view(roles=ADMIN_ROLES)
def keys_download(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    form = KeysForm(request.POST, school=access.school)
    if not form.is_valid():
        return _home(request, access, _settings_form(access.school), form, status=400)
    lt = form.cleaned_data["licence_type"]
    try:
        if form.cleaned_data["pupils"].strip():
            pupils = school_access.pupils_named(access.school, form.cleaned_data["pupils"])
        else:
            pupils = school_access.select_pupils(
                access.school,
                year_group=form.cleaned_data["year_group"],
                tutor_group=form.cleaned_data["tutor_group"],
            )
        if not pupils:
            raise invalid_field("year_group", "No active pupils in that group.")
        issued = licences.do_generate_keys(access, lt, pupils)
    except DomainError as exc:
        apply_errors(form, exc)
        return _home(request, access, _settings_form(access.school), form, status=exc.status)
    data = key_sheets.workbook(access.school, lt, issued, words=True)
    response = HttpResponse(data, content_type=XLSX)
    attach(response, key_sheets.file_name(access.school, lt, timezone.localdate()))
    return response


def join(request: HttpRequest, code: str) -> HttpResponse:
    """`/join/K7M2QX`, the short address on the families' letter: the school's
    registration page (or, signed in, "Add this pupil to your account")."""
    school = licence_check.school_by_join_code(code)
    return redirect("gateway:register", school.pk)


@school_view(roles=ADMIN_ROLES)
def licence_type_edit(request: HttpRequest, access: SchoolAccess, lt: str) -> HttpResponse:
    found = school_access.licence_type_for(access.school, lt)
    portlets = [
        {"key": p.key, "name": p.name, "fields": p.fields(access.school)} for p in PORTLETS.values()
    ]
    if request.method == "POST":
        chosen = {
            p["key"]: [k for k, _label in p["fields"] if request.POST.get(f"{p['key']}:{k}")]
            for p in portlets
        }
        licences.do_set_access(access, found, {k: v for k, v in chosen.items() if v})
        messages.success(request, f"What {found.name} accounts can see is saved.")
        return redirect("gateway:home", access.school.id)
    return render(request, "gateway/licence_type.html", {"lt": found, "portlets": portlets})


@school_view(roles=ADMIN_ROLES)
def external_users(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    if request.method == "POST":
        what = request.POST.get("action")
        if what in ("remove_link", "deny"):
            ask = unconfirmed(
                request,
                title="Remove this link?" if what == "remove_link" else "Deny this account?",
                message=(
                    "The account will no longer see this pupil. The family can link the pupil "
                    "again only with a new licence key."
                    if what == "remove_link"
                    else "The account will no longer sign in to this school or receive its "
                    "emails. You can restore it later from this page."
                ),
                action="Remove the link" if what == "remove_link" else "Deny the account",
                back=reverse("gateway:users", args=[access.school.id]),
            )
            if ask:
                return ask
        try:
            if what == "remove_link":
                control.do_remove_link(access, request.POST.get("link"))
                messages.success(request, "Pupil link removed.")
            else:
                user = school_access.external_user_for(access.school, request.POST.get("user"))
                if what == "deny":
                    control.do_deny_user(access, user)
                    messages.success(request, "Account denied at this school.")
                elif what == "restore":
                    control.do_restore_user(access, user)
                    messages.success(request, "Account restored.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("gateway:users", access.school.id)
    q = request.GET.get("q", "").strip()[:100]
    found = Paginator(school_access.external_users(access.school, q), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": found,
        "users": school_access.external_user_rows(access.school, list(found)),
        "q": q,
    }
    return render(request, "gateway/users.html", context)


# Staff: tracking ------------------------------------------------------------------


@school_view()
def tracking(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    form = FieldForm(request.POST if "create" in request.POST else None, school=access.school)
    import_form = ImportForm(
        request.POST if "import" in request.POST else None, request.FILES or None
    )
    result = None
    if request.method == "POST" and "create" in request.POST and form.is_valid():
        try:
            tracking_actions.do_create_field(access, form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Tracking field added.")
            return redirect("gateway:tracking", access.school.id)
    if request.method == "POST" and "import" in request.POST and import_form.is_valid():
        try:
            result = tracking_actions.do_import_values(
                access, import_form.cleaned_data["file"].read()
            )
        except DomainError as exc:
            apply_errors(import_form, exc)
        else:
            if not result["errors"]:
                messages.success(request, f"{result['updated']} values imported.")
                return redirect("gateway:tracking", access.school.id)
    fields = school_access.tracking_fields(access)
    years = sorted({f.year_group for f in fields if f.year_group is not None})
    return render(
        request,
        "gateway/tracking.html",
        {
            "fields": fields,
            "form": form,
            "import_form": import_form,
            "result": result,
            "years": years,
        },
    )


@school_view()
def marksheet(request: HttpRequest, access: SchoolAccess) -> HttpResponse:
    """A row a pupil, a column a field, for one year group."""
    try:
        year = int(request.GET.get("year_group", ""))
    except ValueError:
        return redirect("gateway:tracking", access.school.id)
    fields = list(school_access.tracking_fields(access, year))
    pupils = year_roll(access, [year])
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        errors = _save_marksheet(request, access, pupils, fields)
        if not errors:
            messages.success(request, "Marksheet saved.")
            return redirect(f"{request.path}?year_group={year}")
    values = school_access.tracking_values(access, fields, pupils)
    rows = [
        {
            "pupil": p,
            "cells": [
                {
                    "name": f"v:{p.id}:{f.key}",
                    "value": request.POST.get(f"v:{p.id}:{f.key}", values.get((p.id, f.id), "")),
                    "field": f,
                    "error": errors.get(f"{p.id}:{f.key}"),
                }
                for f in fields
            ],
        }
        for p in pupils
    ]
    return render(
        request,
        "gateway/marksheet.html",
        {"fields": fields, "rows": rows, "year": access.school.year_label(year), "errors": errors},
    )


def _save_marksheet(
    request: HttpRequest, access: SchoolAccess, pupils: list[Pupil], fields: list[TrackingField]
) -> dict[str, list[str]]:
    """All or nothing: any bad cell and nothing is saved, every bad cell is named."""
    posted = {
        (p.pk, f.key): request.POST[f"v:{p.id}:{f.key}"]
        for p in pupils
        for f in fields
        if f"v:{p.id}:{f.key}" in request.POST
    }
    _done, errors = tracking_actions.do_set_marksheet(access, pupils, fields, posted)
    return errors


# Parents and pupils -------------------------------------------------------------------


def school_login(request: HttpRequest, school: str) -> HttpResponse:
    """The school's own front door: log in, or register a pupil."""
    found = licence_check.open_school(school)
    return render(request, "gateway/school_login.html", {"school": found})


def register(request: HttpRequest, school: str) -> HttpResponse:
    found = licence_check.open_school(school)
    if request.user.is_authenticated:
        # Already signed in (a family with a child at a second school): no new account,
        # just this pupil added to the one they have.
        return redirect(f"{reverse('gateway:add_pupil')}?school={found.pk}")
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            families.do_register(
                request,
                found.id,
                data["email"],
                data["password"],
                data["pupil_id"],
                data["licence_key"],
            )
        except RateLimited as exc:
            form.add_error(
                None,
                f"Too many attempts. Try again in about {max(1, exc.retry_after // 60)} minutes.",
            )
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            return render(request, "gateway/register_done.html", {"school": found})
    return render(request, "gateway/register.html", {"school": found, "form": form}, status=status)


def verify_email_landing(request: HttpRequest) -> HttpResponse:
    """`/verify-email/#<token>`: a tiny script puts the token in the form and POSTs it
    (or it is pasted by hand); a mail scanner that only follows links verifies nothing."""
    if request.method == "POST":
        return _verify(request, link_token(request.POST.get("token")))
    context = {
        "title": _("Confirm your email address"),
        "button": _("Confirm my email address"),
        "text": _("Press the button to finish registering. Then you can sign in."),
        "autosubmit": False,
    }
    return render(request, "accounts/link_landing.html", context)


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """A verification link mailed before tokens moved after "#"."""
    if OneTimeToken.usable(token, OneTimeToken.Purpose.VERIFY_EMAIL) is None:
        return render(request, "accounts/link_invalid.html", status=400)
    if request.method != "POST":
        context = {
            "title": _("Confirm your email address"),
            "button": _("Confirm my email address"),
            "text": _("Press the button to finish registering. Then you can sign in."),
        }
        return render(request, "accounts/confirm_link.html", context)
    return _verify(request, token)


def _verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        account_actions.do_verify_email(token)
    except DomainError:
        return render(request, "accounts/link_invalid.html", status=400)
    messages.success(request, _("Your email address is confirmed. You can log in now."))
    return redirect("login")


@login_required
@replica_reads
def my_pupils(request: HttpRequest) -> HttpResponse:
    links = [(link, shown_name(link)) for link in links_for(request.user)]
    return render(request, "gateway/my_pupils.html", {"links": links})


@login_required
def add_pupil(request: HttpRequest) -> HttpResponse:
    schools = {str(link.school_id): link.school.name for link in links_for(request.user)}
    wanted = request.GET.get("school") or request.POST.get("school")
    if wanted and wanted not in schools:
        extra = open_school_or_none(wanted)
        if extra:
            schools[str(extra.pk)] = extra.name
    form = AddPupilForm(
        request.POST or None,
        schools=sorted(schools.items(), key=lambda s: s[1]),
        initial={"school": wanted},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = families.do_add_link(
                request,
                signed_in(request),
                data["school"] or None,
                data["pupil_id"],
                data["licence_key"],
            )
        except RateLimited:
            form.add_error(None, "Too many attempts. Try again later.")
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            messages.success(request, f"{link.pupil.first_name} is added to your account.")
            return redirect("gateway:my_pupils")
    here = schools.get(wanted or "") if wanted else None
    context = {"form": form, "school_name": here}
    return render(request, "gateway/add_pupil.html", context, status=status)


@login_required
@replica_reads
def pupil_view(request: HttpRequest, link: str) -> HttpResponse:
    found = link_for(request.user, link)
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,  # an unticked box posts nothing
        initial={"paperless_reports": found.paperless_reports},
    )
    if request.method == "POST" and form.is_valid():
        families.do_set_preferences(
            signed_in(request), found, form.cleaned_data["paperless_reports"]
        )
        messages.success(request, "Your choice is saved.")
        return redirect("gateway:pupil", found.pk)
    return render(
        request,
        "gateway/pupil.html",
        {
            "link": found,
            "name": shown_name(found),
            "sections_html": cached_sections(found),
            "form": form,
            "is_parent": found.licence_type.kind == LicenceKind.PARENT,
        },
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    forms: dict[str, Any] = {
        "password": ChangePasswordForm(
            request.POST if "change_password" in request.POST else None, prefix="pw"
        ),
        "email": ChangeEmailForm(
            request.POST if "email_change" in request.POST else None, prefix="em"
        ),
        "delete": DeleteAccountForm(
            request.POST if "delete" in request.POST else None, prefix="del"
        ),
    }
    if request.method == "POST" and "mail_preferences" in request.POST:
        wanted = set(request.POST.getlist("school_mail"))
        for school in linked_schools(user):
            set_school_mail(user, [school.pk], wanted=str(school.pk) in wanted, how="account")
        messages.success(request, _("Your email choices are saved."))
        return redirect("gateway:account")
    if request.method == "POST":
        done = _account_post(request, user, forms)
        if done:
            return done
    schools = linked_schools(user)
    out = opted_out({(s.pk, user.pk) for s in schools})
    mail_schools = [
        {"id": s.pk, "name": s.name, "school_mail": (s.pk, user.pk) not in out} for s in schools
    ]
    return render(request, "gateway/account.html", {**forms, "mail_schools": mail_schools})


def _account_post(request: HttpRequest, user: Any, forms: dict[str, Any]) -> HttpResponse | None:
    try:
        if "change_password" in request.POST and forms["password"].is_valid():
            data = forms["password"].cleaned_data
            verify_own_password(request, user, data["current_password"], "current_password")
            do_set_password(user, data["new_password"])
            update_session_auth_hash(request, user)
            messages.success(request, "Password changed. We have emailed you to confirm.")
            return redirect("gateway:account")
        if "email_change" in request.POST and forms["email"].is_valid():
            data = forms["email"].cleaned_data
            request_email_change(request, user, data["email"], data["password"])
            messages.success(
                request,
                "We have sent a link to the new address. Your email changes when you follow it.",
            )
            return redirect("gateway:account")
        if "delete" in request.POST and forms["delete"].is_valid():
            account_actions.do_delete_account(
                request, user, forms["delete"].cleaned_data["password"]
            )
            logout(request)
            messages.success(request, "Your account has been deleted.")
            return redirect("login")
    except DomainError as exc:
        key = (
            "password"
            if "change_password" in request.POST
            else "email"
            if "email_change" in request.POST
            else "delete"
        )
        apply_errors(forms[key], exc)
    return None
