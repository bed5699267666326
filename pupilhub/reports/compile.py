"""Compile report PDFs on request from the pupil's current record (never stored per pupil).

For an external link only the fields its licence type may see go into the PDF:
tracking fields the type can see, and year, tutor group and sets only if its
profile access includes them.
"""

import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Spacer

from pupilhub.core import pdf
from pupilhub.core.images import safe_image
from pupilhub.gateway.models import TrackingField, TrackingValue
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School

from .models import Report

PROFILE_ROWS = (("year_group", "Year"), ("tutor_group", "Tutor group"), ("sets", "Sets"))


def report_fields(report: Report, licence_type: Any = None) -> list[tuple[TrackingField, str]]:
    """The report's fields in order, with headings; for a link, only what it may see."""
    keys = [f["key"] for f in report.fields]
    if licence_type is not None:
        allowed = set(licence_type.access.get("tracking", []))
        keys = [k for k in keys if k in allowed]
    by_key = {f.key: f for f in TrackingField.objects.filter(school=report.school_id, key__in=keys)}
    headings = {f["key"]: f.get("heading") or "" for f in report.fields}
    return [(by_key[k], headings[k] or by_key[k].name) for k in keys if k in by_key]


def _values(
    pupils: list[Pupil], fields: list[tuple[TrackingField, str]]
) -> dict[Any, dict[Any, str]]:
    out: dict[Any, dict[Any, str]] = {p.pk: {} for p in pupils}
    rows = TrackingValue.objects.filter(
        pupil__in=[p.pk for p in pupils], field__in=[f.pk for f, _ in fields]
    ).values_list("pupil_id", "field_id", "value")
    for pupil_id, field_id, value in rows:
        out[pupil_id][field_id] = value
    return out


def logo_image(school: School) -> Any:
    """The school's logo decoded once, ready to draw, or None: a missing or damaged file
    leaves the logo out and never stops a report."""
    if not school.logo:
        return None
    try:
        with school.logo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    image = safe_image(data)
    return ImageReader(image) if image is not None else None


def _header(school: School, logo: Any) -> list[Any]:
    """Fresh flowables each time (ReportLab flowables are not shared between pages)."""
    items: list[Any] = []
    if isinstance(logo, str):  # a form drawn once per run (see combined_pdf)
        items.append(pdf.FormRef(logo, 24 * mm, 24 * mm))
    elif logo is not None:
        width, height = logo.getSize()
        scale = 24 * mm / max(width, height)
        items.append(pdf.Picture(logo, width * scale, height * scale))
    items.append(pdf.text(school.name, "small"))
    return items


def pupil_story(
    report: Report,
    pupil: Pupil,
    fields: list[tuple[TrackingField, str]],
    values: dict[Any, str],
    running: dict[int, str],
    *,
    profile: list[str] | None = None,
    header: list[Any] | None = None,
    on_draw: Callable[[], None] | None = None,
) -> list[Any]:
    """One pupil's report: header, facts, then a row a field (text fields are comments)."""
    story: list[Any] = [pdf.RunningName(pupil.full_name, running, on_draw)]
    story += header or []
    story.append(pdf.Heading(f"{report.name}: {pupil.full_name}"))
    facts = [[pdf.text("Name", "cell_bold"), pdf.text(pupil.full_name, "cell")]]
    shown = profile if profile is not None else [k for k, _ in PROFILE_ROWS]
    data = {
        "year_group": pupil.year_label,
        "tutor_group": pupil.tutor_group,
        "sets": ", ".join(pupil.sets),
    }
    facts += [
        [pdf.text(label, "cell_bold"), pdf.text(data[key] or "-", "cell")]
        for key, label in PROFILE_ROWS
        if key in shown
    ]
    story.append(pdf.table(facts, widths=[35 * mm, 130 * mm]))
    story.append(Spacer(1, 5 * mm))
    rows: list[list[Any]] = [["Subject", "Measure", "Result"]]
    widths = [35 * mm, 60 * mm, 79 * mm]
    for field, heading in fields:
        value = values.get(field.pk, "")
        rows.append(
            [
                pdf.cell(field.subject or "-", widths[0]),
                pdf.cell(
                    heading
                    if field.kind != "text" or "comment" in heading.lower()
                    else f"{heading} (comment)",
                    widths[1],
                ),
                pdf.cell(value or "-", widths[2]),
            ]
        )
    if len(rows) > 1:
        story.append(pdf.table(rows, widths=widths, header=True, grid=True))
    else:
        story.append(pdf.text("Nothing to show in this report."))
    story.append(Spacer(1, 4 * mm))
    story.append(
        pdf.text(
            f"Compiled on {timezone.localdate():%-d %B %Y} from the school's current records. "
            "Download a copy if you want to keep exactly this version.",
            "small",
        )
    )
    return story


def report_pdf(report: Report, pupil: Pupil, licence_type: Any = None) -> bytes:
    school = report.school
    pupil.school = school
    fields = report_fields(report, licence_type)
    profile = licence_type.access.get("profile", []) if licence_type is not None else None
    running: dict[int, str] = {}
    story = pupil_story(
        report,
        pupil,
        fields,
        _values([pupil], fields)[pupil.pk],
        running,
        profile=profile,
        header=_header(school, logo_image(school)),
    )
    return pdf.render(
        story, title=f"{report.name}: {pupil.full_name}", author=school.name, running=running
    )


CHUNK = 200  # pupils whose tracking values are read at once
COVER_ROWS = 45  # rows of the cover list per table (one page each, no long-table splits)


def write_print_run(
    report: Report,
    pupils: list[Pupil],
    target: Any,
    progress: Callable[[int], None] | None = None,
    stats: dict[str, int] | None = None,
) -> None:
    """A cover list of who is included, then each pupil's report from a fresh page,
    written to `target` (a path or binary file) as it goes.

    Memory stays flat in the run's size: the logo is decoded once and embedded once as a
    form, values are read CHUNK pupils at a time, and only one pupil's story exists at once.
    """
    school = report.school
    fields = report_fields(report)
    writer = pdf.SectionWriter(target, title=f"{report.name}: print run", author=school.name)
    logo = logo_image(school)
    header_logo: Any = None
    if logo is not None:
        writer.add_image_form("logo", logo, 24 * mm, 24 * mm)
        header_logo = "logo"
    cover: list[Any] = [
        pdf.Heading(f"{report.name}: paper copies"),
        pdf.text(f"{school.name}. {len(pupils)} pupils, in tutor group then surname order."),
        Spacer(1, 4 * mm),
    ]
    for start in range(0, len(pupils), COVER_ROWS):
        rows = [["Tutor group", "Pupil", "Pupil ID"]] + [
            [p.tutor_group or "-", pdf.text(f"{p.surname}, {p.first_name}", "cell"), p.pupil_id]
            for p in pupils[start : start + COVER_ROWS]
        ]
        cover.append(pdf.table(rows, widths=[30 * mm, 100 * mm, 44 * mm], header=True, grid=True))
    writer.section(f"{report.name}: print run", cover)
    done = 0
    for start in range(0, len(pupils), CHUNK):
        chunk = pupils[start : start + CHUNK]
        values = _values(chunk, fields)
        for pupil in chunk:
            pupil.school = school
            story = pupil_story(
                report, pupil, fields, values[pupil.pk], {}, header=_header(school, header_logo)
            )
            writer.section(pupil.full_name, story[1:])  # the section names the pages
            done += 1
            if progress is not None:
                progress(done)
    writer.save()
    if stats is not None:
        stats["pages"] = writer.pages


def combined_pdf(
    report: Report,
    pupils: list[Pupil],
    progress: Callable[[int], None] | None = None,
    stats: dict[str, int] | None = None,
) -> bytes:
    """The print run as bytes (small runs and tests; the job writes to a file)."""
    buffer = io.BytesIO()
    write_print_run(report, pupils, buffer, progress, stats)
    return buffer.getvalue()
