"""What school staff may read of the gateway's set-up: licence types, tracking fields and
values. Always from the caller's school (`SchoolQuerySet.visible_to`)."""

from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from pupilhub.accounts.models import User
from pupilhub.core.errors import Invalid, NotFound, invalid_field
from pupilhub.pupils.access import pupils_from_ids
from pupilhub.pupils.identity import normalise_pupil_id, search_text
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id
from pupilhub.schools.models import School

from .choices import LicenceKind
from .models import (
    ExternalDenial,
    ExternalLink,
    LicenceType,
    TrackingField,
    TrackingValue,
)


def licence_types(access: SchoolAccess) -> QuerySet[LicenceType]:
    return LicenceType.objects.visible_to(access)


def tracking_fields(access: SchoolAccess, year_group: int | None = None) -> QuerySet[TrackingField]:
    found = TrackingField.objects.visible_to(access)
    return found if year_group is None else found.filter(year_group=year_group)


def tracking_values(
    access: SchoolAccess, fields: list[TrackingField], pupils: list[Any]
) -> dict[tuple[Any, Any], str]:
    """{(pupil id, field id): value} for a marksheet."""
    rows = TrackingValue.objects.visible_to(access).filter(field__in=fields, pupil__in=pupils)
    return {(v.pupil_id, v.field_id): v.value for v in rows}


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


def pupils_named(school: School, text: str) -> list[Pupil]:
    """Active pupils named one a line by pupil ID or by name ("Lan Ng" or "Ng, Lan"); a
    line matching nobody, or more than one pupil, is a 400 naming the line."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    active = Pupil.objects.filter(school=school, status="active")
    found: list[Pupil] = []
    problems: list[str] = []
    for line in lines:
        query = Q(pupil_id=normalise_pupil_id(line))
        if "," in line:
            surname, _comma, first = (part.strip() for part in line.partition(","))
            query |= Q(first_name__iexact=first, surname__iexact=surname)
        else:
            words = line.split(" ")
            for cut in range(1, len(words)):
                query |= Q(
                    first_name__iexact=" ".join(words[:cut]), surname__iexact=" ".join(words[cut:])
                )
        matches = list(active.filter(query).order_by(Lower("surname"), "pk")[:2])
        if not matches:
            problems.append(
                _('No pupil on roll is called or numbered "%(line)s".') % {"line": line}
            )
        elif len(matches) > 1:
            problems.append(
                _('Two pupils match "%(line)s": use the pupil ID instead.') % {"line": line}
            )
        else:
            found.append(matches[0])
    if problems:
        raise Invalid(" ".join(problems), fields={"pupils": problems})
    return found


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
    terms = search_text(q).split()[:3]
    if terms:
        # Matched in Python, so accents and apostrophes do not matter ("sean" finds Seán):
        # one school's families are a few thousand rows at most, read by primary key.
        people = User.objects.filter(pk__in=ids).values_list("pk", "email", "first_name", "surname")
        ids = [pk for pk, *parts in people if all(t in search_text(" ".join(parts)) for t in terms)]
    users = User.objects.filter(pk__in=ids)
    # Addresses are stored lower-cased, so email order is the order people expect; the
    # school's few users are fetched by primary key and sorted, never every account walked.
    return users.order_by("email", "id")


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
