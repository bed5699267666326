"""Who a message reaches (never their addresses to staff), and how far it has got."""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from pupilhub.accounts.models import User
from pupilhub.core.errors import invalid_field
from pupilhub.gateway.models import ExternalDenial, ExternalLink
from pupilhub.gateway.school_access import licence_types_from_ids
from pupilhub.pupils.access import pupils_from_ids
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import parse_id
from pupilhub.schools.models import School

from . import optout
from .models import Delivery, DeliveryStatus, Message

INTERVAL_MINUTES = 10


def next_dispatch(now: datetime | None = None) -> datetime:
    """The next 10-minute beat (the dispatcher runs at :00, :10, :20 ...)."""
    now = now or timezone.now()
    minutes = INTERVAL_MINUTES - now.minute % INTERVAL_MINUTES
    return (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


def clean_spec(school: School, data: dict[str, Any]) -> dict[str, Any]:
    """Validate who a message is for: pupils, year groups, tutor groups or sets,
    times licence types. Every id must belong to the school."""
    spec = {
        "pupils": [str(p) for p in data.get("pupils") or []],
        "year_groups": [int(y) for y in data.get("year_groups") or []],
        "tutor_groups": [str(t).strip() for t in data.get("tutor_groups") or [] if str(t).strip()],
        "sets": [str(s).strip() for s in data.get("sets") or [] if str(s).strip()],
        "licence_types": [str(t) for t in data.get("licence_types") or []],
    }
    if not any(spec[k] for k in ("pupils", "year_groups", "tutor_groups", "sets")):
        raise invalid_field("pupils", "Choose pupils, year groups, tutor groups or sets.")
    if not spec["licence_types"]:
        raise invalid_field("licence_types", "Choose who to write to: parents, pupils, or others.")
    pupils_from_ids(school, spec["pupils"])
    licence_types_from_ids(school, spec["licence_types"])
    return spec


def _selected_pupils(school: School, spec: dict[str, Any]) -> dict[Any, Pupil]:
    rows = Pupil.objects.filter(school=school, status="active").only(
        "id", "first_name", "surname", "year_group", "tutor_group", "sets"
    )
    wanted_ids = {str(p) for p in spec["pupils"]}
    years = set(spec["year_groups"])
    tutors = {t.casefold() for t in spec["tutor_groups"]}
    sets = {s.casefold() for s in spec["sets"]}
    return {
        p.pk: p
        for p in rows
        if str(p.pk) in wanted_ids
        or p.year_group in years
        or p.tutor_group.casefold() in tutors
        or sets.intersection(s.casefold() for s in p.sets)
    }


def recipients(school: School, spec: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """One entry per person (user id), with the chosen pupils they are linked to.

    Verified accounts only, never one the school has denied.
    """
    pupils = _selected_pupils(school, spec)
    denied = ExternalDenial.objects.filter(school=school).values("user_id")
    links = (
        ExternalLink.objects.filter(
            school=school,
            pupil_id__in=list(pupils),
            licence_type_id__in=[parse_id(t) for t in spec["licence_types"]],
            user__email_verified_at__isnull=False,
            user__is_active=True,
        )
        .exclude(user_id__in=denied)
        .values_list("user_id", "user__email", "pupil_id")
        .order_by("user_id", "pupil_id")
    )
    people: dict[Any, dict[str, Any]] = {}
    for user_id, email, pupil_id in links:
        person = people.setdefault(user_id, {"email": email, "pupils": []})
        if pupil_id not in person["pupils"]:
            person["pupils"].append(pupil_id)
    for person in people.values():
        person["names"] = _names([pupils[p].first_name for p in person["pupils"]])
    return people


def still_wanted(
    deliveries: list[Delivery], messages: dict[Any, Message]
) -> tuple[list[Delivery], list[int]]:
    """Re-check claimed deliveries against today's links, denials and choices (never send
    to a person the school has since denied, who was unlinked from the pupil, whose account
    is gone, who unsubscribed from the school's mass email, or whose address bounced or
    complained). Returns the deliveries to send, and the ids of those to cancel.
    A person unlinked from some of the message's pupils is still written to about the
    others, and the merge field names only those."""
    users = {d.user_id for d in deliveries if d.user_id is not None}
    schools = {messages[d.message_id].school_id for d in deliveries}
    live = set(
        User.objects.filter(
            pk__in=users, is_active=True, email_verified_at__isnull=False
        ).values_list("pk", flat=True)
    )
    denied = set(
        ExternalDenial.objects.filter(school_id__in=schools, user_id__in=users).values_list(
            "school_id", "user_id"
        )
    )
    linked: dict[tuple[Any, Any], set[tuple[str, str]]] = {}
    for school_id, user_id, pupil_id, type_id in ExternalLink.objects.filter(
        school_id__in=schools, user_id__in=users
    ).values_list("school_id", "user_id", "pupil_id", "licence_type_id"):
        linked.setdefault((school_id, user_id), set()).add((str(pupil_id), str(type_id)))
    out = optout.opted_out({(messages[d.message_id].school_id, d.user_id) for d in deliveries})
    bouncing = optout.suppressed({d.email for d in deliveries})
    keep: list[Delivery] = []
    refused: list[int] = []
    renamed: dict[int, list[str]] = {}
    for d in deliveries:
        message = messages[d.message_id]
        types = {str(t) for t in message.spec.get("licence_types", [])}
        links = linked.get((message.school_id, d.user_id), set())
        pupils = [p for p in d.pupil_ids if any((p, t) in links for t in types)]
        unwanted = (message.school_id, d.user_id) in out or d.email in bouncing
        if (
            d.user_id not in live
            or (message.school_id, d.user_id) in denied
            or not pupils
            or unwanted
        ):
            refused.append(d.id)
        else:
            if pupils != d.pupil_ids:
                renamed[d.id] = pupils
            keep.append(d)
    if renamed:
        _rename(keep, renamed)
    return keep, refused


def _rename(deliveries: list[Delivery], renamed: dict[int, list[str]]) -> None:
    """Narrow the pupils (and the merge field naming them) of partly unlinked deliveries."""
    wanted = {p for pupils in renamed.values() for p in pupils}
    first = dict(Pupil.objects.filter(pk__in=wanted).values_list("pk", "first_name"))
    names = {str(pk): name for pk, name in first.items()}
    for d in deliveries:
        if d.id in renamed:
            d.pupil_ids = renamed[d.id]
            d.pupil_names = _names([names[p] for p in d.pupil_ids if p in names])[:300]
            d.save(update_fields=["pupil_ids", "pupil_names"])


def cancel(ids: list[int]) -> int:
    """Cancelled deliveries keep no address and no names."""
    return Delivery.objects.filter(id__in=ids, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.CANCELLED, email="", pupil_names="", lease_until=None
    )


def _names(names: list[str]) -> str:
    names = sorted(set(names))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


UNREACHED_LISTED = 100  # pupils with no registered family named on the compose page


def preview(school: School, spec: dict[str, Any]) -> dict[str, Any]:
    """How many people, for how many pupils: never who. The page also learns how many of
    the chosen pupils have nobody to write to, and which (by name, so staff can send the
    letter with a licence key instead)."""
    people = recipients(school, spec)
    pupils = {p for person in people.values() for p in person["pupils"]}
    chosen = _selected_pupils(school, spec)
    unreached = sorted(
        (p for pk, p in chosen.items() if pk not in pupils),
        key=lambda p: (p.surname.casefold(), p.first_name.casefold()),
    )
    return {
        "recipient_count": len(people),
        "pupil_count": len(pupils),
        "chosen_count": len(chosen),
        "unreached_count": len(unreached),
        "unreached": [f"{p.first_name} {p.surname}" for p in unreached[:UNREACHED_LISTED]],
    }


def clean_subject(subject: str) -> str:
    if "\r" in (subject or "") or "\n" in (subject or ""):
        raise invalid_field("subject", "The subject must be one line.")
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise invalid_field("subject", "Write a subject of at most 200 characters.")
    return subject


def counts(message: Message) -> dict[str, int]:
    return counts_for([message])[message.pk]


def counts_for(messages: list[Message]) -> dict[Any, dict[str, int]]:
    """Delivery counts by status for many messages in one GROUP BY query."""
    out = {m.pk: dict.fromkeys(DeliveryStatus.values, 0) for m in messages}
    for m in messages:
        if m.final_counts is not None:  # the rows went at their retention; the counts stayed
            out[m.pk].update(m.final_counts)
    live = [m.pk for m in messages if m.final_counts is None]
    rows = (
        Delivery.objects.filter(message__in=live)
        .values_list("message_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for message_id, status, n in rows:
        out[message_id][status] = n
    return out


def status_of(c: dict[str, int]) -> str:
    pending = c["queued"] + c["sending"]
    if pending:
        return "queued" if not c["sent"] and not c["failed"] else "sending"
    if c["failed"]:
        return "failed" if not c["sent"] else "sent_with_failures"
    return "cancelled" if c["cancelled"] and not c["sent"] else "sent"
