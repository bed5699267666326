"""Which messages a staff member may see: their own; admins see the school's."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.gateway.models import ExternalLink
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import DeliveryStatus, Message


def messages_for(access: SchoolAccess) -> QuerySet[Message]:
    qs = Message.objects.filter(school=access.school).select_related("sender")
    return qs if access.is_admin else qs.filter(sender=access.user)


def message_for(access: SchoolAccess, message_id: Any) -> Message:
    found = messages_for(access).filter(pk=parse_id(message_id)).first()
    if found is None:
        raise NotFound()
    return found


def reached(message: Message) -> tuple[QuerySet[Any], dict[str, dict[str, int]]]:
    """Per pupil: were their families reached? Names only, never addresses.

    The pupils (a queryset in name order, to paginate) and each one's delivery counts.
    """
    from pupilhub.pupils.models import Pupil

    by_pupil: dict[str, dict[str, int]] = {}
    for pupil_ids, status in message.deliveries.values_list("pupil_ids", "status"):
        for pid in pupil_ids:
            row = by_pupil.setdefault(pid, dict.fromkeys(DeliveryStatus.values, 0))
            row[status] = row.get(status, 0) + 1
    pupils = Pupil.objects.filter(school=message.school_id, pk__in=list(by_pupil)).order_by(
        "surname", "first_name", "id"
    )
    return pupils, by_pupil


def reached_rows(pupils: Any, by_pupil: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "pupil": str(p.pk),
            "name": p.full_name,
            "tutor_group": p.tutor_group,
            **by_pupil[str(p.pk)],
        }
        for p in pupils
    ]


def linked_schools(user: Any) -> list[Any]:
    """The schools an account is linked to as a family member (mass email comes from them)."""
    from pupilhub.schools.models import School

    ids = ExternalLink.objects.filter(user=user).values_list("school_id", flat=True)
    return list(School.objects.filter(pk__in=ids).order_by("name"))
