"""Who saw what of one pupil, and the records deleted but not yet purged."""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core import audit
from pupilhub.core.errors import Forbidden
from pupilhub.core.models import AuditEvent
from pupilhub.documents.access import can_delete, every_document, visible_types
from pupilhub.documents.registry import DocType
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from .retention import policy_for, purge_after


def access_log(access: SchoolAccess, pupil: Pupil) -> QuerySet[AuditEvent]:
    """Every event about this pupil or one of their records, newest first: who read or
    changed what, and when. The Main School Admin and safeguarding leads (who may see
    every record, so every event)."""
    if not access.can_see_safeguarding:  # the Main School Admin and the leads
        raise Forbidden(
            "Only the Main School Admin and safeguarding leads can see a pupil's access log."
        )
    return (
        AuditEvent.objects.filter(school=access.school, pupil=str(pupil.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def recently_deleted(access: SchoolAccess, pupil: Pupil) -> list[dict[str, Any]]:
    """Deleted records this viewer may see, newest deletion first, each with the day it
    will be purged. Empty for those who may not restore."""
    if not can_delete(access):
        return []
    rows: list[tuple[DocType, Any]] = [
        (dtype, doc)
        for dtype in visible_types(access)
        for doc in every_document(access, dtype, pupil)
        if doc.deleted_at is not None
    ]
    listed = pupil.__dict__.get("_listing_audited")
    if not listed and any(dtype.safeguarding for dtype, _doc in rows):
        # Listing deleted safeguarding issues is a sensitive read like any other.
        audit.record(
            access.user, "safeguarding_issue.listed", pupil, school=access.school, deleted=True
        )
    if not rows:
        return []  # nothing deleted: no policy to read
    rows.sort(key=lambda r: r[1].deleted_at, reverse=True)
    policy = policy_for(access.school)  # once, not a query a row
    return [
        {
            "dtype": dtype,
            "doc": doc,
            "deleted_by": doc.deleted_by.full_name if doc.deleted_by else "",
            "purge_on": purge_after(access.school, doc.deleted_at, policy),
        }
        for dtype, doc in rows
    ]
