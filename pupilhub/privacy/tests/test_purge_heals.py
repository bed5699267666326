"""Issue 27: the leavers' notice is marked sent only once the mail has gone, and one
school's failure never costs the schools after it their night's purge."""

from datetime import date, timedelta

from django.utils import timezone

from pupilhub.core import emails
from pupilhub.privacy import purge
from pupilhub.privacy.models import LeaverNotice
from pupilhub.pupils.models import Pupil
from pupilhub.testing import make_pupil, make_school, make_staff


def _leaver(school):
    """Left long ago: past the policy and past the 6-year floor for leavers."""
    from pupilhub.pupils.models import Pupil

    today = timezone.localdate()
    pupil = make_pupil(school, date_of_birth=date(today.year - 26, 1, 1), status="archived")
    Pupil.objects.filter(pk=pupil.pk).update(updated_at=timezone.now() - timedelta(days=7 * 365))
    return pupil


def test_a_notice_whose_mail_failed_is_sent_again_and_nobody_is_purged_meanwhile(
    personas, mailoutbox, monkeypatch
):
    leaver = _leaver(personas.school_a)
    real_send = emails.send_now

    def relay_down(*args, **kwargs):
        raise ConnectionRefusedError("relay down")

    monkeypatch.setattr(emails, "send_now", relay_down)
    counts = purge.purge_all()
    assert counts["schools_failed"] == 1 and not mailoutbox
    notice = LeaverNotice.objects.get(pupil=leaver)
    assert notice.sent_at is None
    # A month on, the head has still not been told: the leaver stays.
    later = timezone.now() + timedelta(days=31)
    purge.purge_all(now=later)
    assert Pupil.objects.filter(pk=leaver.pk).exists()
    monkeypatch.setattr(emails, "send_now", real_send)
    counts = purge.purge_all(now=later)
    assert counts["leavers_noticed"] == 1 and len(mailoutbox) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.purge_on == timezone.localdate(later) + timedelta(days=30)
    assert Pupil.objects.filter(pk=leaver.pk).exists()  # the month starts from the mail
    purge.purge_all(now=later + timedelta(days=31))
    assert not Pupil.objects.filter(pk=leaver.pk).exists()


def test_one_schools_failure_does_not_skip_the_schools_after_it(personas, monkeypatch):
    other = make_school("Z school")  # ordered by id: either side of the failing one
    make_staff(other, "main_admin")
    broken = personas.school_a.pk
    real = purge.purge_school

    def purge_school(school, now, kinds=purge.KINDS):
        if school.pk == broken:
            raise RuntimeError("disk error")
        return real(school, now, kinds)

    monkeypatch.setattr(purge, "purge_school", purge_school)
    _leaver(other)
    _leaver(personas.school_a)  # something due there too: the night visits it, and it fails
    counts = purge.purge_all()
    assert counts["schools_failed"] == 1 and counts["leavers_noticed"] == 1


def test_refused_recipients_addresses_go_with_sent_mail_addresses(personas):
    from pupilhub.messaging.models import Delivery, Message

    message = Message.objects.create(
        school=personas.school_a, subject="s", html_body="b", send_after=timezone.now()
    )
    for n, status in enumerate(("sent", "failed", "cancelled", "queued")):
        Delivery.objects.create(
            message=message,
            email=f"p{n}@example.org",
            status=status,
            next_attempt_at=timezone.now(),
            mail_id=f"<{n}@x>",
        )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=91))
    purge.purge_all()
    left = dict(Delivery.objects.values_list("status", "email"))
    assert left == {"sent": "", "failed": "", "cancelled": "", "queued": "p3@example.org"}


def test_history_that_ends_sessions_revoked_keys_and_unconfirmed_pending_links(personas):
    """Issue 33, item 6: sessions (nothing ran clearsessions) and revoked keys grew forever."""
    from datetime import timedelta

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from pupilhub.gateway import licences
    from pupilhub.gateway.models import LicenceKey, LicenceType
    from pupilhub.privacy import purge
    from pupilhub.schools.access import staff_access

    old = SessionStore()
    old["x"] = 1
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    live = SessionStore()
    live["x"] = 1
    live.create()
    access = staff_access(personas.admin, personas.school_a.id)
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    licences.do_generate_keys(access, parent, [personas.pupil])
    licences.do_generate_keys(access, parent, [personas.pupil])  # revokes the first
    revoked = LicenceKey.objects.get(revoked_at__isnull=False)
    counts = purge.purge_all()
    assert counts.get("sessions") == 1
    assert Session.objects.filter(session_key=live.session_key).exists()
    assert LicenceKey.objects.filter(pk=revoked.pk).exists()  # kept a year
    LicenceKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now() - timedelta(days=400))
    purge.purge_all()
    assert not LicenceKey.objects.filter(pk=revoked.pk).exists()
    assert LicenceKey.objects.filter(revoked_at__isnull=True).count() == 1


def test_the_nightly_mail_purge_touches_only_rows_it_has_not_purged(personas):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pupilhub.messaging.models import Delivery, Message
    from pupilhub.privacy import purge

    message = Message.objects.create(
        school=personas.school_a, subject="x", html_body="<p>x</p>", send_after=timezone.now()
    )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=200))
    Delivery.objects.bulk_create(
        [
            Delivery(
                message=message,
                email=f"p{i}@example.com",
                pupil_names="Sam",
                status="sent",
                next_attempt_at=timezone.now(),
                mail_id=f"<{i}@x>",
            )
            for i in range(5)
        ]
    )
    first = purge.purge_all()
    assert first.get("sent_mail_addresses") == 5
    with CaptureQueriesContext(connection) as queries:
        second = purge.purge_all()
    assert not second.get("sent_mail_addresses")
    blanking = [
        q["sql"] for q in queries if "messaging_delivery" in q["sql"] and "UPDATE" in q["sql"]
    ]
    assert all("email" in sql for sql in blanking)
    assert set(Delivery.objects.values_list("email", flat=True)) == {""}
