"""The daily retention job: what each school's policy says is past keeping is purged,
files included, and audited with counts only. Running it twice changes nothing the
second time (every step selects only what is still there to purge).

Per school: deleted records past `deleted_documents_days` (with their files'
bytes); print-run PDFs past `print_runs_days`; the addresses and merge names of sent
mail past `sent_mail_days`; leavers (archived pupils) past `leavers_years` from their
date of birth, every record of theirs (safeguarding included) with them, but only once
the Main School Admin was told at least a month before. For the platform: throttle rows,
login holds, expired tokens and invitations.
"""

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from pupilhub.accounts import actions as accounts
from pupilhub.core import audit, emails
from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import Attachment, SafeguardingIssue
from pupilhub.documents.registry import DOC_TYPES
from pupilhub.messaging.models import Delivery, DeliveryStatus, Message
from pupilhub.messaging.recipients import counts_for
from pupilhub.pupils.models import Pupil, PupilStatus
from pupilhub.reports.models import PrintRun, RunStatus
from pupilhub.schools import actions as schools
from pupilhub.schools.access import main_admin_of
from pupilhub.schools.models import School

from .actions import apply_due_shortening
from .models import LIMITS, LeaverNotice, RetentionPolicy
from .retention import (
    LEAVER_FLOOR_YEARS,
    NOTICE_DAYS,
    SAFEGUARDING_DELETED_FLOOR_DAYS,
    SAFEGUARDING_FLOOR_YEARS,
    SHORTENING_DAYS,
    born_by,
    policy_for,
)

log = logging.getLogger(__name__)

INVITATION_GRACE = timedelta(days=30)  # an expired invitation stays visible (to resend)


def purge_all(now: datetime | None = None) -> dict[str, int]:
    """Every school, then the platform's own expired rows. Counts only."""
    now = now or timezone.now()
    totals: Counter[str] = Counter()
    wanted = schools_with_work(now)
    for school in School.objects.order_by("pk").iterator():
        if school.pk not in wanted:
            continue  # nothing of theirs can be due tonight: no 34 queries for nothing
        try:
            totals.update(purge_school(school, now, wanted[school.pk]))
        except Exception:
            # One school's failure (a mail server down, a file that will not go) never
            # costs the schools after it their night's purge; it is tried again tomorrow.
            log.exception("retention purge failed for a school", extra={"school": str(school.pk)})
            totals["schools_failed"] += 1
    totals.update(purge_platform(now))
    return {k: v for k, v in sorted(totals.items()) if v}


KINDS = frozenset({"deleted", "print_runs", "sent_mail", "delivery_rows", "leavers"})


def schools_with_work(now: datetime) -> dict[Any, set[str]]:
    """Every school that may have something to purge or notice tonight, with the kinds
    (KINDS) it may have: a superset, found with one query a kind across all schools, so
    that 24,000 schools cost seconds plus what is due, not 34 queries each (13 minutes a
    night was measured in `make bench-scale`).

    Each query is looser than `purge_school`'s own: it uses the shortest setting any
    school has (or the default), and the later of the two dates a leaver is checked on.
    A school with a shortening waiting is visited for every kind; one with leaver notices
    for its leavers."""
    today = timezone.localdate(now)
    shortest = {
        name: min(
            [LIMITS[name][0], *RetentionPolicy.objects.values_list(name, flat=True).distinct()]
        )
        for name in LIMITS
    }
    found: dict[Any, set[str]] = {}

    def add(kind: str, school_ids: Any) -> None:
        for school_id in school_ids:
            found.setdefault(school_id, set()).add(kind)

    waiting = list(
        RetentionPolicy.objects.filter(pending_on__isnull=False).values_list("school_id", flat=True)
    )
    for kind in KINDS:  # a shorter setting may take effect tonight: everything is looked at
        add(kind, waiting)
    deleted_before = now - timedelta(days=shortest["deleted_documents_days"])
    for dtype in DOC_TYPES:
        model: Any = dtype.model
        add(
            "deleted",
            model.objects.filter(deleted_at__lt=deleted_before)
            .values_list("school_id", flat=True)
            .distinct(),
        )
    add(
        "print_runs",
        PrintRun.objects.filter(
            created_at__lt=now - timedelta(days=shortest["print_runs_days"]),
            status__in=[RunStatus.DONE, RunStatus.FAILED],
        )
        .values_list("school_id", flat=True)
        .distinct(),
    )
    add(
        "sent_mail",
        Delivery.objects.filter(
            message__created_at__lt=now - timedelta(days=shortest["sent_mail_days"])
        )
        .exclude(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
        .exclude(email="")
        .values_list("message__school_id", flat=True)
        .distinct(),
    )
    add(
        "delivery_rows",
        Message.objects.filter(
            created_at__lt=now - timedelta(days=settings.DELIVERY_ROWS_KEPT_DAYS),
            final_counts__isnull=True,
        )
        .values_list("school_id", flat=True)
        .distinct(),
    )
    soon = today + timedelta(days=NOTICE_DAYS)  # the notice looks a month ahead
    add(
        "leavers",
        Pupil.objects.filter(
            status=PupilStatus.ARCHIVED,
            date_of_birth__lte=born_by(soon, shortest["leavers_years"]),
        )
        .values_list("school_id", flat=True)
        .distinct(),
    )
    add("leavers", LeaverNotice.objects.values_list("school_id", flat=True).distinct())
    return found


REVOKED_KEYS_KEPT = timedelta(days=365)  # a revoked licence key's row, then it goes
PENDING_LINKS_KEPT = timedelta(days=7)  # a pupil registered again, never confirmed


def purge_platform(now: datetime) -> dict[str, int]:
    from pupilhub.gateway.models import LicenceKey, PendingLink

    counts = accounts.purge_expired()
    counts["invitations"] = schools.purge_expired_invitations(now - INVITATION_GRACE)
    # Accounts linked with a key keep their link (the link's key becomes empty).
    counts["revoked_keys"] = LicenceKey.objects.filter(
        revoked_at__lt=now - REVOKED_KEYS_KEPT
    ).delete()[0]
    counts["audit_events"] = _audit_events(now)
    counts["pending_links"] = PendingLink.objects.filter(
        created_at__lt=now - PENDING_LINKS_KEPT
    ).delete()[0]
    from pupilhub.schools.exports import purge_expired as expired_exports

    counts["audit_exports"] = expired_exports(now)
    if any(counts.values()):
        audit.record(None, "retention.purged", counts=counts)
    return counts


def purge_school(
    school: School, now: datetime, kinds: "set[str] | frozenset[str]" = KINDS
) -> dict[str, int]:
    """One school's night; `kinds` leaves out what `schools_with_work` found nothing of."""
    policy = policy_for(school)
    today = timezone.localdate(now)
    if policy.pk is not None:
        apply_due_shortening(policy, today)
    counts: Counter[str] = Counter()
    hidden: Counter[str] = Counter()  # safeguarding: audited apart, under its own rule
    if "deleted" in kinds:
        _deleted_records(school, now, policy.deleted_documents_days, counts, hidden)
    if "print_runs" in kinds:
        counts["print_runs"] = _print_runs(school, now - timedelta(days=policy.print_runs_days))
    if "sent_mail" in kinds:
        cutoff = now - timedelta(days=policy.sent_mail_days)
        counts["sent_mail_addresses"] = _sent_mail(school, cutoff)
    if "delivery_rows" in kinds:
        cutoff = now - timedelta(days=settings.DELIVERY_ROWS_KEPT_DAYS)
        counts["delivery_rows"] = _delivery_rows(school, cutoff)
    noticed = 0
    if "leavers" in kinds:
        counts["leavers"] = _leavers(school, today, policy.leavers_years, counts, hidden)
        noticed = _notice_leavers(school, today, policy.leavers_years)
    if noticed:
        audit.record(None, "retention.leavers_noticed", school=school, leavers=noticed)
    if any(counts.values()):
        audit.record(None, "retention.purged", school=school, counts=dict(counts))
    if any(hidden.values()):
        audit.record(None, "safeguarding_issue.purged", school=school, counts=dict(hidden))
    return dict(counts + hidden + Counter(leavers_noticed=noticed))


def _deleted_records(
    school: School, now: datetime, days: int, counts: Counter[str], hidden: Counter[str]
) -> None:
    """Deleted records past the restore window: the row, its action log, its file. A
    deleted safeguarding record stays at least 30 days whatever the policy."""
    cutoff = now - timedelta(days=days)
    floor = now - timedelta(days=SAFEGUARDING_DELETED_FLOOR_DAYS)
    for dtype in DOC_TYPES:
        model: Any = dtype.model
        limit = min(cutoff, floor) if dtype.safeguarding else cutoff
        stale = model.objects.filter(school=school, deleted_at__lt=limit)
        names = list(stale.values_list("file", flat=True)) if model is Attachment else []
        with transaction.atomic():
            removed = stale.delete()[1].get(model._meta.label, 0)
        _remove_files(names)
        (hidden if dtype.safeguarding else counts)["deleted_records"] += removed
        counts["files"] += len(names)


def _print_runs(school: School, cutoff: datetime) -> int:
    finished = PrintRun.objects.filter(
        school=school, created_at__lt=cutoff, status__in=[RunStatus.DONE, RunStatus.FAILED]
    )
    names = [n for n in finished.values_list("file", flat=True) if n]
    removed = finished.delete()[1].get(PrintRun._meta.label, 0)
    _remove_files(names)
    return removed


def _sent_mail(school: School, cutoff: datetime) -> int:
    """The message stays (what the school wrote, and to how many); who it went to goes."""
    return (
        # Only rows still holding an address (both are blanked together): a partial
        # index holds just those, so the nightly run never re-reads the blanked history.
        Delivery.objects.filter(message__school=school, message__created_at__lt=cutoff)
        .exclude(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING])
        .exclude(email="")
        .update(email="", pupil_names="")
    )


def _delivery_rows(school: School, cutoff: datetime) -> int:
    """Messages older than DELIVERY_ROWS_KEPT_DAYS keep their counts by status; the row a
    recipient had goes (its unsubscribe link has lapsed). A message still sending waits."""
    gone = 0
    old = Message.objects.filter(school=school, created_at__lt=cutoff, final_counts__isnull=True)
    for message in old.order_by("created_at").iterator():
        rows = Delivery.objects.filter(message=message)
        if rows.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]).exists():
            continue
        with transaction.atomic():
            message.final_counts = counts_for([message])[message.pk]
            message.save(update_fields=["final_counts"])
            gone += rows.delete()[0]
    return gone


AUDIT_BATCH = 10_000


def _audit_events(now: datetime) -> int:
    """Audit events past AUDIT_EVENTS_KEPT_YEARS, those about safeguarding records past 25
    years: one school at a time on its (school, at) index, in batches, so the night costs
    an index probe a school when nothing is due and never one long lock."""
    plain = now - timedelta(days=365 * settings.AUDIT_EVENTS_KEPT_YEARS + 2)
    guarded = now - timedelta(days=365 * SAFEGUARDING_FLOOR_YEARS + 7)
    gone = 0
    schools_ids: list[Any] = [None, *School.objects.order_by("pk").values_list("pk", flat=True)]
    due = Q(safeguarding=False) | Q(safeguarding=True, at__lt=guarded)
    for school_id in schools_ids:
        while True:  # one index probe a school when nothing is due
            batch = AuditEvent.objects.filter(due, school_id=school_id, at__lt=plain)
            done = AuditEvent.objects.filter(
                pk__in=Subquery(batch.values("pk")[:AUDIT_BATCH])
            ).expire()
            gone += done
            if done < AUDIT_BATCH:
                break
    return gone


def _leavers_past(school: School, today: date, years: int) -> Any:
    """Leavers past the policy and past the floors: a leaver with any safeguarding record
    (deleted ones included) only from 25 years after birth; any other leaver only once
    their record has been unchanged for 6 years (leaving was its last change at the
    latest), so a hasty short policy never removes a recent leaver."""
    leavers = Pupil.objects.filter(school=school, status=PupilStatus.ARCHIVED)
    with_concerns = SafeguardingIssue.objects.filter(school=school).values("pupil_id")
    plain = leavers.exclude(pk__in=with_concerns).filter(
        date_of_birth__lte=born_by(today, years),
        updated_at__date__lte=born_by(today, LEAVER_FLOOR_YEARS),
    )
    guarded = leavers.filter(
        pk__in=with_concerns,
        date_of_birth__lte=born_by(today, max(years, SAFEGUARDING_FLOOR_YEARS)),
    )
    return plain | guarded


def leavers_newly_due(school: School, years: int, today: date | None = None) -> dict[str, Any]:
    """What a shorter leavers' period would do: how many leavers' records it would remove
    that the current policy keeps, and the first day they could go (the shortening waits
    30 days, then the Main School Admin's month of notice)."""
    today = today or timezone.localdate()
    policy = policy_for(school)
    first_day = today + timedelta(days=SHORTENING_DAYS + NOTICE_DAYS)
    if years >= policy.leavers_years:
        return {"count": 0, "on": first_day}
    kept_now = _leavers_past(school, first_day, policy.leavers_years).values("pk")
    extra = _leavers_past(school, first_day, years).exclude(pk__in=kept_now)
    return {"count": extra.count(), "on": first_day}


def _notice_leavers(school: School, today: date, years: int) -> int:
    """Tell the Main School Admin, a month ahead, which leavers' records will go (once a
    pupil). A notice whose pupil came back on roll, or is no longer due, is withdrawn. A
    notice is marked sent, and its month starts, only once the mail has gone: a failed
    mail is sent again the next night, and nobody is purged meanwhile."""
    soon = today + timedelta(days=NOTICE_DAYS)
    notices = LeaverNotice.objects.filter(school=school)
    due_soon = _leavers_past(school, soon, years)
    notices.exclude(pupil__in=due_soon.values("pk")).delete()
    fresh = list(due_soon.filter(leaver_notice__isnull=True).only("pk"))
    LeaverNotice.objects.bulk_create(
        [LeaverNotice(school=school, pupil=p, purge_on=soon) for p in fresh]
    )
    unsent = notices.filter(sent_at__isnull=True)
    count = unsent.count()
    head = main_admin_of(school)
    if not count or head is None:
        return 0
    context = {"user": head, "school": school, "count": count, "purge_on": soon}
    emails.send_now("leavers_due", head.email, context)  # raises if the mail cannot go
    unsent.update(sent_at=timezone.now(), purge_on=soon)
    return count


def _leavers(
    school: School, today: date, years: int, counts: Counter[str], hidden: Counter[str]
) -> int:
    """Leavers past retention whose notice is at least a month old: every record goes."""
    due = list(
        _leavers_past(school, today, years)
        .filter(leaver_notice__purge_on__lte=today, leaver_notice__sent_at__isnull=False)
        .values_list("pk", flat=True)
    )
    if not due:
        return 0
    names = list(Attachment.objects.filter(pupil__in=due).values_list("file", flat=True))
    with transaction.atomic():
        hidden["leaver_records"] += SafeguardingIssue.objects.filter(pupil__in=due).count()
        Pupil.objects.filter(pk__in=due).delete()
    _remove_files(names)
    counts["files"] += len(names)
    return len(due)


def _remove_files(names: list[Any]) -> None:
    """After the rows are gone: a file that cannot be removed now is logged (by its
    server-made name, never a person's) and left for an operator."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # storage down: the rows are gone, the bytes wait for an operator
            log.exception("retention: stored file %s could not be removed", name)
