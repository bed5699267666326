"""The SEN cycle (assess, plan, do, review): scored reviews, the provision library, group
interventions with their session register, EHC plans, and families' comments on plans."""

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned
from pupilhub.documents.choices import AreaOfNeed

from .choices import Outcome


class Review(SchoolOwned):
    """One review of a plan: each target scored -2..+2, the views heard, what happens next."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey("documents.Plan", on_delete=models.CASCADE, related_name="reviews")
    date = models.DateField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    pupil_views = models.TextField(blank=True)
    parent_views = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    mean_score = models.FloatField(null=True, blank=True)  # kept for the register and impact
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at"]
        indexes = [models.Index(fields=["school", "plan", "date"], name="review_plan_idx")]

    def __str__(self) -> str:
        return f"Review on {self.date}"


class TargetScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    target = models.PositiveSmallIntegerField()  # the plan's target index
    score = models.SmallIntegerField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["target"]
        constraints = [
            models.UniqueConstraint(fields=["review", "target"], name="one_score_a_target"),
            models.CheckConstraint(
                condition=models.Q(score__gte=-2, score__lte=2), name="score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"target {self.target}: {self.score}"


class LibraryItem(SchoolOwned):
    """A provision the school runs again and again, to start a pupil's provision from."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    area_of_need = models.CharField(max_length=32, choices=AreaOfNeed.choices)
    provider = models.CharField(max_length=200, blank=True)
    frequency = models.CharField(max_length=100, blank=True)
    session_minutes = models.PositiveIntegerField(null=True, blank=True)
    sessions_per_week = models.PositiveIntegerField(null=True, blank=True)
    group_size = models.PositiveIntegerField(null=True, blank=True)
    cost_pence = models.PositiveIntegerField(default=0)
    staff_hourly_rate_pence = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Intervention(SchoolOwned):
    """One intervention for a group: each pupil has a provision sharing its cost."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    library_item = models.ForeignKey(
        LibraryItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_of_need = models.CharField(max_length=32, choices=AreaOfNeed.choices)
    provider = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    session_minutes = models.PositiveIntegerField()
    sessions_per_week = models.PositiveIntegerField()
    staff_hourly_rate_pence = models.PositiveIntegerField(null=True, blank=True)
    cost_pence = models.PositiveIntegerField(default=0)  # the whole group's cost
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name


class Session(SchoolOwned):
    """One delivered session of an intervention, and who came."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField()
    notes = models.TextField(blank=True)
    attended = models.ManyToManyField("pupils.Pupil", related_name="+", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at"]

    def __str__(self) -> str:
        return f"Session on {self.date}"


class EHCP(SchoolOwned):
    """An Education, Health and Care plan: the dates the law sets are computed (dates.py)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField("pupils.Pupil", on_delete=models.CASCADE, related_name="ehcp")
    local_authority = models.CharField(max_length=200)
    issued_on = models.DateField()
    last_review_on = models.DateField(null=True, blank=True)
    next_review_meeting_on = models.DateField(null=True, blank=True)
    phase_transfer_year = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"EHCP of {self.pupil_id}"


class PlanComment(SchoolOwned):
    """A family's view on a plan: a parent's, or the pupil's own."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey("documents.Plan", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_pupil = models.BooleanField(default=False)  # a pupil's licence: the pupil's views
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Comment on {self.plan_id}"
