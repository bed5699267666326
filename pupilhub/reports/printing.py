"""Compiling reports: print runs (a job writing one PDF a pupil into one file) and the
PDF an external user downloads (an audited read)."""

import logging
import tempfile
from typing import Any

from django.core.files.base import File
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from pupilhub.core import audit, heartbeat
from pupilhub.gateway.choices import LicenceKind
from pupilhub.gateway.models import ExternalDenial, ExternalLink
from pupilhub.pupils import filters as pupil_filters
from pupilhub.pupils.models import Pupil

from . import compile as compiler
from .models import PrintRun, Report, RunStatus

log = logging.getLogger(__name__)


def print_pupils(
    report: Report, paper_only: bool, filters: dict[str, str] | None = None
) -> list[Pupil]:
    """Active pupils of the report's year groups, tutor group then surname order; `filters`
    narrow them by sex, SEN status or SEN need (see `pupils.filters`).

    With `paper_only`, a pupil is left out when at least one verified Parent/Guardian
    account linked to them (and not denied by the school) reads reports online.
    """
    pupils = Pupil.objects.filter(
        school=report.school_id, status="active", year_group__in=report.year_groups
    )
    if paper_only:
        online = ExternalLink.objects.filter(
            pupil=OuterRef("pk"),
            licence_type__kind=LicenceKind.PARENT,
            paperless_reports=True,
            user__email_verified_at__isnull=False,
            user__is_active=True,
        ).exclude(user__in=ExternalDenial.objects.filter(school=report.school_id).values("user"))
        pupils = pupils.exclude(Exists(online))
    return list(
        pupil_filters.apply(pupils, filters or {}).order_by(
            "tutor_group", "surname", "first_name", "id"
        )
    )


def run_print(run_id: Any) -> None:
    """The Celery job: compile every included pupil's report into one PDF, with progress."""
    # Queued, or running with no sign of life for 10 minutes (its worker died: a
    # redelivered task takes it over instead of leaving the page at "200 of 1000").
    silent = Q(status=RunStatus.RUNNING, heartbeat_at__lt=heartbeat.stale_before())
    claimed = PrintRun.objects.filter(Q(status=RunStatus.QUEUED) | silent, pk=run_id).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return  # already done or taken by a live worker
    run = PrintRun.objects.select_related("report__school").get(pk=run_id)
    pupils = print_pupils(run.report, run.paper_only, run.filters)
    PrintRun.objects.filter(pk=run.pk).update(total=len(pupils), done=0)

    def progress(done: int) -> None:
        if done % 25 == 0 or done == len(pupils):
            PrintRun.objects.filter(pk=run.pk).update(done=done, heartbeat_at=timezone.now())

    stats: dict[str, int] = {}
    try:
        # Written to a temporary file as it is laid out, then copied to storage in chunks.
        with tempfile.TemporaryFile() as handle:
            compiler.write_print_run(run.report, pupils, handle, progress, stats)
            handle.seek(0)
            run.file.save(f"{run.pk}.pdf", File(handle), save=False)
    except Exception as exc:
        log.exception("print run failed")
        PrintRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=type(exc).__name__)
        return
    PrintRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        done=len(pupils),
        pages=stats.get("pages", 0),
        file=run.file.name,
        finished_at=timezone.now(),
    )


def sweep_stale(now: Any = None) -> dict[str, int]:
    """Print runs whose worker went silent: queued again (the page shows it), or failed
    after 3 tries. Returns {"requeued": n, "failed": n}."""
    from pupilhub.core.outbox import enqueue

    from .tasks import make_print_run

    result = {"requeued": 0, "failed": 0}
    silent = PrintRun.objects.filter(
        status=RunStatus.RUNNING, heartbeat_at__lt=heartbeat.stale_before(now)
    )
    for run in silent:
        if run.requeued >= heartbeat.MAX_REQUEUES:
            failed = PrintRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED, error="The job stopped responding; start it again."
            )
            result["failed"] += failed
            continue
        if PrintRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.QUEUED, requeued=F("requeued") + 1
        ):
            enqueue(make_print_run, str(run.pk))
            result["requeued"] += 1
    return result


def external_report_pdf(user: Any, link_id: Any, report_id: Any) -> tuple[Report, bytes]:
    """A family's copy, compiled now with what their licence type may see; audited,
    since it leaves the platform."""
    from pupilhub.gateway.access import link_for

    from .access import external_report

    link = link_for(user, link_id)
    report = external_report(link.pupil, link.licence_type, report_id)
    data = compiler.report_pdf(report, link.pupil, link.licence_type)
    audit.record(user, "report.downloaded", report, school=link.school, pupil=str(link.pupil_id))
    return report, data
