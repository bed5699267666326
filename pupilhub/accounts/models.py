"""People who log in: school staff, platform operators and external users."""

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from pupilhub.core.links import link_token


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=normalise_email(username or ""))

    def by_email(self, email: str) -> "User | None":
        return self.filter(email=normalise_email(email)).first()

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(email=normalise_email(email), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.update(is_operator=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One login, keyed by email (unique whatever its case)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Stored lower-cased, so uniqueness is case-insensitive (see save()).
    email = models.EmailField(max_length=254, unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    is_operator = models.BooleanField(
        default=False, help_text="Platform support team: may use the operator pages."
    )
    is_active = models.BooleanField(default=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Bumped to end every session at once (reset, email change) without a new password.
    session_epoch = models.PositiveIntegerField(default=0)
    # Set when a role that needs a second factor is gained without one (a promotion, a
    # reset): the factor may then be set up only through a single-use link mailed to the
    # verified address, never by whoever signs in first with the password.
    mfa_enrol_by_link = models.BooleanField(default=False)
    # The account a school API key acts as (for audit and ownership of what it writes): it
    # has no password and no membership, and is never shown as a person.
    is_api_key = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}".strip()

    def is_staff_at(self, school: Any) -> bool:
        """Staff of this school (of any school when `school` is None): how the audit log
        tells staff from external users, who are named only by id."""
        key = str(getattr(school, "pk", school))
        known = self.__dict__.setdefault("_staff_at", {})  # once a request (a user object)
        if key not in known:
            memberships = self.memberships.all()  # type: ignore[attr-defined]
            if school is not None:
                memberships = memberships.filter(school_id=getattr(school, "pk", school))
            known[key] = bool(memberships.exists())
        return bool(known[key])

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_staff(self) -> bool:
        return False  # no Django admin is served

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django checks this on every request: a new password or epoch ends old sessions."""
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "pupilhub.accounts.User.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Issued to someone whose role needs a second factor they have not set up yet:
    # good only for enrolling one (and logging out) until confirmed.
    mfa_enrolment_only = models.BooleanField(default=False)
    # Issued by following a second-factor set-up link (proof of the mailbox as well as the
    # password): only such a token may enrol for an account set up by link.
    enrolment_proven = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"API token {self.pk}"

    @classmethod
    def issue(
        cls, user: User, hours: int, *, enrolment_only: bool = False, proven: bool = False
    ) -> tuple["ApiToken", str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=_hash(raw),
            expires_at=timezone.now() + timedelta(hours=hours),
            mfa_enrolment_only=enrolment_only,
            enrolment_proven=proven,
        )
        return token, raw

    @classmethod
    def lookup(cls, raw: str) -> "ApiToken | None":
        token = cls.objects.select_related("user").filter(key_hash=_hash(raw)).first()
        if token is None or token.revoked_at or token.expires_at <= timezone.now():
            return None
        if not token.user.is_active:
            return None
        return token


class OneTimeToken(models.Model):
    """A single-use emailed link token: set password, reset password, verify email."""

    class Purpose(models.TextChoices):
        SET_PASSWORD = "set_password", "Set password (invitation)"
        RESET_PASSWORD = "reset_password", "Reset password"
        VERIFY_EMAIL = "verify_email", "Verify email"
        CONFIRM_EMAIL = "confirm_email", "Confirm a new email address"
        ENROL_MFA = "enrol_mfa", "Set up a second factor"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # For CONFIRM_EMAIL: the address the link was sent to (and will become the login).
    new_email = models.EmailField(max_length=254, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} token {self.pk}"

    @classmethod
    def issue(cls, user: User, purpose: str, hours: int, new_email: str = "") -> str:
        return cls.issued(user, purpose, hours, new_email)[0]

    @classmethod
    def issued(
        cls, user: User, purpose: str, hours: int, new_email: str = ""
    ) -> "tuple[str, OneTimeToken]":
        """The raw token (for the mail, never stored) and its row."""
        raw = secrets.token_urlsafe(32)
        row = cls.objects.create(
            user=user,
            purpose=purpose,
            token_hash=_hash(raw),
            expires_at=timezone.now() + timedelta(hours=hours),
            new_email=new_email,
        )
        return raw, row

    @classmethod
    def usable(cls, raw: str, purpose: str) -> "OneTimeToken | None":
        token = (
            cls.objects.select_related("user")
            .filter(token_hash=_hash(link_token(raw)), purpose=purpose)
            .first()
        )
        if token is None or token.used_at or token.expires_at <= timezone.now():
            return None
        return token


class LoginHold(models.Model):
    """An account held after repeated failed logins from one client.

    Holds every client but the browsers that signed in to the account before; an
    operator may lift it. `user` is empty when the address has no account (held all
    the same, so a hold reveals nothing about which addresses exist).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account_key = models.CharField(max_length=64, unique=True)  # throttle.digest(email)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="login_holds"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    until = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"login hold {self.pk}"


class TotpDevice(models.Model):
    """A person's authenticator app: an RFC 6238 secret (SHA-1, 6 digits, 30 s)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last 30-second step whose code was accepted: a code never works twice.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP device {self.pk}"


class RecoveryCode(models.Model):
    """One single-use recovery code; only a keyed hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk}"
