"""Changing a school's retention policy. Atomic and audited."""

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pupilhub.core import audit
from pupilhub.core.errors import Invalid, NotFound
from pupilhub.schools.access import SchoolAccess, parse_id
from pupilhub.schools.actions import tell_leads

from .models import LIMITS, LeaverNotice, RetentionPolicy
from .retention import FIELDS, SHORTENING_DAYS, described, policy_for, values

LABELS = {
    "deleted_documents_days": _("Deleted records kept (days)"),
    "print_runs_days": _("Print runs kept (days)"),
    "sent_mail_days": _("Addresses of sent mail kept (days)"),
    "leavers_years": _("Leavers kept (years from date of birth)"),
}


LEAVER_FLOOR = _(
    "At least 6 years from the date of birth: the IRMS toolkit's shortest period for a "
    "leaver's records (25 is advised for SEN and child-protection files)."
)


def _clean(data: dict[str, Any]) -> dict[str, int]:
    """Whole numbers within each field's bounds; a field left out keeps its value."""
    unknown = sorted(set(data) - set(FIELDS))
    errors: dict[str, list[str]] = {k: ["Not a retention setting."] for k in unknown}
    out: dict[str, int] = {}
    for name in FIELDS:
        if name not in data or data[name] is None:
            continue
        raw = data[name]
        _default, low, high = LIMITS[name]
        unit = "years" if name.endswith("years") else "days"
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
            errors[name] = [f"A whole number of {unit}."]
        elif name == "leavers_years" and int(raw) < low:
            errors[name] = [str(LEAVER_FLOOR)]
        elif not low <= int(raw) <= high:
            errors[name] = [f"Between {low} and {high} {unit}."]
        else:
            out[name] = int(raw)
    if errors:
        raise Invalid("Check the retention settings.", fields=errors)
    return out


@transaction.atomic
def do_set_retention(access: SchoolAccess, data: dict[str, Any]) -> dict[str, Any]:
    """A longer setting applies at once; a shorter one waits 30 days, and every lead and
    the head are told at once (so nobody can destroy records overnight alone)."""
    access.require_main_admin("Only the Main School Admin can change the retention policy.")
    wanted = _clean(data)
    policy = policy_for(access.school)
    before = values(policy)
    longer = {k: v for k, v in wanted.items() if v >= before[k]}
    shorter = {k: v for k, v in wanted.items() if v < before[k]}
    waiting = {k: v for k, v in policy.pending.items() if k not in wanted}
    changed = {k: [before[k], v] for k, v in longer.items() if before[k] != v}
    newly_short = {k: v for k, v in shorter.items() if policy.pending.get(k) != v}
    for name, value in longer.items():
        setattr(policy, name, value)
    if newly_short:
        policy.pending_on = timezone.localdate() + timedelta(days=SHORTENING_DAYS)
    policy.pending = {**waiting, **shorter}
    if not policy.pending:
        policy.pending_on = None
    policy.updated_by = access.user
    policy.save()
    if changed:
        audit.record(access.user, "retention.updated", policy, school=access.school, **changed)
    if newly_short:
        steps = {k: [before[k], v] for k, v in newly_short.items()}
        audit.record(
            access.user, "retention.shortening_scheduled", policy, school=access.school, **steps
        )
        context = {
            "school": access.school.name,
            "by": access.user.full_name or str(_("The Main School Admin")),
            "changes": [[str(LABELS[k]), before[k], v] for k, v in sorted(newly_short.items())],
            "effective_on": policy.pending_on.isoformat() if policy.pending_on else "",
        }
        tell_leads(access.school, "retention_shortened", context)
    return described(policy)


@transaction.atomic
def apply_due_shortening(policy: RetentionPolicy, today: date) -> bool:
    """The nightly job: a shortened setting whose 30 days are over takes effect."""
    if not policy.pending or policy.pending_on is None or policy.pending_on > today:
        return False
    steps = {k: [getattr(policy, k), v] for k, v in policy.pending.items() if k in FIELDS}
    for name, value in policy.pending.items():
        if name in FIELDS:
            setattr(policy, name, value)
    policy.pending, policy.pending_on = {}, None
    policy.save()
    audit.record(None, "retention.shortening_applied", policy, school=policy.school, **steps)
    return True


@transaction.atomic
def do_keep_leaver(access: SchoolAccess, notice_id: Any) -> LeaverNotice:
    """Keep one leaver's records a year longer (a claim or an investigation in progress):
    the purge date moves on a year, shown on the retention page."""
    access.require_main_admin("Only the Main School Admin can keep a leaver's records longer.")
    notice = LeaverNotice.objects.visible_to(access).filter(pk=parse_id(notice_id)).first()
    if notice is None:
        raise NotFound()
    notice.purge_on = max(notice.purge_on, timezone.localdate()) + timedelta(days=365)
    notice.save(update_fields=["purge_on"])
    audit.record(access.user, "retention.leaver_kept", notice.pupil, school=access.school)
    return notice
