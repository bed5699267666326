"""What a viewer may see of a pupil's documents.

Safeguarding issues: only safeguarding leads and the main admin, who may list,
read or create them; everyone else gets 403 before anything is looked up, so
nothing about their existence leaks. Confidential plans, provisions and
meeting logs: admins and safeguarding leads only; for others they do not exist.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from pupilhub.core import audit
from pupilhub.core.errors import Forbidden, NotFound
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, parse_id

from .registry import DOC_TYPES, SAFEGUARDING, DocType

# What other apps do when a person opens one document of a type (the safeguarding app marks a
# new concern opened, so it leaves the top of the leads' dashboards).
ON_READ: dict[str, Callable[[SchoolAccess, Any], None]] = {}


def can_use(access: SchoolAccess, dtype: DocType) -> bool:
    return access.can_see_safeguarding if dtype.safeguarding else True


def require_type(access: SchoolAccess, dtype: DocType) -> None:
    if not can_use(access, dtype):
        raise Forbidden("Only safeguarding leads and the Main School Admin can see these records.")


def can_delete(access: SchoolAccess) -> bool:
    """Who may delete records, and so restore them: admins and safeguarding leads."""
    return access.is_admin or access.can_see_safeguarding


def visible_types(access: SchoolAccess) -> list[DocType]:
    return [d for d in DOC_TYPES if can_use(access, d)]


def documents(
    access: SchoolAccess, dtype: DocType, *, deleted: bool | None = False
) -> QuerySet[Any]:
    """The school's live (or deleted, or with `None` both) documents of one type this
    viewer may see."""
    require_type(access, dtype)
    qs = dtype.model.objects.filter(school=access.school)  # type: ignore[attr-defined]
    if deleted is not None:
        qs = qs.filter(deleted_at__isnull=not deleted)
    if dtype.can_be_confidential and not access.can_see_confidential:
        qs = qs.filter(confidential=False)
    return qs


def pupil_documents(access: SchoolAccess, dtype: DocType, pupil: Pupil) -> QuerySet[Any]:
    """A pupil's documents of one type. Serving a list of safeguarding issues (on a page, in
    the API, in the timeline) is a sensitive read: it is audited here, once a list."""
    found = documents(access, dtype).filter(pupil=pupil)
    if dtype.safeguarding and not pupil.__dict__.get("_listing_audited"):
        audit.record(access.user, "safeguarding_issue.listed", pupil, school=access.school)
    return found


def every_document(access: SchoolAccess, dtype: DocType, pupil: Pupil) -> list[Any]:
    """A pupil's documents of one type, live and deleted, read once a page (the timeline
    and the deleted-records list share them). Audited as `pupil_documents` is."""
    memo = pupil.__dict__.setdefault("_every_document", {})
    if dtype.type not in memo:
        if dtype.safeguarding and not pupil.__dict__.get("_listing_audited"):
            audit.record(access.user, "safeguarding_issue.listed", pupil, school=access.school)
            pupil.__dict__["_listing_audited"] = True
        memo[dtype.type] = list(
            documents(access, dtype, deleted=None)
            .filter(pupil=pupil)
            .select_related("transferred_from_school", "deleted_by")
        )
    found: list[Any] = memo[dtype.type]
    return found


def document_for(
    access: SchoolAccess,
    dtype: DocType,
    pupil: Pupil,
    doc_id: Any,
    *,
    deleted: bool | None = False,
) -> Any:
    """One document, or 404. Reading a safeguarding issue is audited."""
    doc = documents(access, dtype, deleted=deleted).filter(pupil=pupil, pk=parse_id(doc_id)).first()
    if doc is None:
        raise NotFound()
    if dtype.safeguarding:
        audit.record(access.user, "safeguarding_issue.read", doc)
    if dtype.type in ON_READ:
        ON_READ[dtype.type](access, doc)
    return doc


def history(access: SchoolAccess, doc: Any) -> list[dict[str, Any]]:
    """Who created, changed, deleted or restored this document, and when (oldest first).

    Audit rows hold field names, never content. Reads of safeguarding issues are
    listed too: a safeguarding lead can see who has opened the record.
    """
    from pupilhub.core.models import AuditEvent

    events = (
        AuditEvent.objects.filter(school=access.school, object_id=str(doc.pk))
        .select_related("actor")
        .order_by("at")
    )
    rows = []
    for e in events:
        action = e.action.rsplit(".", 1)[-1]
        fields = e.detail.get("fields", [])
        rows.append(
            {
                "at": e.at,
                "actor": e.actor.full_name if e.actor else "",
                "action": action,
                "fields": fields,
                # For people: "action added", "review date, status".
                "label": action.replace("_", " ").capitalize(),
                "fields_label": ", ".join(f.replace("_", " ") for f in fields),
            }
        )
    return rows


def action_log(access: SchoolAccess, issue: Any) -> QuerySet[Any]:
    """A safeguarding issue's action log (the issue was read through `document_for`)."""
    from .models import SafeguardingAction

    require_type(access, SAFEGUARDING)
    return SafeguardingAction.objects.visible_to(access).filter(issue=issue).select_related("by")
