"""External gateway endpoints: the school side and the external users' side."""

import json
import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from pupilhub.accounts import actions as account_actions
from pupilhub.accounts.access import signed_in
from pupilhub.accounts.api import SchoolRef
from pupilhub.api.base import In, Open, YearCode, binary, errors, page
from pupilhub.core.downloads import attach
from pupilhub.core.errors import Invalid
from pupilhub.core.replica import replica_reads
from pupilhub.pupils.access import pupil_for
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import ADMINS, OPERATOR, school_api

from . import control, families, key_sheets, licences, school_access, tracking
from .access import link_for, links_for
from .models import LicenceType, TrackingField
from .portlets import catalogue, visible_data

router = Router(tags=["gateway (school side)"])
me_router = Router(tags=["gateway (external users)"])
public_router = Router(tags=["gateway (external users)"], auth=None)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NameIn(In):
    name: str


class AccessIn(In):
    access: dict[str, Any]


class KeysIn(In):
    licence_type: str
    pupils: list[str] = []
    year_group: YearCode | None = None
    tutor_group: str = ""


class RevokeIn(In):
    pupil: str
    licence_type: str


class GatewayIn(In):
    external_login_enabled: bool
    pupil_email_domains: str | None = None


class FieldIn(In):
    name: str
    portlet: str = "tracking"
    year_group: YearCode | None = None
    subject: str = ""
    period: str = ""
    kind: str = "grade"
    key: str = ""


class RegisterIn(In):
    email: str
    password: str
    pupil_id: str
    licence_key: str


class VerifyEmailIn(In):
    token: str


class LinkIn(In):
    school: str | None = None  # left out: the school is found from the licence key
    pupil_id: str
    licence_key: str


class PreferencesIn(In):
    paperless_reports: bool


class PortletField(Schema):
    key: str
    name: str


class PortletOut(Schema):
    key: str
    name: str
    fields: list[PortletField]


class PortletList(Schema):
    items: list[PortletOut]
    next: str | None = None


class LicenceTypeOut(Schema):
    id: uuid.UUID
    name: str
    kind: str
    access: dict[str, Any]


class LicenceTypeList(Schema):
    items: list[LicenceTypeOut]
    next: str | None = None


class RevokedOut(Schema):
    revoked: int


class ExternalLinkRow(Open):
    id: uuid.UUID
    pupil: uuid.UUID
    pupil_name: str
    licence_type: str
    paperless_reports: bool


class ExternalUserRow(Open):
    id: uuid.UUID
    email: str
    name: str
    status: str
    verified: bool
    last_login: datetime | None = None
    links: list[ExternalLinkRow]


class ExternalUserList(Schema):
    items: list[ExternalUserRow]
    next: str | None = None


class UserStatusOut(Schema):
    id: uuid.UUID
    status: str


class GatewaySettingsOut(Schema):
    external_login_enabled: bool
    pupil_email_domains: str


class CoverageRow(Schema):
    year_group: int | None
    label: str
    pupils: int
    with_parent: int
    percent: int


class CoverageList(Schema):
    items: list[CoverageRow]
    next: str | None = None


class TrackingFieldOut(Open):
    key: str
    name: str
    portlet: str
    subject: str
    year_group: int | None = None
    period: str
    kind: str


class TrackingFieldList(Schema):
    items: list[TrackingFieldOut]
    next: str | None = None


class TrackingValuesOut(Open):
    """`{field_key: value}`: the keys are the school's own."""


class RowError(Open):
    row: int | None = None
    message: str


class TrackingImportOut(Schema):
    updated: int
    errors: list[RowError]


class StatusOut(Open):
    status: str


class PupilName(Schema):
    first_name: str
    surname: str


class LinkOut(Schema):
    link: uuid.UUID
    school: SchoolRef
    licence_type: str
    pupil: PupilName
    paperless_reports: bool


class LinkList(Schema):
    items: list[LinkOut]
    next: str | None = None


class PortletsOut(Open):
    """`{portlet: {field: value}}`: only what the link's licence type allows."""


def licence_type_out(lt: LicenceType) -> dict[str, Any]:
    return {"id": str(lt.id), "name": lt.name, "kind": lt.kind, "access": lt.access}


def field_out(f: TrackingField) -> dict[str, Any]:
    return {
        "key": f.key,
        "name": f.name,
        "portlet": f.portlet,
        "subject": f.subject,
        "year_group": f.year_group,
        "period": f.period,
        "kind": f.kind,
    }


# School side ----------------------------------------------------------------------


@router.get("/schools/{school}/portlets", response={200: PortletList, **errors(403, 404)})
@school_api()
def portlets(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    return {"items": catalogue(access.school), "next": None}


@router.get("/schools/{school}/licence-types", response={200: LicenceTypeList, **errors(403, 404)})
@school_api(ADMINS, operator_ok=True)
def licence_types(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    licences.ensure_builtin_types(access.school)
    items = school_access.licence_types(access)
    return {"items": [licence_type_out(lt) for lt in items], "next": None}


@router.post(
    "/schools/{school}/licence-types", response={201: LicenceTypeOut, **errors(400, 403, 404, 409)}
)
@school_api(OPERATOR)
def create_licence_type(
    request: HttpRequest, access: SchoolAccess, payload: NameIn
) -> Status[dict[str, Any]]:
    """Operators: a custom licence type (e.g. Social Worker), seeing nothing until set."""
    return Status(
        201,
        licence_type_out(
            licences.do_create_licence_type(request.user, access.school, payload.name)
        ),
    )


@router.put(
    "/schools/{school}/licence-types/{id}/access",
    response={200: LicenceTypeOut, **errors(400, 403, 404)},
)
@school_api(ADMINS)
def set_access(
    request: HttpRequest, access: SchoolAccess, id: str, payload: AccessIn
) -> dict[str, Any]:
    lt = school_access.licence_type_for(access.school, id)
    return licence_type_out(licences.do_set_access(access, lt, payload.access))


@router.post(
    "/schools/{school}/licence-keys",
    response={201: None, **errors(400, 403, 404, 409)},
    openapi_extra=binary(XLSX, 201),
)
@school_api(ADMINS)
def generate_keys(request: HttpRequest, access: SchoolAccess, payload: KeysIn) -> HttpResponse:
    """A workbook of new keys (the only place they exist in plain text)."""
    lt = school_access.licence_type_for(access.school, payload.licence_type)
    pupils = school_access.select_pupils(
        access.school, payload.pupils, payload.year_group, payload.tutor_group
    )
    issued = licences.do_generate_keys(access, lt, pupils)
    response = HttpResponse(
        key_sheets.workbook(access.school, lt, issued), content_type=XLSX, status=201
    )
    attach(response, key_sheets.file_name(access.school, lt, timezone.localdate()))
    return response


@router.post(
    "/schools/{school}/licence-keys/revoke", response={200: RevokedOut, **errors(400, 403, 404)}
)
@school_api(ADMINS)
def revoke_key(request: HttpRequest, access: SchoolAccess, payload: RevokeIn) -> dict[str, Any]:
    lt = school_access.licence_type_for(access.school, payload.licence_type)
    revoked = licences.do_revoke_key(access, pupil_for(access, payload.pupil), lt)
    return {"revoked": revoked}


@router.get(
    "/schools/{school}/external-users", response={200: ExternalUserList, **errors(403, 404)}
)
@school_api(ADMINS)
def external_users(request: HttpRequest, access: SchoolAccess, q: str = "") -> dict[str, Any]:
    """Main School Admin and admins only: the only staff view showing these addresses.
    Paginated by email; `q` searches address and name."""
    return page(
        request,
        school_access.external_users(access.school, q),
        batch=lambda users: school_access.external_user_rows(access.school, users),
        keyset=("email", "id"),  # addresses are stored lower-cased: the page's order
    )


@router.post(
    "/schools/{school}/external-users/{id}/deny", response={200: UserStatusOut, **errors(403, 404)}
)
@school_api(ADMINS)
def deny_user(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    control.do_deny_user(access, school_access.external_user_for(access.school, id))
    return {"id": id, "status": "denied"}


@router.post(
    "/schools/{school}/external-users/{id}/restore",
    response={200: UserStatusOut, **errors(403, 404)},
)
@school_api(ADMINS)
def restore_user(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    control.do_restore_user(access, school_access.external_user_for(access.school, id))
    return {"id": id, "status": "active"}


@router.delete("/schools/{school}/external-links/{id}", response={204: None, **errors(403, 404)})
@school_api(ADMINS)
def remove_link(request: HttpRequest, access: SchoolAccess, id: str) -> Status[None]:
    """Remove one pupil link from an external account."""
    control.do_remove_link(access, id)
    return Status(204, None)


@router.put(
    "/schools/{school}/gateway-settings",
    response={200: GatewaySettingsOut, **errors(400, 403, 404)},
)
@school_api(ADMINS)
def gateway_settings(
    request: HttpRequest, access: SchoolAccess, payload: GatewayIn
) -> dict[str, Any]:
    control.do_set_gateway(access, payload.external_login_enabled, payload.pupil_email_domains)
    return {
        "external_login_enabled": access.school.external_login_enabled,
        "pupil_email_domains": access.school.pupil_email_domains,
    }


@router.get("/schools/{school}/gateway/coverage", response={200: CoverageList, **errors(403, 404)})
@school_api(ADMINS)
def coverage(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    """The share of pupils in each year group with a verified Parent/Guardian account."""
    return {"items": school_access.coverage(access.school), "next": None}


@router.get(
    "/schools/{school}/tracking-fields", response={200: TrackingFieldList, **errors(403, 404)}
)
@school_api()
def list_fields(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    fields = school_access.tracking_fields(access)
    return {"items": [field_out(f) for f in fields], "next": None}


@router.post(
    "/schools/{school}/tracking-fields", response={201: TrackingFieldOut, **errors(400, 403, 404)}
)
@school_api(ADMINS)
def create_field(
    request: HttpRequest, access: SchoolAccess, payload: FieldIn
) -> Status[dict[str, Any]]:
    return Status(201, field_out(tracking.do_create_field(access, payload.dict())))


@router.put(
    "/schools/{school}/pupils/{pupil}/tracking-values",
    response={200: TrackingValuesOut, **errors(400, 403, 404)},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
            "required": True,
        }
    },
)
@school_api()
def set_values(request: HttpRequest, access: SchoolAccess, pupil: str) -> dict[str, Any]:
    """`{field_key: value}` (the keys are the school's own, so no fixed schema); all or nothing."""
    target = pupil_for(access, pupil)
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        raise Invalid("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise Invalid("Send an object of field keys and values.")
    return tracking.do_set_values(access, target, payload)


@router.post(
    "/schools/{school}/tracking-values/import",
    response={200: TrackingImportOut, **errors(400, 403, 404)},
)
@school_api()
def import_values(
    request: HttpRequest, access: SchoolAccess, file: UploadedFile = File(...)
) -> dict[str, Any]:
    """CSV with `pupil_id` and one column per field key; all or nothing."""
    return tracking.do_import_values(access, file.read())


# External users ----------------------------------------------------------------------


@public_router.post(
    "/gateway/{school}/register", response={201: StatusOut, **errors(400, 403, 404, 429)}
)
def register(request: HttpRequest, school: str, payload: RegisterIn) -> Status[dict[str, Any]]:
    """Answers the same for a new email, an existing account and a denied one."""
    families.do_register(
        request, school, payload.email, payload.password, payload.pupil_id, payload.licence_key
    )
    return Status(
        201,
        {"status": "verification_sent", "message": "Check your email to finish registering."},
    )


@public_router.post("/gateway/verify-email", response={200: StatusOut, **errors(400)})
def verify_email(request: HttpRequest, payload: VerifyEmailIn) -> dict[str, Any]:
    account_actions.do_verify_email(payload.token)
    return {"status": "verified"}


def link_out(link: Any) -> dict[str, Any]:
    return {
        "link": str(link.pk),
        "school": {"id": str(link.school_id), "name": link.school.name},
        "licence_type": link.licence_type.name,
        "pupil": {"first_name": link.pupil.first_name, "surname": link.pupil.surname},
        "paperless_reports": link.paperless_reports,
    }


@me_router.get("/me/pupils", response={200: LinkList, **errors()})
@decorate_view(replica_reads)
def my_pupils(request: HttpRequest) -> dict[str, Any]:
    return {"items": [link_out(link) for link in links_for(request.user)], "next": None}


@me_router.post("/me/pupils", response={201: LinkOut, **errors(400, 403, 404, 409, 429)})
def add_pupil(request: HttpRequest, payload: LinkIn) -> Status[dict[str, Any]]:
    """Adds a pupil, or another licence type for one, to this account."""
    link = families.do_add_link(
        request, signed_in(request), payload.school, payload.pupil_id, payload.licence_key
    )
    return Status(201, link_out(link))


@me_router.get("/me/pupils/{link}/portlets", response={200: PortletsOut, **errors(404)})
@decorate_view(replica_reads)
def my_portlets(request: HttpRequest, link: str) -> dict[str, Any]:
    """Only what the link's licence type allows."""
    found = link_for(request.user, link)
    return visible_data(found.pupil, found.licence_type)


@me_router.put("/me/pupils/{link}/preferences", response={200: LinkOut, **errors(400, 404)})
def preferences(request: HttpRequest, link: str, payload: PreferencesIn) -> dict[str, Any]:
    found = link_for(request.user, link)
    return link_out(
        families.do_set_preferences(signed_in(request), found, payload.paperless_reports)
    )
