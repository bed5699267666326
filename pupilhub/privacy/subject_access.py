"""A subject-access export: everything the school holds about one pupil, in one zip.

`pupil.json` (the profile, every document of every type, safeguarding and deleted records
included, tracking values), each attached file under `files/`, and `summary.pdf`, the
same read as a person would. The Main School Admin only, and the export is audited: it
appears in the pupil's access log. It is the school's raw material for answering a
request, not the answer: before disclosing, the school applies the exemptions (for
example safeguarding information that could put a child at risk, and other people's data).
"""

import json
import tempfile
import zipfile
from typing import IO, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse
from django.utils import timezone

from pupilhub.core import audit, pdf
from pupilhub.documents.access import documents
from pupilhub.documents.registry import DOC_TYPES, FILE, DocType
from pupilhub.documents.serve import serialize
from pupilhub.gateway.models import TrackingValue
from pupilhub.pupils.models import Pupil
from pupilhub.safeguarding import bodymap
from pupilhub.schools.access import SchoolAccess

PROFILE = (
    "first_name",
    "surname",
    "date_of_birth",
    "pupil_id",
    "year_group",
    "tutor_group",
    "sets",
    "status",
    "created_at",
    "updated_at",
)
MEMORY = 8 * 1024 * 1024  # a zip larger than this is spooled to a temporary file


def _documents(access: SchoolAccess, pupil: Pupil, dtype: DocType) -> list[Any]:
    """Every record of the type, deleted ones too (they are held until purged)."""
    found = documents(access, dtype, deleted=None).filter(pupil=pupil).order_by("created_at")
    if dtype.safeguarding:
        found = found.prefetch_related("log__by", "marks")  # not a query an issue
    return list(found)


def _record(dtype: DocType, doc: Any) -> dict[str, Any]:
    data = serialize(dtype, doc)
    data["deleted_at"] = doc.deleted_at
    if dtype.type == "file":
        data["path_in_export"] = _file_path(doc)
    if dtype.safeguarding:
        data["action_log"] = [{"at": a.at, "by": a.author, "text": a.text} for a in doc.log.all()]
        data["body_map"] = [
            {"view": m.view, "x": m.x, "y": m.y, "note": m.note} for m in doc.marks.all()
        ]
    return data


def _file_path(doc: Any) -> str:
    name = doc.filename.replace("/", "_").replace("\\", "_")
    return f"files/{doc.pk}-{name}"


def collect(access: SchoolAccess, pupil: Pupil) -> dict[str, Any]:
    """The whole record as plain data (what `pupil.json` holds)."""
    access.require_main_admin("Only the Main School Admin can export a pupil's data.")
    tracking = (
        TrackingValue.objects.filter(school=access.school, pupil=pupil)
        .select_related("field")
        .order_by("field__name")
    )
    return {
        "exported_at": timezone.now(),
        "school": {"id": str(access.school.pk), "name": access.school.name},
        "pupil": {"id": str(pupil.pk), **{f: getattr(pupil, f) for f in PROFILE}},
        "documents": {
            dtype.collection: [_record(dtype, d) for d in _documents(access, pupil, dtype)]
            for dtype in DOC_TYPES
        },
        "tracking": [{"field": v.field.name, "value": v.value} for v in tracking],
    }


def _summary(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> bytes:
    """A readable PDF of the same data: each record's fields as label and value."""
    story: list[Any] = [
        pdf.Heading(f"{pupil.full_name}: the records {access.school.name} holds"),
        pdf.text(f"Exported {data['exported_at']:%-d %B %Y at %H:%M}.", "small"),
        pdf.Heading("Profile", level=1),
        pdf.table(
            [
                [pdf.text(_label(k), "cell_bold"), pdf.text(_value(v), "cell")]
                for k, v in data["pupil"].items()
                if k != "id"
            ],
            widths=[120, 350],
        ),
    ]
    for dtype in DOC_TYPES:
        records = data["documents"][dtype.collection]
        story.append(pdf.Heading(f"{dtype.label} records ({len(records)})", level=1))
        if not records:
            story.append(pdf.text("None."))
        for record in records:
            rows = [
                [pdf.text(_label(k), "cell_bold"), pdf.text(_value(v), "cell")]
                for k, v in record.items()
                if k not in ("id", "action_log", "body_map") and v not in (None, "", [])
            ]
            for entry in record.get("action_log", []):
                line = f"{entry['at']:%-d %b %Y %H:%M} {entry['by']}: {entry['text']}"
                rows.append([pdf.text("Action", "cell_bold"), pdf.text(line, "cell")])
            story.append(pdf.table(rows, widths=[120, 350], grid=True))
            if record.get("body_map"):
                story.append(bodymap.drawing(record["body_map"]))
    if data["tracking"]:
        story.append(pdf.Heading("Tracking", level=1))
        story.append(
            pdf.table(
                [
                    [pdf.text(t["field"], "cell_bold"), pdf.text(t["value"], "cell")]
                    for t in data["tracking"]
                ],
                widths=[200, 270],
            )
        )
    story.append(pdf.text(f"{access.school.name}. Confidential: keep securely.", "small"))
    return pdf.render(
        story,
        title=f"Subject access: {pupil.full_name}",
        author=access.school.name,
        running_name=pupil.full_name,
    )


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{_label(k)}: {_value(v)}" for k, v in value.items() if v)
    if hasattr(value, "strftime"):
        return value.strftime("%-d %B %Y %H:%M" if hasattr(value, "hour") else "%-d %B %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def export(access: SchoolAccess, pupil: Pupil) -> IO[bytes]:
    """The zip, rewound, in memory or a temporary file. Audited as one export."""
    data = collect(access, pupil)
    out = tempfile.SpooledTemporaryFile(max_size=MEMORY)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        missing = []
        for doc in _documents(access, pupil, FILE):
            try:
                with doc.file.open("rb") as stored, archive.open(_file_path(doc), "w") as target:
                    for chunk in iter(lambda: stored.read(1024 * 1024), b""):
                        target.write(chunk)
            except OSError:  # the bytes are gone from storage: say so, export the rest
                missing.append(str(doc.pk))
        data["missing_files"] = missing
        archive.writestr("pupil.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2))
        archive.writestr("summary.pdf", _summary(access, pupil, data))
    audit.record(access.user, "pupil.subject_access_exported", pupil)
    out.seek(0)
    return out


def response(data: IO[bytes], pupil: Pupil) -> FileResponse:
    """The zip as a download, never cached."""
    found = FileResponse(
        data,
        as_attachment=True,
        filename=f"subject-access-{pupil.pupil_id}.zip",
        content_type="application/zip",
    )
    found["Cache-Control"] = "no-store"
    return found
