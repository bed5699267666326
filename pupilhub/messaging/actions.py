"""Compose, queue and dispatch mass email. Staff never see an address."""

import logging
import re
import uuid
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection as db
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from pupilhub.core import audit, emails
from pupilhub.core.errors import Conflict, Forbidden, Invalid, invalid_field
from pupilhub.schools.access import SchoolAccess

from . import optout, sanitise
from .mime import encoded_words
from .models import Delivery, DeliveryStatus, Message
from .recipients import clean_spec, clean_subject, next_dispatch, recipients
from .sanitise import escape

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
    domain = settings.MAIL_DOMAIN  # Message-IDs on the sender's own domain
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
# Stand-ins for what differs between copies, in the one message the fast path serialises:
# plain ASCII that no encoding touches, unlikely in any text.
_MARK = "phx" + uuid.uuid4().hex[:12]
PH_TO = f"{_MARK}to@placeholder.invalid"
PH_NAMES = f"{_MARK}names"
PH_ID = f"<{_MARK}id@placeholder.invalid>"
PH_LINK = f"https://{_MARK}.invalid/unsubscribe"
LINE_LIMIT = 990  # RFC 5322 allows 998 octets a line
BLOCK_END = re.compile(r"</(?:p|li|ul|ol|h[1-6]|blockquote)>(?!\n)|<br\s*/?>(?!\n)", re.I)


class Rendered:
    """A message rendered once; each recipient only fills in the merge fields.

    Every copy is the message `email()` builds (core.emails.assemble: one builder for all
    mail). Over SMTP, `raw()` serialises that message once with stand-ins for what differs
    (address, names, Message-ID, unsubscribe link) and fills them in as bytes for each
    copy: the email package's generator costs more than the network, and this keeps mass
    mail at the speed of a raw smtplib loop (`make bench`).
    """

    def __init__(self, message: Message) -> None:
        school = message.school
        self.school = school
        body = sanitise.clean(message.html_body)  # sanitised on the way out too
        # A line break after each block (HTML ignores it): short lines travel as 8bit, where
        # one long line would make every copy quoted-printable (RFC 5322: 998 octets).
        body = BLOCK_END.sub(lambda m: m.group(0) + "\n", body)
        ctx = {
            "body": body,
            "school": school,
            "base_url": settings.BASE_URL,
            "unsubscribe": UNSUBSCRIBE,
        }
        self.html = render_to_string("emails/mass_message.html", ctx)
        self.text = sanitise.to_text(body) + render_to_string("emails/mass_message.txt", ctx)
        self.subject = message.subject
        self._template: _Template | bool | None = False  # False: not built yet

    def email(
        self, delivery: Delivery, *, names: str | None = None, link: str | None = None
    ) -> EmailMultiAlternatives:
        """The one builder every mail goes through (core.emails.assemble), with the
        delivery's fixed Message-ID and the unsubscribe headers of bulk mail."""
        names = delivery.pupil_names if names is None else names
        link = optout.link_for(delivery, self.school.pk) if link is None else link
        values = {"pupil_first_name": names, "school_name": self.school.name}
        email = emails.assemble(
            sanitise.merge(self.subject, values, html=False),
            sanitise.merge(self.text, values, html=False).replace(UNSUBSCRIBE, link),
            sanitise.merge(self.html, values, html=True).replace(UNSUBSCRIBE, link),
            delivery.email,
            reply_to=self.school.office_email or None,
            from_name=self.school.name,
            headers={"Message-ID": delivery.mail_id, **optout.headers_for(link, self.school)},
        )
        email.metadata = {"pupilhub_delivery": delivery.mail_id}  # type: ignore[attr-defined]
        return email

    def prepare(self) -> None:
        """Build the SMTP template now (before threads share this object)."""
        if self._template is False:
            self._template = _Template.build(self)

    def raw(self, delivery: Delivery) -> tuple[str, bytes] | None:
        """This copy as SMTP-ready bytes (envelope sender, bytes), filled into the message
        `email()` built once; None when this copy needs the full builder."""
        if self._template is False:
            self._template = _Template.build(self)
        template = self._template
        if not isinstance(template, _Template):
            return None
        address, names = delivery.email, delivery.pupil_names
        if not address.isascii() or any(c in address for c in '\r\n<>,"') or len(names) > 300:
            return None
        html_names, link = escape(names), optout.link_for(delivery, self.school.pk)
        if not template.fits(html_names.encode(), link.encode()):
            return None
        subject = sanitise.merge(
            self.subject, {"pupil_first_name": names, "school_name": self.school.name}, html=False
        )
        return template.sender, template.fill(
            address=address,
            subject=" ".join(subject.split()),
            text_names=names,
            html_names=html_names,
            mail_id=delivery.mail_id,
            link=link,
        )


class _Template:
    """The message `email()` builds for stand-ins, serialised once, cut where copies
    differ."""

    def __init__(self, sender: str, head: bytes, body: bytes, split: int) -> None:
        self.sender = sender
        self.head = head
        self.text_body, self.html_body = body[:split], body[split:]
        # The longest line holding a stand-in, and how many it holds at most: a copy whose
        # names or link would push such a line past the limit takes the full builder.
        marked = [line for line in body.split(b"\r\n") if _MARK.encode() in line]
        self.longest = max((len(line) for line in marked), default=0)
        self.most = max((line.count(_MARK.encode()) for line in marked), default=0)

    @classmethod
    def build(cls, rendered: Rendered) -> "_Template | None":
        stand_in = Delivery(pk=0, email=PH_TO, pupil_names=PH_NAMES, mail_id=PH_ID)
        email = rendered.email(stand_in, names=PH_NAMES, link=PH_LINK)
        raw = email.message().as_bytes(linesep="\r\n")
        head, _sep, body = raw.partition(b"\r\n\r\n")
        if b"quoted-printable" in raw or b"base64" in raw:  # long lines: the full builder
            return None
        # Bodies go as 8bit UTF-8: a name may be the first non-ASCII character in a copy.
        body = body.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")
        split = body.find(b"Content-Type: text/html")
        if split < 0:
            return None
        head = b"\r\n".join(_unfolded_without_subject(head))
        return cls(parseaddr(email.from_email)[1], head, body, split)

    def fits(self, *values: bytes) -> bool:
        grow = max(len(v) for v in values) - min(len(PH_NAMES), len(PH_LINK))
        return self.longest + self.most * max(grow, 0) <= LINE_LIMIT

    def fill(
        self,
        *,
        address: str,
        subject: str,
        text_names: str,
        html_names: str,
        mail_id: str,
        link: str,
    ) -> bytes:
        encoded = subject if subject.isascii() else encoded_words(subject)
        head = (
            self.head.replace(PH_TO.encode(), address.encode())
            .replace(PH_ID.encode(), mail_id.encode())
            .replace(PH_LINK.encode(), link.encode())
        )
        mark = PH_NAMES.encode()
        text = self.text_body.replace(mark, text_names.encode()).replace(
            PH_LINK.encode(), link.encode()
        )
        html = self.html_body.replace(mark, html_names.encode()).replace(
            PH_LINK.encode(), link.encode()
        )
        subject_line = "Subject: " + encoded
        return b"".join((head, b"\r\n", subject_line.encode(), b"\r\n\r\n", text, html))


def _unfolded_without_subject(head: bytes) -> list[bytes]:
    """The header lines, the Subject (and its folded continuation lines) left out."""
    out: list[bytes] = []
    skipping = False
    for line in head.split(b"\r\n"):
        if line.startswith((b" ", b"\t")):
            if not skipping:
                out.append(line)
            continue
        skipping = line.lower().startswith(b"subject:")
        if not skipping:
            out.append(line)
    return out


@transaction.atomic
def do_cancel(access: SchoolAccess, message: Message) -> int:
    """Cancel before it is sent: every copy the dispatcher has not yet claimed is
    cancelled (and forgets its address); copies already claimed or sent go on. The
    sender, or an admin."""
    if not (access.is_admin or (access.user and message.sender_id == access.user.pk)):
        raise Forbidden("Only the sender or a school admin can cancel this message.")
    cancelled = Delivery.objects.filter(message=message, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.CANCELLED, email="", pupil_names="", lease_until=None
    )
    if not cancelled:
        raise Conflict(
            "Too late to cancel: every copy has already been sent or is being sent.",
            code="already_sent",
        )
    audit.record(access.user, "message.cancelled", message, cancelled=cancelled)
    return cancelled
