"""The pupil page's document timeline and the SENCo's review reminders."""

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
        .filter(review_date__lte=soon, status__in=["draft", "active"])
        .select_related("pupil")
        .order_by("review_date")[:50]
    )
    return {
        "template": "documents/panel_reviews.html",
        "plans": list(plans),
        "today": timezone.localdate(),
    }
