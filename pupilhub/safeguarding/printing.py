"""The child-protection PDF: the chronology, then every issue in full, body maps drawn."""

from typing import Any

from django.utils.translation import gettext as _

from pupilhub.core import pdf
from pupilhub.documents.choices import category_name
from pupilhub.pupils.models import Pupil

from . import bodymap
from .chronology import Entry


def _facts(rows: list[tuple[str, str]]) -> Any:
    return pdf.table(
        [[pdf.text(k, "cell_bold"), pdf.text(v, "cell")] for k, v in rows], widths=[110, 360]
    )


def _issue(issue: Any, names: dict[str, str]) -> list[Any]:
    category = names.get(issue.category) or category_name(issue.category)
    story: list[Any] = [pdf.Heading(f"{issue.reference or _('Concern')}: {category}", level=1)]
    raised_by = issue.created_by.full_name if issue.created_by else _("unknown")
    story.append(
        _facts(
            [
                (_("Date"), f"{issue.date:%-d %B %Y}"),
                (_("About"), issue.pupil.full_name),
                (_("Raised by"), raised_by),
                (_("Status"), str(issue.get_status_display())),
                *(
                    [(_("Also about"), ", ".join(x.pupil.full_name for x in issue.links.all()))]
                    if issue.links.all()
                    else []
                ),
            ]
        )
    )
    story += [pdf.text(_("What was seen or heard"), "cell_bold"), pdf.text(issue.description)]
    log = list(issue.log.all())
    if log:
        story.append(pdf.text(_("Actions"), "cell_bold"))
        for entry in log:
            by = entry.author
            story.append(pdf.text(f"{entry.at:%-d %b %Y %H:%M}, {by}: {entry.text}", "small"))
    marks = list(issue.marks.all())
    if marks:
        story += [pdf.text(_("Body map"), "cell_bold"), bodymap.drawing(marks)]
        story += [
            pdf.text(f"{m['n']}. {m['view']}: {m['note']}", "small")
            for m in bodymap.numbered(marks)
        ]
    for task in issue.tasks.all():
        state = _("done") if task.done_at else _("due %(d)s") % {"d": f"{task.due_on:%-d %b %Y}"}
        story.append(pdf.text(_("Task (%(s)s): %(t)s") % {"s": state, "t": task.task}, "small"))
    for ref in issue.referrals.all():
        line = _("Referral to %(a)s on %(d)s") % {
            "a": ref.get_agency_display(),
            "d": f"{ref.referred_on:%-d %b %Y}",
        }
        if ref.responded_on:
            line += _("; response %(d)s: %(o)s") % {
                "d": f"{ref.responded_on:%-d %b %Y}",
                "o": ref.outcome,
            }
        story.append(pdf.text(line, "small"))
    return story


def chronology_pdf(
    school: Any, pupil: Pupil, issues: list[Any], entries: list[Entry], names: dict[str, str]
) -> bytes:
    story: list[Any] = [
        pdf.Heading(_("Safeguarding chronology: %(name)s") % {"name": pupil.full_name}),
        _facts(
            [
                (_("Date of birth"), f"{pupil.date_of_birth:%-d %B %Y}"),
                (_("Pupil ID"), pupil.pupil_id),
                (_("School"), school.name),
            ]
        ),
        pdf.Heading(_("Chronology"), level=1),
    ]
    rows = [[pdf.text(_("Date"), "cell_bold"), pdf.text(_("What happened"), "cell_bold")]]
    rows += [[pdf.text(f"{e.on:%-d %b %Y}", "cell"), pdf.text(e.text, "cell")] for e in entries]
    story.append(pdf.table(rows, widths=[80, 390], header=True, grid=True))
    for issue in issues:
        story += _issue(issue, names)
    story.append(
        pdf.text(
            _("Child-protection record. Confidential: keep it with the child's file."), "small"
        )
    )
    return pdf.render(
        story,
        title=_("Safeguarding chronology: %(name)s") % {"name": pupil.full_name},
        author=school.name,
        running_name=pupil.full_name,
    )
