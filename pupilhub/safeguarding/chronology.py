"""A pupil's safeguarding chronology and the governors' summary, for page, JSON, CSV and PDF.

The chronology is every issue about the pupil (raised about them, or with them linked),
each action, task and referral, records transferred in or out, and child-protection files
sent, in date order. The summary counts only: it names nobody.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.core import audit
from pupilhub.documents.choices import category_name
from pupilhub.documents.registry import SAFEGUARDING
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess

from . import access as sg_access
from .choices import Agency
from .models import Referral
from .validation import categories


@dataclass
class Entry:
    on: date
    at: datetime | None
    kind: str  # issue, action, task, task_done, referral, response, transfer, cp_file
    text: str
    reference: str = ""
    issue_id: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.on,
            "at": self.at,
            "kind": self.kind,
            "text": self.text,
            "reference": self.reference,
            "issue": self.issue_id or None,
        }


def _person(user: Any) -> str:
    return user.full_name if user else _("a member of staff")


def _issue_entries(issue: Any, names: dict[str, str]) -> list[Entry]:
    ref, iid = issue.reference, str(issue.pk)
    about = (
        ""
        if not issue.links.all()
        else _(" (also about: %(names)s)")
        % {"names": ", ".join(link.pupil.full_name for link in issue.links.all())}
    )
    category = names.get(issue.category) or category_name(issue.category)
    origin = ""
    if issue.transferred_from_school_id:
        origin = _(" Transferred from %(school)s.") % {"school": issue.transferred_from_school.name}
    out = [
        Entry(
            issue.date,
            issue.created_at,
            "issue",
            _("%(category)s concern about %(pupil)s raised by %(by)s%(about)s: %(text)s")
            % {
                "category": category,
                "pupil": issue.pupil.full_name,
                "by": _person(issue.created_by),
                "about": about,
                "text": issue.description,
            }
            + origin,
            ref,
            iid,
        )
    ]
    for entry in issue.log.all():
        local = timezone.localtime(entry.at)
        by = entry.author
        out.append(Entry(local.date(), entry.at, "action", f"{by}: {entry.text}", ref, iid))
    for task in issue.tasks.all():
        who = task.assignee.user.full_name or task.assignee.user.email
        out.append(
            Entry(
                timezone.localtime(task.created_at).date(),
                task.created_at,
                "task",
                _("Task for %(who)s, due %(due)s: %(task)s")
                % {"who": who, "due": f"{task.due_on:%-d %b %Y}", "task": task.task},
                ref,
                iid,
            )
        )
        if task.done_at:
            out.append(
                Entry(
                    timezone.localtime(task.done_at).date(),
                    task.done_at,
                    "task_done",
                    _("Task done by %(who)s: %(note)s") % {"who": who, "note": task.done_note},
                    ref,
                    iid,
                )
            )
    for referral in issue.referrals.all():
        agency = referral.get_agency_display()
        out.append(
            Entry(
                referral.referred_on,
                None,
                "referral",
                _("Referred to %(agency)s%(ref)s")
                % {
                    "agency": agency,
                    "ref": f" ({referral.reference})" if referral.reference else "",
                },
                ref,
                iid,
            )
        )
        if referral.responded_on:
            out.append(
                Entry(
                    referral.responded_on,
                    None,
                    "response",
                    _("%(agency)s responded: %(outcome)s")
                    % {"agency": agency, "outcome": referral.outcome},
                    ref,
                    iid,
                )
            )
    return out


def _transfer_entries(access: SchoolAccess, pupil: Pupil) -> list[Entry]:
    from pupilhub.transition.models import TransferItem

    items = (
        TransferItem.objects.filter(status="transferred", request__includes_safeguarding=True)
        .filter(
            Q(pupil=pupil, request__to_school=access.school)
            | Q(partner_pupil=pupil, request__from_school=access.school)
        )
        .select_related("request__from_school", "request__to_school")
    )
    out = []
    for item in items:
        req = item.request
        when = req.decided_at or req.created_at
        incoming = req.to_school_id == access.school.pk
        text = (
            _("Records received from %(school)s") % {"school": req.from_school.name}
            if incoming
            else _("Records sent to %(school)s") % {"school": req.to_school.name}
        )
        out.append(Entry(timezone.localtime(when).date(), when, "transfer", text))
    for cp in sg_access.cp_transfers(access, pupil):
        text = _("Child-protection file sent to %(school)s") % {"school": cp.to_school_name}
        out.append(Entry(timezone.localtime(cp.sent_at).date(), cp.sent_at, "cp_file", text))
        if cp.received_at:
            text = _("Receipt confirmed by %(name)s (%(role)s), %(school)s") % {
                "name": cp.received_by_name,
                "role": cp.received_by_role,
                "school": cp.to_school_name,
            }
            out.append(
                Entry(timezone.localtime(cp.received_at).date(), cp.received_at, "cp_file", text)
            )
    return out


def chronology(access: SchoolAccess, pupil: Pupil) -> tuple[list[Any], list[Entry]]:
    """The pupil's issues and the dated entries, oldest first. Audited as one read."""
    found = sg_access.pupil_issues(access, pupil)
    names = dict(categories(access.school))
    entries = [e for issue in found for e in _issue_entries(issue, names)]
    entries += _transfer_entries(access, pupil)
    entries.sort(key=lambda e: (e.on, e.at or datetime.min.replace(tzinfo=UTC)))
    audit.record(
        access.user,
        "safeguarding_chronology.read",
        pupil,
        school=access.school,
        pupil=str(pupil.pk),
    )
    return found, entries


def summary(access: SchoolAccess, start: date | None, end: date | None) -> dict[str, Any]:
    """Counts for governors: by category, by month, referrals by agency, new/open/closed,
    overdue tasks. Names nobody."""
    sg_access.require_lead(access)
    from pupilhub.documents.access import documents

    qs = documents(access, SAFEGUARDING)
    referrals = Referral.objects.visible_to(access).filter(issue__deleted_at__isnull=True)
    if start:
        qs, referrals = qs.filter(date__gte=start), referrals.filter(referred_on__gte=start)
    if end:
        qs, referrals = qs.filter(date__lte=end), referrals.filter(referred_on__lte=end)
    rows = list(qs.values_list("category", "date", "status"))
    names = dict(categories(access.school))
    by_category = Counter(names.get(c) or category_name(c) for c, _d, _s in rows)
    by_month = Counter(f"{d:%Y-%m}" for _c, d, _s in rows)
    by_status = Counter(s for _c, _d, s in rows)
    agencies = dict(Agency.choices)
    by_agency = Counter(str(agencies.get(a, a)) for a in referrals.values_list("agency", flat=True))
    return {
        "from": start,
        "to": end,
        "total": len(rows),
        "by_category": dict(sorted(by_category.items())),
        "by_month": dict(sorted(by_month.items())),
        "referrals_by_agency": dict(sorted(by_agency.items())),
        "open": by_status.get("open", 0) + by_status.get("new", 0),
        "closed": by_status.get("closed", 0),
        "new": by_status.get("new", 0),
        "overdue_tasks": sg_access.overdue_tasks(access).count(),
    }


def summary_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The summary as CSV rows: measure, item, count."""
    rows: list[list[Any]] = [["measure", "item", "count"]]
    rows.append(["concerns", "total", data["total"]])
    for key in ("new", "open", "closed", "overdue_tasks"):
        rows.append(["status", key, data[key]])
    for section, label in (
        ("by_category", "category"),
        ("by_month", "month"),
        ("referrals_by_agency", "referrals by agency"),
    ):
        rows += [[label, item, count] for item, count in data[section].items()]
    return rows
