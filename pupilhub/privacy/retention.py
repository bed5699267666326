"""Reading a school's retention policy (defaults until the Main School Admin saves one)."""

from datetime import date, timedelta
from typing import Any

from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.models import School

from .models import LIMITS, LeaverNotice, RetentionPolicy

FIELDS = tuple(LIMITS)
NOTICE_DAYS = 30  # the Main School Admin hears of a leaver's purge this long before
SHORTENING_DAYS = 30  # a shorter setting takes effect this long after it is saved
# Floors no policy goes below (IRMS toolkit): a leaver with any safeguarding record is kept
# until 25 from the date of birth; any other leaver at least 6 years after their record last
# changed (leaving included); a deleted safeguarding record at least 30 days.
SAFEGUARDING_FLOOR_YEARS = 25
LEAVER_FLOOR_YEARS = 6
SAFEGUARDING_DELETED_FLOOR_DAYS = 30


def policy_for(school: School) -> RetentionPolicy:
    """The school's policy, or an unsaved one holding the defaults."""
    found = RetentionPolicy.objects.filter(school=school).first()
    return found or RetentionPolicy(school=school)


def values(policy: RetentionPolicy) -> dict[str, int]:
    return {name: getattr(policy, name) for name in FIELDS}


def pending(policy: RetentionPolicy) -> dict[str, Any] | None:
    """A shortened setting waiting to take effect: {values, effective_on}, or None."""
    if not policy.pending or policy.pending_on is None:
        return None
    return {"values": dict(policy.pending), "effective_on": policy.pending_on}


def described(policy: RetentionPolicy) -> dict[str, Any]:
    return {**values(policy), "pending": pending(policy)}


def policy(access: SchoolAccess) -> dict[str, Any]:
    """The head, and (read only, to see a pending shortening) safeguarding leads."""
    if not (access.is_main_admin or access.can_see_safeguarding):
        access.require_main_admin("Only the Main School Admin can see the retention policy.")
    return described(policy_for(access.school))


def born_by(today: date, years: int) -> date:
    """Leavers born on or before this date are past `years` from their date of birth
    (the same day `years` earlier; 29 February becomes the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def purge_after(
    school: School, deleted_at: Any, policy: RetentionPolicy | None = None
) -> date | None:
    """The day a deleted record is purged (restorable until then)."""
    if deleted_at is None:
        return None
    days = (policy or policy_for(school)).deleted_documents_days
    return (deleted_at + timedelta(days=days)).date()


def leavers_due(access: SchoolAccess) -> list[LeaverNotice]:
    """Leavers whose records will be purged soon: the Main School Admin was told."""
    access.require_main_admin("Only the Main School Admin can see which leavers are due.")
    return list(
        LeaverNotice.objects.visible_to(access)
        .select_related("pupil")
        .order_by("purge_on", "pupil__surname", "pupil__first_name")
    )
