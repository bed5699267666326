"""Gateway actions: licence types and keys, registration, links, school control, tracking."""

import csv
import io
import re
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from pupilhub.accounts import tasks as account_tasks
from pupilhub.accounts.models import OneTimeToken, User, normalise_email
from pupilhub.accounts.passwords import ensure_valid_password
from pupilhub.accounts.signin import verify_own_password
from pupilhub.core import audit, throttle
from pupilhub.core.errors import Conflict, Forbidden, Invalid, NotFound, invalid_field
from pupilhub.core.sheets import xlsx_row
from pupilhub.core.sql import db_uuid
from pupilhub.pupils.access import pupils_from_ids
from pupilhub.pupils.identity import normalise_pupil_id
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id
from pupilhub.schools.models import School

from . import keys as licence_keys
from .access import forget_denial
from .choices import TRIAL_KEYS, FieldKind, LicenceKind
from .models import (
    ExternalDenial,
    ExternalLink,
    LicenceKey,
    LicenceType,
    TrackingField,
    TrackingValue,
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

LICENCE_SCOPE = "licence"
LICENCE_LIMIT = 10  # wrong pupil-ID/key pairs an hour, per (client, pupil ID) and per pupil ID
LICENCE_WINDOW = 3600
INVALID_LICENCE = "The pupil ID and licence key do not match. Check both and try again."


# Licence types ---------------------------------------------------------------


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


def licence_types_from_ids(school: School, ids: Any) -> list[LicenceType]:
    """The school's licence types with these ids, or a 400 on `licence_types`."""
    try:
        wanted = {parse_id(t) for t in ids or []}
    except NotFound:
        raise invalid_field("licence_types", "Use licence type ids of this school.") from None
    types = list(LicenceType.objects.filter(school=school, pk__in=wanted))
    if len(types) != len(wanted):
        raise invalid_field("licence_types", "Some licence types are not this school's.")
    return types


def licence_type_for(school: School, type_id: Any) -> LicenceType:
    found = LicenceType.objects.filter(school=school, pk=parse_id(type_id)).first()
    if found is None:
        raise NotFound()
    return found


# Licence keys -----------------------------------------------------------------


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
    if not pupils:
        raise invalid_field("pupils", "Choose at least one pupil.")
    now = timezone.now()
    with transaction.atomic():
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


def select_pupils(
    school: School, ids: list[Any] | None = None, year_group: Any = None, tutor_group: str = ""
) -> list[Pupil]:
    """Pupils chosen by id, or a whole (active) year or tutor group."""
    if ids:
        return pupils_from_ids(school, ids)
    qs = Pupil.objects.filter(school=school, status="active").order_by(
        "tutor_group", "surname", "first_name"
    )
    if year_group not in (None, ""):
        return list(qs.filter(year_group=int(year_group)))
    if tutor_group:
        return list(qs.filter(tutor_group__iexact=tutor_group.strip()))
    return []


def workbook(school: School, lt: LicenceType, issued: list[tuple[Pupil, str]]) -> bytes:
    """One row a key, ready for mail merge (openpyxl write-only: fast for thousands)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Licence keys")
    register = f"{settings.BASE_URL}/gateway/{school.id}/register/"
    sheet.append(
        xlsx_row(
            sheet,
            [
                "pupil_id",
                "first_name",
                "surname",
                "year_group",
                "tutor_group",
                "licence_type",
                "licence_key",
                "school",
                "registration_address",
                "year",
            ],
        )
    )
    for pupil, key in issued:
        pupil.school = school
        sheet.append(
            xlsx_row(
                sheet,
                [
                    pupil.pupil_id,
                    pupil.first_name,
                    pupil.surname,
                    pupil.year_group,  # the national code, as everywhere in the API
                    pupil.tutor_group,
                    lt.name,
                    licence_keys.display(key),
                    school.name,
                    register,
                    pupil.year_label,  # "Y8" or "S2", for the letter
                ],
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Registration and links ----------------------------------------------------------


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
    limits = _licence_limits(request, school, pupil_id)
    stamp = throttle.reserve(*limits)  # counted before the look-up: parallel guesses too
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
        raise Invalid(INVALID_LICENCE, code="invalid_licence")
    throttle.refund(stamp, *limits)
    return found


def open_school(school_id: Any) -> School:
    school = School.objects.filter(pk=parse_id(school_id)).first()
    if school is None:
        raise NotFound()
    if not school.external_login_enabled:
        raise Forbidden("This school has switched off logins for parents and pupils.")
    return school


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
        denied = ExternalDenial.objects.filter(school=school, user=existing).exists()
        if not denied:
            ids = (str(existing.pk), str(school.pk))
            transaction.on_commit(lambda: account_tasks.send_registration_existing.delay(*ids))
        return
    with transaction.atomic():
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
        transaction.on_commit(lambda: account_tasks.send_verification.delay(*ids))


def do_verify_email(raw: str) -> User:
    from pupilhub.accounts.actions import use_token

    with transaction.atomic():
        token = use_token(raw, OneTimeToken.Purpose.VERIFY_EMAIL)
        user = token.user
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
        audit.record(user, "account.email_verified", user)
    return user


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


# School control ------------------------------------------------------------------


def external_users(school: School, q: str = "") -> QuerySet[User]:
    """Accounts linked to the school's pupils, by email (admins only: this shows addresses).

    Never a join over every account; `q` narrows by address or name. Rows for a page come
    from `external_user_rows`.
    """
    # The ids first (the school's links, by index), then the users by primary key: given a
    # subquery, PostgreSQL hashes it against a sequential scan of every account instead.
    ids = list(
        ExternalLink.objects.filter(school=school)
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = User.objects.filter(pk__in=ids)
    for term in q.split()[:3]:
        users = users.filter(
            Q(email__icontains=term) | Q(first_name__icontains=term) | Q(surname__icontains=term)
        )
    # Lower(email) (addresses are stored lower-cased: the same order) has no index, so the
    # planner fetches the school's few users by primary key and sorts them, rather than
    # walking every account in email order for the first page.
    return users.order_by(Lower("email"), "id")


def external_user_rows(school: School, users: list[User]) -> list[dict[str, Any]]:
    """One page of external users with their links at this school: two queries a page."""
    ids = [u.pk for u in users]
    denied = set(
        ExternalDenial.objects.filter(school=school, user__in=ids).values_list("user_id", flat=True)
    )
    rows: dict[Any, dict[str, Any]] = {
        u.pk: {
            "id": u.pk,
            "email": u.email,
            "name": u.full_name,
            "status": "denied" if u.pk in denied else "active",
            "verified": u.email_verified_at is not None,
            "last_login": u.last_login,
            "links": [],
        }
        for u in users
    }
    links = (
        ExternalLink.objects.filter(school=school, user__in=ids)
        .select_related("pupil", "licence_type")
        .order_by("pupil__surname", "pupil__first_name", "id")
    )
    for link in links:
        rows[link.user_id]["links"].append(
            {
                "id": link.pk,
                "pupil": link.pupil_id,
                "pupil_name": link.pupil.full_name,
                "licence_type": link.licence_type.name,
                "paperless_reports": link.paperless_reports,
            }
        )
    return list(rows.values())


def external_user_for(school: School, user_id: Any) -> User:
    user = User.objects.filter(pk=parse_id(user_id), pupil_links__school=school).distinct().first()
    if user is None:
        raise NotFound()
    return user


def do_deny_user(access: SchoolAccess, user: User) -> None:
    access.require_admin("Only school admins can deny external users.")
    with transaction.atomic():
        ExternalDenial.objects.get_or_create(
            school=access.school, user=user, defaults={"by": access.user}
        )
        forget_denial(access.school.pk, user.pk)
        audit.record(access.user, "gateway.user_denied", user, school=access.school)


def do_restore_user(access: SchoolAccess, user: User) -> None:
    access.require_admin("Only school admins can restore external users.")
    with transaction.atomic():
        ExternalDenial.objects.filter(school=access.school, user=user).delete()
        forget_denial(access.school.pk, user.pk)
        audit.record(access.user, "gateway.user_restored", user, school=access.school)


def do_remove_link(access: SchoolAccess, link_id: Any) -> None:
    access.require_admin("Only school admins can remove pupil links.")
    link = ExternalLink.objects.filter(school=access.school, pk=parse_id(link_id)).first()
    if link is None:
        raise NotFound()
    with transaction.atomic():
        audit.record(
            access.user, "gateway.link_removed", link, school=access.school, user=str(link.user_id)
        )
        link.delete()


def do_set_gateway(
    access: SchoolAccess, enabled: bool, pupil_email_domains: str | None = None
) -> None:
    """Switch external login for the whole school; optionally set pupils' email domains."""
    access.require_admin("Only school admins can change gateway settings.")
    school = access.school
    fields = ["external_login_enabled"]
    school.external_login_enabled = bool(enabled)
    if pupil_email_domains is not None:
        domains = [
            d.strip().lower().lstrip("@") for d in pupil_email_domains.split(",") if d.strip()
        ]
        bad = [d for d in domains if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d)]
        if bad:
            raise invalid_field("pupil_email_domains", f"Not a domain: {', '.join(bad)}.")
        school.pupil_email_domains = ", ".join(domains)
        fields.append("pupil_email_domains")
    with transaction.atomic():
        school.save(update_fields=fields)
        audit.record(access.user, "gateway.settings_changed", school, enabled=bool(enabled))


def coverage(school: School) -> list[dict[str, Any]]:
    """Per year group: active pupils, and how many have a verified Parent/Guardian account."""
    from django.db.models import Count, Q

    parent_linked = Q(
        pk__in=ExternalLink.objects.filter(
            school=school,
            licence_type__kind=LicenceKind.PARENT,
            user__email_verified_at__isnull=False,
        ).values("pupil_id")
    )
    rows = (
        Pupil.objects.filter(school=school, status="active")
        .values("year_group")
        .annotate(pupils=Count("id"), with_parent=Count("id", filter=parent_linked))
        .order_by("year_group")
    )
    return [
        {
            "year_group": r["year_group"],
            "label": school.year_label(r["year_group"]),
            "pupils": r["pupils"],
            "with_parent": r["with_parent"],
            "percent": round(100 * r["with_parent"] / r["pupils"]) if r["pupils"] else 0,
        }
        for r in rows
    ]


# Tracking --------------------------------------------------------------------------


def do_create_field(access: SchoolAccess, data: dict[str, Any]) -> TrackingField:
    access.require_admin("Only school admins can define tracking fields.")
    name = " ".join(str(data.get("name") or "").split())
    if not name or len(name) > 120:
        raise invalid_field("name", "Give the field a name (at most 120 characters).")
    portlet = data.get("portlet") or "tracking"
    if portlet != "tracking":
        raise invalid_field("portlet", "Tracking fields belong to the tracking portlet.")
    kind = data.get("kind") or FieldKind.GRADE
    if kind not in FieldKind.values:
        raise invalid_field("kind", "Use grade, number or text.")
    year = data.get("year_group")
    if year is not None and not 0 <= int(year) <= 15:
        raise invalid_field("year_group", "Year codes run from 0 to 15.")
    base = slugify(data.get("key") or name)[:50] or "field"
    key, n = base, 1
    while TrackingField.objects.filter(school=access.school, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    with transaction.atomic():
        field = TrackingField.objects.create(
            school=access.school,
            key=key,
            name=name,
            portlet=portlet,
            kind=kind,
            subject=str(data.get("subject") or "")[:60],
            year_group=year,
            period=str(data.get("period") or "")[:40],
            position=TrackingField.objects.filter(school=access.school).count(),
        )
        audit.record(access.user, "tracking_field.created", field)
    return field


def _clean_value(field: TrackingField, value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > 200:
        raise ValueError("At most 200 characters.")
    if text and field.kind == FieldKind.NUMBER:
        try:
            float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number.") from None
    return text


def do_set_values(access: SchoolAccess, pupil: Pupil, values: dict[str, Any]) -> dict[str, str]:
    """Record tracking values for one pupil: all or nothing."""
    fields = {
        f.key: f for f in TrackingField.objects.filter(school=access.school, key__in=list(values))
    }
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            errors[key] = ["No tracking field has this key."]
            continue
        try:
            clean[key] = _clean_value(field, value)
        except ValueError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise Invalid("Some values could not be saved; nothing was changed.", fields=errors)
    with transaction.atomic():
        write_values(access.school, [(pupil, fields[k], v) for k, v in clean.items()])
        audit.record(
            access.user, "tracking.values_set", pupil, school=access.school, fields=sorted(clean)
        )
    return clean


def write_values(school: School, rows: list[tuple[Pupil, TrackingField, str]]) -> int:
    """Store many values in a few queries whatever their number: read what exists, then
    one bulk update (changed values only) and one bulk insert. Returns how many changed.
    Call inside a transaction."""
    if not rows:
        return 0
    pupil_ids = {p.pk for p, _, _ in rows}
    field_ids = {f.pk for _, f, _ in rows}
    existing = {
        (v.pupil_id, v.field_id): v
        for v in TrackingValue.objects.filter(
            school=school, pupil__in=pupil_ids, field__in=field_ids
        ).only("id", "pupil_id", "field_id", "value")
    }
    now = timezone.now()
    changed, new = [], {}
    for pupil, field, value in rows:
        found = existing.get((pupil.pk, field.pk))
        if found is None:
            new[(pupil.pk, field.pk)] = TrackingValue(
                school=school, pupil=pupil, field=field, value=value, updated_at=now
            )
        elif found.value != value:
            found.value, found.updated_at = value, now
            changed.append(found)
    TrackingValue.objects.bulk_update(changed, ["value", "updated_at"], batch_size=500)
    TrackingValue.objects.bulk_create(list(new.values()), batch_size=500)
    return len(changed) + len(new)


def do_set_marksheet(
    access: SchoolAccess,
    pupils: list[Pupil],
    fields: list[TrackingField],
    posted: dict[tuple[Any, str], str],
) -> tuple[int, dict[str, list[str]]]:
    """A whole marksheet (pupil x field cells): every cell checked first, then all saved
    at once, or nothing and every bad cell named (`"<pupil id>:<field key>"`)."""
    errors: dict[str, list[str]] = {}
    rows = []
    for pupil in pupils:
        for field in fields:
            raw = posted.get((pupil.pk, field.key))
            if raw is None:
                continue
            try:
                rows.append((pupil, field, _clean_value(field, raw)))
            except ValueError as exc:
                errors[f"{pupil.pk}:{field.key}"] = [str(exc)]
    if errors:
        return 0, errors
    with transaction.atomic():
        changed = write_values(access.school, rows)
        audit.record(
            access.user,
            "tracking.marksheet_saved",
            None,
            school=access.school,
            pupils=len(pupils),
            values=changed,
        )
    return changed, {}


def do_import_values(access: SchoolAccess, data: bytes) -> dict[str, Any]:
    """CSV: a `pupil_id` column, then one column per field key. All or nothing."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid_field("file", "The file must be UTF-8 CSV.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    if "pupil_id" not in header:
        raise invalid_field("file", "The first row must name the columns, including pupil_id.")
    fields = {f.key: f for f in TrackingField.objects.filter(school=access.school, key__in=header)}
    unknown = [h for h in header if h != "pupil_id" and h not in fields]
    if unknown:
        raise invalid_field("file", f"Unknown field key(s) in the header: {', '.join(unknown)}.")
    pupils = {p.pupil_id: p for p in Pupil.objects.filter(school=access.school)}
    errors, rows = [], []
    for number, row in enumerate(reader, start=2):
        pupil = pupils.get(normalise_pupil_id(row.get("pupil_id") or ""))
        if pupil is None:
            errors.append({"row": number, "message": "No pupil with this pupil_id."})
            continue
        for key, field in fields.items():
            try:
                rows.append((pupil, field, _clean_value(field, row.get(key))))
            except ValueError as exc:
                errors.append({"row": number, "message": f"{key}: {exc}"})
    if errors:
        return {"updated": 0, "errors": errors}
    with transaction.atomic():
        write_values(access.school, rows)
        audit.record(access.user, "tracking.imported", None, school=access.school, values=len(rows))
    return {"updated": len(rows), "errors": []}


# Account ---------------------------------------------------------------------------


def do_delete_account(request: HttpRequest, user: User, password: str) -> None:
    """An external user removes their own account and every link it had."""
    verify_own_password(request, user, password, "password")
    if user.is_operator or user.memberships.active().exists():  # type: ignore[attr-defined]
        raise Forbidden("Staff accounts are removed by their school.")
    with transaction.atomic():
        audit.record(None, "account.deleted", user)
        user.delete()
