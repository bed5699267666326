"""Demo reports at Northgate: an ended "Y8 Progress" parents can read, an active one
being written, and a simple generated logo."""

import io

from django.core.files.base import ContentFile

from pupilhub.demo.builder import NOTES, Demo, step
from pupilhub.gateway.models import LicenceType, TrackingField, TrackingValue
from pupilhub.schools.access import staff_access

from . import actions


def _logo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 240), "#123664")
    draw = ImageDraw.Draw(image)
    draw.rectangle((30, 30, 210, 210), outline="#ffbf47", width=12)
    draw.text((92, 95), "N", fill="#ffffff", font_size=72)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@step
def reports(demo: Demo) -> None:
    school = demo.schools["northgate"]
    head = staff_access(demo.staff["northgate.head"], school.id)
    school.logo.save("northgate-logo.png", ContentFile(_logo()), save=True)
    comments = []
    for subject in ("English", "Maths", "Science"):
        field = TrackingField.objects.create(
            school=school,
            key=f"y8-autumn-{subject.lower()}-comment",
            name=f"Y8 Autumn {subject} comment",
            subject=subject,
            year_group=8,
            period="Y8 Autumn",
            kind="text",
            position=99,
        )
        comments.append(field)
    pupils = [p for p in demo.pupils["northgate"] if p.year_group == 8]
    TrackingValue.objects.bulk_create(
        [
            TrackingValue(
                school=school,
                pupil=p,
                field=f,
                value=demo.rng.choice(
                    [
                        "Works hard and asks good questions.",
                        "Making steady progress; keep reading at home.",
                        "Excellent effort this term.",
                        "Needs to complete homework on time.",
                    ]
                ),
            )
            for p in pupils
            for f in comments
        ]
    )
    parent = LicenceType.objects.get(school=school, kind="parent")
    parent.access = {
        **parent.access,
        "tracking": [*parent.access.get("tracking", []), *(f.key for f in comments)],
    }
    parent.save()
    fields = []
    for subject in ("English", "Maths", "Science"):
        fields += [
            {"key": f"y7-summer-{subject.lower()}", "heading": "End of Year 7"},
            {"key": f"y8-autumn-{subject.lower()}", "heading": "Y8 Autumn"},
            {"key": f"y8-autumn-{subject.lower()}-comment", "heading": "Teacher's comment"},
        ]
    progress = actions.do_create_report(
        head,
        {
            "name": "Y8 Progress",
            "year_groups": [8],
            "fields": fields,
            "licence_types": [str(parent.id)],
        },
    )
    actions.do_set_status(head, progress, "ended")
    actions.do_create_report(
        head,
        {
            "name": "Y8 Spring (being written)",
            "year_groups": [8],
            "fields": fields[:2],
            "licence_types": [str(parent.id)],
        },
    )


@step
def last_years_report(demo: Demo) -> None:
    """Oakfield rolled over in July: each pupil's year group for the year that ended is
    kept, and its "End of year" report, written in June, stays with the families of the
    pupils who were in that year (parent@example.com sees it under "Last year's reports")."""
    from datetime import timedelta

    from pupilhub.pupils.models import Pupil, PupilYear, YearEnd
    from pupilhub.pupils.years import previous

    school = demo.schools["oakfield"]
    rolled = YearEnd.objects.filter(school=school).order_by("-at").first()
    if rolled is None:
        return
    ended = previous(rolled.academic_year)
    pupils = Pupil.objects.filter(school=school, status="active")
    PupilYear.objects.bulk_create(
        [
            PupilYear(
                school=school,
                pupil=p,
                academic_year=ended,
                year_group=p.year_group - 1,
                until=rolled.at,
            )
            for p in pupils
            if p.year_group > 0
        ]
    )
    head = staff_access(demo.staff["oakfield.head"], school.id)
    parent = LicenceType.objects.get(school=school, kind="parent")
    parent.access = {**parent.access, "reports": ["available"]}
    parent.save()
    years = sorted({p.year_group - 1 for p in pupils if p.year_group > 0})
    field = TrackingField.objects.create(
        school=school,
        key="end-of-year-reading",
        name="End of year reading",
        subject="English",
        period="Summer",
        kind="text",
    )
    report = actions.do_create_report(
        head,
        {
            "name": "End of year report",
            "year_groups": years,
            "fields": [{"key": field.key, "heading": "Reading"}],
            "licence_types": [str(parent.id)],
        },
    )
    actions.do_set_status(head, report, "ended")
    june = rolled.at - timedelta(days=30)
    type(report).objects.filter(pk=report.pk).update(created_at=june, academic_year=ended)
    TrackingValue.objects.bulk_create(
        [
            TrackingValue(school=school, pupil=p, field=field, value="Reads widely and often.")
            for p in pupils
        ]
    )
    NOTES.append(
        "Reports: parent@example.com sees Oakfield's End of year report under Last year's "
        "reports (Oakfield rolled over in July)."
    )
