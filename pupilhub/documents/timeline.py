"""A pupil's documents of every visible type as one list, newest first."""

from typing import Any

from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from .access import every_document, visible_types


def origin(doc: Any) -> dict[str, Any] | None:
    """Where a transferred copy came from, or None for the school's own record."""
    if not doc.transferred_from_school_id:
        return None
    school = doc.transferred_from_school
    return {
        "school": {"id": str(school.pk), "name": school.name},
        "transferred_at": doc.transferred_at,
    }


def timeline(access: SchoolAccess, pupil: Pupil) -> list[dict[str, Any]]:
    """One query per visible type, whatever the number of documents."""
    items = []
    for dtype in visible_types(access):
        for doc in every_document(access, dtype, pupil):
            if doc.deleted_at is not None:
                continue
            items.append(
                {
                    "id": doc.pk,
                    "type": dtype.type,
                    "title": doc.title,
                    "created_at": doc.created_at,
                    "transferred_from": origin(doc),
                    "collection": dtype.collection,
                    "confidential": getattr(doc, "confidential", False),
                }
            )
    items.sort(key=lambda item: item["created_at"], reverse=True)
    return items
