"""Compose, queue and dispatch mass email. Staff never see an address."""

import logging
import uuid
from binascii import b2a_qp
from datetime import datetime, timedelta
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection as db
from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from pupilhub.core import audit, emails
from pupilhub.core.errors import Invalid, invalid_field
from pupilhub.gateway.actions import licence_types_from_ids
from pupilhub.gateway.models import ExternalDenial, ExternalLink
from pupilhub.pupils.access import pupils_from_ids
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id
from pupilhub.schools.models import School

from . import sanitise
from .models import Delivery, DeliveryStatus, Message

log = logging.getLogger(__name__)

BATCH = 500
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
INTERVAL_MINUTES = 10


def next_dispatch(now: datetime | None = None) -> datetime:
    """The next 10-minute beat (the dispatcher runs at :00, :10, :20 ...)."""
    now = now or timezone.now()
    minutes = INTERVAL_MINUTES - now.minute % INTERVAL_MINUTES
    return (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


# Compose ------------------------------------------------------------------------------


def clean_spec(school: School, data: dict[str, Any]) -> dict[str, Any]:
    """Validate who a message is for: pupils, year groups, tutor groups or sets,
    times licence types. Every id must belong to the school."""
    spec = {
        "pupils": [str(p) for p in data.get("pupils") or []],
        "year_groups": [int(y) for y in data.get("year_groups") or []],
        "tutor_groups": [str(t).strip() for t in data.get("tutor_groups") or [] if str(t).strip()],
        "sets": [str(s).strip() for s in data.get("sets") or [] if str(s).strip()],
        "licence_types": [str(t) for t in data.get("licence_types") or []],
    }
    if not any(spec[k] for k in ("pupils", "year_groups", "tutor_groups", "sets")):
        raise invalid_field("pupils", "Choose pupils, year groups, tutor groups or sets.")
    if not spec["licence_types"]:
        raise invalid_field("licence_types", "Choose who to write to: parents, pupils, or others.")
    pupils_from_ids(school, spec["pupils"])
    licence_types_from_ids(school, spec["licence_types"])
    return spec


def _selected_pupils(school: School, spec: dict[str, Any]) -> dict[Any, Pupil]:
    rows = Pupil.objects.filter(school=school, status="active").only(
        "id", "first_name", "year_group", "tutor_group", "sets"
    )
    wanted_ids = {str(p) for p in spec["pupils"]}
    years = set(spec["year_groups"])
    tutors = {t.casefold() for t in spec["tutor_groups"]}
    sets = {s.casefold() for s in spec["sets"]}
    return {
        p.pk: p
        for p in rows
        if str(p.pk) in wanted_ids
        or p.year_group in years
        or p.tutor_group.casefold() in tutors
        or sets.intersection(s.casefold() for s in p.sets)
    }


def recipients(school: School, spec: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """One entry per person (user id), with the chosen pupils they are linked to.

    Verified accounts only, never one the school has denied.
    """
    pupils = _selected_pupils(school, spec)
    denied = ExternalDenial.objects.filter(school=school).values("user_id")
    links = (
        ExternalLink.objects.filter(
            school=school,
            pupil_id__in=list(pupils),
            licence_type_id__in=[parse_id(t) for t in spec["licence_types"]],
            user__email_verified_at__isnull=False,
            user__is_active=True,
        )
        .exclude(user_id__in=denied)
        .values_list("user_id", "user__email", "pupil_id")
        .order_by("user_id", "pupil_id")
    )
    people: dict[Any, dict[str, Any]] = {}
    for user_id, email, pupil_id in links:
        person = people.setdefault(user_id, {"email": email, "pupils": []})
        if pupil_id not in person["pupils"]:
            person["pupils"].append(pupil_id)
    for person in people.values():
        person["names"] = _names([pupils[p].first_name for p in person["pupils"]])
    return people


def _names(names: list[str]) -> str:
    names = sorted(set(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def preview(school: School, spec: dict[str, Any]) -> dict[str, int]:
    """How many people, for how many pupils: never who."""
    people = recipients(school, spec)
    pupils = {p for person in people.values() for p in person["pupils"]}
    return {"recipient_count": len(people), "pupil_count": len(pupils)}


def clean_subject(subject: str) -> str:
    if "\r" in (subject or "") or "\n" in (subject or ""):
        raise invalid_field("subject", "The subject must be one line.")
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise invalid_field("subject", "Write a subject of at most 200 characters.")
    return subject


def do_queue(access: SchoolAccess, subject: str, html_body: str, data: dict[str, Any]) -> Message:
    """Store the message and one delivery a recipient; the dispatcher sends them."""
    subject = clean_subject(subject)
    body = sanitise.clean(html_body)
    if not sanitise.to_text(body).strip():
        raise invalid_field("html_body", "Write the message.")
    if len(body) > 100_000:
        raise invalid_field("html_body", "The message is too long.")
    spec = clean_spec(access.school, data)
    people = recipients(access.school, spec)
    if not people:
        raise Invalid(
            "Nobody matches: no verified account is linked to these pupils "
            "with these licence types.",
            code="no_recipients",
        )
    now = timezone.now()
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "pupilhub.invalid"
    with transaction.atomic():
        message = Message.objects.create(
            school=access.school,
            sender=access.user,
            subject=subject,
            html_body=body,
            spec=spec,
            recipient_count=len(people),
            pupil_count=len({p for person in people.values() for p in person["pupils"]}),
            send_after=next_dispatch(now),
        )
        Delivery.objects.bulk_create(
            [
                Delivery(
                    message=message,
                    user_id=user_id,
                    email=person["email"],
                    pupil_ids=[str(p) for p in person["pupils"]],
                    pupil_names=person["names"][:300],
                    next_attempt_at=now,
                    mail_id=f"<{uuid.uuid4().hex}@{domain}>",
                )
                for user_id, person in people.items()
            ],
            batch_size=1000,
        )
        audit.record(access.user, "message.queued", message, recipients=len(people))
    return message


def counts(message: Message) -> dict[str, int]:
    return counts_for([message])[message.pk]


def counts_for(messages: list[Message]) -> dict[Any, dict[str, int]]:
    """Delivery counts by status for many messages in one GROUP BY query."""
    out = {m.pk: dict.fromkeys(DeliveryStatus.values, 0) for m in messages}
    rows = (
        Delivery.objects.filter(message__in=list(out))
        .values_list("message_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for message_id, status, n in rows:
        out[message_id][status] = n
    return out


def status_of(c: dict[str, int]) -> str:
    pending = c["queued"] + c["sending"]
    if pending:
        return "queued" if not c["sent"] and not c["failed"] else "sending"
    if c["failed"]:
        return "failed" if not c["sent"] else "sent_with_failures"
    return "sent"


# Dispatch -------------------------------------------------------------------------------


def claim(batch: int = BATCH, now: datetime | None = None) -> list[int]:
    """Atomically take up to `batch` due rows (and rows whose lease ran out).

    PostgreSQL: FOR UPDATE SKIP LOCKED, so dispatchers running at once never take
    the same row. SQLite serialises writers (IMMEDIATE transactions), which gives
    the same guarantee.
    """
    now = now or timezone.now()
    lease = now + LEASE
    if db.vendor == "postgresql":
        with transaction.atomic(), db.cursor() as cursor:
            cursor.execute(
                """UPDATE messaging_delivery
                SET status = 'sending', lease_until = %s, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM messaging_delivery
                    WHERE (status = 'queued' AND next_attempt_at <= %s)
                       OR (status = 'sending' AND lease_until < %s)
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING id""",
                [lease, now, now, batch],
            )
            return sorted(row[0] for row in cursor.fetchall())
    with transaction.atomic():
        due = Delivery.objects.filter(
            status="queued", next_attempt_at__lte=now
        ) | Delivery.objects.filter(status="sending", lease_until__lt=now)
        ids = list(due.order_by("id").values_list("id", flat=True)[:batch])
        from django.db.models import F

        Delivery.objects.filter(id__in=ids).update(
            status="sending", lease_until=lease, attempts=F("attempts") + 1
        )
        return ids


class Rendered:
    """A message rendered once; each recipient only fills in the merge fields."""

    def __init__(self, message: Message) -> None:
        school = message.school
        self.school = school
        body = sanitise.clean(message.html_body)  # sanitised on the way out too
        ctx = {"body": body, "school": school, "base_url": settings.BASE_URL}
        self.html = render_to_string("emails/mass_message.html", ctx)
        self.text = sanitise.to_text(body) + render_to_string("emails/mass_message.txt", ctx)
        self.subject = message.subject
        self._fixed: tuple[str, bytes, str] | None = None

    def raw(self, delivery: Delivery, date: str) -> tuple[str, bytes] | None:
        """The same message as SMTP-ready bytes, built by formatting (envelope sender,
        bytes), for the SMTP fast path; None when the address needs the full builder.

        Merged per recipient: subject, text and HTML; everything else is built once per
        message (From, Reply-To, boundary). Bodies are quoted-printable UTF-8, lines CRLF.
        """
        if not delivery.email.isascii() or "\n" in delivery.email or "\r" in delivery.email:
            return None
        if self._fixed is None:
            self._fixed = self._prepare()
        envelope, head, boundary = self._fixed
        values = {"pupil_first_name": delivery.pupil_names, "school_name": self.school.name}
        subject = " ".join(sanitise.merge(self.subject, values, html=False).split())
        if not subject.isascii():
            subject = Header(subject, "utf-8").encode()
        text = sanitise.merge(self.text, values, html=False)
        html = sanitise.merge(self.html, values, html=True)
        parts = [
            head,
            f"To: {delivery.email}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: {delivery.mail_id}\r\n\r\n".encode(),
        ]
        for kind, body in (("plain", text), ("html", html)):
            parts.append(
                f'--{boundary}\r\nContent-Type: text/{kind}; charset="utf-8"\r\n'
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
            )
            parts.append(_qp(body))
        parts.append(f"\r\n--{boundary}--\r\n".encode())
        return envelope, b"".join(parts)

    def _prepare(self) -> tuple[str, bytes, str]:
        """What every recipient's copy shares, checked and encoded once."""
        sender = emails.from_address(self.school.name)
        name, address = parseaddr(sender)
        lines = [f"From: {formataddr((name, address))}"]
        reply = self.school.office_email
        if reply and reply.isascii() and "\n" not in reply and "\r" not in reply:
            lines.append(f"Reply-To: {reply}")
        boundary = f"==pupilhub-{uuid.uuid4().hex}=="
        lines += [
            "MIME-Version: 1.0",
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
        ]
        return address, ("\r\n".join(lines) + "\r\n").encode(), boundary

    def email(self, delivery: Delivery) -> EmailMultiAlternatives:
        """Through the same builder as transactional mail (core.emails.assemble)."""
        values = {"pupil_first_name": delivery.pupil_names, "school_name": self.school.name}
        return emails.assemble(
            sanitise.merge(self.subject, values, html=False),
            sanitise.merge(self.text, values, html=False),
            sanitise.merge(self.html, values, html=True),
            delivery.email,
            reply_to=self.school.office_email or None,
            from_name=self.school.name,
            headers={"Message-ID": delivery.mail_id},
        )


def dispatch(
    batch: int = BATCH, connection: Any = None, now: datetime | None = None
) -> dict[str, int]:
    """One dispatch cycle: claim, send over one reused SMTP connection, mark; repeat
    until nothing is due. Returns {"sent": n, "failed": n, "retrying": n}."""
    result = {"sent": 0, "failed": 0, "retrying": 0}
    rendered: dict[Any, Rendered] = {}
    while True:
        ids = claim(batch, now)
        if not ids:
            return result
        deliveries = list(
            Delivery.objects.filter(id__in=ids).only(
                "id", "message_id", "email", "pupil_names", "mail_id"
            )
        )
        wanted = {d.message_id for d in deliveries} - set(rendered)
        for message in Message.objects.filter(pk__in=wanted).select_related("school"):
            rendered[message.pk] = Rendered(message)  # once a message, not a join a row
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


def _qp(body: str) -> bytes:
    """UTF-8 quoted-printable with CRLF line ends (C-speed binascii)."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    encoded = (b2a_qp(line.encode("utf-8")).replace(b"=\n", b"=\r\n") for line in lines)
    return b"\r\n".join(encoded)
