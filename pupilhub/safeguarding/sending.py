"""Child-protection files sent outside pupilhub: choosing what goes, the receiving lead's
link and code, and the PDF they download."""

from typing import Any

from django.utils import timezone

from pupilhub.core import audit, throttle
from pupilhub.core.errors import Conflict, Invalid
from pupilhub.documents.access import documents
from pupilhub.documents.registry import FILE
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess, well_formed_ids
from pupilhub.schools.models import StaffMembership
from pupilhub.transition.access import partners

from . import access as sg_access
from . import actions, chronology, printing
from .links import code_matches, token_hash
from .models import ChildProtectionTransfer
from .validation import categories

CODE_TRIES = 5  # wrong codes an hour for one link
CODE_TRIES_PER_CLIENT = 20


def send(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> ChildProtectionTransfer:
    """Check what goes (the pupil's own files only), then send."""
    sg_access.require_lead(access)
    wanted = [str(f) for f in data.get("files") or []]
    ids = well_formed_ids(wanted)
    found = [
        str(pk)
        for pk in documents(access, FILE)
        .filter(pupil=pupil, pk__in=ids)
        .values_list("pk", flat=True)
    ]
    if len(found) != len(set(wanted)):
        raise Invalid(
            "Choose files of this pupil.", fields={"files": ["Choose files of this pupil."]}
        )
    if data.get("to_urn") and partners(access.school).filter(urn=data["to_urn"]).exists():
        raise Conflict(
            "That school shares a cluster with yours: request the transfer in the transition "
            "tool, which copies the records into their pupilhub.",
            code="in_cluster",
        )
    count = len(sg_access.pupil_issues(access, pupil))
    return actions.do_send_cp_file(access, pupil, data, count, found)


def by_token(raw: str) -> ChildProtectionTransfer | None:
    """A live link: not yet used (receipt confirmed) and not expired."""
    if not raw or len(raw) > 100:
        return None
    return (
        ChildProtectionTransfer.objects.filter(
            token_hash=token_hash(raw), expires_at__gt=timezone.now(), received_at__isnull=True
        )
        .select_related("school", "pupil")
        .first()
    )


def check_code(transfer: ChildProtectionTransfer, code: str, client: str) -> bool:
    """Counted before it is checked (parallel guesses cannot pass the limit); a right code
    is not counted. Raises RateLimited past the limit."""
    limits = (
        throttle.Limit("cp_code", str(transfer.pk), CODE_TRIES, 3600),
        throttle.Limit("cp_code_client", client, CODE_TRIES_PER_CLIENT, 3600),
    )
    stamp = throttle.reserve(*limits)
    if not code_matches(transfer, code):
        return False
    throttle.refund(stamp, *limits)
    actions.do_open_cp_file(transfer)
    return True


def as_sender(transfer: ChildProtectionTransfer) -> SchoolAccess:
    """The sending school's safeguarding view, for building the file the receiver takes."""
    lead = StaffMembership(school=transfer.school, role="staff", safeguarding_lead=True)
    return SchoolAccess(user=None, school=transfer.school, membership=lead)


def file_pdf(transfer: ChildProtectionTransfer) -> bytes:
    access = as_sender(transfer)
    issues, entries = chronology.chronology(access, transfer.pupil)
    audit.record(None, "safeguarding_cp_file.downloaded", transfer, school=transfer.school)
    names = dict(categories(transfer.school))
    return printing.chronology_pdf(transfer.school, transfer.pupil, issues, entries, names)


def attachment(transfer: ChildProtectionTransfer, file_id: str) -> Any:
    """One of the files the lead chose to send, or None."""
    if file_id not in transfer.files:
        return None
    found = documents(as_sender(transfer), FILE).filter(pk__in=well_formed_ids([file_id])).first()
    if found is not None:
        audit.record(None, "safeguarding_cp_file.file_downloaded", transfer, school=transfer.school)
    return found


def sent_files(transfer: ChildProtectionTransfer) -> list[Any]:
    ids = well_formed_ids(transfer.files)
    return list(documents(as_sender(transfer), FILE).filter(pk__in=ids))
