"""Licence types (what each kind of external user may see) and licence keys (generated,
revoked, never stored in plain text)."""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Conflict, invalid_field
from pupilhub.core.sql import db_uuid
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.models import School

from . import keys as licence_keys
from .choices import TRIAL_KEYS, LicenceKind
from .models import (
    LicenceKey,
    LicenceType,
)
from .portlets import PROFILE_FIELDS, SEN_FIELDS, clean_access

# Built-in types and what they see until the school changes it.
BUILTIN = {
    LicenceKind.PUPIL: (
        "Pupil",
        {"profile": [k for k, _ in PROFILE_FIELDS], "reports": ["available"]},
    ),
    LicenceKind.PARENT: (
        "Parent/Guardian",
        {
            "profile": [k for k, _ in PROFILE_FIELDS],
            "reports": ["available"],
            "sen": [k for k, _ in SEN_FIELDS],
        },
    ),
}


def ensure_builtin_types(school: School) -> None:
    for kind, (name, access) in BUILTIN.items():
        LicenceType.objects.get_or_create(
            school=school, kind=kind, defaults={"name": name, "access": access}
        )


def do_create_licence_type(actor: Any, school: School, name: str) -> LicenceType:
    """Operators add custom types (e.g. Social Worker); they see nothing until set."""
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise invalid_field("name", "Give the licence type a name (at most 60 characters).")
    try:
        with transaction.atomic():
            lt = LicenceType.objects.create(school=school, name=name, kind=LicenceKind.CUSTOM)
            audit.record(actor, "licence_type.created", lt, school=school)
    except IntegrityError:
        raise Conflict(
            "This school already has a licence type of that name.", code="duplicate"
        ) from None
    return lt


def do_set_access(access: SchoolAccess, lt: LicenceType, requested: Any) -> LicenceType:
    access.require_admin("Only school admins can change what external users see.")
    with transaction.atomic():
        lt.access = clean_access(access.school, requested)
        lt.save(update_fields=["access"])
        audit.record(access.user, "licence_type.access_changed", lt, portlets=sorted(lt.access))
    return lt


def _check_trial(school: School, lt: LicenceType, pupils: list[Pupil]) -> None:
    """Before a subscription: at most 5 live keys per built-in type (regenerating a
    pupil's key replaces it, so it does not count twice)."""
    from pupilhub.billing.quotes import is_trial

    if lt.kind == LicenceKind.CUSTOM or not is_trial(school):
        return
    live = LicenceKey.objects.filter(
        school=school, licence_type=lt, revoked_at__isnull=True
    ).exclude(pupil__in=pupils)
    if live.count() + len(pupils) > TRIAL_KEYS:
        raise Conflict(
            f"On trial a school may have at most {TRIAL_KEYS} {lt.name} keys. "
            "Ask pupilhub to activate the subscription for more.",
            code="trial_limit",
        )


def do_generate_keys(
    access: SchoolAccess, lt: LicenceType, pupils: list[Pupil]
) -> list[tuple[Pupil, str]]:
    """New keys for these pupils; each pupil's previous key of this type is revoked.

    Plain keys are returned once, for the workbook, and never stored.
    """
    access.require_admin("Only school admins can generate licence keys.")
    pupils = list({p.pk: p for p in pupils}.values())  # a pupil named twice gets one key
    if not pupils:
        raise invalid_field("pupils", "Choose at least one pupil.")
    now = timezone.now()
    with transaction.atomic():
        # One generation a licence type at a time: two admins at once would both count
        # 0 live keys and make 10 on a trial (the row lock serialises them).
        LicenceType.objects.select_for_update().filter(pk=lt.pk).first()
        _check_trial(access.school, lt, pupils)
        _revoke_current(lt, pupils, now)
        issued = [(p, licence_keys.generate()) for p in pupils]
        _insert_keys(access, lt, issued, now)
        audit.record(
            access.user, "licence_keys.generated", lt, school=access.school, count=len(issued)
        )
    return issued


def _insert_keys(
    access: SchoolAccess, lt: LicenceType, issued: list[tuple[Pupil, str]], now: Any
) -> None:
    """Store the keys' HMACs with one prepared INSERT run for every row (executemany):
    a school's whole roll at once without building a model instance a key."""
    from django.db import connection

    table = LicenceKey._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(now)
    user = db_uuid(access.user.pk) if access.user is not None else None
    rows = [
        (
            db_uuid(uuid.uuid4()),
            db_uuid(access.school.pk),
            db_uuid(p.pk),
            db_uuid(lt.pk),
            licence_keys.digest(k),
            user,
            stamp,
        )
        for p, k in issued
    ]
    columns = "id, school_id, pupil_id, licence_type_id, key_hash, created_by_id, created_at"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement: the rows as arrays, unnested
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest("  # noqa: S608
                "%s::uuid[], %s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::uuid[], "
                "%s::timestamptz[])",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
            rows,
        )


def _revoke_current(lt: LicenceType, pupils: list[Pupil], now: Any) -> None:
    """Revoke these pupils' live keys of this type (PostgreSQL: the ids as one array)."""
    from django.db import connection

    live = LicenceKey.objects.filter(licence_type=lt, revoked_at__isnull=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {LicenceKey._meta.db_table} SET revoked_at = %s "  # noqa: S608
                "WHERE licence_type_id = %s AND revoked_at IS NULL AND pupil_id = ANY(%s::uuid[])",
                [now, lt.pk, [p.pk for p in pupils]],
            )
        return
    live.filter(pupil__in=pupils).update(revoked_at=now)


def do_revoke_key(access: SchoolAccess, pupil: Pupil, lt: LicenceType) -> int:
    """Revoke the pupil's key of this type. Accounts already linked keep their link."""
    access.require_admin("Only school admins can revoke licence keys.")
    with transaction.atomic():
        n = LicenceKey.objects.filter(licence_type=lt, pupil=pupil, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record(
            access.user, "licence_key.revoked", pupil, school=access.school, licence_type=str(lt.pk)
        )
    return n
