"""Changing a school's retention policy. Atomic and audited."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from pupilhub.core import audit
from pupilhub.core.errors import Invalid, NotFound
from pupilhub.schools.access import SchoolAccess, parse_id

from .models import LIMITS, LeaverNotice
from .retention import FIELDS, policy_for, values


def _clean(data: dict[str, Any]) -> dict[str, int]:
    """Whole numbers within each field's bounds; a field left out keeps its value."""
    unknown = sorted(set(data) - set(FIELDS))
    errors: dict[str, list[str]] = {k: ["Not a retention setting."] for k in unknown}
    out: dict[str, int] = {}
    for name in FIELDS:
        if name not in data or data[name] is None:
            continue
        raw = data[name]
        _, low, high = LIMITS[name]
        unit = "years" if name.endswith("years") else "days"
        if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
            errors[name] = [f"A whole number of {unit}."]
        elif not low <= int(raw) <= high:
            errors[name] = [f"Between {low} and {high} {unit}."]
        else:
            out[name] = int(raw)
    if errors:
        raise Invalid("Check the retention settings.", fields=errors)
    return out


@transaction.atomic
def do_set_retention(access: SchoolAccess, data: dict[str, Any]) -> dict[str, int]:
    access.require_main_admin("Only the Main School Admin can change the retention policy.")
    wanted = _clean(data)
    policy = policy_for(access.school)
    before = values(policy)
    changed = {k: [before[k], v] for k, v in wanted.items() if before[k] != v}
    if changed or policy._state.adding:
        for name, value in wanted.items():
            setattr(policy, name, value)
        policy.updated_by = access.user
        policy.save()
    if changed:
        audit.record(access.user, "retention.updated", policy, school=access.school, **changed)
    return values(policy)


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
