"""Shared models: the insert-only audit log and the throttle ledger."""

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class UUIDModel(models.Model):
    """Base for every domain model: opaque, non-sequential ids."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class SchoolQuerySet(models.QuerySet[Any]):
    """Rows owned by one school. `visible_to(access)` is the boundary every access layer
    starts from: `access` is the caller's resolved `SchoolAccess` (or anything with a
    `.school`), so rows of another school cannot come back whatever follows."""

    def visible_to(self, access: Any) -> "SchoolQuerySet":
        return self.filter(school=access.school)


class SchoolOwned(UUIDModel):
    """Base for every school-owned model (each declares its own `school` foreign key)."""

    objects = SchoolQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Audit events are insert-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are insert-only.")

    def expire(self) -> int:
        """The one way audit events leave: past their retention, by the nightly purge."""
        return models.QuerySet.delete(self)[0]


class AuditEvent(UUIDModel):
    """Who did what to which object, and when. Never the content of a record."""

    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who the actor was at the time: staff of the school, a platform operator, an external
    # user (a parent, pupil or agency, named only as external:<id>), or the system.
    actor_kind = models.CharField(max_length=8, blank=True)
    action = models.CharField(max_length=64)
    # About a safeguarding record: only those who may see safeguarding see the event.
    safeguarding = models.BooleanField(default=False)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The pupil whose record this is about (their id; kept after a purge), for the
    # pupil's access log and for scoping a breach to one child.
    pupil = models.CharField(max_length=64, blank=True)
    # No index on `at` alone: every read is one school's, through the indexes below (a lone
    # `at` index tempted the planner into walking a school's whole history backwards).
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["school", "-at"]),
            models.Index(fields=["object_id", "at"]),  # a record's history
            models.Index(fields=["school", "pupil", "-at"], name="audit_pupil_idx"),
            # The audit log's filters, each a range of one index newest first, however
            # long the school's history: by actor; by action (a prefix: the pattern
            # operator class lets PostgreSQL use the index for LIKE 'plan.%'); and what
            # staff who may not see safeguarding read (safeguarding = false).
            models.Index(fields=["school", "actor", "-at", "-id"], name="audit_actor_idx"),
            models.Index(
                fields=["school", "action", "-at", "-id"],
                name="audit_action_idx",
                opclasses=["", "varchar_pattern_ops", "", ""],
            ),
            models.Index(
                fields=["school", "-at", "-id"],
                name="audit_plain_idx",
                condition=models.Q(safeguarding=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are insert-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are insert-only.")

    @property
    def actor_label(self) -> str:
        """How the event names its actor: never an external user's address."""
        if self.actor_id is None or self.actor_kind == "system":
            return "system"
        if self.actor_kind == "staff":
            return self.actor.email if self.actor else "system"
        if self.actor_kind == "operator":
            return "platform operator"
        if self.actor_kind == "api_key":
            return f"api_key:{self.actor.surname}" if self.actor else "api_key"
        return f"external:{self.actor_id}"


class ThrottleBucket(models.Model):
    """The recent attempts for one hashed throttle key, counted under a row lock.

    One row per (scope, key) holding the epoch seconds of the attempts still inside
    the window (never more than the limit), so counting and adding happen in one
    locked read-modify-write and parallel guesses cannot pass the limit. Kept in the
    database, not process memory, so every gunicorn copy sees the same counts.
    `subject` (the hashed account) lets an operator's lift clear every bucket of an account.
    """

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    subject = models.CharField(max_length=64, blank=True, db_index=True)
    hits = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_bucket_per_key")]

    def __str__(self) -> str:
        return f"{self.scope} bucket"


class JobLock(models.Model):
    """A named lease one process holds at a time (the mail dispatcher's run, the beat).

    Taken by a conditional UPDATE that succeeds only when the lease is free or already the
    holder's, renewed while the holder works, and given up at the end; a holder that dies
    loses it when the lease runs out. Kept in the database, so it needs nothing else up."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} lock"


class OutboxItem(models.Model):
    """A job that could not reach the broker (Redis down): kept here, in the same database
    as the change that asked for it, until the outbox job hands it over."""

    id = models.BigAutoField(primary_key=True)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"outbox {self.pk}: {self.task}"
