"""Issue 33: the nightly purge costs what is due, not 34 queries for every school on the
platform (24,000 schools with nothing due took 13 minutes a night in `make bench-scale`)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pupilhub.documents.models import MeetingLog
from pupilhub.messaging.models import Delivery, DeliveryStatus, Message
from pupilhub.privacy import purge
from pupilhub.privacy.models import RetentionPolicy
from pupilhub.pupils.models import Pupil, PupilStatus
from pupilhub.testing import make_pupil, make_school


def _queries(now=None) -> int:
    with CaptureQueriesContext(connection) as q:
        purge.purge_all(now)
    return len(q.captured_queries)


def test_schools_with_nothing_due_cost_the_night_one_probe_each(personas):
    """34 queries a school were measured; now one: the audit retention's index probe."""
    purge.purge_all()  # whatever the personas leave due goes first
    before = _queries()
    for n in range(12):
        make_pupil(make_school(f"Quiet {n}"))
    assert _queries() == before + 12


def test_each_kind_of_due_record_still_brings_its_school_in(personas):
    quiet = make_school("Quiet")
    now = timezone.now()
    assert quiet.pk not in purge.schools_with_work(now)

    pupil = make_pupil(quiet)
    meeting = MeetingLog.objects.create(
        school=quiet,
        pupil=pupil,
        date=timezone.localdate(),
        meeting_type="review",
        deleted_at=now - timedelta(days=40),
    )
    assert quiet.pk in purge.schools_with_work(now)
    purge.purge_all(now)
    assert not MeetingLog.objects.filter(pk=meeting.pk).exists()
    assert quiet.pk not in purge.schools_with_work(now)

    # A school whose own setting is shorter than the default: its 10-day-old mail is due.
    RetentionPolicy.objects.create(school=quiet, sent_mail_days=10)
    message = Message.objects.create(
        school=quiet, subject="Trip", html_body="<p>x</p>", send_after=now
    )
    Message.objects.filter(pk=message.pk).update(created_at=now - timedelta(days=11))
    Delivery.objects.create(
        message=message,
        email="family@example.org",
        status=DeliveryStatus.SENT,
        next_attempt_at=now,
        mail_id="<m1@example.org>",
    )
    assert quiet.pk in purge.schools_with_work(now)
    assert purge.purge_all(now)["sent_mail_addresses"] == 1

    # A leaver nearing the end of the leavers' period (the notice goes a month ahead).
    Pupil.objects.filter(pk=pupil.pk).update(
        status=PupilStatus.ARCHIVED,
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 30),
        updated_at=now - timedelta(days=365 * 7),
    )
    assert quiet.pk in purge.schools_with_work(now)


# History that ends (issue 33): rows that grew for ever now leave at their retention. ----------


def _event_at(when, school, safeguarding=False):
    from unittest import mock

    from pupilhub.core.models import AuditEvent

    with mock.patch("django.utils.timezone.now", return_value=when):
        return AuditEvent.objects.create(
            school=school, action="pupil.viewed", actor_kind="system", safeguarding=safeguarding
        )


def test_audit_events_leave_after_seven_years_and_safeguarding_ones_after_25(personas, settings):
    from pupilhub.core.models import AuditEvent

    settings.AUDIT_EVENTS_KEPT_YEARS = 7
    now = timezone.now()
    school = personas.school_a
    recent = _event_at(now - timedelta(days=365 * 6), school)
    old = _event_at(now - timedelta(days=365 * 8), school)
    platform_old = _event_at(now - timedelta(days=365 * 8), None)
    concern_read = _event_at(now - timedelta(days=365 * 8), school, safeguarding=True)
    ancient_concern = _event_at(now - timedelta(days=365 * 26), school, safeguarding=True)
    counts = purge.purge_all(now)
    left = set(AuditEvent.objects.values_list("pk", flat=True))
    assert recent.pk in left and concern_read.pk in left
    assert not {old.pk, platform_old.pk, ancient_concern.pk} & left
    assert counts["audit_events"] == 3
    # Audit events stay insert-only for everything else.
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=recent.pk).delete()


def test_delivery_rows_leave_after_400_days_and_the_message_keeps_its_counts(personas, settings):
    settings.DELIVERY_ROWS_KEPT_DAYS = 400
    now = timezone.now()

    def message(days_old, statuses):
        m = Message.objects.create(
            school=personas.school_a, subject="Trip", html_body="<p>x</p>", send_after=now
        )
        Message.objects.filter(pk=m.pk).update(created_at=now - timedelta(days=days_old))
        for i, status in enumerate(statuses):
            Delivery.objects.create(
                message=m, status=status, next_attempt_at=now, mail_id=f"<{m.pk}.{i}@example.org>"
            )
        return m

    old = message(401, ["sent", "sent", "failed"])
    young = message(399, ["sent"])
    stuck = message(401, ["sent", "queued"])  # still sending: it waits
    counts = purge.purge_all(now)
    assert counts["delivery_rows"] == 3
    assert not Delivery.objects.filter(message=old).exists()
    assert Delivery.objects.filter(message=young).count() == 1
    assert Delivery.objects.filter(message=stuck).count() == 2
    old.refresh_from_db()
    assert old.final_counts["sent"] == 2 and old.final_counts["failed"] == 1
    listed = personas.api("admin").get(f"/schools/{personas.school_a.id}/messages").json()
    shown = next(m for m in listed["items"] if m["id"] == str(old.pk))
    assert shown["sent"] == 2 and shown["failed"] == 1
    assert purge.purge_all(now).get("delivery_rows", 0) == 0  # once
