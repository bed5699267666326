"""Login, logout and password pages."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from pupilhub.core.errors import DomainError, RateLimited
from pupilhub.core.views import apply_errors
from pupilhub.schools.access import memberships_for

from . import actions
from .forms import EmailForm, LoginForm, NewPasswordForm
from .models import OneTimeToken


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
    return redirect("gateway:my_pupils") if _has_gateway() else redirect("schools:switch")


def _has_gateway() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("gateway:my_pupils")
    except NoReverseMatch:
        return False
    return True


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.check_credentials(
                request, form.cleaned_data["email"], form.cleaned_data["password"]
            )
        except RateLimited as exc:
            minutes = max(1, round(exc.retry_after / 60))
            form.add_error(
                None, f"Too many failed attempts. Try again in about {minutes} minute(s)."
            )
            status = 429
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            login(request, user)  # rotates the session key
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                target = "home"
            return redirect(target or "home")
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have logged out.")
    return redirect("login")


def reset_request_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.request_password_reset(form.cleaned_data["email"])
        return render(request, "accounts/reset_sent.html")
    return render(request, "accounts/reset_request.html", {"form": form})


def _token_password_view(
    request: HttpRequest, token: str, purpose: str, title: str
) -> HttpResponse:
    if OneTimeToken.usable(token, purpose) is None:
        return render(request, "accounts/link_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_password_reset(token, form.cleaned_data["new_password"], purpose)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your password is set. You can log in now.")
            return redirect("login")
    return render(request, "accounts/set_password.html", {"form": form, "title": title})


def reset_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    return _token_password_view(
        request, token, OneTimeToken.Purpose.RESET_PASSWORD, "Choose a new password"
    )


def set_password_view(request: HttpRequest, token: str) -> HttpResponse:
    return _token_password_view(
        request, token, OneTimeToken.Purpose.SET_PASSWORD, "Choose your password"
    )
