"""Creating, changing, deleting and restoring pupil documents. Atomic and audited."""

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from pupilhub.core import audit, uploads
from pupilhub.core.errors import Forbidden, Invalid
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from .access import can_delete, require_type
from .filecheck import check_upload
from .models import Attachment, SafeguardingAction, SafeguardingIssue
from .registry import FILE, DocType
from .validation import clean_document, safe_filename, stored_name

# Checks other apps add for a document type's input, run before anything is written (the
# safeguarding app: a category from the school's list).
CHECKS: dict[str, Callable[[SchoolAccess, dict[str, Any]], None]] = {}


def _check(access: SchoolAccess, dtype: DocType, data: dict[str, Any]) -> None:
    if dtype.type in CHECKS:
        CHECKS[dtype.type](access, data)


def _confidential(access: SchoolAccess, dtype: DocType, data: dict[str, Any]) -> dict[str, Any]:
    flag = data.pop("confidential", None)
    if flag is None:
        return {}
    if not dtype.can_be_confidential:
        return {}
    if flag and not access.can_see_confidential:
        raise Forbidden("Only admins and safeguarding leads can mark records confidential.")
    return {"confidential": bool(flag)}


@transaction.atomic
def do_create_document(
    access: SchoolAccess, dtype: DocType, pupil: Pupil, data: dict[str, Any]
) -> Any:
    require_type(access, dtype)
    data = dict(data)
    extra = _confidential(access, dtype, data)
    _check(access, dtype, data)
    action_text = data.get("actions_taken") if dtype.safeguarding else None
    values = clean_document(dtype, data)
    doc = dtype.model.objects.create(  # type: ignore[attr-defined]
        school=access.school, pupil=pupil, created_by=access.user, **values, **extra
    )
    audit.record(access.user, f"{dtype.type}.created", doc, pupil=str(pupil.pk))
    if action_text:
        SafeguardingAction.objects.create(
            school=access.school, issue=doc, by=access.user, by_name=_name(access), text=action_text
        )
    return doc


@transaction.atomic
def do_update_document(access: SchoolAccess, dtype: DocType, doc: Any, data: dict[str, Any]) -> Any:
    require_type(access, dtype)
    data = dict(data)
    _check(access, dtype, data)
    extra = _confidential(access, dtype, data)
    if dtype.safeguarding and "actions_taken" in data:
        # The action log is append-only: a new text adds an entry, never rewrites.
        text = (data.pop("actions_taken") or "").strip()
        if text:
            do_add_safeguarding_action(access, doc, text)
    values = {**clean_document(dtype, data, doc), **extra}
    changed = audit.changed_fields(doc, values)
    for key, value in values.items():
        setattr(doc, key, value)
    doc.save()
    audit.record(access.user, f"{dtype.type}.updated", doc, fields=changed)
    return doc


def _name(access: SchoolAccess) -> str:
    return (access.user.full_name or access.user.email) if access.user else ""


@transaction.atomic
def do_add_safeguarding_action(access: SchoolAccess, issue: SafeguardingIssue, text: str) -> None:
    """Append to an issue's action log: the entry, the issue's text log and the audit row
    are written together or not at all."""
    if not access.can_see_safeguarding:
        raise Forbidden()
    entry = SafeguardingAction.objects.create(
        school=access.school, issue=issue, by=access.user, by_name=_name(access), text=text
    )
    log = "\n".join(filter(None, [issue.actions_taken, f"{entry.at:%d %b %Y %H:%M}: {text}"]))
    SafeguardingIssue.objects.filter(pk=issue.pk).update(actions_taken=log)
    issue.actions_taken = log
    audit.record(access.user, "safeguarding_issue.action_added", issue)


@transaction.atomic
def do_delete_document(access: SchoolAccess, dtype: DocType, doc: Any) -> None:
    """Soft delete: hidden at once; admins and leads can restore it until the school's
    retention (`deleted_documents_days`) purges it with its file."""
    require_type(access, dtype)
    if not can_delete(access):
        raise Forbidden("Only admins and safeguarding leads can delete records.")
    doc.deleted_at = timezone.now()
    doc.deleted_by = access.user
    doc.save(update_fields=["deleted_at", "deleted_by"])
    audit.record(access.user, f"{dtype.type}.deleted", doc)


@transaction.atomic
def do_restore_document(access: SchoolAccess, dtype: DocType, doc: Any) -> Any:
    """Until the retention job purges it (then it no longer exists: 404)."""
    require_type(access, dtype)
    if not can_delete(access):
        raise Forbidden("Only admins and safeguarding leads can restore deleted records.")
    if doc.deleted_at is None:
        return doc
    doc.deleted_at = None
    doc.deleted_by = None
    doc.save(update_fields=["deleted_at", "deleted_by"])
    audit.record(access.user, f"{dtype.type}.restored", doc)
    return doc


def do_upload_file(
    access: SchoolAccess, pupil: Pupil, filename: str, data: bytes, description: str = ""
) -> Attachment:
    """Check, then store. A refused upload stores nothing."""
    require_type(access, FILE)
    name = safe_filename(filename)
    kind = check_upload(name, data)
    if len(description) > 500:
        raise Invalid("Description too long.", fields={"description": ["At most 500 characters."]})
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        school=access.school,
        pupil=pupil,
        created_by=access.user,
        filename=name,
        size=len(data),
        content_type=kind.content_type,
        sha256=digest,
        description=description.strip(),
    )
    storage = attachment.file.storage
    attachment.file.name = uploads.save(storage, stored_name(access.school.pk), ContentFile(data))
    try:
        with transaction.atomic():
            attachment.save()
            audit.record(access.user, "file.created", attachment, pupil=str(pupil.pk))
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
