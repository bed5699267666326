"""Which reports a caller may see.

Staff: their school's reports. External users: ended or archived reports for the
pupil's current year group that the link's licence type is allowed; anything else is 404.
"""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.pupils.models import Pupil
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
        memo[licence_type.pk] = [r for r in rows if pupil.year_group in r.year_groups]
    return list(memo[licence_type.pk])


def external_report(pupil: Pupil, licence_type: Any, report_id: Any) -> Report:
    wanted = parse_id(report_id)
    for report in available_reports(pupil, licence_type):
        if report.pk == wanted:
            return report
    raise NotFound()
