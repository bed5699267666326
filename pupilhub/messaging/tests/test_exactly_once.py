"""Issue 27: mail is never sent twice and never lost, whatever happens to the worker or
the relay."""

from datetime import timedelta

import pytest
from django.core.mail import get_connection
from django.utils import timezone

from pupilhub.core import locks
from pupilhub.core.models import JobLock
from pupilhub.messaging import actions, dispatch
from pupilhub.messaging.models import Delivery
from pupilhub.testing import make_pupil

from .conftest import family
from .test_messaging import _queue


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (no except Exception)."""


class Dying:
    """An SMTP connection that dies after `after` messages have been accepted."""

    def __init__(self, after: int, on_send=None) -> None:
        self.inner = get_connection()
        self.after, self.count, self.on_send = after, 0, on_send

    def open(self):
        return self.inner.open()

    def close(self):
        return self.inner.close()

    @property
    def connection(self):
        return None  # the full builder path, through send_messages

    def send_messages(self, messages):
        if self.count == self.after:
            raise Killed()
        sent = self.inner.send_messages(messages)
        self.count += 1
        if self.on_send:
            self.on_send(self.count)
        return sent


def _families(personas, n):
    for i in range(n):
        family(personas.school_a, make_pupil(personas.school_a, year_group=8), f"p{i}@example.com")
    _queue(personas)


def test_a_worker_killed_mid_batch_sends_nothing_twice_and_loses_nothing(personas, smtp_sink):
    """Each delivery is marked sent the moment the relay accepts it (today a batch was
    marked only at its end, so a kill re-sent all of it)."""
    _families(personas, 6)
    with pytest.raises(Killed):
        dispatch.dispatch(connection=Dying(after=4))
    assert Delivery.objects.filter(status="sent").count() == 4
    assert len(smtp_sink.messages) == 4
    JobLock.objects.update(until=timezone.now())  # the dead run's lease runs out
    later = timezone.now() + actions.LEASE + timedelta(seconds=1)
    assert dispatch.dispatch(now=later)["sent"] == 2
    received = [e.rcpt_tos[0] for e in smtp_sink.envelopes]
    assert len(received) == 6 and len(set(received)) == 6  # 0 duplicates, 0 lost
    assert Delivery.objects.filter(status="sent").count() == 6


def test_a_slow_run_is_never_overtaken(personas, smtp_sink, monkeypatch):
    """Today a 5-minute claim expired while a slow relay was still sending and the next
    10-minute run sent the batch again. A run holds the dispatch lease, renewing it and
    its rows' leases while it works; the next run finds it busy and sends nothing."""
    _families(personas, 3)
    monkeypatch.setattr(dispatch, "RENEW_EVERY", 0.0)
    overtakers = []

    def next_run_starts(count):
        if count == 1:  # the relay is slow: ten minutes later the next run starts
            later = timezone.now() + timedelta(minutes=10)
            overtakers.append(dispatch.dispatch(now=later))
            sending = Delivery.objects.filter(status="sending")
            assert all(d.lease_until > timezone.now() for d in sending)

    connection = Dying(after=99, on_send=next_run_starts)
    assert dispatch.dispatch(connection=connection)["sent"] == 3
    assert overtakers == [{"sent": 0, "failed": 0, "retrying": 0, "cancelled": 0}]
    received = [e.rcpt_tos[0] for e in smtp_sink.envelopes]
    assert len(received) == 3 and len(set(received)) == 3


def test_only_the_run_that_claimed_a_row_may_send_or_mark_it(personas, smtp_sink):
    _families(personas, 2)
    ids = actions.claim(run="another-run")
    assert len(ids) == 2
    later = timezone.now() + actions.LEASE + timedelta(seconds=1)
    # The other run's rows, reclaimed after their lease, now belong to the new run alone.
    assert dispatch.dispatch(now=later)["sent"] == 2
    assert set(Delivery.objects.values_list("run_id", flat=True)) != {"another-run"}
    assert dispatch._mark_sent("another-run", ids[0], None) == 0


def test_a_run_waits_while_another_holds_the_lease(personas, smtp_sink):
    _families(personas, 1)
    assert locks.acquire(dispatch.LOCK, "someone-else", actions.LEASE)
    assert dispatch.dispatch()["sent"] == 0 and not smtp_sink.messages
    locks.release(dispatch.LOCK, "someone-else")
    assert dispatch.dispatch()["sent"] == 1


def test_a_permanent_refusal_fails_at_once_and_a_temporary_one_waits(personas, smtp_sink):
    family(personas.school_a, personas.pupil, "gone@example.com")
    family(personas.school_a, personas.pupil, "full@example.com")
    smtp_sink.refuse = {
        "gone@example.com": "550 5.1.1 No such user",
        "full@example.com": "452 4.2.2 Mailbox full",
    }
    _queue(personas)
    result = dispatch.dispatch()
    assert result["failed"] == 1 and result["retrying"] == 1
    gone = Delivery.objects.get(email="gone@example.com")
    full = Delivery.objects.get(email="full@example.com")
    assert gone.status == "failed" and gone.last_error.startswith("permanent")
    assert full.status == "queued" and full.next_attempt_at > timezone.now()


def test_admins_can_retry_failed_deliveries(personas, smtp_sink):
    family(personas.school_a, personas.pupil, "gone@example.com")
    smtp_sink.refuse = {"gone@example.com": "550 No such user"}
    message_id = _queue(personas).json()["id"]
    dispatch.dispatch()
    url = f"/schools/{personas.school_a.id}/messages/{message_id}/retry-failed"
    assert personas.api(None).post(url).status_code == 401
    assert personas.api("admin_b").post(url).status_code == 404
    assert personas.api("teacher").post(url).status_code == 403
    r = personas.api("admin").post(url)
    assert r.status_code == 200 and r.json()["retried"] == 1
    smtp_sink.refuse = {}
    assert dispatch.dispatch()["sent"] == 1
    page = personas.web("admin").get(f"/schools/{personas.school_a.id}/messages/{message_id}/")
    assert page.status_code == 200
