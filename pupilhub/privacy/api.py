"""Data protection: retention, a pupil's access log, the subject-access export."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import ConfigDict

from pupilhub.api.base import In, binary, errors, page
from pupilhub.pupils.access import pupil_for
from pupilhub.schools import audit_log
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import MAIN_ADMIN, school_api

from . import actions, retention, subject_access
from .access import access_log

router = Router(tags=["data protection"])


class RetentionPending(Schema):
    values: dict[str, int]  # the shortened settings, each waiting to take effect
    effective_on: date


class RetentionOut(Schema):
    deleted_documents_days: int
    print_runs_days: int
    sent_mail_days: int
    leavers_years: int
    # A shorter setting takes effect 30 days after it is saved (leads and the head are told).
    pending: RetentionPending | None = None


class RetentionIn(In):
    """Any of the four; one left out keeps its value. Whole numbers of days (1 to 3650)
    or, for leavers, years from the date of birth (1 to 100)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt setting is a 400, never ignored
    deleted_documents_days: Any = None
    print_runs_days: Any = None
    sent_mail_days: Any = None
    leavers_years: Any = None


class AccessLogEntry(Schema):
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str


class AccessLogList(Schema):
    items: list[AccessLogEntry]
    next: str | None


@router.get("/schools/{school}/retention", response={200: RetentionOut, **errors(403, 404)})
@school_api()
def get_retention(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    """The head; safeguarding leads may read it too (to see a pending shortening)."""
    return retention.policy(access)


@router.put("/schools/{school}/retention", response={200: RetentionOut, **errors(400, 403, 404)})
@school_api(MAIN_ADMIN)
def set_retention(request: HttpRequest, access: SchoolAccess, payload: RetentionIn) -> Any:
    return actions.do_set_retention(access, payload.dict(exclude_unset=True))


@router.get(
    "/schools/{school}/pupils/{pupil}/access-log",
    response={200: AccessLogList, **errors(403, 404)},
)
@school_api()
def pupil_access_log(request: HttpRequest, access: SchoolAccess, pupil: str) -> dict[str, Any]:
    """Who read or changed this pupil's records, and when, newest first. The Main School
    Admin and safeguarding leads; external users appear only as external:<id>."""
    found = access_log(access, pupil_for(access, pupil))
    return page(request, found, audit_log.row, keyset=audit_log.ORDER)


@router.get(
    "/schools/{school}/pupils/{pupil}/subject-access",
    response={200: None, **errors(403, 404)},
    openapi_extra=binary("application/zip"),
)
@school_api()
def subject_access_export(request: HttpRequest, access: SchoolAccess, pupil: str) -> Any:
    """One zip: `pupil.json`, every attached file under `files/`, and `summary.pdf`.
    The Main School Admin only; the export is audited."""
    target = pupil_for(access, pupil)
    return subject_access.response(subject_access.export(access, target), target)
