"""Reports: defined once, compiled into a PDF whenever asked (never stored per pupil)."""

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned


class ReportStatus(models.TextChoices):
    ACTIVE = "active", "Active (being written)"
    ENDED = "ended", "Ended"
    ARCHIVED = "archived", "Archived"


class Report(SchoolOwned):
    """e.g. "Y8 Progress": which year groups, which tracking fields (in order, with
    headings; a text field is that subject's comment), which licence types may see it."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    year_groups = models.JSONField(default=list)
    fields = models.JSONField(default=list)  # [{"key": ..., "heading": ...}]
    licence_types = models.ManyToManyField("gateway.LicenceType", blank=True, related_name="+")
    # The academic year it was written for ("2025/26"): after the rollover, families still
    # see the reports of the year groups their child was in that year.
    academic_year = models.CharField(max_length=7, blank=True)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    earlier = False  # set for families: from an academic year that has ended

    @property
    def visible_externally(self) -> bool:
        return self.status in (ReportStatus.ENDED, ReportStatus.ARCHIVED)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PrintRun(SchoolOwned):
    """One combined PDF of a report for every included pupil, made by a Celery job."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="print_runs")
    paper_only = models.BooleanField(default=False)
    filters = models.JSONField(default=dict, blank=True)  # sex, sen_status, sen_need
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="print_runs/", blank=True, max_length=300)
    error = models.CharField(max_length=300, blank=True)
    # While running: the job's last sign of life, and how often the sweeper re-queued it.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeued = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"print run {self.pk}: {self.status}"
