"""Signing in: throttled password and second-factor checks, then the session.

Not one transaction, on purpose: a failed attempt must stay counted (the throttle ledger
and login holds) when the check that follows it refuses the sign-in."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from pupilhub.core import audit, throttle
from pupilhub.core.errors import Invalid, RateLimited, Unauthenticated
from pupilhub.core.outbox import enqueue

from . import mfa, tasks
from .models import (
    LoginHold,
    User,
    normalise_email,
)

LOGIN_SCOPE = "login"


CLIENT_SCOPE = "login-client"


# Failures against one account from every source: past twenty an hour, each further check
# from a client that is not a known device waits longer (1 s, 2 s, 4 s ... up to 5 minutes
# after the last failure). Nobody is refused for good, and the account's own browsers and
# API clients holding a device credential are never slowed by others' failures.
ACCOUNT_SCOPE = "login-account"
ACCOUNT_WINDOW = 3600
ACCOUNT_FREE = 20  # two clients' worth: one client is held at 10 anyway
ACCOUNT_MAX_DELAY = 300
ALERT_SCOPE = "login-alert"


BAD_LOGIN = "Email or password is incorrect."


DEVICE_SALT = "pupilhub.accounts.device"


T = TypeVar("T")


@dataclass
class SignIn:
    user: User
    enrolment_only: bool  # the role needs a second factor the user has not set up


def _signed_device(raw: str | None) -> dict[str, Any]:
    """A device value we signed (browser cookie or API credential): {d: id, u: [user ids]}."""
    if not raw:
        return {}
    try:
        value = signing.loads(raw, salt=DEVICE_SALT, max_age=settings.DEVICE_COOKIE_DAYS * 86400)
    except signing.BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def _device_cookie(request: HttpRequest) -> dict[str, Any]:
    return _signed_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME))


def known_device(request: HttpRequest | None, user: User | None) -> str | None:
    """The browser's device id when it has signed in to `user` before, else None."""
    if request is None or user is None:
        return None
    cookie = _device_cookie(request)
    if str(user.pk) in cookie.get("u", []) and isinstance(cookie.get("d"), str):
        return str(cookie["d"])
    return None


def device_credential(user: User, current: str | None = None) -> str:
    """A signed value an API client keeps and sends back (`device` in POST /auth/token):
    its own failures count apart, and holds or delays caused by others never reach it."""
    device = current or secrets.token_urlsafe(16)
    return signing.dumps({"d": device, "u": [str(user.pk)]}, salt=DEVICE_SALT)


def device_from_credential(raw: str | None, email: str) -> str | None:
    """The device id in an API client's credential, when it was issued for this account."""
    value = _signed_device(raw)
    if not value:
        return None
    user = User.objects.by_email(email)
    if user is None or str(user.pk) not in value.get("u", []):
        return None
    device = value.get("d")
    return device if isinstance(device, str) else None


def remember_device(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """After a full sign-in: this browser is now one the account's holds never reach."""
    cookie = _device_cookie(request)
    device = cookie.get("d") if isinstance(cookie.get("d"), str) else secrets.token_urlsafe(16)
    others = [u for u in cookie.get("u", []) if u != str(user.pk)][-4:]
    users = [*others, str(user.pk)]
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        signing.dumps({"d": device, "u": users}, salt=DEVICE_SALT),
        max_age=settings.DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def _limits(request: HttpRequest, account: str, device: str | None) -> list[throttle.Limit]:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    limit = settings.LOGIN_FAILURE_LIMIT
    if device:
        # A known browser's own failures only: nobody else's can hold it.
        return [throttle.Limit(LOGIN_SCOPE, f"{account}|device:{device}", limit, window, account)]
    client = throttle.client_ip(request)
    return [
        throttle.Limit(LOGIN_SCOPE, f"{account}|client:{client}", limit, window, account),
        throttle.Limit(CLIENT_SCOPE, f"client:{client}", settings.LOGIN_CLIENT_CEILING, window),
    ]


def _check_hold(account: str) -> None:
    hold = LoginHold.objects.filter(
        account_key=throttle.digest(account), until__gt=timezone.now()
    ).first()
    if hold is not None:
        raise RateLimited(int((hold.until - timezone.now()).total_seconds()) + 1)


def _place_hold(account: str) -> None:
    LoginHold.objects.update_or_create(
        account_key=throttle.digest(account),
        defaults={
            "until": timezone.now() + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS),
            "user": User.objects.by_email(account),
        },
    )


def _account_limit(account: str) -> throttle.Limit:
    return throttle.Limit(ACCOUNT_SCOPE, account, 1_000_000, ACCOUNT_WINDOW, account)


def account_delay(account: str) -> int:
    """Seconds a client that is not a known device must still wait before this account's
    next check (0 when it may go on)."""
    failures = throttle.recent(_account_limit(account))
    if len(failures) < ACCOUNT_FREE:
        return 0
    step = min(2 ** (len(failures) - ACCOUNT_FREE), ACCOUNT_MAX_DELAY)
    return max(0, int(failures[-1] + step - time.time() + 0.999))


def _alert_owner(account: str) -> None:
    """Tell the account's owner, at most once an hour, that its checks are being slowed."""
    count = throttle.count(_account_limit(account))
    if count < ACCOUNT_FREE:
        return
    user = User.objects.by_email(account)
    if user is None or not user.is_active:
        return
    try:
        throttle.reserve(throttle.Limit(ALERT_SCOPE, account, 1, 3600))
    except RateLimited:
        return
    enqueue(tasks.send_plain, "signin_failures", user.email, {"count": count})


def guarded(request: HttpRequest, email: str, device: str | None, attempt: Callable[[], T]) -> T:
    """Run one guessable check (password or code) under the login throttle.

    `attempt` raises Invalid or Unauthenticated(mfa_invalid) for a wrong guess: that is
    counted, and the account is held once one client reaches the limit. Anything else
    (success, or a right password still waiting for its code) is refunded.
    """
    account = normalise_email(email)
    if not device:
        _check_hold(account)
        wait = account_delay(account)
        if wait:
            raise RateLimited(wait)
    limits = _limits(request, account, device)
    stamp = throttle.reserve(*limits)
    try:
        result = attempt()
    except (Invalid, Unauthenticated) as exc:
        if exc.code == "mfa_required":
            throttle.refund(stamp, *limits)
        else:
            throttle.reserve(_account_limit(account))
            _alert_owner(account)
            if not device and throttle.count(limits[0]) >= limits[0].limit:
                _place_hold(account)
        raise
    throttle.refund(stamp, *limits)
    return result


def login_allowed(user: User) -> bool:
    """Verified, active accounts; external users while some school still lets them in."""
    if not user.is_active or not user.is_verified:
        return False
    if user.is_operator or user.memberships.active().exists():  # type: ignore[attr-defined]
        return True
    # Denied by every school it is linked to: told exactly what an unknown email is told.
    from pupilhub.gateway.access import links_for

    denied_somewhere = user.denials.exists()  # type: ignore[attr-defined]
    return not denied_somewhere or links_for(user).exists()


class Unverified(Invalid):
    """The right password for an account whose address is not verified yet. Answered
    exactly as a wrong password (the API's one answer); the sign-in page, to the person
    who has just proved the password, says how to verify and offers a new link."""

    def __init__(self, user: User) -> None:
        super().__init__(BAD_LOGIN, code="invalid_credentials")
        self.user = user


def _password_user(request: HttpRequest, email: str, password: str) -> User:
    user = authenticate(request, username=email.strip(), password=password)
    if user is not None and user.is_active and not user.is_verified:
        raise Unverified(user)
    if user is None or not login_allowed(user):
        raise Invalid(BAD_LOGIN, code="invalid_credentials")
    return user


def check_credentials(
    request: HttpRequest, email: str, password: str, device: str | None = None
) -> User:
    """The user for a right email and password (the first step), or raise.

    Unknown, wrong, unverified and denied all answer the same.
    """
    return guarded(request, email, device, lambda: _password_user(request, email, password))


def device_for_email(request: HttpRequest, email: str) -> str | None:
    return known_device(request, User.objects.by_email(email))


def check_second_factor(
    request: HttpRequest, user: User, code: str, device: str | None = None
) -> None:
    """A TOTP or recovery code for a user whose password was right; throttled like it."""

    def attempt() -> None:
        if not mfa.verify(user, code or ""):
            raise Unauthenticated("That code is not right.", code="mfa_invalid")

    guarded(request, user.email, device, attempt)
    audit.record(user, "auth.second_factor_used", user)


def sign_in(
    request: HttpRequest, email: str, password: str, otp: str | None, device: str | None = None
) -> SignIn:
    """Password and, where the account has one, second factor, as one throttled attempt."""

    def attempt() -> SignIn:
        user = _password_user(request, email, password)
        if mfa.has_mfa(user):
            if not otp:
                raise Unauthenticated(
                    "Enter the code from your authenticator app.", code="mfa_required"
                )
            if not mfa.verify(user, otp):
                raise Unauthenticated("That code is not right.", code="mfa_invalid")
            return SignIn(user, False)
        return SignIn(user, mfa.requires_mfa(user))

    return guarded(request, email, device, attempt)


def verify_own_password(request: HttpRequest, user: User, password: str, field: str) -> None:
    """Re-check a signed-in person's password (account changes), under the login throttle."""

    def attempt() -> None:
        if not user.check_password(password or ""):
            raise Invalid(
                "Your current password is not right.",
                code="invalid_credentials",
                fields={field: ["Your current password is not right."]},
            )

    guarded(request, user.email, known_device(request, user), attempt)
