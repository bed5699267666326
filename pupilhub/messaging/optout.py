"""Families choosing not to get a school's mass email: the one-click unsubscribe (RFC 8058)
every mass email carries, the account page and `PUT /me/preferences`. Addresses the
provider reports as bounced or complaining are suppressed the same way. Safety notices
(password, sign-in, invitations) never pass through here: they are not mass email."""

import hashlib
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.core import audit
from pupilhub.core.errors import Invalid

from .models import Delivery, MailOptOut, SuppressedAddress

SALT = "pupilhub.messaging.unsubscribe"  # single purpose: this signature opens nothing else
MAX_AGE = 60 * 60 * 24 * 365  # a link in last year's email still works


def address_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def token_for(delivery: Delivery, school_id: Any) -> str:
    """`<delivery id>:<timestamp>:<HMAC>`: names the delivery (the school follows from it),
    cheap enough to make for every copy of a mass email."""
    return signing.TimestampSigner(salt=SALT).sign(str(delivery.pk))


def link_for(delivery: Delivery, school_id: Any) -> str:
    return f"{settings.BASE_URL}/unsubscribe/{token_for(delivery, school_id)}/"


def headers_for(link: str, school: Any) -> dict[str, str]:
    """`List-Unsubscribe` (the https one-click link, and the school office's address) and
    `List-Unsubscribe-Post`, with the list's id: what Gmail and Yahoo ask of bulk mail."""
    targets = [f"<{link}>"]
    office = (school.office_email or "").strip()
    if office and office.isascii() and "\n" not in office and "\r" not in office:
        targets.append(f"<mailto:{office}?subject=Unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<school-{school.pk}.{settings.MAIL_DOMAIN}>",
        "Precedence": "bulk",
    }


def read_token(token: str) -> Delivery:
    """The delivery a link was made for; a forged, altered or expired one is a 400."""
    refused = Invalid(
        _(
            "This unsubscribe link is not valid. Use the link in a recent email from the "
            "school, or change your email settings on your account page."
        ),
        code="invalid_token",
    )
    try:
        delivery_id = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
        delivery = Delivery.objects.select_related("message", "user").get(pk=int(delivery_id))
    except (signing.BadSignature, TypeError, ValueError, Delivery.DoesNotExist):
        raise refused from None
    if delivery.user_id is None:
        raise refused
    return delivery


@transaction.atomic
def do_unsubscribe(token: str) -> Delivery:
    """One click: this school's mass email stops for this account. The link works once (a
    replay is a 400 and changes nothing); undoing is `do_resubscribe`."""
    delivery = read_token(token)
    claimed = Delivery.objects.filter(pk=delivery.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    if not claimed:
        raise Invalid(
            _("This link was already used: you are unsubscribed. Your account page can change it."),
            code="already_used",
        )
    set_school_mail(delivery.user, [delivery.message.school_id], wanted=False, how="link")
    return delivery


@transaction.atomic
def do_resubscribe(token: str) -> Delivery:
    delivery = read_token(token)
    set_school_mail(delivery.user, [delivery.message.school_id], wanted=True, how="link")
    return delivery


def set_school_mail(user: Any, school_ids: list[Any], *, wanted: bool, how: str) -> None:
    """Opt an account out of (or back into) these schools' mass email, audited."""
    for school_id in school_ids:
        if wanted:
            changed = MailOptOut.objects.filter(user=user, school_id=school_id).delete()[0]
        else:
            _row, changed = MailOptOut.objects.get_or_create(user=user, school_id=school_id)
        if changed:
            action = "mail.resubscribed" if wanted else "mail.unsubscribed"
            audit.record(user, action, None, school=_school(school_id), how=how)


def _school(school_id: Any) -> Any:
    from pupilhub.schools.models import School

    return School.objects.filter(pk=school_id).first()


def opted_out(pairs: set[tuple[Any, Any]]) -> set[tuple[Any, Any]]:
    """Which (school, user) pairs asked for no mass email."""
    schools = {s for s, _u in pairs}
    users = {u for _s, u in pairs}
    rows = MailOptOut.objects.filter(school_id__in=schools, user_id__in=users)
    return set(rows.values_list("school_id", "user_id")) & pairs


def suppressed(emails: set[str]) -> set[str]:
    """Which of these addresses bounced hard or complained."""
    digests = {address_digest(e): e for e in emails if e}
    found = SuppressedAddress.objects.filter(digest__in=list(digests)).values_list(
        "digest", flat=True
    )
    return {digests[d] for d in found}


def suppress(email: str, reason: str) -> None:
    SuppressedAddress.objects.get_or_create(
        digest=address_digest(email), defaults={"reason": reason[:20]}
    )
