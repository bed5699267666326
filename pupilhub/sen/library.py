"""A pupil's provision started from the provision library: the item's fields, then what
was given (used by the provisions endpoint when it names `from_library`)."""

from typing import Any

from pupilhub.schools.access import SchoolAccess

from .models import LibraryItem


def from_library(item: LibraryItem, overrides: dict[str, Any]) -> dict[str, Any]:
    """A pupil's provision started from a library item: its fields, then what was given."""
    frequency = item.frequency or (
        f"{item.sessions_per_week} x {item.session_minutes} min a week"
        if item.sessions_per_week and item.session_minutes
        else ""
    )
    base = {
        "name": item.name,
        "area_of_need": item.area_of_need,
        "provider": item.provider,
        "frequency": frequency,
        "group_size": item.group_size,
        "cost_pence": item.cost_pence,
        "notes": item.description,
    }
    return {**base, **{k: v for k, v in overrides.items() if v is not None}}


def with_library(access: SchoolAccess, data: dict[str, Any]) -> dict[str, Any]:
    """A provision posted with `from_library`: the item's fields, then what was given."""
    item_id = data.pop("from_library", None)
    if not item_id:
        return data
    from .access import library_item  # the school's own items only (404 otherwise)

    return from_library(library_item(access, item_id), data)
