"""Plain-dict views of memberships, shared pupils and requests, for the API and pages."""

from typing import Any

from django.db.models import Count

from pupilhub.documents.registry import BY_TRANSFER_KEY
from pupilhub.pupils.models import Pupil
from pupilhub.schools import visibility
from pupilhub.schools.access import SchoolAccess

from .choices import DOCUMENT_TYPES, MembershipStatus
from .matching import counterparts, near_misses
from .models import ClusterMembership, TransferRequest


def membership(m: ClusterMembership) -> dict[str, Any]:
    """The school's membership, with the cluster's schools it may see: active ones only
    (a pending or denied school stays invisible to the others)."""
    others = m.cluster.memberships.select_related("school").filter(status=MembershipStatus.ACTIVE)
    schools = [{"id": o.school_id, "name": o.school.name, "status": o.status} for o in others]
    if m.status != MembershipStatus.ACTIVE:
        schools.append({"id": m.school_id, "name": m.school.name, "status": m.status})
    return {
        "id": m.id,
        "cluster": {"id": m.cluster_id, "name": m.cluster.name},
        "status": m.status,
        "decided_at": m.decided_at,
        "schools": sorted(schools, key=lambda s: s["name"]),
    }


def visible_types(access: SchoolAccess) -> list[str]:
    """Safeguarding counts only for those who may see safeguarding."""
    return visibility.keys(access, DOCUMENT_TYPES)


def document_counts(pupils: list[Pupil], types: list[str]) -> dict[Any, dict[str, int]]:
    """Live documents per pupil and type: one grouped query a type."""
    counts: dict[Any, dict[str, int]] = {p.id: dict.fromkeys(types, 0) for p in pupils}
    ids = list(counts)
    for key in types:
        model = BY_TRANSFER_KEY[key].model
        rows = (
            model.objects.filter(pupil_id__in=ids, deleted_at__isnull=True)  # type: ignore[attr-defined]
            .values("pupil_id")
            .annotate(n=Count("id"))
        )
        for row in rows:
            counts[row["pupil_id"]][key] = row["n"]
    return counts


BRIEF = ("id", "first_name", "surname", "pupil_id", "date_of_birth", "year_group", "status")
PARTNER_BRIEF = ("id", "first_name", "surname", "status")


def pupil_brief(p: Pupil) -> dict[str, Any]:
    return {
        "id": p.id,
        "first_name": p.first_name,
        "surname": p.surname,
        "pupil_id": p.pupil_id,
        "date_of_birth": p.date_of_birth,
        "year_group": p.year_group,
        "status": p.status,
    }


def partner_brief(p: Pupil) -> dict[str, Any]:
    """What the receiving school learns of the partner's pupil: no more than it has."""
    return {"id": p.id, "first_name": p.first_name, "surname": p.surname, "status": p.status}


def shared_rows(access: SchoolAccess, pupils: list[Pupil], partner: Any) -> list[dict[str, Any]]:
    """A page of shared pupils: their counterparts and live document counts, in three
    queries plus one a document type, whatever the page's size."""
    types = visible_types(access)
    theirs = counterparts(pupils, partner)
    counts = document_counts(list(theirs.values()), types)
    return [
        {
            "pupil": str(p.id),
            "pupil_detail": pupil_brief(p),
            "partner_pupil": partner_brief(theirs[p.match_key]),
            "partner_document_counts": counts[theirs[p.match_key].id],
        }
        for p in pupils
        if p.match_key in theirs
    ]


def near_miss_rows(mine: Any, partner: Any) -> tuple[list[dict[str, Any]], int]:
    pairs, total = near_misses(mine, partner)
    rows = [
        {
            "pupil": str(row["id"]),
            "pupil_detail": {k: row[k] for k in BRIEF},
            "partner_pupil": {k: other[k] for k in PARTNER_BRIEF},
            "differs": differs,
        }
        for row, other, differs in pairs
    ]
    return rows, total


def transfer(req: TransferRequest, *, with_items: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": req.id,
        "from_school": str(req.from_school_id),
        "to_school": str(req.to_school_id),
        "from_school_name": req.from_school.name,
        "to_school_name": req.to_school.name,
        "status": req.status,
        "document_types": req.document_types,
        "created_at": req.created_at,
        "due_by": req.due_by,
        "decided_at": req.decided_at,
        "acknowledged_at": req.acknowledged_at,
        "awaiting_receipt": req.status == "completed" and req.acknowledged_at is None,
        "total": req.total,
        "done": req.done,
    }
    if with_items:
        data["items"] = [
            {
                "pupil": item.pupil_id,
                "pupil_name": f"{item.pupil.first_name} {item.pupil.surname}",
                "status": item.status,
                **({"reason": item.reason} if item.reason else {}),
                **({"differs": item.differs} if item.differs else {}),
                **({"documents": item.counts} if item.status == "transferred" else {}),
            }
            for item in req.items.select_related("pupil")
        ]
    return data


PLURALS = {
    "plans": ("plan", "plans"),
    "provisions": ("provision", "provisions"),
    "passports": ("passport", "passports"),
    "meeting_logs": ("meeting log", "meeting logs"),
    "files": ("file", "files"),
    "safeguarding_issues": ("safeguarding record", "safeguarding records"),
}


def approval_preview(req: TransferRequest, pupil_ids: list[str] | None) -> list[dict[str, Any]]:
    """What "Send" would copy, pupil by pupil (the sender's answer page): each record type
    and how many, safeguarding on its own line. A pupil with no match is named with
    nothing to send. Only the pending pupils chosen (all of them when none are)."""
    pending = req.items.filter(status="pending").select_related("pupil")
    if pupil_ids:
        wanted = {str(i) for i in pupil_ids}
        pending = pending.filter(pupil_id__in=[i for i in wanted if _is_uuid(i)])
    items = list(pending)
    theirs = counterparts([item.pupil for item in items], req.from_school)
    senders = list(theirs.values())
    counts = document_counts(senders, list(req.document_types))
    rows = []
    for item in items:
        mine = theirs.get(item.pupil.match_key)
        by_type = counts.get(mine.id, {}) if mine else {}
        lines = [
            (key, n, PLURALS[key][0 if n == 1 else 1])
            for key in req.document_types
            if (n := by_type.get(key, 0)) and key != "safeguarding_issues"
        ]
        safeguarding = by_type.get("safeguarding_issues", 0)
        rows.append(
            {
                "pupil": str(item.pupil_id),
                "name": f"{item.pupil.first_name} {item.pupil.surname}",
                "matched": mine is not None,
                "lines": lines,
                "safeguarding": safeguarding,
                "safeguarding_word": PLURALS["safeguarding_issues"][0 if safeguarding == 1 else 1],
            }
        )
    return rows


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
