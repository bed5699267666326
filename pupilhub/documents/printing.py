"""Printable documents: the pupil passport as a one-page A4 PDF."""

from pupilhub.core import audit, pdf
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from .models import Passport

SECTIONS = (
    ("about_me", "About me"),
    ("strengths", "My strengths"),
    ("needs", "My needs"),
    ("what_helps", "What helps me"),
    ("what_does_not_help", "What does not help me"),
)


def passport_pdf(access: SchoolAccess, pupil: Pupil, passport: Passport) -> bytes:
    """The passport laid out for the classroom wall or a supply teacher's folder."""
    audit.record(access.user, "passport.printed", passport)
    facts = pdf.table(
        [
            [pdf.text("Year", "cell_bold"), pdf.text(pupil.year_label, "cell")],
            [pdf.text("Tutor group", "cell_bold"), pdf.text(pupil.tutor_group, "cell")],
            [
                pdf.text("Updated", "cell_bold"),
                pdf.text(f"{passport.updated_at:%-d %B %Y}", "cell"),
            ],
        ],
        widths=[90, 200],
    )
    story = [pdf.Heading(f"{pupil.full_name}: {passport.title}"), facts]
    for field, heading in SECTIONS:
        story.append(pdf.Heading(heading, level=1))
        story.append(pdf.text(getattr(passport, field) or "Not written yet."))
    story.append(pdf.text(f"{access.school.name}. Confidential: keep securely.", "small"))
    return pdf.render(
        story,
        title=f"{passport.title}: {pupil.full_name}",
        author=access.school.name,
        running_name=pupil.full_name,
    )
