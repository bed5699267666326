"""Sign-in (password, then a code where the account has a second factor), second-factor
set-up, invitations, password reset and email-address confirmation pages."""

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, RateLimited
from pupilhub.core.links import link_token
from pupilhub.core.outbox import enqueue
from pupilhub.core.views import apply_errors
from pupilhub.schools import invitations
from pupilhub.schools.access import memberships_for

from . import actions, mfa, signin
from .access import active_user
from .forms import (
    AcceptForm,
    CodeForm,
    EmailForm,
    EnrolForm,
    EnrolLinkForm,
    LoginForm,
    NewPasswordForm,
    ReauthForm,
)
from .models import OneTimeToken, User

PENDING = "mfa_pending"  # session: a user whose password was right, waiting for a code
ENROL = "mfa_enrol"  # session: signed in, but must set up a second factor before anything
PENDING_SECONDS = 300


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where they work."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = memberships_for(request.user)
    if len(memberships) == 1:
        return redirect("schools:dashboard", memberships[0].school_id)
    if memberships:
        return redirect("schools:switch")
    if request.user.is_operator:
        return redirect("schools:operator")
    return redirect("gateway:my_pupils")


def _rate_limited(form: Any, exc: RateLimited) -> None:
    minutes = max(1, round(exc.retry_after / 60))
    form.add_error(None, f"Too many failed attempts. Try again in about {minutes} minute(s).")


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return "home"
    return target or "home"


def _finish(request: HttpRequest, user: User, target: str) -> HttpResponse:
    """Full sign-in: rotate the session, remember this browser, ask for set-up if due."""
    login(request, user, backend="pupilhub.accounts.backends.CachedUserBackend")
    if mfa.requires_mfa(user) and not mfa.has_mfa(user):
        request.session[ENROL] = True
        target = "security"
    response = redirect(target)
    signin.remember_device(request, response, user)
    return response


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            user = signin.check_credentials(
                request,
                email,
                form.cleaned_data["password"],
                signin.device_for_email(request, email),
            )
        except RateLimited as exc:
            _rate_limited(form, exc)
            status = 429
        except signin.Unverified as exc:
            # The password was right: this person may be told, and sent a new link.
            request.session[UNVERIFIED] = {"u": str(exc.user.pk), "at": int(time.time())}
            context = {"form": LoginForm(initial={"email": email}), "unverified": True}
            return render(request, "accounts/login.html", context)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            if mfa.has_mfa(user):
                request.session.cycle_key()
                request.session[PENDING] = {"u": str(user.pk), "at": int(time.time())}
                return redirect(f"/login/code/?{urlencode({'next': _next(request)})}")
            return _finish(request, user, _next(request))
    return render(request, "accounts/login.html", {"form": form}, status=status)


UNVERIFIED = "unverified_signin"


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    """A new verification link for the account whose password was just given (10 minutes);
    nothing for anyone else."""
    from .tasks import send_verification

    found = request.session.pop(UNVERIFIED, None) or {}
    if int(time.time()) - int(found.get("at", 0)) <= PENDING_SECONDS and found.get("u"):
        enqueue(send_verification, found["u"])
    messages.success(request, "We have sent a new verification link. Follow it, then log in here.")
    return redirect("login")


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING) or {}
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return active_user(pending.get("u"))


def code_view(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app (or a recovery code)."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("login")
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = signin.known_device(request, user)
            signin.check_second_factor(request, user, form.cleaned_data["code"], device)
        except RateLimited as exc:
            _rate_limited(form, exc)
            status = 429
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(PENDING, None)
            return _finish(request, user, _next(request))
    return render(request, "accounts/code.html", {"form": form}, status=status)


@login_required
def security_view(request: HttpRequest) -> HttpResponse:
    """Set up a second factor (QR code, then a first code, then recovery codes once)."""
    user = request.user
    if mfa.has_mfa(user):
        return _security_enrolled(request, user)  # type: ignore[arg-type]
    if user.mfa_enrol_by_link and not request.session.get(LINK_OK):  # type: ignore[union-attr]
        if request.method == "POST" and request.POST.get("new_link"):
            actions.request_enrolment_link(user)  # type: ignore[arg-type]
            messages.success(request, _("If you may have one, a new link is on its way."))
            return redirect("security")
        return render(request, "accounts/enrol_by_link.html")
    # The same secret until confirmed, so reloading the page keeps a scanned code valid.
    device = mfa.pending_device(user)  # type: ignore[arg-type]
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.do_confirm_totp(user, form.cleaned_data["code"])  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop(ENROL, None)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    uri = mfa.otpauth_uri(user, device.secret)  # type: ignore[arg-type]
    context = {
        "form": form,
        "secret": device.secret,
        "qr": mfa.qr_svg(uri),
        "required": bool(request.session.get(ENROL)),
    }
    return render(request, "accounts/security.html", context)


def _security_enrolled(request: HttpRequest, user: User) -> HttpResponse:
    codes_form = ReauthForm(request.POST if request.POST.get("new_codes") else None, prefix="c")
    if codes_form.is_bound and codes_form.is_valid():
        try:
            codes = actions.do_new_recovery_codes(
                user,
                codes_form.cleaned_data["password"],
                codes_form.cleaned_data["code"],
                request=request,
            )
        except RateLimited as exc:
            _rate_limited(codes_form, exc)
        except DomainError as exc:
            apply_errors(codes_form, exc)
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    form = ReauthForm(request.POST if request.POST.get("disable") else None)
    if form.is_bound and form.is_valid():
        try:
            actions.do_disable_mfa(
                user, form.cleaned_data["code"], form.cleaned_data["password"], request=request
            )
        except RateLimited as exc:
            _rate_limited(form, exc)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Second factor turned off.")
            return redirect("security")
    context = {
        "form": form,
        "codes_form": codes_form,
        "can_disable": not mfa.requires_mfa(user),
    }
    return render(request, "accounts/security_enrolled.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have logged out.")
    return redirect("login")


def reset_request_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.request_password_reset(request, form.cleaned_data["email"])
        except RateLimited as exc:
            _rate_limited(form, exc)
            return render(request, "accounts/reset_request.html", {"form": form}, status=429)
        return render(request, "accounts/reset_sent.html")
    return render(request, "accounts/reset_request.html", {"form": form})


def _landing(
    request: HttpRequest,
    title: str,
    text: str,
    button: str,
    *,
    action: str = "",
    autosubmit: bool = True,
    form: Any = None,
    status: int = 200,
) -> HttpResponse:
    """The page an emailed link opens: its token (after "#", never sent to the server)
    is put in the form by a tiny script, or pasted by hand, and travels in a POST body."""
    context = {
        "title": title,
        "text": text,
        "button": button,
        "action": action,
        "autosubmit": autosubmit and form is None,
        "form": form,
    }
    return render(request, "accounts/link_landing.html", context, status=status)


def _link_invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", status=400)


def _set_password_page(
    request: HttpRequest, token: str, form: Any, status: int = 200
) -> HttpResponse:
    context = {"form": form, "title": _("Choose a new password"), "token": token}
    return render(request, "accounts/set_password.html", context, status=status)


@require_POST
def reset_confirm_view(request: HttpRequest) -> HttpResponse:
    """Step two of a reset link: the token (POSTed from the landing form), then the new
    password with the token in a hidden field."""
    token = link_token(request.POST.get("token"))
    if OneTimeToken.usable(token, OneTimeToken.Purpose.RESET_PASSWORD) is None:
        return _link_invalid(request)
    if request.POST.get("stage") == "link":
        return _set_password_page(request, token, NewPasswordForm())
    form = NewPasswordForm(request.POST)
    if form.is_valid():
        try:
            actions.confirm_password_reset(token, form.cleaned_data["new_password"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your password is set. You can log in now."))
            return redirect("login")
    return _set_password_page(request, token, form, status=400)


def legacy_reset_link(request: HttpRequest, token: str) -> HttpResponse:
    """A link mailed before tokens moved after "#": it still works (the access log
    masks the token), and the form posts the token in its body from here on."""
    if OneTimeToken.usable(token, OneTimeToken.Purpose.RESET_PASSWORD) is None:
        return _link_invalid(request)
    return _set_password_page(request, token, NewPasswordForm())


def invitation_landing(request: HttpRequest) -> HttpResponse:
    """`/invitations/#<token>`: the token is POSTed, then the acceptance form follows."""
    if request.method == "POST":
        return _invitation(request, link_token(request.POST.get("token")))
    return _landing(
        request,
        _("Your invitation"),
        _("Press Continue to see your invitation."),
        _("Continue"),
    )


def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link mailed before tokens moved after "#"."""
    if request.method == "POST":
        return _invitation(request, token)
    return _invitation(request, token, shown=True)


def _invitation(request: HttpRequest, token: str, shown: bool = False) -> HttpResponse:
    """Accept a staff invitation: choose a password, or confirm the current one."""
    from pupilhub.schools import actions as school_actions

    membership = invitations.invitation_for(token)
    if membership is None:
        return _link_invalid(request)
    existing = invitations.invitation_needs_current_password(membership)
    first_view = shown or request.POST.get("stage") == "link"
    form = AcceptForm(None if first_view else request.POST, existing=existing)
    status = 200
    if form.is_bound and form.is_valid():
        try:
            school_actions.do_accept_invitation(request, token, form.cleaned_data["password"])
        except RateLimited as exc:
            _rate_limited(form, exc)
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            logout(request)  # whoever was signed in here, the invited person signs in next
            messages.success(
                request,
                _("Welcome to %(school)s. Sign in to start.") % {"school": membership.school.name},
            )
            return redirect("login")
    context = {"form": form, "membership": membership, "existing": existing, "token": token}
    return render(request, "accounts/invitation.html", context, status=status)


def confirm_email_landing(request: HttpRequest) -> HttpResponse:
    """`/confirm-email/#<token>`: only the button (a POST carrying the token) changes the
    address, so a mail scanner that follows links changes nothing."""
    if request.method == "POST":
        return _confirm_email(request, link_token(request.POST.get("token")))
    return _confirm_email_page(request)


def _confirm_email_page(request: HttpRequest) -> HttpResponse:
    return _landing(
        request,
        _("Confirm your new email address"),
        _("Press the button to start signing in with this address."),
        _("Confirm this address"),
        autosubmit=False,
    )


def confirm_email_view(request: HttpRequest, token: str) -> HttpResponse:
    """A confirmation link mailed before tokens moved after "#"."""
    if OneTimeToken.usable(token, OneTimeToken.Purpose.CONFIRM_EMAIL) is None:
        return _link_invalid(request)
    if request.method == "POST":
        return _confirm_email(request, token)
    context = {
        "title": _("Confirm your new email address"),
        "button": _("Confirm this address"),
        "text": _("Press the button to start signing in with this address."),
    }
    return render(request, "accounts/confirm_link.html", context)


def _confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    if OneTimeToken.usable(token, OneTimeToken.Purpose.CONFIRM_EMAIL) is None:
        return _link_invalid(request)
    try:
        actions.confirm_email_change(token)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("login")
    logout(request)
    messages.success(request, _("Your new email address is confirmed. Sign in with it."))
    return redirect("login")


LINK_OK = "mfa_link_ok"  # session: this sign-in came through a second-factor set-up link


def enrol_link_view(request: HttpRequest) -> HttpResponse:
    """`/second-factor/setup/#<token>`: the set-up link and the password together sign
    the person in to the set-up page, the only way to enrol after a promotion or reset."""
    form = EnrolLinkForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.use_enrolment_link(
                request, link_token(request.POST.get("token")), form.cleaned_data["password"]
            )
        except RateLimited as exc:
            _rate_limited(form, exc)
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
            status = 400
        else:
            response = _finish(request, user, "security")
            request.session[LINK_OK] = True
            return response
    return _landing(
        request,
        _("Set up your second factor"),
        _("Enter your password to continue to the set-up page."),
        _("Continue"),
        form=form,
        status=status,
    )
