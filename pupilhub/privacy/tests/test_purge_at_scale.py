"""Issue 33: the nightly purge costs what is due, not 34 queries for every school on the
platform (24,000 schools with nothing due took 13 minutes a night in `make bench-scale`)."""

from datetime import timedelta

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


def test_schools_with_nothing_due_cost_the_night_nothing_each(personas):
    purge.purge_all()  # whatever the personas leave due goes first
    before = _queries()
    for n in range(12):
        make_pupil(make_school(f"Quiet {n}"))
    assert _queries() == before  # twelve more schools, not one query more


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
