"""Reading the audit log: the school's events that this viewer may see."""

from django.db.models import QuerySet

from pupilhub.core.models import AuditEvent

from . import visibility
from .access import SchoolAccess


def events(access: SchoolAccess, *, action: str = "") -> QuerySet[AuditEvent]:
    """Admins only. Events about safeguarding records follow the visibility rule; actors are
    named by `AuditEvent.actor_label` (an external user only as external:<id>)."""
    access.require_admin("Only school admins can read the audit log.")
    found = AuditEvent.objects.filter(school=access.school).select_related("actor")
    if action:
        found = found.filter(action__startswith=action)
    return visibility.rows(access, found, "safeguarding").order_by("-at")
