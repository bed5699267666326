"""Checking a pupil ID and licence key pair (throttled per client and per pupil ID), and
whether a school lets external users in."""

from typing import Any

from django.http import HttpRequest

from pupilhub.core import throttle
from pupilhub.core.errors import Forbidden, Invalid, NotFound
from pupilhub.pupils.identity import normalise_pupil_id
from pupilhub.schools.access import parse_id
from pupilhub.schools.models import School

from . import keys as licence_keys
from .models import (
    LicenceKey,
)

LICENCE_SCOPE = "licence"

INVALID_LICENCE = "The pupil ID and licence key do not match. Check both and try again."


LICENCE_LIMIT = 10  # wrong pupil-ID/key pairs an hour, per (client, pupil ID) and per pupil ID


LICENCE_WINDOW = 3600


def _licence_limits(request: HttpRequest, school: School, pupil_id: str) -> list[throttle.Limit]:
    """Counted per pupil ID and per (client, pupil ID): a class registering from one
    address is never refused because classmates mistyped their own IDs."""
    pupil = f"{school.pk}:{normalise_pupil_id(pupil_id)}"
    client = throttle.client_ip(request)
    return [
        throttle.Limit(LICENCE_SCOPE, f"pupil:{pupil}", LICENCE_LIMIT, LICENCE_WINDOW),
        throttle.Limit(LICENCE_SCOPE, f"pair:{client}:{pupil}", LICENCE_LIMIT, LICENCE_WINDOW),
    ]


def check_licence(
    request: HttpRequest, school: School, pupil_id: str, typed_key: str
) -> LicenceKey:
    """The live key for this pupil ID, or one generic error whichever part was wrong.

    A key whose check symbol fails is answered specifically (it cannot be anyone's
    key, so saying so reveals nothing). Wrong pairs count towards 10 an hour per
    pupil ID and per client.
    """
    try:
        key = licence_keys.normalise(typed_key)
    except licence_keys.KeyTypo as exc:
        raise Invalid(
            str(exc), code="licence_key_typo", fields={"licence_key": [str(exc)]}
        ) from None
    per_pupil, per_pair = _licence_limits(request, school, pupil_id)
    stamp = throttle.reserve(per_pair)  # counted before the look-up: parallel guesses too
    found = (
        LicenceKey.objects.filter(
            school=school,
            pupil__pupil_id=normalise_pupil_id(pupil_id),
            key_hash=licence_keys.digest(key),
            revoked_at__isnull=True,
        )
        .select_related("pupil", "licence_type")
        .first()
    )
    if found is None:
        # Only a wrong pair counts towards the pupil's limit: the family holding the right
        # key is never refused because someone else mistyped or guessed their child's ID.
        throttle.reserve(per_pupil)
        raise Invalid(INVALID_LICENCE, code="invalid_licence")
    throttle.refund(stamp, per_pair)
    return found


def open_school(school_id: Any) -> School:
    school = School.objects.filter(pk=parse_id(school_id)).first()
    if school is None:
        raise NotFound()
    if not school.external_login_enabled:
        raise Forbidden("This school has switched off logins for parents and pupils.")
    return school


def school_of_key(request: HttpRequest, typed_key: str) -> School:
    """ "Add a pupil" without naming the school: the key says which (keys are unique across
    the platform). A key that is nobody's counts as a wrong pair for this client and gets
    the one answer every wrong pair gets."""
    try:
        key = licence_keys.normalise(typed_key)
    except licence_keys.KeyTypo as exc:
        raise Invalid(
            str(exc), code="licence_key_typo", fields={"licence_key": [str(exc)]}
        ) from None
    found = (
        LicenceKey.objects.filter(key_hash=licence_keys.digest(key), revoked_at__isnull=True)
        .select_related("school")
        .first()
    )
    if found is None:
        client = throttle.client_ip(request)
        throttle.reserve(
            throttle.Limit(LICENCE_SCOPE, f"anywhere:{client}", LICENCE_LIMIT, LICENCE_WINDOW)
        )
        raise Invalid(INVALID_LICENCE, code="invalid_licence")
    return open_school(found.school_id)


def school_by_join_code(code: str) -> School:
    """The school a letter's short code names (typed: any case, spaces ignored)."""
    wanted = "".join((code or "").split()).upper()
    school = School.objects.filter(join_code=wanted).first() if len(wanted) <= 8 else None
    if school is None:
        raise NotFound()
    return open_school(school.pk)
