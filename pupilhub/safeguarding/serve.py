"""The shapes safeguarding answers take, for the API and pages alike."""

from typing import Any

from pupilhub.documents.registry import SAFEGUARDING
from pupilhub.documents.serve import serialize

from .access import cp_status

# What a list of issues prefetches for `issue_out` (a few queries a page, not a few a row).
ISSUE_RELATED = ("marks", "links", "created_by", "pupil")


def person(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.full_name or user.email} if user else None


def issue_out(issue: Any) -> dict[str, Any]:
    """The whole issue, for leads and the main admin (marks and links prefetched)."""
    return {
        **serialize(SAFEGUARDING, issue),
        "reference": issue.reference,
        "received_at": issue.created_at,
        "raised_by": person(issue.created_by),
        "pupil": {
            "id": issue.pupil.pk,
            "first_name": issue.pupil.first_name,
            "surname": issue.pupil.surname,
        },
        "body_map": [
            {"view": m.view, "x": m.x, "y": m.y, "note": m.note} for m in issue.marks.all()
        ],
        "linked_pupils": [link.pupil_id for link in issue.links.all()],
        "opened_at": issue.opened_at,
    }


def receipt(issue: Any) -> dict[str, Any]:
    """All a raiser who is not a lead ever gets back."""
    return {"id": issue.pk, "reference": issue.reference, "received_at": issue.created_at}


def task_out(task: Any) -> dict[str, Any]:
    return {
        "id": task.pk,
        "issue": task.issue_id,
        "pupil": task.issue.pupil_id,
        "assignee": task.assignee_id,
        "task": task.task,
        "due_on": task.due_on,
        "created_at": task.created_at,
        "done_at": task.done_at,
        "note": task.done_note,
    }


def referral_out(referral: Any) -> dict[str, Any]:
    fields = ("agency", "referred_on", "reference", "response_due_on", "responded_on", "outcome")
    return {
        "id": referral.pk,
        "issue": referral.issue_id,
        **{f: getattr(referral, f) for f in fields},
    }


def cp_out(transfer: Any) -> dict[str, Any]:
    received = None
    if transfer.received_at:
        received = {
            "name": transfer.received_by_name,
            "role": transfer.received_by_role,
            "at": transfer.received_at,
        }
    return {
        "id": transfer.pk,
        "pupil": transfer.pupil_id,
        "to_school_name": transfer.to_school_name,
        "to_urn": transfer.to_urn,
        "status": cp_status(transfer),
        "sent_at": transfer.sent_at,
        "due_by": transfer.due_by,
        "expires_at": transfer.expires_at,
        "opened_at": transfer.opened_at,
        "received": received,
    }
