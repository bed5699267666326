"""Serving documents to pages and the API alike: the shape of a record, and file downloads
(an audited read)."""

from datetime import date
from typing import Any

from django.http import FileResponse
from django.utils.formats import date_format

from pupilhub.core import audit
from pupilhub.core.templatetags.pupilhub import pounds
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


LABELS = {"cost_pence": "Cost", "title": "Title", "date": "Date"}


def readable(dtype: DocType, doc: Any, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """A saved record as a person reads it: labels in words, choices by their names,
    dates as dates, money in pounds; empty fields left out (the targets have their own
    table), and any in `skip` (a safeguarding issue's actions, shown once, as its log)."""
    rows = []
    for api, attr in dtype.fields.items():
        value = getattr(doc, attr)
        if attr == "targets" or attr in skip or value in (None, ""):
            continue
        field = doc._meta.get_field(attr)
        if field.choices:
            text = str(getattr(doc, f"get_{attr}_display")())
        elif attr == "cost_pence":
            text = pounds(value)
        elif isinstance(value, date):
            text = date_format(value, "j F Y")
        elif isinstance(value, bool):
            text = "Yes" if value else "No"
        else:
            text = str(value)
        rows.append((LABELS.get(api, api.replace("_", " ").capitalize()), text))
    return rows


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
