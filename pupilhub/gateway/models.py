"""Tracking data, licence types and keys, and external users' links to pupils."""

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned

from .choices import FieldKind, LicenceKind


class TrackingField(SchoolOwned):
    """A column of the school's tracking data, e.g. "Y8 Autumn Maths". Fields of past
    years stay: history is kept by the field structure, not by overwriting values."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    portlet = models.CharField(max_length=30, default="tracking")
    subject = models.CharField(max_length=60, blank=True)
    year_group = models.SmallIntegerField(null=True, blank=True)
    period = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=10, choices=FieldKind.choices, default=FieldKind.GRADE)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year_group", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="tracking_key_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def described(self, scheme: str = "england") -> str:
        """The name with what tells two fields apart: subject, year and period where the
        name does not already say them ("Maths grade (Maths, Year 8, Autumn)")."""
        from pupilhub.schools.choices import year_label

        lowered = self.name.lower()
        parts = []
        if self.subject and self.subject.lower() not in lowered:
            parts.append(self.subject)
        if self.year_group is not None:
            label = year_label(self.year_group, scheme)
            if label.lower() not in lowered:
                parts.append(label)
        if self.period and self.period.lower() not in lowered:
            parts.append(self.period)
        return f"{self.name} ({', '.join(parts)})" if parts else self.name


class TrackingValue(SchoolOwned):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey(TrackingField, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pupil", "field"], name="one_value_per_field")
        ]

    def __str__(self) -> str:
        return f"{self.field_id}={self.value}"


class LicenceType(SchoolOwned):
    """Who an external user is to a pupil, and what that lets them see.

    `access` maps a portlet key to the field keys this type may see; anything not
    listed never leaves the server.
    """

    school = models.ForeignKey(
        "schools.School", on_delete=models.CASCADE, related_name="licence_types"
    )
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=LicenceKind.choices)
    access = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="licence_type_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def allows(self, portlet: str, field: str) -> bool:
        return field in self.access.get(portlet, [])


class LicenceKey(SchoolOwned):
    """A key printed for one pupil and licence type. Only its HMAC is stored."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["pupil", "licence_type", "revoked_at"])]
        constraints = [
            # One live key a pupil and licence type, whatever races the generator.
            models.UniqueConstraint(
                fields=["pupil", "licence_type"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_key_per_pupil_type",
            )
        ]

    def __str__(self) -> str:
        return f"key {self.pk}"


class ExternalLink(SchoolOwned):
    """An external account's window on one pupil, through one licence type."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pupil_links"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="links")
    licence_key = models.ForeignKey(
        LicenceKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    # "I will read reports online": defaults to yes at registration.
    paperless_reports = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "pupil", "licence_type"], name="one_link_per_type"
            )
        ]
        # A school's external users: found by school, never by a join over every user.
        indexes = [models.Index(fields=["school", "user"], name="link_school_user_idx")]

    def __str__(self) -> str:
        return f"link {self.pk}"


class ExternalDenial(SchoolOwned):
    """A school has shut an external account out (it may restore it)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="denials"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "user"], name="one_denial_per_school")
        ]

    def __str__(self) -> str:
        return f"denial {self.pk}"


class PendingLink(SchoolOwned):
    """A pupil someone registered with an address that already has an account: added to
    that account only when the emailed link (`token`) is used, which proves the address's
    owner asked for it. The registration's answer is the same as for a new address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_links"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    licence_key = models.ForeignKey(LicenceKey, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(
        "accounts.OneTimeToken",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pending_links",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "licence_key"], name="one_pending_per_key")
        ]

    def __str__(self) -> str:
        return f"pending link {self.pk}"
