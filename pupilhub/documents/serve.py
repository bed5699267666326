"""Serving documents to pages and the API alike: the shape of a record, and file downloads
(an audited read)."""

from typing import Any

from django.http import FileResponse

from pupilhub.core import audit
from pupilhub.schools.access import SchoolAccess

from .access import document_for
from .registry import FILE, DocType
from .timeline import origin


def serialize(dtype: DocType, doc: Any) -> dict[str, Any]:
    data = {api: getattr(doc, attr) for api, attr in dtype.fields.items()}
    data.update(
        id=doc.pk,
        created_at=doc.created_at,
        updated_at=doc.updated_at,
        transferred_from=origin(doc),
    )
    if dtype.can_be_confidential:
        data["confidential"] = doc.confidential
    return data


def file_response(access: SchoolAccess, pupil: Any, doc_id: str) -> FileResponse:
    """Always an attachment, never rendered inline, never cached."""
    doc = document_for(access, FILE, pupil, doc_id)
    audit.record(access.user, "file.downloaded", doc)
    response = FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.filename,
        content_type=doc.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
