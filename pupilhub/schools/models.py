"""Schools and the staff who work in them."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from pupilhub.core.models import SchoolOwned, SchoolQuerySet, UUIDModel

from .choices import ADMIN_ROLES, Role, YearScheme, year_label

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_join_code() -> str:
    """Six characters a parent can type from paper; checked unused (30^6: a collision is
    rare, and retried)."""
    import secrets

    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(6))
        if not School.objects.filter(join_code=code).exists():
            return code


class School(UUIDModel):
    """A school: the tenancy boundary for every record it owns."""

    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    year_scheme = models.CharField(
        max_length=10, choices=YearScheme.choices, default=YearScheme.ENGLAND
    )
    year_from = models.SmallIntegerField(null=True, blank=True)
    year_to = models.SmallIntegerField(null=True, blank=True)
    external_login_enabled = models.BooleanField(default=True)
    price_per_pupil_pence = models.PositiveIntegerField(default=50)
    office_email = models.EmailField(blank=True)
    # DfE identifiers, for Common Transfer File headers: unique reference number,
    # local authority number and establishment number.
    urn = models.CharField(max_length=6, blank=True)
    lea = models.CharField(max_length=3, blank=True)
    estab = models.CharField(max_length=4, blank=True)
    # Domains of pupils' school email addresses (comma-separated), for the key page's warning.
    pupil_email_domains = models.CharField(max_length=300, blank=True)
    logo = models.FileField(upload_to="logos/", blank=True, max_length=300)  # PNG or JPEG
    # A short code for the families' letter: /join/K7M2QX (no look-alike characters).
    join_code = models.CharField(max_length=8, unique=True, null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.join_code:
            self.join_code = new_join_code()
        super().save(*args, **kwargs)

    def year_label(self, code: int | None) -> str:
        return year_label(code, self.year_scheme)

    @property
    def year_range_label(self) -> str:
        if self.year_from is None or self.year_to is None:
            return "not set"
        return f"{self.year_label(self.year_from)}-{self.year_label(self.year_to)}"


class MembershipQuerySet(SchoolQuerySet):
    def active(self) -> "MembershipQuerySet":
        """Accepted memberships: the only ones that grant anything."""
        return self.filter(status="active")


class StaffMembership(UUIDModel):
    """A person's role at one school. One person may work at several schools."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Active"

    role = models.CharField(max_length=12, choices=Role.choices, default=Role.STAFF)
    safeguarding_lead = models.BooleanField(default=False)
    # Mass email to families: admins always; other staff only when an admin allows it.
    can_email_families = models.BooleanField(default=False)
    # Runs the SEN cycle and gets its reminders (the weekly digest, the dashboard). Set by admins.
    senco = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Staff are only ever invited: the membership grants nothing until the emailed,
    # single-use link is followed (proving the address), so nobody who registered an
    # address first can inherit it. Only the link's SHA-256 is stored.
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invite_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    invite_expires_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "school"], name="one_membership_per_school"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(role="main_admin"), name="one_main_admin_per_school"
            ),
        ]
        ordering = ["school__name"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.school} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_main_admin(self) -> bool:
        return self.role == Role.MAIN_ADMIN

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def can_see_safeguarding(self) -> bool:
        """Safeguarding leads and the main admin, nobody else."""
        return self.safeguarding_lead or self.is_main_admin

    @property
    def may_email_families(self) -> bool:
        return self.is_admin or self.can_email_families

    @property
    def can_see_confidential(self) -> bool:
        """Confidential SEN records: admins and safeguarding leads."""
        return self.is_admin or self.safeguarding_lead


class HeadHandover(UUIDModel):
    """Handing the Main School Admin role to a colleague.

    The current head hands it on at once. Operators never do it alone: one proposes and
    a different operator approves, and the head and every safeguarding lead are emailed at
    each step, so a single operator account can never make itself (or an address it
    controls) the person who reads child-protection records.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="head_handovers")
    to = models.ForeignKey(StaffMembership, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=Q(status="proposed"), name="one_open_handover"
            )
        ]

    def __str__(self) -> str:
        return f"head hand-over {self.pk} ({self.status})"


class KeyMembership(StaffMembership):
    """What a school API key holds at its school, built in memory, never saved: admin-like
    for the pupil records its scopes name, never the main admin, a safeguarding lead, a
    reader of confidential records or a sender of family mail."""

    class Meta:
        proxy = True

    @property
    def is_main_admin(self) -> bool:
        return False

    @property
    def can_see_safeguarding(self) -> bool:
        return False

    @property
    def may_email_families(self) -> bool:
        return False

    @property
    def can_see_confidential(self) -> bool:
        return False


class ApiKey(UUIDModel):
    """A school's key for unattended integrations (an MIS sync). Shown once; only its
    SHA-256 is kept. It acts as its own account (`user`), so what it writes names it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="api_keys")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    name = models.CharField(max_length=80)
    scopes = models.JSONField(default=list)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # `phk_` and four characters, to tell keys apart
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "name"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_api_key_per_name",
            )
        ]

    def __str__(self) -> str:
        return f"API key {self.name}"


class SupportContact(models.Model):
    """How schools and families reach the platform's support team: set by an operator,
    shown in every page's footer and on the help pages. One row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    hours = models.CharField(max_length=120, blank=True)  # e.g. "Weekdays 8am to 5pm"
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.email or self.phone or "support"


class AuditExport(SchoolOwned):
    """A large audit-log CSV made in the background (a long history took minutes in one
    request, and was cut off silently). The file is the requester's, for a day."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filters = models.JSONField(default=dict)  # the selection, as query parameters
    # Whether the requester may see safeguarding events, when they asked.
    with_safeguarding = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True, max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # The job's last sign of life (each chunk), and how often the sweeper re-queued it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeued = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"audit export {self.pk}: {self.status}"
