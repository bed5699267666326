"""Large audit-log CSVs are made in the background (issue 33): a job writes the file to
storage a chunk at a time, counting progress; the requester downloads it for a day. A
selection small enough still streams at once."""

import io
import tempfile
from datetime import timedelta
from typing import Any

from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import NotFound
from pupilhub.core.keyset import keyset_page
from pupilhub.core.outbox import enqueue
from pupilhub.core.sheets import SafeWriter

from . import audit_log, visibility
from .access import SchoolAccess, parse_id
from .models import AuditExport

INLINE_UP_TO = 20_000  # rows streamed in the request; more go to a background job
CHUNK = 5_000
KEPT = timedelta(days=1)  # a finished file is the requester's for this long


def too_big_to_stream(found: Any) -> bool:
    """Counted up to the limit, never the whole history."""
    return found.order_by()[: INLINE_UP_TO + 1].count() > INLINE_UP_TO


@transaction.atomic
def do_start_audit_export(access: SchoolAccess, filters: audit_log.Filters) -> AuditExport:
    access.require_admin("Only school admins can read the audit log.")
    job = AuditExport.objects.create(
        school=access.school,
        requested_by=access.user,
        filters=filters.query(),
        with_safeguarding=visibility.sees_safeguarding(access),
        expires_at=timezone.now() + KEPT,
    )
    audit.record(access.user, "audit.export_started", job, school=access.school)
    job_id = str(job.pk)
    from . import tasks

    transaction.on_commit(lambda: enqueue(tasks.make_audit_export, job_id))
    return job


def job_for(access: SchoolAccess, job_id: Any) -> AuditExport:
    """The caller's own export at this school (another admin's is not theirs to take)."""
    job = AuditExport.objects.filter(
        school=access.school, pk=parse_id(job_id), requested_by=access.user
    ).first()
    if job is None:
        raise NotFound()
    return job


def make(job_id: Any) -> None:
    """The job: the selection a chunk at a time (keyset, so the last chunk costs what the
    first did), written to a temporary file, then to storage; progress after each chunk."""
    job = AuditExport.objects.select_related("school").filter(pk=job_id).first()
    if job is None or job.status == AuditExport.Status.DONE:
        return
    filters = audit_log.parse(job.filters)
    found = audit_log.selection(job.school, filters, job.with_safeguarding)
    AuditExport.objects.filter(pk=job.pk).update(
        status=AuditExport.Status.RUNNING, total=found.count(), done=0, heartbeat_at=timezone.now()
    )
    try:
        with tempfile.TemporaryFile() as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = SafeWriter(text)
            writer.writerow(audit_log.COLUMNS)
            done, last = 0, None
            while True:
                rows, last = keyset_page(found, audit_log.ORDER, last, CHUNK)
                for event in rows:
                    r = audit_log.row(event)
                    writer.writerow(
                        [r["at"].isoformat(), *(r[c] or "" for c in audit_log.COLUMNS[1:])]
                    )
                done += len(rows)
                AuditExport.objects.filter(pk=job.pk).update(done=done, heartbeat_at=timezone.now())
                if last is None:
                    break
            text.flush()
            raw.seek(0)
            name = f"audit-events-{timezone.localdate():%Y-%m-%d}.csv"
            job.file.save(name, File(raw), save=False)
            text.detach()
    except Exception:
        AuditExport.objects.filter(pk=job.pk).update(status=AuditExport.Status.FAILED)
        raise
    AuditExport.objects.filter(pk=job.pk).update(
        status=AuditExport.Status.DONE,
        file=job.file.name,
        finished_at=timezone.now(),
        expires_at=timezone.now() + KEPT,
    )


STALE = timedelta(minutes=10)  # no chunk written for this long: the worker died
REQUEUES = 3


def sweep_stale(now: Any = None) -> dict[str, int]:
    """Exports whose job went silent (a killed worker, a lost message): queued again from
    the start (a CSV is rewritten whole), or failed after three tries; never left
    'running' for ever."""
    now = now or timezone.now()
    silent = AuditExport.objects.filter(
        status__in=[AuditExport.Status.QUEUED, AuditExport.Status.RUNNING]
    ).filter(
        models.Q(heartbeat_at__lt=now - STALE)
        | models.Q(heartbeat_at__isnull=True, created_at__lt=now - STALE)
    )
    counts = {"requeued": 0, "failed": 0}
    from . import tasks

    for job in silent:
        if job.requeued >= REQUEUES:
            AuditExport.objects.filter(pk=job.pk).update(status=AuditExport.Status.FAILED)
            counts["failed"] += 1
            continue
        claimed = AuditExport.objects.filter(pk=job.pk, requeued=job.requeued).update(
            status=AuditExport.Status.QUEUED, requeued=job.requeued + 1, heartbeat_at=now
        )
        if claimed:
            enqueue(tasks.make_audit_export, str(job.pk))
            counts["requeued"] += 1
    return counts


def purge_expired(now: Any) -> int:
    """Finished files past their day, and their rows (the nightly purge)."""
    gone = 0
    for job in AuditExport.objects.filter(expires_at__lt=now):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        gone += 1
    return gone


def download(access: SchoolAccess, job: AuditExport) -> Any:
    """The file, as an attachment (audited: who took a copy of the audit log, when)."""
    from django.http import FileResponse

    audit.record(access.user, "audit.exported", job, school=access.school)
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"audit-events-{job.created_at:%Y-%m-%d}.csv",
        content_type="text/csv; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response
