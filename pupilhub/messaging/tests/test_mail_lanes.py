"""Issue 33: mail goes over several SMTP connections at once (MAIL_CONNECTIONS, bounded),
each lane marking its own rows the moment the relay accepts them; a lane that cannot
connect leaves its share to the others, and a relay that is down costs nobody an attempt.

These tests commit (transaction=True): each lane has its own database connection."""

import asyncio
import threading

import pytest
from django.core.mail.backends.smtp import EmailBackend

from pupilhub.messaging import dispatch
from pupilhub.messaging.models import Delivery
from pupilhub.messaging.tests.conftest import family
from pupilhub.messaging.tests.test_messaging import _queue
from pupilhub.testing import make_pupil

pytestmark = pytest.mark.django_db(transaction=True)


class Overlap:
    """Counts SMTP sessions open at once (a slow RCPT keeps them overlapping)."""

    def __init__(self, delay: float) -> None:
        self.delay, self.open, self.most = delay, 0, 0
        self.lock = threading.Lock()

    async def handle_MAIL(self, server, session, envelope, address, options):
        with self.lock:
            self.open += 1
            self.most = max(self.most, self.open)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.open -= 1
        return "250 OK"


def _families(personas, n: int) -> None:
    for i in range(n):
        family(personas.school_a, make_pupil(personas.school_a, year_group=8), f"p{i}@example.com")
    assert _queue(personas).status_code == 202
    assert Delivery.objects.count() == n


@pytest.fixture
def overlap(smtp_sink, settings):
    from aiosmtpd.controller import Controller

    from pupilhub.messaging.tests.conftest import free_port

    handler = Overlap(delay=0.05)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_PORT = port
    settings.MAIL_CONNECTIONS = 4
    yield handler
    controller.stop()


def test_a_batch_goes_over_four_connections_and_each_row_is_marked_once(personas, overlap):
    _families(personas, 24)
    result = dispatch.dispatch()
    assert result["sent"] == 24
    assert Delivery.objects.filter(status="sent").count() == 24
    assert overlap.most == 4  # four lanes at once, never more


def test_a_lane_that_cannot_connect_leaves_its_share_to_the_others(personas, overlap, monkeypatch):
    real_open = EmailBackend.open
    opened = []

    def open_once(self):
        opened.append(1)
        if len(opened) > 1:
            raise ConnectionRefusedError("too many connections")
        return real_open(self)

    monkeypatch.setattr(EmailBackend, "open", open_once)
    _families(personas, 6)
    assert dispatch.dispatch()["sent"] == 6
    assert overlap.most == 1 and len(opened) == 4


def test_a_relay_that_is_down_costs_no_attempt(personas, overlap, monkeypatch):
    def refused(self):
        raise ConnectionRefusedError("down")

    monkeypatch.setattr(EmailBackend, "open", refused)
    _families(personas, 5)
    assert dispatch.dispatch()["sent"] == 0
    rows = Delivery.objects.all()
    assert {(d.status, d.attempts) for d in rows} == {("queued", 0)}
    assert all(d.last_error == "ConnectionRefusedError" for d in rows)


def test_the_number_of_connections_is_bounded(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.MAIL_CONNECTIONS = 50
    assert dispatch._lanes(None, 500) == dispatch.MAX_LANES == 16
    assert dispatch._lanes(None, 3) == 3  # never more lanes than rows
    assert dispatch._lanes(object(), 500) == 1  # the caller's own connection
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert dispatch._lanes(None, 500) == 1
