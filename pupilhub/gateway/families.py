"""Family accounts at the gateway: registering with a pupil ID and licence key, linking more
pupils, and each link's preferences."""

import re
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from pupilhub.accounts import tasks as account_tasks
from pupilhub.accounts.models import User, normalise_email
from pupilhub.accounts.passwords import ensure_valid_password
from pupilhub.core import audit, throttle
from pupilhub.core.errors import Conflict, Invalid, RateLimited, invalid_field
from pupilhub.core.outbox import enqueue

from .licence_check import INVALID_LICENCE, check_licence, open_school, school_of_key
from .models import (
    ExternalDenial,
    ExternalLink,
    PendingLink,
)

EXISTING_SCOPE = "registration-existing"


def do_register(
    request: HttpRequest, school_id: Any, email: str, password: str, pupil_id: str, typed_key: str
) -> None:
    """Self-registration. The answer (and its timing: mail goes through the task queue)
    is the same whether the email is new, already has an account, or was denied by the
    school: only the email that follows differs. The password is judged before the
    address is looked up, so a weak one is refused alike for every address."""
    school = open_school(school_id)
    email = normalise_email(email or "")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise invalid_field("email", "Enter a valid email address.")
    ensure_valid_password(password)
    licence = check_licence(request, school, pupil_id, typed_key)
    existing = User.objects.by_email(email)
    if existing is not None:
        # The same work as creating an account (a password hash), so the answer's timing
        # says nothing about whether the address is registered.
        make_password(password)
        denied = ExternalDenial.objects.filter(school=school, user=existing).exists()
        if denied:
            return
        # The pupil waits for the address's owner: the mail's link adds it (typing someone
        # else's address adds nothing to their account until they choose to).
        _pending, fresh = PendingLink.objects.get_or_create(
            user=existing, licence_key=licence, defaults={"school": school}
        )
        if fresh and _first_notice_this_hour(email):  # the same pupil again: no second mail
            ids = (str(existing.pk), str(school.pk))
            transaction.on_commit(lambda: enqueue(account_tasks.send_registration_existing, *ids))
        return
    try:
        _create_account(school, email, password, licence)
    except IntegrityError:
        # A double submit: the other request made this account a moment ago. The answer
        # is the one every address gets (never a 500, and no address in the error log);
        # the first request's verification mail is on its way.
        return


def _first_notice_this_hour(email: str) -> bool:
    """ "You already have an account" goes to one address at most 5 times an hour (a family
    registering several children; each mail's link adds every pupil waiting)."""
    try:
        throttle.reserve(throttle.Limit(EXISTING_SCOPE, email, 5, 3600))
    except RateLimited:
        return False
    return True


@transaction.atomic
def _create_account(school: Any, email: str, password: str, licence: Any) -> None:
    user = User.objects.create_user(email, password)
    ExternalLink.objects.create(
        user=user,
        school=school,
        pupil=licence.pupil,
        licence_type=licence.licence_type,
        licence_key=licence,
    )
    audit.record(
        user,
        "gateway.registered",
        licence.pupil,
        school=school,
        licence_type=str(licence.licence_type_id),
    )
    ids = (str(user.pk), str(school.pk))
    transaction.on_commit(lambda: enqueue(account_tasks.send_verification, *ids))


def do_add_link(
    request: HttpRequest, user: User, school_id: Any | None, pupil_id: str, typed_key: str
) -> ExternalLink:
    """Add a pupil (or another licence type for one) to a signed-in account: at any
    school, named or found from the key."""
    school = open_school(school_id) if school_id else school_of_key(request, typed_key)
    if ExternalDenial.objects.filter(school=school, user=user).exists():
        raise Invalid(INVALID_LICENCE, code="invalid_licence")  # as for any wrong key
    licence = check_licence(request, school, pupil_id, typed_key)
    with transaction.atomic():
        link, created = ExternalLink.objects.get_or_create(
            user=user,
            pupil=licence.pupil,
            licence_type=licence.licence_type,
            defaults={"school": school, "licence_key": licence},
        )
        if not created:
            raise Conflict(
                "This pupil is already linked to your account with that licence.",
                code="already_linked",
            )
        audit.record(user, "gateway.pupil_linked", licence.pupil, school=school, link=str(link.pk))
    return link


def do_set_preferences(user: User, link: ExternalLink, paperless: bool) -> ExternalLink:
    with transaction.atomic():
        link.paperless_reports = bool(paperless)
        link.save(update_fields=["paperless_reports"])
        audit.record(
            user,
            "gateway.preferences_changed",
            link,
            school=link.school,
            paperless=link.paperless_reports,
        )
    return link


@transaction.atomic
def add_pending(user: User, token: Any) -> list[ExternalLink]:
    """The address's owner used the link: each pupil registered with it is added, unless
    its key was revoked or the school denied the account meanwhile (then it is dropped)."""
    added = []
    waiting = PendingLink.objects.filter(token=token).select_related(
        "licence_key__pupil", "licence_key__licence_type", "school"
    )
    for pending in waiting:
        key = pending.licence_key
        denied = ExternalDenial.objects.filter(school=pending.school, user=user).exists()
        if key.revoked_at is None and not denied and pending.school.external_login_enabled:
            link, created = ExternalLink.objects.get_or_create(
                user=user,
                pupil=key.pupil,
                licence_type=key.licence_type,
                defaults={"school": pending.school, "licence_key": key},
            )
            if created:
                audit.record(
                    user,
                    "gateway.pupil_linked",
                    key.pupil,
                    school=pending.school,
                    link=str(link.pk),
                )
                added.append(link)
        pending.delete()
    return added
