"""Which pupils a caller may see: always through their school access."""

from typing import Any

from django.db.models import Q, QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import Pupil


def visible_pupils(access: SchoolAccess) -> QuerySet[Pupil]:
    return Pupil.objects.filter(school=access.school)


def pupil_for(access: SchoolAccess, pupil_id: Any) -> Pupil:
    """The school's pupil with this id, or 404 (also for another school's pupil)."""
    pupil = visible_pupils(access).filter(pk=parse_id(pupil_id)).first()
    if pupil is None:
        raise NotFound()
    pupil.school = access.school  # already loaded; saves a query per use
    return pupil


def search_pupils(
    access: SchoolAccess,
    *,
    status: str = "",
    year_group: Any = None,
    tutor_group: str = "",
    q: str = "",
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
    for term in (q or "").split()[:5]:
        qs = qs.filter(
            Q(first_name__icontains=term) | Q(surname__icontains=term) | Q(pupil_id__iexact=term)
        )
    return qs.order_by("surname", "first_name", "id")
