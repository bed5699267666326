"""Sign-in (password, then a code where the account has a second factor), second-factor
set-up, invitations, password reset and email-address confirmation pages."""

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, RateLimited
from pupilhub.core.outbox import enqueue
from pupilhub.core.views import apply_errors
from pupilhub.schools import invitations
from pupilhub.schools.access import memberships_for

from . import actions, mfa, signin
from .access import active_user
from .forms import AcceptForm, CodeForm, EmailForm, EnrolForm, LoginForm, NewPasswordForm
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
                return redirect(f"/login/code/?next={_next(request)}")
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
    if request.method == "POST" and request.POST.get("new_codes"):
        codes = actions.do_new_recovery_codes(user)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    form = CodeForm(request.POST if request.POST.get("disable") else None)
    if form.is_bound and form.is_valid():
        try:
            actions.do_disable_mfa(user, form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, "Second factor turned off.")
            return redirect("security")
    context = {"form": form, "can_disable": not mfa.requires_mfa(user)}
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


def reset_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    if OneTimeToken.usable(token, OneTimeToken.Purpose.RESET_PASSWORD) is None:
        return render(request, "accounts/link_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_password_reset(token, form.cleaned_data["new_password"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your password is set. You can log in now.")
            return redirect("login")
    context = {"form": form, "title": "Choose a new password"}
    return render(request, "accounts/set_password.html", context)


def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """Accept a staff invitation: choose a password, or confirm the current one."""
    from pupilhub.schools import actions as school_actions

    membership = invitations.invitation_for(token)
    if membership is None:
        return render(request, "accounts/link_invalid.html", status=400)
    existing = invitations.invitation_needs_current_password(membership)
    form = AcceptForm(request.POST or None, existing=existing)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            school_actions.do_accept_invitation(request, token, form.cleaned_data["password"])
        except RateLimited as exc:
            _rate_limited(form, exc)
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            logout(request)  # whoever was signed in here, the invited person signs in next
            messages.success(request, f"Welcome to {membership.school.name}. Sign in to start.")
            return redirect("login")
    context = {"form": form, "membership": membership, "existing": existing}
    return render(request, "accounts/invitation.html", context, status=status)


def confirm_email_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the new address: a button (POST) changes it, so a mail scanner's
    GET changes nothing."""
    if OneTimeToken.usable(token, OneTimeToken.Purpose.CONFIRM_EMAIL) is None:
        return render(request, "accounts/link_invalid.html", status=400)
    if request.method == "POST":
        try:
            actions.confirm_email_change(token)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("login")
        logout(request)
        messages.success(request, "Your new email address is confirmed. Sign in with it.")
        return redirect("login")
    context = {
        "title": "Confirm your new email address",
        "button": "Confirm this address",
        "text": "Press the button to start signing in with this address.",
    }
    return render(request, "accounts/confirm_link.html", context)
