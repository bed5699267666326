"""Reports written before a rollover belong to the year it ended: their academic year is
set back to it (a school rolling over late, in the autumn, wrote them under the new year's
date)."""

from datetime import datetime
from typing import Any

from pupilhub.pupils.years import previous

from .models import Report


def relabel_before_rollover(
    sender: Any, school_id: Any, academic_year: str, at: datetime, **kwargs: Any
) -> None:
    from pupilhub.core import shared_cache

    Report.objects.filter(
        school_id=school_id, created_at__lt=at, academic_year__gte=academic_year
    ).update(academic_year=previous(academic_year))
    shared_cache.forget([f"rollovers:v1:{school_id}"])


def connect() -> None:
    from pupilhub.pupils.signals import rolled_over

    rolled_over.connect(relabel_before_rollover, dispatch_uid="reports_relabel_rollover")
