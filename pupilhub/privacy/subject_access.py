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
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pupilhub.core import audit, pdf
from pupilhub.documents.access import documents
from pupilhub.documents.registry import DOC_TYPES, FILE, DocType
from pupilhub.documents.serve import readable, serialize
from pupilhub.gateway.models import TrackingValue
from pupilhub.pupils.models import Pupil, PupilYear
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
    "sex",
    "sen_status",
    "sen_needs",
    "sen_start_date",
    "created_at",
    "updated_at",
)
MEMORY = 8 * 1024 * 1024  # a zip larger than this is spooled to a temporary file


def _documents(access: SchoolAccess, pupil: Pupil, dtype: DocType) -> list[Any]:
    """Every record of the type, deleted ones too (they are held until purged)."""
    found = documents(access, dtype, deleted=None).filter(pupil=pupil).order_by("created_at")
    if dtype.safeguarding:
        found = found.prefetch_related("log__by", "marks")  # not a query an issue
    found = found.select_related("transferred_from_school")
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
    docs = {dtype.collection: _documents(access, pupil, dtype) for dtype in DOC_TYPES}
    history = PupilYear.objects.filter(pupil=pupil).order_by("until")
    return {
        "exported_at": timezone.now(),
        "school": {"id": str(access.school.pk), "name": access.school.name},
        "pupil": {"id": str(pupil.pk), **{f: getattr(pupil, f) for f in PROFILE}},
        "year_history": [
            {"academic_year": h.academic_year, "year_group": h.year_group} for h in history
        ],
        "documents": {
            dtype.collection: [_record(dtype, d) for d in docs[dtype.collection]]
            for dtype in DOC_TYPES
        },
        "tracking": [{"field": v.field.name, "value": v.value} for v in tracking],
        # For the summary only (models, read in the record pages' words); not in the JSON.
        "_docs": docs,
    }


def profile_rows(pupil: Pupil) -> list[tuple[Any, Any]]:
    """The pupil's details as the pupil's page words them."""
    rows: list[tuple[Any, Any]] = [
        (_("Name"), pupil.full_name),
        (_("Pupil ID"), pupil.pupil_id),
        (_("Date of birth"), long_date(pupil.date_of_birth)),
        (_("Year group"), pupil.year_label),
        (_("Tutor group"), pupil.tutor_group or _("none")),
        (_("Sets"), ", ".join(pupil.sets) or _("none")),
        (_("Status"), STATUS_WORDS.get(pupil.status, pupil.get_status_display())),
        (_("Sex"), pupil.get_sex_display() or _("not recorded")),
        (_("SEN status"), str(pupil.get_sen_status_display())),
    ]
    if pupil.sen_start_date and pupil.sen_status != "N":
        rows.append((_("SEN status since"), long_date(pupil.sen_start_date)))
    if pupil.sen_needs:
        rows.append((_("SEN needs (primary first)"), pupil.sen_needs_label))
    rows.append((_("Record created"), long_date(pupil.created_at)))
    rows.append((_("Record last changed"), long_date(pupil.updated_at)))
    return rows


def _summary(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> bytes:
    """A readable PDF of the same data, in the words the record pages use (no codes, no
    ids): the profile, each record's fields, its action log and body map, tracking."""
    school = access.school
    story: list[Any] = [
        pdf.Heading(
            str(
                _("%(pupil)s: the records %(school)s holds")
                % {"pupil": pupil.full_name, "school": school.name}
            )
        ),
        pdf.text(str(_("Exported %(when)s.") % {"when": long_date(data["exported_at"])}), "small"),
        pdf.Heading(str(_("Profile")), level=1),
        _rows_table(profile_rows(pupil)),
    ]
    if data["year_history"]:
        story.append(pdf.Heading(str(_("Year groups in past years")), level=1))
        story.append(
            _rows_table(
                [
                    (h["academic_year"], school.year_label(h["year_group"]))
                    for h in data["year_history"]
                ]
            )
        )
    for dtype in DOC_TYPES:
        records = data["_docs"][dtype.collection]
        story.append(
            pdf.Heading(
                ngettext("%(label)s (%(n)d record)", "%(label)s (%(n)d records)", len(records))
                % {
                    "label": str(PLURAL_LABELS.get(dtype.collection, dtype.label)),
                    "n": len(records),
                },
                level=1,
            )
        )
        if not records:
            story.append(pdf.text(str(_("None."))))
        for doc in records:
            skip = ("actions_taken",) if dtype.safeguarding else ()
            rows: list[tuple[Any, Any]] = list(readable(dtype, doc, skip))
            rows.append((_("Recorded"), long_date(doc.created_at)))
            if doc.transferred_from_school_id:
                rows.append((_("Transferred from"), doc.transferred_from_school.name))
            if doc.deleted_at:
                rows.append((_("Deleted"), long_date(doc.deleted_at)))
            if dtype.safeguarding:
                for entry in doc.log.all():
                    line = f"{long_date(entry.at)}, {entry.author}: {entry.text}"
                    rows.append((_("Action"), line))
            story.append(_rows_table(rows, grid=True))
            if dtype.safeguarding:
                marks = [
                    {"view": m.view, "x": m.x, "y": m.y, "note": m.note} for m in doc.marks.all()
                ]
                if marks:
                    story.append(bodymap.drawing(marks))
    if data["tracking"]:
        story.append(pdf.Heading(str(_("Tracking")), level=1))
        story.append(_rows_table([(t["field"], t["value"]) for t in data["tracking"]]))
    story.append(
        pdf.text(
            str(_("%(school)s. Confidential: keep securely.") % {"school": school.name}), "small"
        )
    )
    return pdf.render(
        story,
        title=str(_("Subject access: %(pupil)s") % {"pupil": pupil.full_name}),
        author=school.name,
        running_name=pupil.full_name,
    )


def _rows_table(rows: list[tuple[Any, Any]], grid: bool = False) -> Any:
    return pdf.table(
        [
            [pdf.text(str(label), "cell_bold"), pdf.text(str(value), "cell")]
            for label, value in rows
        ],
        widths=[140, 330],
        grid=grid,
    )


def long_date(value: Any) -> str:
    """ "9 March 2014", or "9 March 2014 at 14:05" for a moment (local time)."""
    if hasattr(value, "hour"):
        local = timezone.localtime(value)
        return f"{local:%-d %B %Y} at {local:%H:%M}"
    return f"{value:%-d %B %Y}"


STATUS_WORDS = {"active": _("On roll"), "archived": _("Left (archived)")}
PLURAL_LABELS = {
    "plans": _("Plans"),
    "provisions": _("Provisions"),
    "passports": _("Passports"),
    "meeting-logs": _("Meeting logs"),
    "files": _("Files"),
    "safeguarding-issues": _("Safeguarding issues"),
}


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
        plain = {k: v for k, v in data.items() if not k.startswith("_")}
        archive.writestr("pupil.json", json.dumps(plain, cls=DjangoJSONEncoder, indent=2))
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
