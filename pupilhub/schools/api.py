"""Platform endpoints: schools and their staff."""

import uuid
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from pupilhub.api.base import In, OkOut, YearCode, binary, errors, page
from pupilhub.core.errors import NotFound
from pupilhub.schools.access import (
    SchoolAccess,
    api_key_for,
    api_keys,
    handovers_of,
    memberships_of,
    parse_id,
    require_operator,
)
from pupilhub.schools.boundary import ADMINS, MAIN_ADMIN, school_api

from . import actions, audit_log, exports
from .models import ApiKey, HeadHandover, School, StaffMembership

router = Router(tags=["platform"])


class SchoolIn(In):
    name: str
    postcode: str
    year_scheme: str = "england"
    year_from: YearCode | None = None
    year_to: YearCode | None = None
    urn: str = ""  # 6 digits
    lea: str = ""  # local authority, 3 digits
    estab: str = ""  # establishment, 4 digits


class SchoolOut(Schema):
    id: uuid.UUID
    name: str
    postcode: str
    year_scheme: str
    year_from: int | None
    year_to: int | None
    urn: str
    lea: str
    estab: str


class StaffIn(In):
    email: str
    first_name: str
    surname: str
    role: str = "staff"
    safeguarding_lead: bool = False
    # Accepted only to be refused with a clear error: staff are always invited.
    password: str | None = None


class StaffPatch(In):
    role: str | None = None
    safeguarding_lead: bool | None = None
    can_email_families: bool | None = None  # mass email; admins always may
    senco: bool | None = None  # runs the SEN cycle and gets its reminders


class StaffOut(Schema):
    id: uuid.UUID
    email: str
    first_name: str
    surname: str
    role: str
    safeguarding_lead: bool
    can_email_families: bool
    senco: bool
    status: str


class StaffList(Schema):
    items: list[StaffOut]
    next: str | None = None


def staff_out(membership: StaffMembership) -> StaffOut:
    user = membership.user
    return StaffOut(
        id=membership.id,
        email=user.email,
        first_name=user.first_name,
        surname=user.surname,
        role=membership.role,
        safeguarding_lead=membership.safeguarding_lead,
        can_email_families=membership.may_email_families,
        senco=membership.senco,
        status=membership.status,
    )


def _member(access: SchoolAccess, membership_id: str) -> StaffMembership:
    found = (
        access.school.memberships.select_related("user", "school")
        .filter(pk=parse_id(membership_id))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


@router.post("/schools", response={201: SchoolOut, **errors(400, 403, 409)})
def create_school(request: HttpRequest, payload: SchoolIn) -> Status[School]:
    """Operators only."""
    require_operator(request.user)
    return Status(201, actions.do_create_school(request.user, payload.dict()))  # type: ignore[arg-type]


@router.get("/schools/{school}", response={200: SchoolOut, **errors(404)})
@school_api(operator_ok=True)
def get_school(request: HttpRequest, access: SchoolAccess) -> School:
    return access.school


@router.post("/schools/{school}/staff", response={201: StaffOut, **errors(400, 403, 404, 409)})
@school_api(ADMINS, operator_ok=True)
def add_staff(request: HttpRequest, access: SchoolAccess, payload: StaffIn) -> Status[StaffOut]:
    """Operator, or main_admin/admin of the school (only operator or main_admin add admins)."""
    membership = actions.do_add_staff(access, payload.dict())
    return Status(201, staff_out(membership))


@router.get("/schools/{school}/staff", response={200: StaffList, **errors(403, 404)})
@school_api(ADMINS, operator_ok=True)
def list_staff(request: HttpRequest, access: SchoolAccess) -> dict:
    """Admins (and operators): everyone invited or active, with their status."""
    members = access.school.memberships.select_related("user").order_by(
        "user__surname", "user__first_name", "id"
    )
    return page(request, members, lambda m: staff_out(m).dict())


@router.patch(
    "/schools/{school}/staff/{membership}", response={200: StaffOut, **errors(400, 403, 404, 409)}
)
@school_api(ADMINS, operator_ok=True)
def change_staff(
    request: HttpRequest, access: SchoolAccess, membership: str, payload: StaffPatch
) -> StaffOut:
    """Role changes for admins; `safeguarding_lead` for the main admin only."""
    member = actions.do_change_role(
        access,
        _member(access, membership),
        payload.role,
        payload.safeguarding_lead,
        payload.can_email_families,
        payload.senco,
    )
    return staff_out(member)


@router.delete(
    "/schools/{school}/staff/{membership}", response={200: OkOut, **errors(403, 404, 409)}
)
@school_api(ADMINS, operator_ok=True)
def remove_staff(request: HttpRequest, access: SchoolAccess, membership: str) -> OkOut:
    """Ends the membership at once (or revokes an invitation not yet accepted)."""
    actions.do_remove_staff(access, _member(access, membership))
    return OkOut()


@router.post(
    "/schools/{school}/staff/{membership}/resend-invitation",
    response={200: StaffOut, **errors(403, 404, 409)},
)
@school_api(ADMINS, operator_ok=True)
def resend_invitation(request: HttpRequest, access: SchoolAccess, membership: str) -> StaffOut:
    member = _member(access, membership)
    actions.do_resend_invitation(access, member)
    return staff_out(member)


@router.delete(
    "/schools/{school}/staff/{membership}/mfa", response={200: OkOut, **errors(403, 404)}
)
@school_api(ADMINS)
def reset_mfa(request: HttpRequest, access: SchoolAccess, membership: str) -> OkOut:
    """The main admin clears a staff member's second factor (audited; they are emailed)."""
    actions.do_reset_mfa(access, _member(access, membership))
    return OkOut()


class HandoverIn(In):
    to: str  # the successor's staff id (from GET .../staff)


class HandoverOut(Schema):
    id: uuid.UUID
    status: str  # proposed, done, cancelled
    to: uuid.UUID
    to_name: str
    proposed_at: datetime
    decided_at: datetime | None


class HandoverList(Schema):
    items: list[HandoverOut]
    next: str | None


def handover_out(handover: HeadHandover) -> HandoverOut:
    user = handover.to.user
    return HandoverOut(
        id=handover.id,
        status=handover.status,
        to=handover.to_id,
        to_name=user.full_name or user.email,
        proposed_at=handover.proposed_at,
        decided_at=handover.decided_at,
    )


def _handover(access: SchoolAccess, handover_id: str) -> HeadHandover:
    found = handovers_of(access.school).filter(pk=parse_id(handover_id)).first()
    if found is None:
        raise NotFound()
    return found


@router.get(
    "/schools/{school}/main-admin-handovers", response={200: HandoverList, **errors(403, 404)}
)
@school_api(MAIN_ADMIN, operator_ok=True)
def list_handovers(request: HttpRequest, access: SchoolAccess) -> dict:
    """The head and operators: hand-overs of the Main School Admin role, newest first."""
    return page(request, handovers_of(access.school), lambda h: handover_out(h).dict())


@router.post(
    "/schools/{school}/main-admin-handovers",
    response={201: HandoverOut, **errors(400, 403, 404, 409)},
)
@school_api(MAIN_ADMIN, operator_ok=True)
def start_handover(
    request: HttpRequest, access: SchoolAccess, payload: HandoverIn
) -> Status[HandoverOut]:
    """The head hands the role on at once (`done`); an operator proposes (`proposed`) and a
    different operator approves. The head and every safeguarding lead are emailed."""
    handover = actions.do_start_handover(access, _member(access, payload.to))
    return Status(201, handover_out(handover))


@router.post(
    "/schools/{school}/main-admin-handovers/{handover}/approve",
    response={200: HandoverOut, **errors(403, 404, 409)},
)
@school_api(MAIN_ADMIN, operator_ok=True)
def approve_handover(request: HttpRequest, access: SchoolAccess, handover: str) -> HandoverOut:
    """A second operator (403 `second_operator_required` for the one who proposed it)."""
    return handover_out(actions.do_approve_handover(access, _handover(access, handover)))


@router.post(
    "/schools/{school}/main-admin-handovers/{handover}/cancel",
    response={200: HandoverOut, **errors(403, 404, 409)},
)
@school_api(MAIN_ADMIN, operator_ok=True)
def cancel_handover(request: HttpRequest, access: SchoolAccess, handover: str) -> HandoverOut:
    return handover_out(actions.do_cancel_handover(access, _handover(access, handover)))


class AuditEventOut(Schema):
    at: datetime
    actor: str  # a staff member's address, "platform operator", "system" or external:<id>
    action: str
    object_type: str
    object_id: str
    pupil: str | None  # the pupil the record belongs to, if any


class AuditEventList(Schema):
    items: list[AuditEventOut]
    next: str | None


class AuditExportOut(Schema):
    id: uuid.UUID
    status: str  # queued, running, done or failed
    total: int
    done: int
    file: str | None  # the download address once done (the requester's, for a day)
    expires_at: datetime


def export_out(request: HttpRequest, job: Any) -> dict[str, Any]:
    path = f"/api/v1/schools/{job.school_id}/audit-exports/{job.pk}/file"
    return {
        "id": job.pk,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "file": request.build_absolute_uri(path) if job.status == "done" else None,
        "expires_at": job.expires_at,
    }


@router.get(
    "/schools/{school}/audit-events",
    response={200: AuditEventList, 202: AuditExportOut, **errors(400, 403, 404)},
    openapi_extra=binary("text/csv"),
)
@school_api(ADMINS)
def audit_events(
    request: HttpRequest,
    access: SchoolAccess,
    pupil: str = "",
    actor: str = "",
    action: str = "",
    since: str = "",
    until: str = "",
    format: str = "json",
) -> Any:
    """Who did what, when: for breach scoping. `pupil` (an id), `actor` (external:<id>, a
    user id or a staff address), `action` (a prefix, e.g. `safeguarding_issue`), `since` and
    `until` (YYYY-MM-DD or ISO 8601), `format=csv` for the whole selection as one file.
    Safeguarding events only for those who may see safeguarding; external users only as
    external:<id>."""
    filters = audit_log.parse(
        {"pupil": pupil, "actor": actor, "action": action, "since": since, "until": until}
        | {"format": format}
    )
    found = audit_log.events(access, filters)
    if filters.format == "csv":
        if exports.too_big_to_stream(found):  # made in the background: poll, then download
            return Status(202, export_out(request, exports.do_start_audit_export(access, filters)))
        return audit_log.csv_response(found)
    return page(request, found, audit_log.row, keyset=audit_log.ORDER)


@router.get(
    "/schools/{school}/audit-exports/{id}",
    response={200: AuditExportOut, **errors(403, 404)},
)
@school_api(ADMINS)
def get_audit_export(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """A background audit CSV's progress (its requester only); `file` once done."""
    return export_out(request, exports.job_for(access, id))


@router.get(
    "/schools/{school}/audit-exports/{id}/file",
    response={200: None, **errors(403, 404)},
    openapi_extra=binary("text/csv"),
)
@school_api(ADMINS)
def audit_export_file(request: HttpRequest, access: SchoolAccess, id: str) -> Any:
    from django.utils import timezone

    job = exports.job_for(access, id)
    if job.status != "done" or not job.file or job.expires_at <= timezone.now():
        raise NotFound()
    return exports.download(access, job)


Scope = Literal[
    "pupils:read",
    "pupils:write",
    "documents:read",
    "documents:write",
    "tracking:write",
    "reports:read",
]


class ApiKeyIn(In):
    name: str = Field(max_length=80)
    scopes: list[Scope] = Field(min_length=1, max_length=6)


class ApiKeyOut(Schema):
    id: uuid.UUID
    name: str
    scopes: list[str]
    prefix: str
    created_at: datetime
    created_by: str | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str


class ApiKeyList(Schema):
    items: list[ApiKeyOut]
    next: str | None = None


def api_key_out(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "scopes": key.scopes,
        "prefix": key.prefix,
        "created_at": key.created_at,
        "created_by": key.created_by.email if key.created_by else None,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


@router.post(
    "/schools/{school}/api-keys", response={201: ApiKeyCreated, **errors(400, 403, 404, 409)}
)
@school_api(MAIN_ADMIN)
def create_api_key(
    request: HttpRequest, access: SchoolAccess, payload: ApiKeyIn
) -> Status[dict[str, Any]]:
    """Main admin: the key (`phk_...`) is in this answer only; keep it somewhere safe."""
    key, raw = actions.do_create_api_key(access, payload.name, list(payload.scopes))
    return Status(201, {**api_key_out(key), "key": raw})


@router.get("/schools/{school}/api-keys", response={200: ApiKeyList, **errors(403, 404)})
@school_api(MAIN_ADMIN)
def list_api_keys(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    """Live and revoked keys, never the keys themselves, with when each was last used."""
    return page(request, api_keys(access), api_key_out)


@router.delete("/schools/{school}/api-keys/{id}", response={200: ApiKeyOut, **errors(403, 404)})
@school_api(MAIN_ADMIN)
def revoke_api_key(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """Revoked at once: its next request is a 401."""
    return api_key_out(actions.do_revoke_api_key(access, api_key_for(access, id)))


class MySchool(Schema):
    id: uuid.UUID
    name: str
    role: str
    safeguarding_lead: bool
    senco: bool


class MeOut(Schema):
    id: uuid.UUID
    email: str
    first_name: str
    surname: str
    kind: Literal["staff", "operator", "external", "api_key"]
    schools: list[MySchool]


@router.get("/me", response={200: MeOut, **errors()}, tags=["me"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller, and the schools they act at (an API key: its own school, role `api_key`)."""
    user: Any = request.user
    held = memberships_of(user)
    kind = (
        "api_key"
        if user.is_api_key
        else "operator"
        if user.is_operator
        else "staff"
        if held
        else "external"
    )
    schools = [
        {
            "id": m.school_id,
            "name": m.school.name,
            "role": "api_key" if user.is_api_key else m.role,
            "safeguarding_lead": m.safeguarding_lead,
            "senco": m.senco,
        }
        for m in held
    ]
    email = "" if user.is_api_key else user.email
    return {
        "id": user.pk,
        "email": email,
        "first_name": user.first_name,
        "surname": user.surname,
        "kind": kind,
        "schools": schools,
    }
