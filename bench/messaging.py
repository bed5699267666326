"""Mass email: queue and dispatch to an SMTP sink in its own process, against the floor: a
raw smtplib `sendmail` loop over one connection sending the same messages, byte for byte,
built before the clock starts (so the ratio is what queueing, checking, building and
marking each delivery cost on top of the network)."""

import contextlib
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

from django.conf import settings
from django.utils import timezone

from pupilhub.messaging import dispatch

from . import stats

N = 3_000  # recipients per message (one message per run)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def sink(latency_ms: int = 0) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "bench.smtp_sink", str(port), str(latency_ms)]
    proc = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def seed(school):
    from pupilhub.accounts.models import User
    from pupilhub.gateway.models import ExternalLink, LicenceType
    from pupilhub.testing import make_pupil

    parent = LicenceType.objects.get(school=school, kind="parent")
    pupils = [make_pupil(school, year_group=9) for _ in range(100)]
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=f"mail{i}@bench.example.org", email_verified_at=now, password="!")
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
    return parent


def floor(port: int, built: list[tuple[str, bytes]]) -> float:
    """The same messages, byte for byte (every header bulk mail must carry, the layout, each
    copy's unsubscribe link), built before the clock starts: only the sending is timed."""
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i, (sender, data) in enumerate(built):
            smtp.sendmail(sender, [f"mail{i}@bench.example.org"], data)
    return time.perf_counter() - start


def floor_lanes(port: int, built: list[tuple[str, bytes]], lanes: int) -> float:
    """The floor over `lanes` raw smtplib connections at once, one thread each."""
    import threading

    def lane(share: list[tuple[int, tuple[str, bytes]]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i, (sender, data) in share:
                smtp.sendmail(sender, [f"mail{i}@bench.example.org"], data)

    numbered = list(enumerate(built))
    threads = [threading.Thread(target=lane, args=(numbered[k::lanes],)) for k in range(lanes)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def prebuilt(school, body: str) -> list[tuple[str, bytes]]:
    """What the dispatcher will send to each of the N recipients, made in advance."""
    from pupilhub.messaging.actions import Rendered
    from pupilhub.messaging.models import Delivery, Message

    message = Message(school=school, subject="Bench message", html_body=body)
    rendered = Rendered(message)
    copies = []
    for i in range(N):
        copy = Delivery(
            pk=10**9 + i,
            message=message,
            email=f"mail{i}@bench.example.org",
            pupil_names="Ada",
            mail_id=f"<floor{i}@pupilhub.invalid>",
        )
        made = rendered.raw(copy)
        assert made is not None, "the floor needs the fast path's bytes"
        copies.append(made)
    return copies


def run(school, sender) -> None:
    from pupilhub.messaging import actions
    from pupilhub.schools.access import staff_access

    parent = seed(school)
    body = (
        "<p>Dear parent of {{ pupil_first_name }},</p><p>The <strong>trip</strong> is on Friday."
        ' <a href="https://example.org/trip">Details</a>.</p><ul><li>Lunch</li><li>Coat</li></ul>'
    )
    built = prebuilt(school, body)
    ours, base = [], []
    with sink() as port:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
        # An instant sink: what is measured is our own cost per message, on one connection
        # (more lanes only add threads contending for two cores here).
        settings.MAIL_CONNECTIONS = 1
        for _ in range(stats.RUNS):
            base.append(N / floor(port, built))
            start = time.perf_counter()
            message = actions.do_queue(
                staff_access(sender, school.id),
                "Bench message",
                body,
                {"year_groups": [9], "licence_types": [str(parent.id)]},
            )
            result = dispatch.dispatch(now=message.send_after)
            ours.append(result["sent"] / (time.perf_counter() - start))
            assert result["sent"] == N, result
    row = stats.add(
        stats.Row(
            f"mass email, {N:,} recipients: queue + dispatch",
            "msg/s",
            ours,
            "raw smtplib sendmail of the same bytes, pre-built",
            base,
            target=">= 0.6 of floor",
            higher_is_better=True,
        )
    )
    row.ok = row.ratio is not None and row.ratio >= 0.6
    latency(school, sender, parent, body)


LATENCY_MS = 10
LATENCY_N = 300


def latency(school, sender, parent, body) -> None:
    """The same against a relay that takes 10 ms to answer each message: one connection
    then carries at most ~100 messages a second, ours or smtplib's (what decides how many
    connection-hours the national volume needs). Then over four connections at once
    (MAIL_CONNECTIONS=4), against raw smtplib over four."""
    for lanes in (1, 4):
        _latency(school, sender, parent, body, lanes)


def _latency(school, sender, parent, body, lanes: int) -> None:
    from pupilhub.messaging import actions
    from pupilhub.messaging.models import Delivery

    built = prebuilt(school, body)[:LATENCY_N]
    ours, base = [], []
    with sink(LATENCY_MS) as port:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.MAIL_CONNECTIONS = lanes
        for _ in range(3):
            base.append(LATENCY_N / floor_lanes(port, built, lanes))
            message = actions.do_queue(
                staff_access_for(sender, school),
                "Bench message",
                body,
                {"year_groups": [9], "licence_types": [str(parent.id)]},
            )
            # Only the first LATENCY_N copies go this round: the rest are cancelled.
            keep = list(
                Delivery.objects.filter(message=message).order_by("id").values_list("id", flat=True)
            )[:LATENCY_N]
            Delivery.objects.filter(message=message).exclude(id__in=keep).update(
                status="cancelled", email=""
            )
            start = time.perf_counter()
            result = dispatch.dispatch(now=message.send_after)
            ours.append(result["sent"] / (time.perf_counter() - start))
    row = stats.add(
        stats.Row(
            f"mass email against a {LATENCY_MS} ms relay, {lanes} connection(s)",
            "msg/s",
            ours,
            f"raw smtplib of the same bytes, {lanes} connection(s)",
            base,
            target=">= 0.6 of floor",
            higher_is_better=True,
        )
    )
    row.ok = row.ratio is not None and row.ratio >= 0.6


def staff_access_for(user, school):
    from pupilhub.schools.access import staff_access

    return staff_access(user, school.id)
