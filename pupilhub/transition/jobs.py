"""Transition jobs: copying an approved request's pupils a chunk at a time (each pupil one
transaction, so a crash resumes where it stopped) and the daily overdue-safeguarding mail."""

import json
import logging
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from pupilhub.core import audit, emails, heartbeat
from pupilhub.core.sql import db_uuid
from pupilhub.documents import copying
from pupilhub.documents.registry import BY_TRANSFER_KEY, FILE, SAFEGUARDING
from pupilhub.schools.models import StaffMembership

from . import notices
from .auditing import audit_both
from .choices import ItemStatus, RequestStatus
from .matching import match
from .models import TransferItem, TransferRequest

log = logging.getLogger(__name__)


def school_days_after(start: date, days: int) -> date:
    """`days` school days (Monday to Friday) after `start`. Holidays are not known here."""
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def run_items(request_id: Any, item_ids: list[Any], actor: Any = None) -> None:
    """Copy the chosen items' documents, counting progress.

    Pupils go in chunks, one transaction a chunk; if a chunk fails it is rolled back
    and its pupils are redone one transaction each, so a failure leaves no partial
    copy for that pupil and costs no other pupil anything.
    """
    req = TransferRequest.objects.select_related("from_school", "to_school").get(pk=request_id)
    items = list(
        TransferItem.objects.filter(
            request=req, pk__in=item_ids, status=ItemStatus.PENDING
        ).select_related("pupil")
    )
    matches = match(req.to_school, req.from_school, [i.pupil_id for i in items])
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        if not _try_atomic(req, chunk, matches):
            for item in chunk:
                if not _try_atomic(req, [item], matches):
                    log.error("transfer item failed", extra={"item": str(item.pk)})
                    TransferItem.objects.filter(pk=item.pk).update(
                        status=ItemStatus.FAILED, reason="error"
                    )
        TransferRequest.objects.filter(pk=req.pk).update(
            done=F("done") + len(chunk), heartbeat_at=timezone.now()
        )
    _finish(req, actor)


def sweep_stale(now: Any = None) -> dict[str, int]:
    """Transfers whose copying went silent (a killed worker, a database restart): their
    pending pupils are queued again, or the request fails visibly after 3 tries (approving
    it again retries). Pupils already copied stay copied. Returns {"requeued", "failed"}."""
    from pupilhub.core.outbox import enqueue

    from .tasks import run_transfer

    result = {"requeued": 0, "failed": 0}
    silent = TransferRequest.objects.filter(
        status=RequestStatus.RUNNING, heartbeat_at__lt=heartbeat.stale_before(now)
    )
    for req in silent:
        if req.requeued >= heartbeat.MAX_REQUEUES:
            with transaction.atomic():
                TransferItem.objects.filter(request=req, status=ItemStatus.PENDING).update(
                    status=ItemStatus.FAILED, reason="stalled"
                )
                result["failed"] += TransferRequest.objects.filter(
                    pk=req.pk, status=RequestStatus.RUNNING
                ).update(status=RequestStatus.FAILED)
            continue
        pending = [
            str(i) for i in req.items.filter(status=ItemStatus.PENDING).values_list("pk", flat=True)
        ]
        if TransferRequest.objects.filter(pk=req.pk, status=RequestStatus.RUNNING).update(
            heartbeat_at=timezone.now(), requeued=F("requeued") + 1
        ):
            enqueue(run_transfer, str(req.pk), pending)
            result["requeued"] += 1
    return result


CHUNK = 50


def _try_atomic(req: TransferRequest, items: list[TransferItem], matches: Any) -> bool:
    written: list[Any] = []
    try:
        with transaction.atomic():
            _copy_items(req, items, matches, written)
    except Exception:
        copying.delete_files(written)
        if len(items) == 1:
            log.exception("transfer copy failed")
        return False
    return True


def _finish(req: TransferRequest, actor: Any) -> None:
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=req.pk)
        pending = locked.items.filter(status=ItemStatus.PENDING).exists()
        failed = locked.items.filter(status=ItemStatus.FAILED).exists()
        if pending:
            locked.status = RequestStatus.PENDING  # the rest await a decision
        else:
            locked.status = RequestStatus.FAILED if failed else RequestStatus.COMPLETED
        locked.save(update_fields=["status"])
        counts = dict(locked.items.values_list("status").annotate(n=Count("id")))
        audit_both(
            actor, "transfer.completed", locked, **{f"items_{k}": v for k, v in counts.items()}
        )
        if locked.status == RequestStatus.COMPLETED and counts.get(ItemStatus.TRANSFERRED):
            notices.records_landed(locked)


def _copy_items(
    req: TransferRequest, items: list[TransferItem], matches: Any, written: list[Any]
) -> None:
    """Decide and copy for these items inside the caller's transaction.

    Plain types are tallied and copied by the database (documents.copying: INSERT ...
    SELECT); files and safeguarding issues go through Python (bytes, action logs).
    """
    dtypes = [BY_TRANSFER_KEY[t] for t in req.document_types]
    in_sql = [d for d in dtypes if d not in (FILE, SAFEGUARDING)]
    in_python = [d for d in dtypes if d in (FILE, SAFEGUARDING)]
    partners = {i.pk: matches.exact.get(i.pupil_id) for i in items}
    pairs = [(p.pk, i.pupil_id) for i in items if (p := partners[i.pk]) is not None]
    tallies = {d.transfer_key: copying.tally(d, req.from_school, pairs) for d in in_sql}
    partner_ids = [src for src, _ in pairs]
    sources = {d.transfer_key: copying.sources(d, req.from_school, partner_ids) for d in in_python}
    copied = {
        d.transfer_key: copying.already_copied(
            d, [i.pupil_id for i in items], sources[d.transfer_key]
        )
        for d in in_python
    }
    new_rows: dict[str, list[Any]] = {d.transfer_key: [] for d in in_python}
    to_copy: list[tuple[Any, Any]] = []
    now = timezone.now()
    for item in items:
        partner = partners[item.pk]
        if partner is None:
            near = matches.near.get(item.pupil_id, [])
            item.status, item.reason = ItemStatus.SKIPPED, "no_match"
            item.differs = sorted({field for _, field in near})
            continue
        item.partner_pupil = partner
        live = {k: t.get(item.pupil_id, (0, 0)) for k, t in tallies.items()}
        mine = {d.transfer_key: sources[d.transfer_key].get(partner.pk, []) for d in in_python}
        if not any(n for n, _ in live.values()) and not any(mine.values()):
            item.status, item.reason = ItemStatus.SKIPPED, "no_documents"
            continue
        item.counts = {}
        for d in dtypes:
            key = d.transfer_key
            if key in live:
                item.counts[key] = live[key][1]
                continue
            fresh = [s for s in mine[key] if (item.pupil_id, s.pk) not in copied[key]]
            new_rows[key] += [
                copying.copy_of(d, s, item.pupil, req.from_school, req.to_school, now, written)
                for s in fresh
            ]
            item.counts[key] = len(fresh)
        item.status, item.reason = ItemStatus.TRANSFERRED, ""
        to_copy.append((partner.pk, item.pupil_id))
    for d in in_sql:
        copying.copy(d, req.from_school, req.to_school, to_copy, now)
    for d in in_python:
        rows = new_rows[d.transfer_key]
        d.model.objects.bulk_create(rows, batch_size=500)  # type: ignore[attr-defined]
        if d is SAFEGUARDING and rows:
            copying.copy_action_logs(rows)
    _save_items(items)


def _save_items(items: list[TransferItem]) -> None:
    """Every item's outcome by one prepared UPDATE run for each row (executemany): cheaper
    than bulk_update's single CASE expression, or an ORM update an item."""
    from django.db import connection

    table = TransferItem._meta.db_table
    json_in = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, reason = %s, differs = {json_in}, "  # noqa: S608
            f"partner_pupil_id = %s, counts = {json_in} WHERE id = %s",
            [
                (
                    item.status,
                    item.reason,
                    json.dumps(item.differs),
                    db_uuid(item.partner_pupil_id),
                    json.dumps(item.counts),
                    db_uuid(item.pk),
                )
                for item in items
            ],
        )


def notify_overdue(today: date) -> int:
    """Email the sending school's safeguarding leads about child-protection transfers past
    their 5-school-day due date (once per request). Returns how many requests."""
    due = TransferRequest.objects.filter(
        status=RequestStatus.PENDING,
        due_by__lt=today,
        overdue_notified_at__isnull=True,
    ).select_related("from_school", "to_school")
    sent = 0
    for req in due:
        claimed = TransferRequest.objects.filter(
            pk=req.pk, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=timezone.now())
        if not claimed:
            continue  # another worker took it
        leads = (
            StaffMembership.objects.active()
            .filter(school=req.from_school, safeguarding_lead=True)
            .select_related("user")
        )
        for lead in leads:
            emails.send_now(
                "safeguarding_transfer_overdue",
                lead.user.email,
                {"user": lead.user, "request": req},
            )
        audit.record(None, "transfer.overdue_notified", req, school=req.from_school)
        sent += 1
    return sent
