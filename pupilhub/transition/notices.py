"""Who hears of each hand-off of a transfer, by mail after commit (queued, retried):

- a request arrives: the sending school's admins (when it asks for safeguarding issues,
  only its main admin and safeguarding leads: for anyone else it does not exist);
- it is approved or denied: whoever asked;
- the records land: the receiving school's SENCos and safeguarding leads (its main admin
  when it has neither);
- receipt is confirmed: whoever approved it at the sending school, naming who confirmed.

Notices name schools and counts, never a pupil: the records themselves stay behind the
sign-in."""

from typing import Any

from pupilhub.accounts.tasks import later
from pupilhub.schools.models import StaffMembership

from .models import TransferRequest


def _people(school_id: Any, want: Any) -> list[str]:
    members = StaffMembership.objects.active().filter(school_id=school_id).select_related("user")
    return sorted({m.user.email for m in members if want(m)})


def _context(req: TransferRequest, **extra: Any) -> dict[str, Any]:
    return {
        "request_id": str(req.pk),
        "from_school": req.from_school.name,
        "from_school_id": str(req.from_school_id),
        "to_school": req.to_school.name,
        "to_school_id": str(req.to_school_id),
        "pupils": req.total,
        "safeguarding": req.includes_safeguarding,
        **extra,
    }


def request_arrived(req: TransferRequest) -> None:
    if req.includes_safeguarding:
        to = _people(req.from_school_id, lambda m: m.is_main_admin or m.safeguarding_lead)
    else:
        to = _people(req.from_school_id, lambda m: m.is_admin)
    for address in to:
        later("transfer_requested", address, _context(req))


def request_decided(req: TransferRequest, approved: bool) -> None:
    asker = req.requested_by
    if asker is not None and asker.is_active:
        later("transfer_decided", asker.email, _context(req, approved=approved))


def records_landed(req: TransferRequest) -> None:
    to = _people(req.to_school_id, lambda m: m.senco or m.safeguarding_lead)
    if not to:
        to = _people(req.to_school_id, lambda m: m.is_main_admin)
    for address in to:
        later("transfer_landed", address, _context(req, done=req.done))


def receipt_confirmed(req: TransferRequest) -> None:
    who = req.acknowledged_by
    name = (who.full_name or who.email) if who else "someone"
    to = [req.decided_by.email] if req.decided_by and req.decided_by.is_active else []
    if not to:
        to = _people(req.from_school_id, lambda m: m.is_main_admin)
    for address in to:
        later("transfer_acknowledged", address, _context(req, confirmed_by=name))
