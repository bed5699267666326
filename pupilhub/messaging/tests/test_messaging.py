import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from pupilhub.gateway.models import ExternalDenial, LicenceType
from pupilhub.messaging import actions, dispatch
from pupilhub.messaging.models import Delivery
from pupilhub.testing import make_pupil

from .conftest import family

EVIL = (
    "<p>Hello {{ pupil_first_name }}'s family,</p><script>alert(1)</script>"
    '<p><img src=x onerror="alert(2)"><a href="javascript:alert(3)">click</a> '
    '<a href="https://example.org/trip">the trip letter</a></p><ul><li><strong>Bring</strong> a coat</li></ul>'
    "<p>{{ school_name }}</p>"
)


def _queue(personas, who="teacher", **extra):
    parent = LicenceType.objects.get(school=personas.school_a, kind="parent")
    body = {
        "subject": "Trip on Friday",
        "html_body": EVIL,
        "year_groups": [8],
        "licence_types": [str(parent.id)],
    }
    body.update(extra)
    return personas.api(who).post(f"/schools/{personas.school_a.id}/messages", body)


def test_a_message_is_queued_and_dispatched_over_real_smtp(personas, smtp_sink):
    sibling = make_pupil(personas.school_a, first_name="Amelia", year_group=8)
    family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, sibling, "mum@example.com")  # two chosen pupils: one email
    family(personas.school_a, personas.pupil, "dad@example.com")
    family(personas.school_a, personas.pupil, "unverified@example.com", verified=False)
    r = _queue(personas)
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "queued" and body["recipient_count"] == 2
    assert body["send_after"]
    assert "@" not in json.dumps(body)
    assert smtp_sink.messages == []  # nothing until the dispatcher runs
    result = dispatch.dispatch()
    assert result == {"sent": 2, "failed": 0, "retrying": 0, "cancelled": 0}
    assert sorted(e.rcpt_tos[0] for e in smtp_sink.envelopes) == [
        "dad@example.com",
        "mum@example.com",
    ]
    for envelope, message in zip(smtp_sink.envelopes, smtp_sink.messages, strict=True):
        assert len(envelope.rcpt_tos) == 1 and message["Cc"] is None and message["Bcc"] is None
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html
        assert "the trip letter (https://example.org/trip)" in text
        assert "- *Bring* a coat" in text
        assert "School A" in html and "School A" in text
        assert message["From"].addresses[0].display_name == "School A"
        assert message["Message-ID"].startswith("<")
    mum = next(m for m in smtp_sink.messages if m["To"] == "mum@example.com")
    assert "Amelia and Zebedee" in mum.get_body(("plain",)).get_content()
    status = (
        personas.api("teacher").get(f"/schools/{personas.school_a.id}/messages/{body['id']}").json()
    )
    assert (status["status"], status["sent"], status["failed"]) == ("sent", 2, 0)


def test_no_address_appears_in_any_staff_page_or_response(personas):
    family(personas.school_a, personas.pupil, "secret.parent@example.com")
    msg = _queue(personas).json()
    school = personas.school_a
    for who in ("teacher", "admin", "senco"):
        api = personas.api(who)
        for path in (
            f"/schools/{school.id}/messages",
            f"/schools/{school.id}/messages/{msg['id']}/pupils",
        ):
            r = api.get(path)
            assert "secret.parent" not in r.content.decode()
    web = personas.web("teacher")
    for url in (
        f"/schools/{school.id}/messages/",
        f"/schools/{school.id}/messages/{msg['id']}/",
        f"/schools/{school.id}/messages/new/",
    ):
        r = web.get(url)
        assert r.status_code == 200 and "secret.parent" not in r.content.decode()


def test_subject_injection_and_empty_audiences_are_refused(personas):
    family(personas.school_a, personas.pupil, "mum@example.com")
    r = _queue(personas, subject="Hi\r\nBcc: everyone@example.com")
    assert r.status_code == 400 and "subject" in r.json()["error"]["fields"]
    r = _queue(personas, year_groups=[], pupils=[])
    assert r.status_code == 400
    r = _queue(personas, year_groups=[11])
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_recipients"
    r = _queue(
        personas,
        licence_types=[str(LicenceType.objects.get(school=personas.school_b, kind="parent").id)],
    )
    assert r.status_code == 400


def test_callers_by_role_and_school(personas):
    family(personas.school_a, personas.pupil, "mum@example.com")
    assert _queue(personas, who=None).status_code == 401
    assert _queue(personas, who="admin_b").status_code == 404
    msg = _queue(personas, who="teacher").json()
    path = f"/schools/{personas.school_a.id}/messages/{msg['id']}"
    assert personas.api("senco").get(path).status_code == 404  # another teacher's message
    assert personas.api("admin").get(path).status_code == 200  # admins see the school's
    assert personas.api("admin_b").get(path).status_code == 404


def test_a_denied_account_gets_nothing(personas):
    mum = family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, personas.pupil, "dad@example.com")
    ExternalDenial.objects.create(school=personas.school_a, user=mum)
    assert _queue(personas).json()["recipient_count"] == 1


def test_a_relay_outage_costs_a_delivery_nothing_until_it_is_a_day_old(personas, settings):
    """Issue 27: a 50-minute relay outage failed whole messages. Now the rows wait, the
    attempt does not count, and a delivery gives up only 24 hours after it was queued."""
    family(personas.school_a, personas.pupil, "mum@example.com")
    _queue(personas)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    now = timezone.now()
    for _ in range(8):  # 8 runs over the outage
        assert dispatch.dispatch(now=now) == {"sent": 0, "failed": 0, "retrying": 0, "cancelled": 0}
        d = Delivery.objects.get()
        assert d.status == "queued" and d.attempts == 0 and d.last_error
        assert d.next_attempt_at == now + timedelta(minutes=2)
        now = d.next_attempt_at
    dispatch.dispatch(now=d.queued_at + timedelta(hours=24, minutes=1))
    assert Delivery.objects.get().status == "failed"


def test_a_dispatcher_killed_mid_batch_loses_nothing(personas, smtp_sink):
    family(personas.school_a, personas.pupil, "mum@example.com")
    family(personas.school_a, personas.pupil, "dad@example.com")
    _queue(personas)
    claimed = actions.claim()  # a worker claims the rows, then dies before sending
    assert len(claimed) == 2
    assert dispatch.dispatch()["sent"] == 0  # leased: nobody else takes them yet
    later = timezone.now() + actions.LEASE + timedelta(seconds=1)
    assert dispatch.dispatch(now=later)["sent"] == 2  # the lease ran out: reclaimed
    ids = {m["Message-ID"] for m in smtp_sink.messages}
    assert ids == set(Delivery.objects.values_list("mail_id", flat=True))  # stable per delivery


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_row_exactly_once(personas, smtp_sink):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is exercised on PostgreSQL (make test with DATABASE_URL)")
    pupils = [make_pupil(personas.school_a, year_group=8) for _ in range(30)]
    for i, p in enumerate(pupils):
        family(personas.school_a, p, f"parent{i}@example.com")
    _queue(personas)
    from django.db import connections

    errors = []

    def run():
        try:
            dispatch.dispatch(batch=5)
        except Exception as exc:  # pragma: no cover - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    received = sorted(e.rcpt_tos[0] for e in smtp_sink.envelopes)
    assert len(received) == 30 and len(set(received)) == 30
    assert Delivery.objects.filter(status="sent").count() == 30


def test_the_beat_schedule_dispatches_every_ten_minutes():
    from config.celery import app

    entry = app.conf.beat_schedule["dispatch-mail"]
    assert entry["task"] == "pupilhub.messaging.tasks.dispatch_mail"
    assert entry["schedule"].minute == set(range(0, 60, 10))


def test_dispatch_mail_command_runs_one_cycle(personas, smtp_sink):
    from io import StringIO

    from django.core.management import call_command

    family(personas.school_a, personas.pupil, "mum@example.com")
    _queue(personas)
    out = StringIO()
    call_command("dispatch_mail", stdout=out)
    assert "sent 1" in out.getvalue() and len(smtp_sink.messages) == 1


def test_smtp_messages_built_as_bytes_read_back_exactly(personas, smtp_sink):
    """The SMTP fast path (bytes by formatting) against a real parser: accents in the
    subject, school and merged names, lines longer than quoted-printable's 76 columns,
    a line starting with a dot, and the same headers the full builder would write."""
    school = personas.school_a
    school.name = "École Sainte-Thérèse"
    school.office_email = "office@a.example.org"
    school.save()
    siân = make_pupil(school, first_name="Siân", year_group=8)
    family(school, siân, "parent@example.com")
    long_line = "Ünïcödé " * 30
    r = _queue(
        personas,
        subject="Trip for {{ pupil_first_name }} at {{ school_name }}",
        html_body=f"<p>Dear parent of {{{{ pupil_first_name }}}},</p><p>{long_line}</p><p>.dot</p>",
        pupils=[str(siân.id)],
        year_groups=[],
    )
    assert r.status_code == 202, r.content
    assert dispatch.dispatch()["sent"] == 1
    message = smtp_sink.messages[0]
    assert str(message["Subject"]) == "Trip for Siân at École Sainte-Thérèse"
    assert message["From"].addresses[0].display_name == "École Sainte-Thérèse"
    assert message["Reply-To"] == "office@a.example.org" and message["Date"]
    assert message["To"] == "parent@example.com" and message["MIME-Version"] == "1.0"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear parent of Siân," in text and long_line.strip() in text and ".dot" in text
    assert "Siân" in html and long_line.strip() in html
    assert message.get_body(("plain",)).get_content_charset() == "utf-8"
