"""What a school keeps, and for how long (its retention policy), and the notice a
leaver's purge gives the Main School Admin a month ahead."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from pupilhub.core.models import SchoolOwned

# (field, default, smallest, largest): what API.md names, with bounds a school may choose.
LIMITS = {
    "deleted_documents_days": (30, 1, 3650),
    "print_runs_days": (30, 1, 3650),
    "sent_mail_days": (90, 1, 3650),
    "leavers_years": (25, 6, 100),  # 6: the IRMS floor for a leaver, from birth
}


def _days(name: str) -> models.PositiveIntegerField:
    default, low, high = LIMITS[name]
    return models.PositiveIntegerField(
        default=default, validators=[MinValueValidator(low), MaxValueValidator(high)]
    )


class RetentionPolicy(SchoolOwned):
    """One a school; a school without a row keeps the defaults."""

    school = models.OneToOneField(
        "schools.School", on_delete=models.CASCADE, related_name="retention"
    )
    deleted_documents_days = _days("deleted_documents_days")
    print_runs_days = _days("print_runs_days")
    sent_mail_days = _days("sent_mail_days")
    # Counted from the date of birth: the IRMS toolkit keeps SEN and child-protection
    # files until the child is 25 (31 for some EHC records).
    leavers_years = _days("leavers_years")
    # A shorter setting waits 30 days (every lead and the head are told at once and can
    # see it): {field: value} and the day it takes effect.
    pending = models.JSONField(default=dict, blank=True)
    pending_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"retention for {self.school_id}"


class LeaverNotice(SchoolOwned):
    """The Main School Admin is told that this leaver's records will be purged on or after
    `purge_on`. `sent_at` is set only once the mail has gone, and `purge_on` is a month
    after it: no leaver is purged without a notice actually sent at least a month before."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField(
        "pupils.Pupil", on_delete=models.CASCADE, related_name="leaver_notice"
    )
    purge_on = models.DateField()
    noticed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["school", "purge_on"], name="leaver_notice_due_idx")]

    def __str__(self) -> str:
        return f"leaver notice {self.pupil_id}: {self.purge_on}"
