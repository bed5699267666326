"""Account actions: login with throttling and a second factor, passwords, API tokens.

Throttling never locks a school out (its staff, pupils and parents share one public
address): failures count per (account, client); ten of them hold the *account* for
15 minutes for every client except a browser that signed in to it before (device
cookie), whose own failures count apart. A client's failures across accounts only
matter past a ceiling far above a school's (LOGIN_CLIENT_CEILING). Attempts are
reserved before the password is checked and refunded on success, so parallel
guesses cannot pass the limit.
"""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from pupilhub.core import audit, throttle
from pupilhub.core.errors import Conflict, Forbidden, Invalid, RateLimited
from pupilhub.core.outbox import enqueue

from . import mfa, tasks
from .models import (
    ApiToken,
    LoginHold,
    OneTimeToken,
    RecoveryCode,
    TotpDevice,
    User,
    normalise_email,
)
from .passwords import ensure_valid_password
from .signals import email_verified
from .signin import (
    device_credential,
    device_from_credential,
    guarded,
    known_device,
    sign_in,
    verify_own_password,
)

RESET_SCOPE = "reset-mail"
RESET_CLIENT_SCOPE = "reset-client"
RESET_CLIENT_LIMIT = 50  # reset requests an hour from one address (a school's NAT included)
BAD_LINK = "This link is invalid, has expired or was already used."


# Sign-in holds --------------------------------------------------------------------


def lift_hold(actor: User, hold: LoginHold) -> None:
    """An operator lets a held account sign in again at once."""
    with transaction.atomic():
        throttle.clear_subject(hold.account_key)
        audit.record(actor, "auth.hold_lifted", hold.user)
        hold.delete()


# Passwords --------------------------------------------------------------------------


@transaction.atomic
def end_sessions_and_tokens(user: User) -> None:
    """Every session (the epoch is in the session hash) and API token of the account ends."""
    user.session_epoch += 1
    user.save(update_fields=["session_epoch"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def do_set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password, end every session and token, audit it and tell the address."""
    ensure_valid_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    end_sessions_and_tokens(user)
    audit.record(actor or user, "account.password_changed", user)
    email = user.email
    transaction.on_commit(lambda: enqueue(tasks.send_plain, "password_changed", email, {}))


def request_password_reset(request: HttpRequest, email: str) -> None:
    """Queue a single-use, one-hour reset link if the account exists; silent otherwise.

    The mail is built by a task, so the answer takes as long either way; at most
    PASSWORD_RESET_MAILS_PER_HOUR go to one address.
    """
    client = throttle.client_ip(request)
    throttle.reserve(throttle.Limit(RESET_CLIENT_SCOPE, client, RESET_CLIENT_LIMIT, 3600))
    account = normalise_email(email)
    try:
        limit = settings.PASSWORD_RESET_MAILS_PER_HOUR
        throttle.reserve(throttle.Limit(RESET_SCOPE, account, limit, 3600))
    except RateLimited:
        return  # the answer stays the same: nothing to tell an enumerator
    user = User.objects.by_email(account)
    if user is None or not user.is_active:
        return
    enqueue(tasks.send_password_reset, str(user.pk))  # nothing written here to wait for


@transaction.atomic
def use_token(raw: str, purpose: str) -> OneTimeToken:
    """Claim a single-use token atomically: a second use finds it spent."""
    token = OneTimeToken.usable(raw, purpose)
    if token is None:
        raise Invalid(BAD_LINK, code="invalid_token")
    claimed = OneTimeToken.objects.filter(pk=token.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if claimed != 1:
        raise Invalid(BAD_LINK, code="invalid_token")
    return token


def _void_tokens(user: User, purpose: str) -> None:
    OneTimeToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(
        used_at=timezone.now()
    )


@transaction.atomic
def mark_verified(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])


@transaction.atomic
def confirm_password_reset(raw: str, new_password: str) -> User:
    """Use a reset link: new password, address verified (the link proves it), every
    session and token ended, and every other reset link voided."""
    purpose = OneTimeToken.Purpose.RESET_PASSWORD
    token = OneTimeToken.usable(raw, purpose)
    if token is None:
        raise Invalid(BAD_LINK, code="invalid_token")
    ensure_valid_password(new_password, token.user, field="new_password")
    user = use_token(raw, purpose).user
    _void_tokens(user, purpose)
    mark_verified(user)
    do_set_password(user, new_password)
    return user


# Email address changes -------------------------------------------------------------------


def request_email_change(request: HttpRequest, user: User, new_email: str, password: str) -> None:
    """Send a confirmation link to the new address; nothing changes until it is followed.

    The answer is the same whether or not the new address already has an account.
    """
    verify_own_password(request, user, password, "password")
    new = normalise_email(new_email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", new) or len(new) > 254:
        raise Invalid(
            "Enter a valid email address.",
            fields={"new_email": ["Enter a valid email address."]},
        )
    if new == user.email or User.objects.filter(email=new).exists():
        return
    with transaction.atomic():
        raw = OneTimeToken.issue(user, OneTimeToken.Purpose.CONFIRM_EMAIL, hours=24, new_email=new)
        audit.record(user, "account.email_change_requested", user)
        context = {"token": raw}
        transaction.on_commit(lambda: enqueue(tasks.send_plain, "confirm_email", new, context))


@transaction.atomic
def confirm_email_change(raw: str, signed_in: User | None = None) -> User:
    """Follow the link: the address changes, the old one is told, other sessions end."""
    token = OneTimeToken.usable(raw, OneTimeToken.Purpose.CONFIRM_EMAIL)
    if token is None or (signed_in is not None and signed_in.pk != token.user_id):
        raise Invalid(BAD_LINK, code="invalid_token")
    user = use_token(raw, OneTimeToken.Purpose.CONFIRM_EMAIL).user
    if User.objects.filter(email=token.new_email).exclude(pk=user.pk).exists():
        raise Conflict("That address now belongs to another account.", code="email_taken")
    old = user.email
    user.email = token.new_email
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    _void_tokens(user, OneTimeToken.Purpose.CONFIRM_EMAIL)
    end_sessions_and_tokens(user)
    audit.record(user, "account.email_changed", user)
    new = user.email
    transaction.on_commit(
        lambda: enqueue(tasks.send_plain, "email_changed", old, {"new_email": new})
    )
    return user


# Second factor ------------------------------------------------------------------------------

ENROL_LINK_SCOPE = "mfa-enrol-link"


@transaction.atomic
def require_enrolment_by_link(user: User, *, actor: User | None, school_name: str) -> None:
    """A role that needs a second factor, gained by someone without one (a promotion, a
    reset): every session and token of the account ends at once, and the factor may be set
    up only from a single-use link mailed to the account's verified address, so a stolen
    password alone can neither reach the new role nor enrol the thief's phone."""
    end_sessions_and_tokens(user)
    if not user.mfa_enrol_by_link:
        user.mfa_enrol_by_link = True
        user.save(update_fields=["mfa_enrol_by_link"])
    audit.record(actor, "account.mfa_enrolment_required", user)
    user_id = str(user.pk)
    transaction.on_commit(lambda: enqueue(tasks.send_enrolment_link, user_id, school_name))


@transaction.atomic
def request_enrolment_link(user: User) -> None:
    """A signed-in person waiting to set up by link asks for a fresh one (3 an hour)."""
    if not user.mfa_enrol_by_link or mfa.has_mfa(user):
        return
    try:
        throttle.reserve(throttle.Limit(ENROL_LINK_SCOPE, str(user.pk), 3, 3600))
    except RateLimited:
        return  # the earlier links still work
    enqueue(tasks.send_enrolment_link, str(user.pk), "")


def use_enrolment_link(request: HttpRequest, raw: str, password: str) -> User:
    """The set-up link and the account's password together: returns the user, whose next
    step (page session or API token) may enrol a second factor."""
    token = OneTimeToken.usable(raw, OneTimeToken.Purpose.ENROL_MFA)
    if token is None:
        raise Invalid(BAD_LINK, code="invalid_token")
    verify_own_password(request, token.user, password, "password")
    user = use_token(raw, OneTimeToken.Purpose.ENROL_MFA).user
    audit.record(user, "account.mfa_enrolment_link_used", user)
    return user


def issue_enrolment_token(request: HttpRequest, raw: str, password: str) -> tuple[ApiToken, str]:
    """API: the set-up link's token and the password give a token that may enrol."""
    user = use_enrolment_link(request, raw, password)
    with transaction.atomic():
        token, key = ApiToken.issue(
            user, settings.API_TOKEN_HOURS, enrolment_only=not mfa.has_mfa(user), proven=True
        )
        audit.record(user, "auth.token_issued", token)
    return token, key


def do_confirm_totp(user: User, otp: str, api_token: ApiToken | None = None) -> list[str]:
    """Turn on the secret started by enrolment with a first code; returns recovery codes
    (shown once). An enrolment-only token used for this becomes a full token."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None or device.confirmed_at is not None:
        raise Conflict(
            "Start again: ask for a new secret first.",
            code="mfa_already_enabled" if device else "mfa_not_started",
        )
    if not mfa.use_totp(device, otp or ""):
        raise Invalid(
            "That code is not right. Check the time on your phone and try the newest code.",
            code="mfa_invalid",
            fields={"otp": ["That code is not right."]},
        )
    with transaction.atomic():
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        codes = mfa.new_recovery_codes(user)
        if api_token is not None and api_token.mfa_enrolment_only:
            ApiToken.objects.filter(pk=api_token.pk).update(mfa_enrolment_only=False)
        if user.mfa_enrol_by_link:
            user.mfa_enrol_by_link = False
            user.save(update_fields=["mfa_enrol_by_link"])
            _void_tokens(user, OneTimeToken.Purpose.ENROL_MFA)
        audit.record(user, "account.mfa_enabled", user)
    return codes


def _reauthenticate(
    request: HttpRequest | None, user: User, password: str | None, otp: str, field: str
) -> None:
    """Changing the second factor itself: the current password (where given) and a
    current code, both under the sign-in throttle when there is a request."""

    def attempt() -> None:
        if not mfa.verify(user, otp or ""):
            raise Invalid(
                "That code is not right.",
                code="mfa_invalid",
                fields={field: ["That code is not right."]},
            )

    if request is None:
        attempt()
        return
    if password is not None:
        verify_own_password(request, user, password, "password")
    guarded(request, user.email, known_device(request, user), attempt)


def do_new_recovery_codes(
    user: User,
    password: str | None = None,
    otp: str = "",
    *,
    request: HttpRequest | None = None,
) -> list[str]:
    """Ten new recovery codes (the old ones stop working): only with the current password
    and a current code, throttled like signing in."""
    _reauthenticate(request, user, password, otp, "code")
    with transaction.atomic():
        codes = mfa.new_recovery_codes(user)
        audit.record(user, "account.recovery_codes_replaced", user)
    return codes


def do_disable_mfa(
    user: User, otp: str, password: str | None = None, *, request: HttpRequest | None = None
) -> None:
    """Only for people whose role does not require a second factor; a current code (and,
    on the pages, the password) checked under the sign-in throttle."""
    if mfa.requires_mfa(user):
        raise Conflict(
            "Your role requires a second factor, so it cannot be turned off.",
            code="mfa_required_for_role",
        )
    _reauthenticate(request, user, password, otp, "otp" if password is None else "code")
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record(user, "account.mfa_disabled", user)


# API tokens ---------------------------------------------------------------------------


def issue_api_token(
    request: HttpRequest,
    email: str,
    password: str,
    otp: str | None = None,
    device: str | None = None,
) -> tuple[ApiToken, str, str]:
    """A token, and the client's device credential (the one it sent, or a new one)."""
    known = device_from_credential(device, email)
    result = sign_in(request, email, password, otp, known)
    with transaction.atomic():
        token, raw = ApiToken.issue(
            result.user, settings.API_TOKEN_HOURS, enrolment_only=result.enrolment_only
        )
        audit.record(result.user, "auth.token_issued", token)
    return token, raw, device_credential(result.user, known)


def revoke_api_token(token: ApiToken) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit.record(token.user, "auth.token_revoked", token)


@transaction.atomic
def purge_expired() -> dict[str, int]:
    """Throttle buckets, holds, links and tokens past their time (counts only)."""
    now = timezone.now()
    week = now - timedelta(days=7)
    return {
        "buckets": throttle.prune(),
        "holds": LoginHold.objects.filter(until__lt=now).delete()[0],
        "links": OneTimeToken.objects.filter(expires_at__lt=week).delete()[0],
        "tokens": ApiToken.objects.filter(expires_at__lt=week).delete()[0],
        # Sessions past their expiry (nothing else ever removes them: the table grew
        # forever); a session in use is renewed, so its expiry is ahead.
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
    }


# Self-service for external users (parents, pupils, agencies) ----------------------


@transaction.atomic
def do_verify_email(raw: str) -> User:
    """The link in the verification email: the address is proven, the account can sign in."""
    token = use_token(raw, OneTimeToken.Purpose.VERIFY_EMAIL)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    audit.record(user, "account.email_verified", user)
    email_verified.send(sender=User, user=user, token=token)
    return user


def do_delete_account(request: HttpRequest, user: User, password: str) -> None:
    """An external user removes their own account and every link it had."""
    verify_own_password(request, user, password, "password")
    if user.is_operator or user.memberships.active().exists():  # type: ignore[attr-defined]
        raise Forbidden("Staff accounts are removed by their school.")
    with transaction.atomic():
        audit.record(None, "account.deleted", user)
        user.delete()
