"""Account actions: login with throttling, passwords, API tokens."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from pupilhub.core import audit, emails, throttle
from pupilhub.core.errors import Invalid

from .models import ApiToken, OneTimeToken, User

LOGIN_SCOPE = "login"
BAD_LOGIN = "Email or password is incorrect."


def _login_keys(request: HttpRequest, email: str) -> list[str]:
    return [f"account:{email.strip().lower()}", f"client:{throttle.client_ip(request)}"]


def check_credentials(request: HttpRequest, email: str, password: str) -> User:
    """Return the user for a correct email/password, or raise.

    Unknown email and wrong password give the same message. Failures count
    per account and per client; past the limit every attempt is refused
    (RateLimited) until the window slides on, even with the right password.
    """
    keys = _login_keys(request, email)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    throttle.check(LOGIN_SCOPE, keys, settings.LOGIN_FAILURE_LIMIT, window)
    user = authenticate(request, username=email.strip(), password=password)
    if user is None or not login_allowed(user):
        throttle.hit(LOGIN_SCOPE, keys, window)
        raise Invalid(BAD_LOGIN, code="invalid_credentials")
    return user


def login_allowed(user: User) -> bool:
    """Staff and operators may; external users once verified and not shut out."""
    if not user.is_active:
        return False
    if user.is_operator or user.memberships.exists():  # type: ignore[attr-defined]
        return True
    if user.email_verified_at is None:
        return False
    # Denied by every school it is linked to: told exactly what an unknown email is told.
    from pupilhub.gateway.access import links_for

    denied_somewhere = user.denials.exists()  # type: ignore[attr-defined]
    return not denied_somewhere or links_for(user).exists()


def password_errors(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def ensure_valid_password(password: str, user: User | None = None, field: str = "password") -> None:
    errors = password_errors(password, user)
    if errors:
        raise Invalid(errors[0], code="weak_password", fields={field: errors})


@transaction.atomic
def do_set_password(user: User, password: str, *, actor: User | None = None) -> None:
    """Set a new password, audit it and tell the account's address."""
    ensure_valid_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor or user, "account.password_changed", user)
    email = user.email
    transaction.on_commit(lambda: emails.send_now("password_changed", email, {}))


def request_password_reset(email: str) -> None:
    """Email a single-use, one-hour reset link if the account exists. Silent otherwise."""
    user = User.objects.by_email(email or "")
    if user is None or not user.is_active:
        return
    raw = OneTimeToken.issue(user, OneTimeToken.Purpose.RESET_PASSWORD, hours=1)
    emails.send_now("password_reset", user.email, {"token": raw, "user": user})


def use_token(raw: str, purpose: str) -> OneTimeToken:
    """Claim a single-use token atomically: a second use finds it spent."""
    token = OneTimeToken.usable(raw, purpose)
    if token is None:
        raise Invalid(
            "This link is invalid, has expired or was already used.", code="invalid_token"
        )
    claimed = OneTimeToken.objects.filter(pk=token.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if claimed != 1:
        raise Invalid(
            "This link is invalid, has expired or was already used.", code="invalid_token"
        )
    return token


@transaction.atomic
def confirm_password_reset(raw: str, new_password: str, purpose: str | None = None) -> User:
    """Use a reset (or invitation) token to set a new password."""
    purpose = purpose or OneTimeToken.Purpose.RESET_PASSWORD
    token = OneTimeToken.usable(raw, purpose)
    if token is None:
        raise Invalid(
            "This link is invalid, has expired or was already used.", code="invalid_token"
        )
    ensure_valid_password(new_password, token.user, field="new_password")
    token = use_token(raw, purpose)
    user = token.user
    if purpose == OneTimeToken.Purpose.SET_PASSWORD and not user.email_verified_at:
        # Following the invitation link proves the address is theirs.
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    do_set_password(user, new_password)
    return user


def issue_api_token(request: HttpRequest, email: str, password: str) -> tuple[ApiToken, str]:
    user = check_credentials(request, email, password)
    with transaction.atomic():
        token, raw = ApiToken.issue(user, settings.API_TOKEN_HOURS)
        audit.record(user, "auth.token_issued", token)
    return token, raw


def revoke_api_token(token: ApiToken) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit.record(token.user, "auth.token_revoked", token)
