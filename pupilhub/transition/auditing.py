"""A transfer's audit events: one row per school, so each side's admins see it."""

from typing import Any

from pupilhub.core import audit

from .models import TransferRequest


def audit_both(actor: Any, action: str, req: TransferRequest, **detail: Any) -> None:
    """One row per school: each side's admins see the event in their own audit log."""
    for school in (req.to_school, req.from_school):
        audit.record(actor, action, req, school=school, **detail)
