"""The dispatcher (a beat job every 10 minutes): claims batches of deliveries and sends them.

Each claim is its own transaction (`actions.claim`) and each send is recorded as it
happens, so a crash loses at most one batch's lease, never a sent mark."""

from datetime import datetime, timedelta
from email.utils import formatdate
from typing import Any

from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils import timezone

from .actions import BATCH, Rendered, claim
from .models import Delivery, DeliveryStatus, Message
from .recipients import cancel, still_wanted

MAX_ATTEMPTS = 5


def dispatch(
    batch: int = BATCH, connection: Any = None, now: datetime | None = None
) -> dict[str, int]:
    """One dispatch cycle: claim, send over one reused SMTP connection, mark; repeat
    until nothing is due. Each claimed row is re-checked first (`still_wanted`).
    Returns {"sent": n, "failed": n, "retrying": n, "cancelled": n}."""
    result = {"sent": 0, "failed": 0, "retrying": 0, "cancelled": 0}
    messages: dict[Any, Message] = {}
    rendered: dict[Any, Rendered] = {}
    while True:
        ids = claim(batch, now)
        if not ids:
            return result
        deliveries = list(
            Delivery.objects.filter(id__in=ids).only(
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
        sent, errors = _send(deliveries, rendered, connection)
        _mark(sent, errors, result, now)
        if len(ids) < batch:
            return result


def _send(
    deliveries: list[Delivery], rendered: dict[Any, Rendered], connection: Any
) -> tuple[list[int], dict[int, str]]:
    smtp = connection or get_connection()
    sent: list[int] = []
    errors: dict[int, str] = {}
    date = formatdate(localtime=False)
    try:
        smtp.open()
        # Over SMTP, messages go out as bytes built by formatting (Rendered.raw): the
        # email package's generator costs more than the network. Other backends (console,
        # files, tests' outbox) take the EmailMultiAlternatives.
        fast = isinstance(smtp, SMTPBackend) and smtp.connection is not None
        for d in deliveries:
            r = rendered[d.message_id]
            try:
                built = r.raw(d, date) if fast else None
                if built is not None:
                    smtp.connection.sendmail(built[0], [d.email], built[1])  # type: ignore[union-attr]
                else:
                    smtp.send_messages([r.email(d)])
                sent.append(d.id)
            except Exception as exc:
                errors[d.id] = f"{type(exc).__name__}: {exc}"[:300]
    except Exception as exc:
        for d in deliveries:
            if d.id not in sent:
                errors.setdefault(d.id, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        if connection is None:
            smtp.close()
    return sent, errors


def _mark(
    sent: list[int], errors: dict[int, str], result: dict[str, int], now: datetime | None
) -> None:
    """Sent rows become sent; failures retry with backoff (2, 4, 8, 16 minutes), then fail."""
    now = now or timezone.now()
    Delivery.objects.filter(id__in=sent, status="sending").update(
        status="sent", sent_at=now, lease_until=None, last_error=""
    )
    result["sent"] += len(sent)
    for d in Delivery.objects.filter(id__in=list(errors), status="sending"):
        d.last_error = errors[d.id]
        d.lease_until = None
        if d.attempts >= MAX_ATTEMPTS:
            d.status = DeliveryStatus.FAILED
            result["failed"] += 1
        else:
            d.status = DeliveryStatus.QUEUED
            d.next_attempt_at = now + timedelta(minutes=2**d.attempts)
            result["retrying"] += 1
        d.save(update_fields=["status", "last_error", "lease_until", "next_attempt_at"])
