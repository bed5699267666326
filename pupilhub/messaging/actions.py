"""Compose, queue and dispatch mass email. Staff never see an address."""

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection as db
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from pupilhub.core import audit, emails
from pupilhub.core.errors import Forbidden, Invalid, invalid_field
from pupilhub.schools.access import SchoolAccess

from . import optout, sanitise
from .models import Delivery, Message
from .recipients import clean_spec, clean_subject, next_dispatch, recipients

log = logging.getLogger(__name__)

BATCH = 500
LEASE = timedelta(seconds=settings.MAIL_LEASE_SECONDS)


# Compose ------------------------------------------------------------------------------


def do_queue(access: SchoolAccess, subject: str, html_body: str, data: dict[str, Any]) -> Message:
    """Store the message and one delivery a recipient; the dispatcher sends them."""
    if not access.can_email_families:
        raise Forbidden("Only admins, and staff an admin allows, can email families.")
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


# Dispatch -------------------------------------------------------------------------------


def claim(batch: int = BATCH, now: datetime | None = None, run: str = "") -> list[int]:
    """Atomically take up to `batch` due rows (and rows whose lease ran out) for `run`.

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
                SET status = 'sending', lease_until = %s, attempts = attempts + 1, run_id = %s
                WHERE id IN (
                    SELECT id FROM messaging_delivery
                    WHERE status IN ('queued', 'sending')
                      AND ((status = 'queued' AND next_attempt_at <= %s)
                        OR (status = 'sending' AND lease_until < %s))
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                RETURNING id""",
                [lease, run, now, now, batch],
            )
            return sorted(row[0] for row in cursor.fetchall())
    with transaction.atomic():
        due = Delivery.objects.filter(
            status="queued", next_attempt_at__lte=now
        ) | Delivery.objects.filter(status="sending", lease_until__lt=now)
        ids = list(due.order_by("id").values_list("id", flat=True)[:batch])
        from django.db.models import F

        Delivery.objects.filter(id__in=ids).update(
            status="sending", lease_until=lease, attempts=F("attempts") + 1, run_id=run
        )
        return ids


@transaction.atomic
def do_retry_failed(access: SchoolAccess, message: Message) -> int:
    """Queue a message's failed deliveries again (admins), counted afresh."""
    access.require_admin("Only school admins can retry failed mail.")
    now = timezone.now()
    count = Delivery.objects.filter(message=message, status="failed").update(
        status="queued", attempts=0, next_attempt_at=now, queued_at=now, last_error=""
    )
    audit.record(access.user, "message.retried", message, deliveries=count)
    return count


# Where each copy's own unsubscribe link goes in the rendered templates.
UNSUBSCRIBE = "{{unsubscribe-link}}"


class Rendered:
    """A message rendered once; each recipient only fills in the merge fields."""

    def __init__(self, message: Message) -> None:
        school = message.school
        self.school = school
        body = sanitise.clean(message.html_body)  # sanitised on the way out too
        ctx = {
            "body": body,
            "school": school,
            "base_url": settings.BASE_URL,
            "unsubscribe": UNSUBSCRIBE,
        }
        self.html = render_to_string("emails/mass_message.html", ctx)
        self.text = sanitise.to_text(body) + render_to_string("emails/mass_message.txt", ctx)
        self.subject = message.subject
        self._fixed: tuple[str, bytes, str] | None = None

    def email(self, delivery: Delivery) -> EmailMultiAlternatives:
        """The one builder every mail goes through (core.emails.assemble), with the
        delivery's fixed Message-ID and the unsubscribe headers of bulk mail."""
        values = {"pupil_first_name": delivery.pupil_names, "school_name": self.school.name}
        link = optout.link_for(delivery, self.school.pk)
        email = emails.assemble(
            sanitise.merge(self.subject, values, html=False),
            sanitise.merge(self.text, values, html=False).replace(UNSUBSCRIBE, link),
            sanitise.merge(self.html, values, html=True).replace(UNSUBSCRIBE, link),
            delivery.email,
            reply_to=self.school.office_email or None,
            from_name=self.school.name,
            headers={"Message-ID": delivery.mail_id, **optout.headers_for(delivery, self.school)},
        )
        email.metadata = {"pupilhub_delivery": delivery.mail_id}  # type: ignore[attr-defined]
        return email
