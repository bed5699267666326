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
from reportlab.platypus import Image, PageBreak, Spacer

from pupilhub.core import pdf
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


def logo_bytes(school: School) -> bytes | None:
    if not school.logo:
        return None
    try:
        with school.logo.open("rb") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None  # a missing logo file must not stop a report


def _header(school: School, logo: bytes | None) -> list[Any]:
    """Fresh flowables each time (ReportLab flowables are not shared between pages)."""
    items: list[Any] = []
    if logo:
        items.append(
            Image(
                io.BytesIO(logo), width=24 * mm, height=24 * mm, kind="proportional", hAlign="LEFT"
            )
        )
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
    for field, heading in fields:
        value = values.get(field.pk, "")
        rows.append(
            [
                pdf.text(field.subject or "-", "cell"),
                pdf.text(
                    heading
                    if field.kind != "text" or "comment" in heading.lower()
                    else f"{heading} (comment)",
                    "cell",
                ),
                pdf.text(value or "-", "cell"),
            ]
        )
    if len(rows) > 1:
        story.append(pdf.table(rows, widths=[35 * mm, 60 * mm, 79 * mm], header=True, grid=True))
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
        header=_header(school, logo_bytes(school)),
    )
    return pdf.render(
        story, title=f"{report.name}: {pupil.full_name}", author=school.name, running=running
    )


def combined_pdf(
    report: Report,
    pupils: list[Pupil],
    progress: Callable[[int], None] | None = None,
    stats: dict[str, int] | None = None,
) -> bytes:
    """A cover list of who is included, then each pupil's report from a fresh page."""
    school = report.school
    fields = report_fields(report)
    values = _values(pupils, fields)
    running: dict[int, str] = {}
    done = [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0])

    cover = [["Tutor group", "Pupil", "Pupil ID"]] + [
        [p.tutor_group or "-", pdf.text(f"{p.surname}, {p.first_name}", "cell"), p.pupil_id]
        for p in pupils
    ]
    story: list[Any] = [
        pdf.RunningName(f"{report.name}: print run", running),
        pdf.Heading(f"{report.name}: paper copies"),
        pdf.text(f"{school.name}. {len(pupils)} pupils, in tutor group then surname order."),
        Spacer(1, 4 * mm),
        pdf.table(cover, widths=[30 * mm, 100 * mm, 44 * mm], header=True, grid=True),
    ]
    logo = logo_bytes(school)
    for pupil in pupils:
        pupil.school = school
        story.append(PageBreak())
        story += pupil_story(
            report,
            pupil,
            fields,
            values[pupil.pk],
            running,
            header=_header(school, logo),
            on_draw=tick,
        )
    return pdf.render(
        story, title=f"{report.name}: print run", author=school.name, running=running, stats=stats
    )
