"""The pupil page's document timeline, the SENCo's review reminders, and the sections
other apps add to one document's page."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from pupilhub.pupils.models import Pupil
from pupilhub.pupils.panels import register as register_pupil_panel
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register as register_dashboard_panel

from .access import documents, visible_types
from .registry import PLAN
from .timeline import timeline

DetailPanel = Callable[[Any, SchoolAccess, Any], dict[str, Any] | None]
DETAIL_PANELS: dict[str, list[DetailPanel]] = {}


def register_detail(doc_type: str) -> Callable[[DetailPanel], DetailPanel]:
    """A section on the page of one document of `doc_type` (the safeguarding app's tasks,
    referrals and body map): called with (request, access, doc)."""

    def decorator(panel: DetailPanel) -> DetailPanel:
        DETAIL_PANELS.setdefault(doc_type, []).append(panel)
        return panel

    return decorator


def detail_panels(request: Any, access: SchoolAccess, doc_type: str, doc: Any) -> list[Any]:
    found = (panel(request, access, doc) for panel in DETAIL_PANELS.get(doc_type, []))
    return [p for p in found if p]


@register_pupil_panel
def documents_panel(access: SchoolAccess, pupil: Pupil) -> dict[str, Any]:
    types = visible_types(access)
    labels = {t.type: t.label for t in types}  # "Meeting log", not the model's "Meetinglog"
    return {
        "template": "documents/panel_timeline.html",
        "items": [{**item, "label": labels[item["type"]]} for item in timeline(access, pupil)],
        "types": types,
    }


@register_dashboard_panel
def review_reminders(access: SchoolAccess) -> dict[str, Any] | None:
    """Plans due for review within 14 days, or overdue."""
    soon = timezone.localdate() + timedelta(days=14)
    plans = (
        documents(access, PLAN)
        # Open plans of pupils on roll: a leaver's plan is history, not a reminder.
        .filter(review_date__lte=soon, status__in=["draft", "active", "reviewed"])
        .filter(pupil__status="active")
        .select_related("pupil")
        .order_by("review_date")[:50]
    )
    return {
        "template": "documents/panel_reviews.html",
        "plans": list(plans),
        "today": timezone.localdate(),
    }
