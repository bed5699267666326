"""The six pupil document types of a provision map.

Every document belongs to one school and one pupil. A copy made by the
transition tool remembers its `source_document`; the unique constraint on
(pupil, source_document) makes a repeated transfer a no-op.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from pupilhub.core.models import SchoolOwned

from .choices import AreaOfNeed, IssueStatus, MeetingType, PlanStatus, category_name


class Document(SchoolOwned):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidential = models.BooleanField(default=False)
    source_document = models.UUIDField(null=True, blank=True)
    transferred_from_school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transferred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        raise NotImplementedError


def _unique_source(name: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(fields=["pupil", "source_document"], name=f"{name}_copied_once")
    ]


def _indexes(name: str) -> list[models.Index]:
    return [models.Index(fields=["school", "pupil", "deleted_at"], name=f"{name}_pupil_idx")]


class Plan(Document):
    """A support plan with SMART targets, reviewed on a date."""

    plan_title = models.CharField("title", max_length=200)
    start_date = models.DateField()
    review_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default="draft")
    targets = models.JSONField(default=list, blank=True)
    strategies = models.TextField(blank=True)

    class Meta(Document.Meta):
        constraints = _unique_source("plan")
        indexes = _indexes("plan")

    @property
    def title(self) -> str:
        return self.plan_title


class Provision(Document):
    """An intervention: cost, area of need, entry and exit scores."""

    name = models.CharField(max_length=200)
    area_of_need = models.CharField(max_length=32, choices=AreaOfNeed.choices)
    provider = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=100, blank=True)
    group_size = models.PositiveIntegerField(null=True, blank=True)
    cost_pence = models.PositiveIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    entry_score = models.FloatField(null=True, blank=True)
    exit_score = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # One pupil's share of a group intervention (its cost is this pupil's share).
    intervention = models.ForeignKey(
        "sen.Intervention",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provisions",
    )

    class Meta(Document.Meta):
        constraints = _unique_source("provision")
        indexes = [
            *_indexes("provision"),
            models.Index(fields=["school", "area_of_need"], name="provision_map_idx"),
        ]

    @property
    def title(self) -> str:
        return self.name


class Passport(Document):
    """A one-page pupil profile."""

    passport_title = models.CharField("title", max_length=200, default="Pupil passport")
    about_me = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    needs = models.TextField(blank=True)
    what_helps = models.TextField(blank=True)
    what_does_not_help = models.TextField(blank=True)

    class Meta(Document.Meta):
        constraints = _unique_source("passport")
        indexes = _indexes("passport")

    @property
    def title(self) -> str:
        return self.passport_title


class MeetingLog(Document):
    date = models.DateField()
    meeting_type = models.CharField(max_length=20, choices=MeetingType.choices)
    attendees = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    actions = models.TextField(blank=True)

    class Meta(Document.Meta):
        constraints = _unique_source("meetinglog")
        indexes = _indexes("meetinglog")

    @property
    def title(self) -> str:
        kind = str(self.get_meeting_type_display())
        if not kind.lower().endswith("meeting"):  # "Parent meeting", never "meeting meeting"
            kind = f"{kind} meeting"
        return f"{kind}, {self.date:%-d %B %Y}"


class Attachment(Document):
    """An uploaded file, stored under a server-made name, its SHA-256 recorded."""

    file = models.FileField(upload_to="attachments/", max_length=300)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True)

    class Meta(Document.Meta):
        constraints = _unique_source("attachment")
        indexes = _indexes("attachment")

    @property
    def title(self) -> str:
        return self.filename


class SafeguardingIssue(Document):
    """A child-protection concern. Only safeguarding leads and the main admin see it."""

    is_safeguarding_record = True  # audit events about it follow the visibility rule

    date = models.DateField()
    category = models.CharField(max_length=100)
    description = models.TextField()
    actions_taken = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default="new")
    # The receipt the raiser keeps (SG-2026-0042); a transferred copy keeps the sender's.
    reference = models.CharField(max_length=20, blank=True, db_index=True)
    # When a lead first opened it: until then it heads every lead's dashboard.
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(Document.Meta):
        constraints = _unique_source("safeguardingissue")
        indexes = _indexes("safeguardingissue")

    @property
    def category_label(self) -> str:
        return category_name(self.category)

    @property
    def title(self) -> str:
        return f"Safeguarding: {self.category_label}"


class SafeguardingAction(SchoolOwned):
    """An append-only entry in an issue's action log."""

    is_safeguarding_record = True

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    issue = models.ForeignKey(SafeguardingIssue, on_delete=models.CASCADE, related_name="log")
    # A default, not auto_now_add, so a transferred log keeps its original times.
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who wrote it and where, as text: kept when the log is transferred to another school
    # (the author has no account there) and if the author's account is later removed.
    by_name = models.CharField(max_length=200, blank=True)
    by_school = models.CharField(max_length=200, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"Action on {self.issue_id} at {self.at}"

    @property
    def author(self) -> str:
        """ "Ann Lead" here; "Ann Lead, Oakfield Primary" for an entry from another school."""
        name = (self.by.full_name or self.by.email) if self.by_id and self.by else self.by_name
        if self.by_school:
            return f"{name}, {self.by_school}" if name else self.by_school
        return name or "a member of staff"
