"""Which reports a caller may see.

Staff: their school's reports. External users: ended or archived reports that the link's
licence type is allowed, for a year group the pupil was in during the report's academic
year (so last year's reports stay after the rollover); anything else is 404.
"""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.pupils.models import Pupil, PupilYear, YearEnd
from pupilhub.pupils.years import previous
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import PrintRun, Report, ReportStatus


def reports_for(access: SchoolAccess) -> QuerySet[Report]:
    return Report.objects.filter(school=access.school).prefetch_related("licence_types")


def report_for(access: SchoolAccess, report_id: Any) -> Report:
    found = reports_for(access).filter(pk=parse_id(report_id)).first()
    if found is None:
        raise NotFound()
    return found


def run_for(access: SchoolAccess, report: Report, run_id: Any) -> PrintRun:
    found = PrintRun.objects.filter(report=report, pk=parse_id(run_id)).first()
    if found is None:
        raise NotFound()
    return found


def available_reports(pupil: Pupil, licence_type: Any) -> list[Report]:
    """What this link may download, newest first (read once per pupil object and type:
    the page's reports portlet and its download list share the answer)."""
    if "available" not in licence_type.access.get("reports", []):
        return []
    memo = pupil.__dict__.setdefault("_available_reports", {})
    if licence_type.pk not in memo:
        rows = Report.objects.filter(
            school=pupil.school_id,
            status__in=[ReportStatus.ENDED, ReportStatus.ARCHIVED],
            licence_types=licence_type,
        ).order_by("-created_at")
        history, rollovers = year_history(pupil)
        shown = []
        for report in rows:
            # The year group the pupil was in when the report was written: the first
            # rollover after it wrote that down (a pupil it did not move was not on roll
            # then); with no rollover since, it is today's.
            later = next((r for r in rollovers if r.at > report.created_at), None)
            group = history.get(previous(later.academic_year)) if later else pupil.year_group
            if group is not None and group in report.year_groups:
                report.earlier = later is not None
                shown.append(report)
        memo[licence_type.pk] = shown
    return list(memo[licence_type.pk])


ROLLOVERS_TTL = 300


def _rollovers(school_id: Any) -> list[tuple[Any, str]]:
    """(when, academic year rolled into) of a school's rollovers, oldest first: from the
    shared cache (a rollover happens once a year; the rollover forgets the entry)."""
    from pupilhub.core import shared_cache

    return shared_cache.read_through(
        f"rollovers:v1:{school_id}",
        ROLLOVERS_TTL,
        lambda: list(
            YearEnd.objects.filter(school=school_id)
            .order_by("at")
            .values_list("at", "academic_year")
        ),
    )


def year_history(pupil: Pupil) -> tuple[dict[str, int], list[Any]]:
    """The pupil's year group in each academic year a rollover ended, and the school's
    rollovers, oldest first (read once a pupil; no history query for a school that never
    rolled over)."""
    memo = pupil.__dict__
    if "_year_history" not in memo:
        rolled = [_Rolled(at, year) for at, year in _rollovers(pupil.school_id)]
        history = (
            dict(PupilYear.objects.filter(pupil=pupil).values_list("academic_year", "year_group"))
            if rolled
            else {}
        )
        memo["_year_history"] = (history, rolled)
    found: tuple[dict[str, int], list[Any]] = memo["_year_history"]
    return found


class _Rolled:
    __slots__ = ("academic_year", "at")

    def __init__(self, at: Any, academic_year: str) -> None:
        self.at, self.academic_year = at, academic_year


def external_report(pupil: Pupil, licence_type: Any, report_id: Any) -> Report:
    wanted = parse_id(report_id)
    for report in available_reports(pupil, licence_type):
        if report.pk == wanted:
            return report
    raise NotFound()
