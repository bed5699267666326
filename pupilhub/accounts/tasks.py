"""Account mail goes through the task queue, so a request's timing says nothing about
whether the address has an account. Tasks take ids and issue the link themselves: no
token ever sits in the broker."""

import smtplib
from typing import Any

from celery import shared_task

from pupilhub.core import emails

from .models import OneTimeToken, User
from .signals import registration_mail_prepared

# The relay being down or refusing for now never loses mail: each task is tried again with
# jittered back-off (up to 1, 2, 4, 8 then 15 minutes, each drawn at random below its cap so
# a recovering relay is not hit by every worker at once), 16 times: about an hour and a half
# on average, never less than an hour in practice.
RETRY = {
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 60,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 16,
    "ignore_result": True,
}


def _user(user_id: Any) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).first()


@shared_task(**RETRY)
def send_password_reset(user_id: str) -> None:
    user = _user(user_id)
    if user is None:
        return
    raw = OneTimeToken.issue(user, OneTimeToken.Purpose.RESET_PASSWORD, hours=1)
    emails.send_now("password_reset", user.email, {"token": raw, "user": user})


@shared_task(**RETRY)
def send_verification(user_id: str, school_id: str | None = None) -> None:
    from pupilhub.schools.models import School

    user = _user(user_id)
    if user is None or user.is_verified:
        return
    school = School.objects.filter(pk=school_id).first() if school_id else None
    raw = OneTimeToken.issue(user, OneTimeToken.Purpose.VERIFY_EMAIL, hours=72)
    emails.send_now("verify_email", user.email, {"token": raw, "school": school})


@shared_task(**RETRY)
def send_registration_existing(user_id: str, school_id: str) -> None:
    from pupilhub.schools.models import School

    user = _user(user_id)
    school = School.objects.filter(pk=school_id).first()
    if user is None or school is None:
        return
    # The link both confirms the address and adds the pupils registered with it that wait
    # (the gateway listens for the verification); a mail retried makes a fresh link.
    raw, token = OneTimeToken.issued(user, OneTimeToken.Purpose.VERIFY_EMAIL, hours=72)
    registration_mail_prepared.send(sender=OneTimeToken, user=user, token=token)
    context = {"user": user, "school": school, "token": raw}
    emails.send_now("registration_existing", user.email, context)


@shared_task(**RETRY)
def send_plain(name: str, to: str, context: dict[str, Any]) -> None:
    """A notice whose context is plain data (names, never a token)."""
    emails.send_now(name, to, context)


def later(name: str, to: str, context: dict[str, Any]) -> None:
    """Mail a notice after the transaction commits, through the queue (retried; a mail
    server that is down never turns a saved change into an error). `context` is plain data:
    it travels through the broker."""
    from django.db import transaction

    from pupilhub.core.outbox import enqueue

    transaction.on_commit(lambda: enqueue(send_plain, name, to, context))


@shared_task(**RETRY)
def send_enrolment_link(user_id: str, school_name: str) -> None:
    """The single-use second-factor set-up link (3 days), to the verified address only;
    any earlier set-up link stops working."""
    user = _user(user_id)
    if user is None or not user.is_verified or not user.mfa_enrol_by_link:
        return
    purpose = OneTimeToken.Purpose.ENROL_MFA
    OneTimeToken.objects.filter(user=user, purpose=purpose, used_at__isnull=True).delete()
    raw = OneTimeToken.issue(user, purpose, hours=72)
    context = {"token": raw, "first_name": user.first_name, "school": school_name}
    emails.send_now("mfa_enrol_link", user.email, context)
