"""Issue 7: queue a message to 10,000 recipients and dispatch it to a local SMTP sink,
against a bare smtplib loop building and sending the same messages over one connection."""

import smtplib
import socket
import time
from email.message import EmailMessage

from django.conf import settings
from django.utils import timezone

N = 10_000


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(school):
    from pupilhub.accounts.models import User
    from pupilhub.gateway.actions import ensure_builtin_types
    from pupilhub.gateway.models import ExternalLink, LicenceType
    from pupilhub.pupils.models import Pupil

    ensure_builtin_types(school)
    parent = LicenceType.objects.get(school=school, kind="parent")
    pupils = list(Pupil.objects.filter(school=school, status="active").order_by("id"))
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=f"family{i}@bench.example.org", email_verified_at=now, password="!")
            for i in range(N)
        ],
        batch_size=2000,
    )
    ExternalLink.objects.bulk_create(
        [
            ExternalLink(user=u, school=school, pupil=pupils[i % len(pupils)], licence_type=parent)
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    return parent, sorted({p.year_group for p in pupils})


def bare(port: int, html: str, text: str) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(N):
            msg = EmailMessage()
            msg["Subject"] = "Bench message"
            msg["From"] = '"Bench School" <no-reply@pupilhub.invalid>'
            msg["To"] = f"family{i}@bench.example.org"
            msg["Message-ID"] = f"<bare{i}@pupilhub.invalid>"
            msg.set_content(text)
            msg.add_alternative(html, subtype="html")
            smtp.send_message(msg)
    return time.perf_counter() - start


def run(school, sender) -> None:
    import logging

    from aiosmtpd.controller import Controller

    from pupilhub.messaging import actions
    from pupilhub.schools.access import staff_access

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    parent, years = seed(school)
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    body = (
        "<p>Dear parent of {{ pupil_first_name }},</p><p>The <strong>trip</strong> is on Friday."
        ' <a href="https://example.org/trip">Details</a>.</p><ul><li>Lunch</li><li>Coat</li></ul>'
    )
    try:
        start = time.perf_counter()
        actions.do_queue(
            staff_access(sender, school.id),
            "Bench message",
            body,
            {"year_groups": years, "licence_types": [str(parent.id)]},
        )
        queued = time.perf_counter() - start
        result = actions.dispatch()
        ours = time.perf_counter() - start
        assert result["sent"] >= N, result  # (plus the gateway benchmark's parent)
        from pupilhub.messaging import sanitise

        base = bare(port, sanitise.clean(body), sanitise.to_text(sanitise.clean(body)))
    finally:
        controller.stop()
    print(
        f"mass email to {result['sent']:,} recipients: queue + dispatch {result['sent'] / ours:.0f} msg/s "
        f"(queueing {queued:.1f} s); bare smtplib loop {N / base:.0f} msg/s; "
        f"ratio {(result['sent'] / ours) / (N / base):.2f} (target >= 0.6)"
    )
