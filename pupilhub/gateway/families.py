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

from .licence_check import INVALID_LICENCE, check_licence, open_school
from .models import (
    ExternalDenial,
    ExternalLink,
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
        if not denied and _first_notice_this_hour(email):
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
    """ "You already have an account" goes to one address at most once an hour."""
    try:
        throttle.reserve(throttle.Limit(EXISTING_SCOPE, email, 1, 3600))
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
    request: HttpRequest, user: User, school_id: Any, pupil_id: str, typed_key: str
) -> ExternalLink:
    """Add a pupil (or another licence type for one) to a signed-in account."""
    school = open_school(school_id)
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
