"""Which pupils a caller may see: always through their school access."""

from typing import Any

from django.db.models import Count, QuerySet

from pupilhub.core import audit
from pupilhub.core.errors import NotFound
from pupilhub.schools.access import SchoolAccess, parse_id

from .identity import search_text
from .models import Pupil, YearEnd


def visible_pupils(access: SchoolAccess) -> QuerySet[Pupil]:
    return Pupil.objects.visible_to(access)


def year_roll(
    access: SchoolAccess, year_groups: list[int], limit: int | None = None
) -> list[Pupil]:
    """Active pupils of some year groups, by tutor group and name (marksheets, report lists)."""
    found = visible_pupils(access).filter(status="active", year_group__in=year_groups)
    found = found.order_by("tutor_group", "surname", "first_name")
    return list(found[:limit] if limit else found)


def pupils_chosen(access: SchoolAccess, ids: list[Any]) -> list[Pupil]:
    """The school's pupils among `ids`; others' and malformed ids are left out."""
    return list(visible_pupils(access).filter(pk__in=ids))


def pupil_for(access: SchoolAccess, pupil_id: Any) -> Pupil:
    """The school's pupil with this id, or 404 (also for another school's pupil)."""
    pupil = visible_pupils(access).filter(pk=parse_id(pupil_id)).first()
    if pupil is None:
        raise NotFound()
    pupil.school = access.school  # already loaded; saves a query per use
    return pupil


def open_pupil(access: SchoolAccess, pupil_id: Any) -> Pupil:
    """A pupil's record opened by a person (the pupil page, the API's read): audited, so
    the pupil's access log says who looked, and when."""
    pupil = pupil_for(access, pupil_id)
    # One event a view. For those who see safeguarding, the page lists the pupil's
    # safeguarding records too: this one event covers that read (flagged, so only they
    # see it), and the lists on the page record no second one.
    if access.can_see_safeguarding:
        audit.record_sensitive(access.user, "pupil.viewed", pupil, school=access.school)
    else:
        audit.record(access.user, "pupil.viewed", pupil, school=access.school)
    pupil.__dict__["_listing_audited"] = True
    return pupil


def search_pupils(
    access: SchoolAccess,
    *,
    status: str = "",
    year_group: Any = None,
    tutor_group: str = "",
    q: str = "",
    sort: str = "name",
) -> QuerySet[Pupil]:
    qs = visible_pupils(access)
    if status:
        qs = qs.filter(status=status)
    if year_group not in (None, ""):
        try:
            qs = qs.filter(year_group=int(year_group))
        except (TypeError, ValueError):
            return qs.none()
    if tutor_group:
        qs = qs.filter(tutor_group__iexact=tutor_group.strip())
    for term in search_text(q or "").split()[:5]:
        qs = qs.filter(search_text__contains=term)  # within the school's rows (its index)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


# The pupil list's column sorts: each ends in name order and the id, so pages are stable.
_BY_NAME = ("surname", "first_name", "id")
SORTS = {
    "name": _BY_NAME,
    "-name": ("-surname", "-first_name", "-id"),
    "pupil_id": ("pupil_id", "id"),
    "-pupil_id": ("-pupil_id", "-id"),
    "year": ("year_group", *_BY_NAME),
    "-year": ("-year_group", *_BY_NAME),
    "tutor_group": ("tutor_group", *_BY_NAME),
    "-tutor_group": ("-tutor_group", *_BY_NAME),
    "status": ("status", *_BY_NAME),
    "-status": ("-status", *_BY_NAME),
}


def pupils_from_ids(school: Any, ids: Any, field: str = "pupils") -> list[Pupil]:
    """The school's pupils with these ids: a 400 naming `field` if any id is malformed
    or not on this school's roll (another school's pupil included: we do not say which)."""
    from pupilhub.core.errors import invalid_field

    try:
        wanted = {parse_id(i) for i in ids or []}
    except NotFound:
        raise invalid_field(field, "Pupil ids must be ids of this school's pupils.") from None
    found = list(
        Pupil.objects.filter(school=school, pk__in=wanted).order_by(
            "tutor_group", "surname", "first_name"
        )
    )
    if len(found) != len(wanted):
        raise invalid_field(field, "Some pupils are not on this school's roll.")
    return found


def year_end_preview(access: SchoolAccess) -> list[tuple[int, int]]:
    """(year group, active pupils) for the rollover page, lowest year first."""
    rows = (
        visible_pupils(access)
        .filter(status="active")
        .values_list("year_group")
        .annotate(n=Count("id"))
        .order_by("year_group")
    )
    return [(year, n) for year, n in rows]


def year_ends(access: SchoolAccess) -> list[YearEnd]:
    return list(YearEnd.objects.visible_to(access).select_related("by").order_by("-at")[:5])
