"""The leads' safeguarding work around a concern (the concern itself is
`documents.SafeguardingIssue`): a school's own categories, body-map marks, linked
children, tasks, referrals, child-protection files sent outside pupilhub, and the
alerts that tell the leads. Every row here reveals a safeguarding record, so every
audit event about one follows the no-trace rule (`is_safeguarding_record`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pupilhub.core.models import SchoolOwned

from .choices import Agency, AlertKind, BodyView


class SafeguardingRow(SchoolOwned):
    is_safeguarding_record = True  # audit events about it follow the visibility rule

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Category(SafeguardingRow):
    """A school's own category, beside the KCSIE list."""

    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="one_category_key_per_school")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BodyMark(SafeguardingRow):
    """A mark on the front or back outline: x and y from 0 to 1 across and down."""

    issue = models.ForeignKey(
        "documents.SafeguardingIssue", on_delete=models.CASCADE, related_name="marks"
    )
    view = models.CharField(max_length=5, choices=BodyView.choices)
    x = models.FloatField()
    y = models.FloatField()
    note = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Mark {self.position + 1}"


class IssueLink(SafeguardingRow):
    """Another child the concern is about (a sibling): it shows in their chronology too."""

    issue = models.ForeignKey(
        "documents.SafeguardingIssue", on_delete=models.CASCADE, related_name="links"
    )
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "pupil"], name="one_link_per_pupil")
        ]

    def __str__(self) -> str:
        return f"Link {self.pk}"


class Task(SafeguardingRow):
    """Work a lead asks of a member of staff, who sees the task and never the record."""

    issue = models.ForeignKey(
        "documents.SafeguardingIssue", on_delete=models.CASCADE, related_name="tasks"
    )
    assignee = models.ForeignKey(
        "schools.StaffMembership", on_delete=models.CASCADE, related_name="+"
    )
    task = models.CharField(max_length=500)
    due_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["school", "done_at", "due_on"], name="sg_task_due_idx"),
            # The daily sweep across every school: open tasks only, however many are done.
            models.Index(
                fields=["due_on"], condition=models.Q(done_at__isnull=True), name="sg_task_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Task due {self.due_on}"


class Referral(SafeguardingRow):
    """A referral to an agency, with the response it owes and the outcome."""

    issue = models.ForeignKey(
        "documents.SafeguardingIssue", on_delete=models.CASCADE, related_name="referrals"
    )
    agency = models.CharField(max_length=30, choices=Agency.choices)
    referred_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True)
    response_due_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["referred_on", "created_at"]
        indexes = [  # the daily sweep: referrals still waiting for an answer
            models.Index(
                fields=["response_due_on"],
                condition=models.Q(responded_on__isnull=True),
                name="sg_referral_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Referral to {self.agency}"


class ChildProtectionTransfer(SafeguardingRow):
    """A child-protection file sent to a school outside pupilhub or outside the cluster.

    The receiving DSL gets a single-use link (its SHA-256 kept) and, in a second mail, a
    6-digit code (kept as a keyed hash). Receipt is due within 5 school days."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        RECEIVED = "received", _("Received")

    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    to_school_name = models.CharField(max_length=200)
    to_email = models.EmailField()
    to_urn = models.CharField(max_length=6, blank=True)
    files = models.JSONField(default=list, blank=True)  # attachment ids the lead chose
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    due_by = models.DateField()
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by_name = models.CharField(max_length=200, blank=True)
    received_by_role = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [  # the daily sweep: files not yet received
            models.Index(
                fields=["due_by"],
                condition=models.Q(received_at__isnull=True),
                name="sg_cp_file_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Child-protection file {self.pk}"


class Alert(SafeguardingRow):
    """One alert to the leads: a new concern, an overdue task, a late referral response or
    an overdue child-protection file. Unique per thing and day, so a daily alert goes once
    a day however often the job runs."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    object_id = models.CharField(max_length=64)
    on_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "on_date"], name="one_alert_a_thing_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert on {self.on_date}"


class ReferenceCounter(SafeguardingRow):
    """The last concern number a school gave in a year (SG-2026-0042), taken under a lock."""

    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="one_counter_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
