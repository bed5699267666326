"""What safeguarding adds to other apps' pages: the leads' dashboard (new concerns first),
everyone's "raise a concern" and own tasks, the issue page's work, and the checks the
documents app runs on an issue's category and when a lead opens one."""

from typing import Any

from django.utils import timezone

from pupilhub.documents.access import ON_READ
from pupilhub.documents.actions import CHECKS
from pupilhub.documents.copying import ISSUE_COPY_HOOKS
from pupilhub.documents.forms import FIELD_CHOICES
from pupilhub.documents.panels import register_detail
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.dashboard import register, register_first

from . import access as sg_access
from . import actions, bodymap
from . import validation as check
from .choices import BodyView
from .forms import ReferralForm, ResponseForm, TaskForm
from .models import BodyMark


def _check_category(access: SchoolAccess, data: dict[str, Any]) -> None:
    errors: check.Errors = {}
    check.check_category(access.school, data.get("category"), errors)
    check.raise_if(errors)


def _opened(access: SchoolAccess, issue: Any) -> None:
    if issue.opened_at is None and access.can_see_safeguarding:
        actions.do_mark_opened(access, issue)


def _copy_marks(copies: list[Any]) -> None:
    """A transferred issue keeps its body map (linked children stay at the sending school)."""
    by_source = {c.source_document: c for c in copies}
    BodyMark.objects.bulk_create(
        BodyMark(
            school=by_source[m.issue_id].school,
            issue=by_source[m.issue_id],
            view=m.view,
            x=m.x,
            y=m.y,
            note=m.note,
            position=m.position,
        )
        for m in BodyMark.objects.filter(issue_id__in=list(by_source))
    )


ISSUE_COPY_HOOKS.append(_copy_marks)
FIELD_CHOICES[("safeguarding_issue", "category")] = check.categories
CHECKS["safeguarding_issue"] = _check_category
ON_READ["safeguarding_issue"] = _opened


@register_first
def leads_panel(access: SchoolAccess) -> dict[str, Any] | None:
    """New concerns first, until a lead opens them; then what is overdue."""
    if not access.can_see_safeguarding:
        return None
    return {
        "template": "safeguarding/panel_leads.html",
        "new": list(sg_access.new_concerns(access)[:20]),
        "overdue_tasks": list(sg_access.overdue_tasks(access)[:20]),
        "late_referrals": list(sg_access.late_referrals(access)[:20]),
        "overdue_files": [
            t
            for t in sg_access.cp_transfers(access).filter(received_at__isnull=True)[:50]
            if sg_access.cp_status(t) == "overdue"
        ],
    }


@register
def raise_panel(access: SchoolAccess) -> dict[str, Any] | None:
    """Every member of staff: raise a concern, see own tasks and receipts."""
    if access.membership is None:
        return None
    return {
        "template": "safeguarding/panel_staff.html",
        "tasks": list(sg_access.my_tasks(access)),
        "today": timezone.localdate(),
    }


@register_detail("safeguarding_issue")
def issue_work(request: Any, access: SchoolAccess, issue: Any) -> dict[str, Any] | None:
    if not access.can_see_safeguarding:
        return None
    staff = sg_access.staff_of(access)
    return {
        "template": "safeguarding/issue_work.html",
        "marks": bodymap.numbered(list(issue.marks.all())),
        "points": bodymap.SVG_POINTS,
        "views": BodyView.choices,
        "links": list(issue.links.select_related("pupil")),
        "tasks": list(issue.tasks.select_related("assignee__user", "done_by")),
        "referrals": list(issue.referrals.all()),
        "task_form": TaskForm(staff=list(staff), prefix="task"),
        "referral_form": ReferralForm(prefix="referral"),
        "response_form": ResponseForm(prefix="response"),
        "today": timezone.localdate(),
    }
