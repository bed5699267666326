"""Report Manager actions: define, end, archive; print runs; the school logo."""

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Invalid, invalid_field
from pupilhub.core.outbox import enqueue
from pupilhub.gateway.models import TrackingField
from pupilhub.gateway.school_access import licence_types_from_ids
from pupilhub.pupils import years as years_of
from pupilhub.schools.access import SchoolAccess

from .models import PrintRun, Report, ReportStatus
from .printing import print_pupils

log = logging.getLogger(__name__)


def do_create_report(access: SchoolAccess, data: dict[str, Any]) -> Report:
    """Admins define a report; it starts `active` (being written, not visible outside)."""
    access.require_admin("Only school admins can define reports.")
    name = _clean_name(data.get("name"))
    years = _clean_years(data.get("year_groups"))
    fields = _clean_fields(access, data.get("fields") or [])
    types = licence_types_from_ids(access.school, data.get("licence_types") or [])
    with transaction.atomic():
        report = Report.objects.create(
            school=access.school,
            name=name,
            year_groups=years,
            fields=fields,
            created_by=access.user,
            academic_year=years_of.current_for(access.school.pk, timezone.localdate()),
        )
        report.licence_types.set(types)
        audit.record(access.user, "report.created", report)
    return report


def do_update_report(access: SchoolAccess, report: Report, data: dict[str, Any]) -> Report:
    """Admins correct a report: name, year groups, fields and who may see it. Keys left out
    keep their value. An archived report is history and stays as it was; an ended one may
    still be corrected (families' copies are compiled when asked for, so they see the change).
    A key given as null is refused like an empty value."""
    access.require_admin("Only school admins can change reports.")
    if report.status == ReportStatus.ARCHIVED:
        raise Conflict(
            "This report is archived; it can no longer be changed.", code="invalid_state"
        )
    changed: list[str] = []
    if "name" in data:
        report.name = _clean_name(data["name"])
        changed.append("name")
    if "year_groups" in data:
        report.year_groups = _clean_years(data["year_groups"])
        changed.append("year_groups")
    if "fields" in data:
        report.fields = _clean_fields(access, data["fields"] or [])
        changed.append("fields")
    chosen = None
    if "licence_types" in data:
        chosen = licence_types_from_ids(access.school, data["licence_types"] or [])
    with transaction.atomic():
        if changed:
            report.save(update_fields=changed)
        if chosen is not None:
            report.licence_types.set(chosen)
            changed.append("licence_types")
        audit.record(access.user, "report.changed", report, changed=changed)
    return report


def _clean_name(raw: Any) -> str:
    name = " ".join(str(raw or "").split())
    if not name or len(name) > 120:
        raise invalid_field("name", "Give the report a name (at most 120 characters).")
    return name


def _clean_years(raw: Any) -> list[int]:
    years = raw or []
    if (
        not years
        or not isinstance(years, list)
        or not all(isinstance(y, int) and not isinstance(y, bool) and 0 <= y <= 15 for y in years)
    ):
        raise invalid_field("year_groups", "Choose at least one year group (codes 0 to 15).")
    return sorted(set(years))


def _clean_fields(access: SchoolAccess, raw: list[Any]) -> list[dict[str, str]]:
    """Field keys (or {key, heading}) in order; each must be one of the school's fields."""
    items = [r if isinstance(r, dict) else {"key": str(r), "heading": ""} for r in raw]
    if not items:
        raise invalid_field("fields", "Choose the tracking fields the report shows.")
    keys = [str(i.get("key", "")) for i in items]
    known = set(
        TrackingField.objects.filter(school=access.school, key__in=keys).values_list(
            "key", flat=True
        )
    )
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise invalid_field("fields", f"Unknown tracking field(s): {', '.join(unknown)}.")
    if len(set(keys)) != len(keys):
        raise invalid_field("fields", "A field appears twice.")
    return [{"key": str(i["key"]), "heading": str(i.get("heading") or "")[:120]} for i in items]


def do_set_status(access: SchoolAccess, report: Report, status: str) -> Report:
    """active -> ended -> archived. Ended and archived reports are visible externally."""
    access.require_admin("Only school admins can end or archive reports.")
    allowed = {
        ReportStatus.ENDED: (ReportStatus.ACTIVE,),
        ReportStatus.ARCHIVED: (ReportStatus.ACTIVE, ReportStatus.ENDED),
    }
    if report.status not in allowed[ReportStatus(status)]:
        raise Conflict(
            f"This report is {report.status}; it cannot become {status}.", code="invalid_state"
        )
    with transaction.atomic():
        report.status = status
        report.save(update_fields=["status"])
        audit.record(access.user, f"report.{status}", report)
    return report


def do_start_print_run(
    access: SchoolAccess,
    report: Report,
    paper_only: bool,
    filters: dict[str, str] | None = None,
) -> PrintRun:
    """`filters`: sex, sen_status, sen_need (already cleaned, see `pupils.filters`)."""
    access.require_admin("Only school admins can produce print runs.")
    filters = filters or {}
    with transaction.atomic():
        run = PrintRun.objects.create(
            school=access.school,
            report=report,
            paper_only=bool(paper_only),
            filters=filters,
            created_by=access.user,
            total=len(print_pupils(report, paper_only, filters)),
        )
        audit.record(
            access.user,
            "report.print_run_started",
            run,
            paper_only=bool(paper_only),
            **({"filters": filters} if filters else {}),
        )
        from .tasks import make_print_run

        transaction.on_commit(lambda: enqueue(make_print_run, str(run.pk)))
    return run


def do_set_logo(access: SchoolAccess, filename: str, data: bytes) -> None:
    """A PNG or JPEG for report headers (type judged from the content)."""
    from pupilhub.documents.filecheck import check_upload

    access.require_admin("Only school admins can change the logo.")
    kind = check_upload(filename or "logo", data)
    if kind.content_type not in ("image/png", "image/jpeg"):
        raise Invalid(
            "The logo must be a PNG or JPEG image.", fields={"file": ["PNG or JPEG only."]}
        )
    from pupilhub.core.images import normalise_logo

    png = normalise_logo(data)  # decoded in full now, so a bad file never reaches a report
    school = access.school
    with transaction.atomic():
        old = school.logo.name if school.logo else ""
        school.logo.save(f"{school.pk}-logo.png", ContentFile(png), save=False)
        school.save(update_fields=["logo"])
        audit.record(access.user, "school.logo_changed", school)
    if old:
        school.logo.storage.delete(old)
