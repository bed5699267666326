"""The dispatcher (a beat job every 10 minutes): claims batches of deliveries and sends them.

Nothing is sent twice and nothing is lost:
- one run at a time: each run holds the `dispatch-mail` lease (a database row, renewed
  while it works), so a slow run is never overtaken by the next one;
- a run claims rows under its own id, and only that run sends or marks them;
- each delivery is marked sent the moment the relay accepts it, so a run killed
  mid-batch leaves only its unsent rows, which the next run claims when their lease (also
  renewed while the run works) runs out;
- a batch may go over MAIL_CONNECTIONS SMTP connections at once (1 by default; a relay
  10 ms away takes about 75 a second a connection), each lane marking its own rows; with
  more than one, a worker killed mid-batch may resend up to N - 1 messages another lane
  had just sent (with the same Message-ID);
- the relay being down costs a delivery nothing: it waits and is tried again; a delivery
  gives up 24 hours after it was queued, or at once when the relay refuses the address
  for good (a 5xx answer).
"""

import contextlib
import logging
import queue
import smtplib
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from pupilhub.core import locks

from .actions import BATCH, LEASE, Rendered, claim
from .models import Delivery, DeliveryStatus, Message
from .recipients import cancel, still_wanted

log = logging.getLogger(__name__)

LOCK = "dispatch-mail"
GIVE_UP_AFTER = timedelta(hours=24)
# Seconds between lease renewals: a third of the lease (an SMTP timeout is 30 s at most).
RENEW_EVERY = min(30.0, LEASE.total_seconds() / 3)
RETRY_MINUTES = (2, 4, 8, 16, 30, 60)


class RelayDown(Exception):
    """The relay cannot be reached or dropped the connection: not the delivery's fault."""


def _empty() -> dict[str, int]:
    return {"sent": 0, "failed": 0, "retrying": 0, "cancelled": 0}


def dispatch(
    batch: int = BATCH, connection: Any = None, now: datetime | None = None
) -> dict[str, int]:
    """One dispatch cycle: claim, send over one reused SMTP connection, mark each row as
    it goes; repeat until nothing is due. Each claimed row is re-checked first
    (`still_wanted`). Returns {"sent": n, "failed": n, "retrying": n, "cancelled": n};
    nothing when another run holds the lease."""
    run = uuid.uuid4().hex
    if not locks.acquire(LOCK, run, LEASE):
        log.info("mail dispatch skipped: another run is sending")
        return _empty()
    _fast_commits(True)
    try:
        return _cycle(run, batch, connection, now)
    finally:
        _fast_commits(False)
        locks.release(LOCK, run)


def _fast_commits(on: bool) -> None:
    """PostgreSQL need not wait for the disk at each mark: a killed worker loses nothing
    (the server has the commit); only a crash of the database server itself could lose the
    last fraction of a second of marks, the one case where a message may go twice (with its
    same Message-ID)."""
    if db.vendor != "postgresql":
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF" if on else "RESET synchronous_commit")


def _cycle(run: str, batch: int, connection: Any, now: datetime | None) -> dict[str, int]:
    result = _empty()
    messages: dict[Any, Message] = {}
    rendered: dict[Any, Rendered] = {}
    while True:
        ids = claim(batch, now, run)
        if not ids:
            return result
        deliveries = list(
            Delivery.objects.filter(id__in=ids, run_id=run).only(
                "id", "message_id", "user_id", "email", "pupil_ids", "pupil_names", "mail_id"
            )
        )
        wanted = {d.message_id for d in deliveries} - set(messages)
        for message in Message.objects.filter(pk__in=wanted).select_related("school"):
            messages[message.pk] = message
        deliveries, refused = still_wanted(deliveries, messages)
        result["cancelled"] += cancel(refused)
        for d in deliveries:
            if d.message_id not in rendered:
                rendered[d.message_id] = Rendered(messages[d.message_id])  # once a message
        if not _send(run, deliveries, rendered, connection, now, result):
            return result  # the relay is down: the rest waits for the next run
        if len(ids) < batch:
            return result


def _renewer(run: str, now: datetime | None) -> Callable[[], None]:
    """Renew the run's lease and its rows' leases every RENEW_EVERY seconds."""
    last = [time.monotonic()]

    def renew() -> None:
        if time.monotonic() - last[0] < RENEW_EVERY:
            return
        last[0] = time.monotonic()
        locks.renew(LOCK, run, LEASE)
        Delivery.objects.filter(run_id=run, status="sending").update(
            lease_until=(now or timezone.now()) + LEASE
        )

    return renew


def _send(
    run: str,
    deliveries: list[Delivery],
    rendered: dict[Any, Rendered],
    connection: Any,
    now: datetime | None,
    result: dict[str, int],
) -> bool:
    """Send each delivery and mark it at once. False when the relay is down (the rows not
    sent go back to the queue without counting against them)."""
    lanes = _lanes(connection, len(deliveries))
    if lanes > 1:
        return _send_in_lanes(run, deliveries, rendered, now, result, lanes)
    smtp = connection or get_connection()
    renew = _renewer(run, now)
    done: set[int] = set()
    try:
        try:
            smtp.open()
        except Exception as exc:
            raise RelayDown(type(exc).__name__) from exc  # never the text: it may quote an address
        # Every copy is the EmailMultiAlternatives Rendered.email builds. Over SMTP it goes
        # as bytes filled into that message serialised once (Rendered.raw); other backends
        # (anymail, console, tests' outbox) take the message itself.
        fast = isinstance(smtp, SMTPBackend) and smtp.connection is not None
        with db.cursor() as cursor:
            for d in deliveries:
                renew()
                error = _send_one(smtp, fast, rendered[d.message_id], d)
                done.add(d.id)
                if error is None:
                    result["sent"] += _mark_sent(run, d.id, now, cursor)
                else:
                    _mark_failed(run, d.id, error, now, result)
    except RelayDown as exc:
        _requeue(run, [d.id for d in deliveries if d.id not in done], str(exc)[:300], now)
        log.warning("mail relay unreachable; %d deliveries wait", len(deliveries) - len(done))
        return False
    finally:
        if connection is None:
            smtp.close()
    return True


def _lanes(connection: Any, count: int) -> int:
    """How many SMTP connections a batch goes over: MAIL_CONNECTIONS (bounded 1-16) with
    the SMTP backend, where each relay round trip waits on the network; one otherwise, or
    when the caller hands over its own connection."""
    if connection is not None or count < 2:
        return 1
    if not issubclass(import_string(settings.EMAIL_BACKEND), SMTPBackend):
        return 1
    return max(1, min(settings.MAIL_CONNECTIONS, MAX_LANES, count))


MAX_LANES = 16


def _send_in_lanes(
    run: str,
    deliveries: list[Delivery],
    rendered: dict[Any, Rendered],
    now: datetime | None,
    result: dict[str, int],
    lanes: int,
) -> bool:
    """The batch over `lanes` SMTP connections at once, one thread each. Each lane marks a
    row sent the moment the relay accepted it, on its own database connection, exactly as
    one connection does: the window in which a killed worker could send a message twice
    is no wider. A lane that cannot open its connection leaves the work to the others (a
    relay may cap connections); the rows nobody could send wait for the next run."""
    for r in rendered.values():
        r.prepare()  # built once here, then only read by the lanes
    work: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
    for d in deliveries:
        work.put(d)
    lock = threading.Lock()
    done: set[int] = set()
    trouble: list[str] = []

    def lane() -> None:
        smtp = get_connection()
        try:
            try:
                smtp.open()
            except Exception as exc:
                with lock:
                    trouble.append(type(exc).__name__)  # never the text: it may quote an address
                return
            fast = isinstance(smtp, SMTPBackend) and smtp.connection is not None
            with db.cursor() as cursor:
                while True:
                    try:
                        d = work.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        error = _send_one(smtp, fast, rendered[d.message_id], d)
                    except RelayDown as exc:
                        with lock:
                            trouble.append(str(exc))
                        return  # this row waits; the other lanes carry on
                    counts = _empty()
                    if error is None:
                        counts["sent"] = _mark_sent(run, d.id, now, cursor)
                    else:
                        _mark_failed(run, d.id, error, now, counts)
                    with lock:
                        done.add(d.id)
                        for key, n in counts.items():
                            result[key] += n
        finally:
            with contextlib.suppress(Exception):  # a dead connection has nothing to close
                smtp.close()
            db.close()  # this thread's own database connection

    threads = [threading.Thread(target=lane, name=f"mail-lane-{i}") for i in range(lanes)]
    for t in threads:
        t.start()
    renew = _renewer(run, now)
    while any(t.is_alive() for t in threads):
        for t in threads:
            t.join(timeout=1.0)
        renew()
    left = [d.id for d in deliveries if d.id not in done]
    if left:
        _requeue(run, left, (trouble[0] if trouble else "not sent")[:300], now)
        log.warning("mail relay unreachable; %d deliveries wait", len(left))
        return False
    return True


def _send_one(smtp: Any, fast: bool, r: Rendered, d: Delivery) -> str | None:
    """None when the relay accepted it; the error for this delivery otherwise. Raises
    RelayDown when the connection itself failed."""
    try:
        built = r.raw(d) if fast else None
        if built is not None:
            smtp.connection.sendmail(built[0], [d.email], built[1])
        else:
            smtp.send_messages([r.email(d)])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        if getattr(exc, "smtp_code", None) == 421:  # "service not available": the relay
            raise RelayDown(type(exc).__name__) from exc  # never the text: it may quote an address
        return _refusal(exc)
    except OSError as exc:  # connection refused, dropped or timed out (SMTPException too)
        raise RelayDown(type(exc).__name__) from exc  # never the text: it may quote an address
    except Exception as exc:  # a message this address cannot take as built
        return f"temporary: {type(exc).__name__}"[:300]
    return None


def _refusal(exc: Exception) -> str:
    """ "permanent: ..." for a 5xx answer (the address will never take it)."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next(iter(exc.recipients.values()), (None,))[0]
    kind = "permanent" if isinstance(code, int) and code >= 500 else "temporary"
    # Only the code: a relay's text often quotes the address it refused.
    return f"{kind}: {type(exc).__name__} {code or ''}".strip()[:300]


MARK_SENT = (
    "UPDATE messaging_delivery SET status = 'sent', sent_at = %s, lease_until = NULL, "
    "last_error = '' WHERE id = %s AND run_id = %s AND status = 'sending'"
)


def _mark_sent(run: str, delivery_id: int, now: datetime | None, cursor: Any = None) -> int:
    """One row, its own commit, the moment the relay accepted it (one prepared statement
    on the run's cursor: the dispatcher's hot path)."""
    stamp = db.ops.adapt_datetimefield_value(now or timezone.now())
    if cursor is None:
        with db.cursor() as own:
            return _mark_sent(run, delivery_id, now, own)
    cursor.execute(MARK_SENT, [stamp, delivery_id, run])
    return int(cursor.rowcount)


def _mark_failed(
    run: str, delivery_id: int, error: str, now: datetime | None, result: dict[str, int]
) -> None:
    """A refused delivery fails at once when the refusal is permanent or it is 24 hours
    old; otherwise it waits (2, 4, 8, 16, 30, then 60 minutes) and is tried again."""
    now = now or timezone.now()
    d = Delivery.objects.filter(id=delivery_id, run_id=run, status="sending").first()
    if d is None:
        return
    d.last_error, d.lease_until = error, None
    if error.startswith("permanent") or now - d.queued_at >= GIVE_UP_AFTER:
        d.status = DeliveryStatus.FAILED
        result["failed"] += 1
    else:
        d.status = DeliveryStatus.QUEUED
        wait = RETRY_MINUTES[min(d.attempts, len(RETRY_MINUTES)) - 1]
        d.next_attempt_at = now + timedelta(minutes=wait)
        result["retrying"] += 1
    d.save(update_fields=["status", "last_error", "lease_until", "next_attempt_at"])


def _requeue(run: str, ids: list[int], error: str, now: datetime | None) -> None:
    """The relay was down: these wait two minutes, and the attempt does not count (they
    fail only by age, when the outage outlasts 24 hours)."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(id__in=ids, run_id=run, status="sending")
    rows.filter(queued_at__lte=now - GIVE_UP_AFTER).update(
        status=DeliveryStatus.FAILED, last_error=error, lease_until=None
    )
    rows.update(
        status=DeliveryStatus.QUEUED,
        attempts=F("attempts") - 1,
        next_attempt_at=now + timedelta(minutes=2),
        lease_until=None,
        last_error=error,
    )
