"""Pupil document endpoints: one set of routes per type, built from the registry."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import FieldDoesNotExist
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StringConstraints, create_model
from pydantic.fields import FieldInfo

from pupilhub.api.base import Count, In, Lenient, Open, Pence, Score, binary, errors, page
from pupilhub.core.pdf import response as pdf_response
from pupilhub.pupils.access import pupil_for
from pupilhub.safeguarding.actions import do_raise_concern as raise_concern_action
from pupilhub.safeguarding.schemas import ConcernIn, ConcernOut, IssueOut
from pupilhub.safeguarding.serve import ISSUE_RELATED, issue_out, receipt
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_api
from pupilhub.sen.library import with_library

from . import actions, printing
from .access import document_for, history, pupil_documents, require_type
from .registry import FILE, MEETING_LOG, PASSPORT, PLAN, PROVISION, SAFEGUARDING, DocType
from .schemas import Origin
from .serve import file_response, serialize
from .timeline import timeline

router = Router(tags=["pupil documents"])

Area = Literal["cognition_learning", "communication_interaction", "semh", "sensory_physical"]


class HistoryEntry(Schema):
    at: datetime
    actor: str
    action: str
    fields: list[str] = []


class HistoryList(Schema):
    items: list[HistoryEntry]
    next: str | None = None


class Target(Schema):
    description: str
    success_criteria: str = ""
    outcome: str = ""


class PlanIn(In):
    title: str
    start_date: date
    review_date: date | None = None
    status: Literal["draft", "active", "reviewed", "closed"] = "draft"
    targets: list[Target] = []
    strategies: str = ""
    confidential: bool = False


class ProvisionIn(In):
    # Required unless `from_library` names a provision-library item to start from.
    name: str | None = None
    area_of_need: Area | None = None
    provider: str = ""
    frequency: str = ""
    group_size: Count | None = None
    cost_pence: Pence = 0
    start_date: date
    end_date: date | None = None
    entry_score: Score | None = None
    exit_score: Score | None = None
    notes: str = ""
    confidential: bool = False


class ProvisionCreateIn(ProvisionIn):
    from_library: uuid.UUID | None = None  # start from a provision-library item


class PassportIn(In):
    title: str = "Pupil passport"
    about_me: str = ""
    strengths: str = ""
    needs: str = ""
    what_helps: str = ""
    what_does_not_help: str = ""


class MeetingLogIn(In):
    date: date
    meeting_type: Literal["review", "parent_meeting", "multi_agency", "other"]
    attendees: str = ""
    notes: str = ""
    actions: str = ""
    confidential: bool = False


class SafeguardingIn(In):
    date: date
    category: str
    description: str
    actions_taken: str = ""
    status: Literal["new", "open", "closed"] = "new"


class FileOut(Schema):
    id: uuid.UUID
    filename: str
    size: int
    content_type: str
    sha256: str
    description: str
    created_at: datetime


class Meta(Schema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    transferred_from: Origin | None = None


class SafeguardingActionOut(Open):
    """The issue, with its action log appended."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime


class ActionIn(In):
    text: str


class TimelineItem(Schema):
    id: uuid.UUID
    type: str
    title: str
    created_at: datetime
    transferred_from: Origin | None


class TimelineOut(Schema):
    items: list[TimelineItem]
    next: str | None = None


def patch_schema(schema: type[Schema]) -> type[Schema]:
    """The same fields, all optional: PATCH changes only what it names.

    A field left out keeps its value; `null` is refused (400) unless the field itself may be
    empty (its type admits None). Defaults are not validated, so leaving a field out is fine.
    """
    fields = {
        name: (info.annotation, FieldInfo.merge_field_infos(info, default=None))
        for name, info in schema.model_fields.items()
    }
    return create_model(f"{schema.__name__[:-2]}Patch", __base__=In, **fields)  # type: ignore[call-overload]


def with_limits(schema: type[Schema], dtype: DocType) -> type[Schema]:
    """The same input schema, each text field capped at its column's length (a 400 naming
    the field, before the database could refuse it)."""
    fields: dict[str, Any] = {}
    for name, info in schema.model_fields.items():
        try:
            column = dtype.model._meta.get_field(dtype.fields.get(name, name))
        except FieldDoesNotExist:  # an input that is not a column (from_library)
            column = None
        limit = getattr(column, "max_length", None)
        annotation: Any = info.annotation
        if limit and annotation is str:
            annotation = Annotated[str, StringConstraints(max_length=limit)]
        fields[name] = (annotation, FieldInfo.merge_field_infos(info))
    return create_model(schema.__name__, __base__=In, **fields)  # type: ignore[call-overload]


def out_schema(schema: type[Schema]) -> type[Schema]:
    return create_model(f"{schema.__name__[:-2]}Out", __base__=(Meta, schema, Lenient))  # type: ignore[call-overload]


def add_routes(
    dtype: DocType,
    schema_in: type[Schema] | None,
    schema_out: type[Schema],
    *,
    shape: Any = None,
    related: tuple[str, ...] = (),
    create: bool = True,
) -> None:
    """The collection's routes; `shape` serializes one document (default: its fields),
    `related` names what a list prefetches for it, `create` False leaves POST to the caller."""
    base = "/schools/{school}/pupils/{pupil}/" + dtype.collection
    name = dtype.type

    def out(doc: Any) -> dict[str, Any]:
        return shape(doc) if shape else serialize(dtype, doc)

    list_out = create_model(
        f"{name.title().replace('_', '')}List",
        __base__=Schema,
        items=(list[schema_out], ...),  # type: ignore[valid-type]
        next=(str | None, None),
    )  # type: ignore[valid-type]

    @router.get(
        base,
        response={200: list_out, **errors(403, 404)},
        operation_id=f"list_{name}s",
        url_name=f"list_{name}s",
    )
    @school_api()
    def list_docs(
        request: HttpRequest,
        access: SchoolAccess,
        pupil: str,
        updated_after: datetime | None = None,
    ) -> dict[str, Any]:
        """Newest first; with `updated_after`, only those changed since, oldest change first."""
        target = pupil_for(access, pupil)
        docs = pupil_documents(access, dtype, target).select_related("transferred_from_school")
        docs = docs.prefetch_related(*related)
        if updated_after is not None:
            changed = docs.filter(updated_at__gt=updated_after)
            return page(request, changed, out, keyset=("updated_at", "id"))
        return page(request, docs, out)

    @router.get(
        base + "/{id}",
        response={200: schema_out, **errors(403, 404)},
        operation_id=f"get_{name}",
        url_name=f"get_{name}",
    )
    @school_api()
    def get_doc(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> dict[str, Any]:
        target = pupil_for(access, pupil)
        require_type(access, dtype)
        return out(document_for(access, dtype, target, id))

    @router.get(
        base + "/{id}/history",
        response={200: HistoryList, **errors(403, 404)},
        operation_id=f"history_{name}",
        url_name=f"history_{name}",
    )
    @school_api()
    def doc_history(
        request: HttpRequest, access: SchoolAccess, pupil: str, id: str
    ) -> dict[str, Any]:
        """Who created, changed (field names only), deleted or restored it, oldest first."""
        target = pupil_for(access, pupil)
        return page(request, history(access, document_for(access, dtype, target, id)))

    @router.delete(
        base + "/{id}",
        response={204: None, **errors(403, 404)},
        operation_id=f"delete_{name}",
        url_name=f"delete_{name}",
    )
    @school_api()
    def delete_doc(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> Status[None]:
        target = pupil_for(access, pupil)
        require_type(access, dtype)
        actions.do_delete_document(access, dtype, document_for(access, dtype, target, id))
        return Status(204, None)

    @router.post(
        base + "/{id}/restore",
        response={200: schema_out, **errors(403, 404, 409)},
        operation_id=f"restore_{name}",
        url_name=f"restore_{name}",
    )
    @school_api()
    def restore_doc(
        request: HttpRequest, access: SchoolAccess, pupil: str, id: str
    ) -> dict[str, Any]:
        target = pupil_for(access, pupil)
        require_type(access, dtype)
        doc = document_for(access, dtype, target, id, deleted=None)  # restoring twice: 200
        return out(actions.do_restore_document(access, dtype, doc))

    if schema_in is None:
        return
    if create:
        add_create_route(dtype, base, schema_in, schema_out)
    add_update_route(dtype, base, patch_schema(schema_in), schema_out, out)


def add_create_route(
    dtype: DocType, base: str, schema_in: type[Schema], schema_out: type[Schema]
) -> None:
    name = dtype.type

    @router.post(
        base,
        response={201: schema_out, **errors(400, 403, 404)},
        operation_id=f"create_{name}",
        url_name=f"create_{name}",
    )
    @school_api()
    def create_doc(
        request: HttpRequest,
        access: SchoolAccess,
        pupil: str,
        payload: schema_in,  # type: ignore[valid-type]
    ) -> Status[dict[str, Any]]:  # type: ignore[valid-type]
        target = pupil_for(access, pupil)
        require_type(access, dtype)
        data = payload.dict()  # type: ignore[attr-defined]
        if data.get("from_library"):  # a provision started from the library: given fields win
            data = with_library(access, payload.dict(exclude_unset=True))  # type: ignore[attr-defined]
        data.pop("from_library", None)
        doc = actions.do_create_document(access, dtype, target, data)
        return Status(201, serialize(dtype, doc))


def add_update_route(
    dtype: DocType, base: str, schema_patch: type[Schema], schema_out: type[Schema], out: Any
) -> None:
    name = dtype.type

    @router.patch(
        base + "/{id}",
        response={200: schema_out, **errors(400, 403, 404)},
        operation_id=f"update_{name}",
        url_name=f"update_{name}",
    )
    @school_api()
    def update_doc(
        request: HttpRequest,
        access: SchoolAccess,
        pupil: str,
        id: str,
        payload: schema_patch,  # type: ignore[valid-type]
    ) -> dict[str, Any]:  # type: ignore[valid-type]
        target = pupil_for(access, pupil)
        require_type(access, dtype)
        doc = document_for(access, dtype, target, id)
        data = payload.dict(exclude_unset=True)  # type: ignore[attr-defined]
        return out(actions.do_update_document(access, dtype, doc, data))


for _dtype, _in, _out in (
    (PLAN, PlanIn, PlanIn),
    (PROVISION, ProvisionCreateIn, ProvisionIn),
    (PASSPORT, PassportIn, PassportIn),
    (MEETING_LOG, MeetingLogIn, MeetingLogIn),
):
    add_routes(_dtype, with_limits(_in, _dtype), out_schema(_out))
add_routes(
    SAFEGUARDING,
    with_limits(SafeguardingIn, SAFEGUARDING),
    IssueOut,
    shape=issue_out,
    related=ISSUE_RELATED,
    create=False,
)


@router.post(
    "/schools/{school}/pupils/{pupil}/safeguarding-issues",
    response={201: ConcernOut, **errors(400, 403, 404)},
    operation_id="create_safeguarding_issue",
    url_name="create_safeguarding_issue",
    exclude_unset=True,
)
@school_api()
def raise_concern(
    request: HttpRequest, access: SchoolAccess, pupil: str, payload: ConcernIn
) -> Status[dict[str, Any]]:
    """Any member of staff raises a concern. Leads and the main admin get the whole issue;
    anyone else only the receipt, and can never list or read the issue afterwards."""
    target = pupil_for(access, pupil)
    issue = raise_concern_action(access, target, payload.dict())
    if not access.can_see_safeguarding:
        return Status(201, receipt(issue))
    return Status(201, issue_out(issue))


add_routes(FILE, None, create_model("FileDocOut", __base__=(Meta, FileOut)))


@router.post(
    "/schools/{school}/pupils/{pupil}/files",
    response={201: FileOut, **errors(400, 403, 404, 413)},
    url_name="upload_file",
)
@school_api()
def upload_file(
    request: HttpRequest,
    access: SchoolAccess,
    pupil: str,
    file: UploadedFile = File(...),
    description: str = Form(""),
) -> Status[Any]:
    """Multipart `file` + `description`. Type is judged from the content."""
    target = pupil_for(access, pupil)
    from django.conf import settings

    from pupilhub.core.errors import TooLarge

    if file.size and file.size > settings.MAX_UPLOAD_BYTES:
        raise TooLarge("The file is too large.", fields={"file": ["Too large."]})
    doc = actions.do_upload_file(access, target, file.name or "", file.read(), description)
    return Status(201, doc)


@router.get(
    "/schools/{school}/pupils/{pupil}/files/{id}/content",
    openapi_extra=binary("application/octet-stream"),
    response={200: None, **errors(404)},
    url_name="file_content",
)
@school_api()
def file_content(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> FileResponse:
    target = pupil_for(access, pupil)
    return file_response(access, target, id)


@router.post(
    "/schools/{school}/pupils/{pupil}/safeguarding-issues/{id}/actions",
    response={201: SafeguardingActionOut, **errors(400, 403, 404)},
    url_name="add_safeguarding_action",
)
@school_api()
def add_action(
    request: HttpRequest, access: SchoolAccess, pupil: str, id: str, payload: ActionIn
) -> Status[dict[str, Any]]:
    """Append to an issue's action log (it is never rewritten)."""
    target = pupil_for(access, pupil)
    require_type(access, SAFEGUARDING)
    issue = document_for(access, SAFEGUARDING, target, id)
    if not payload.text.strip():
        from pupilhub.core.errors import invalid_field

        raise invalid_field("text", "Describe the action taken.")
    actions.do_add_safeguarding_action(access, issue, payload.text.strip())
    return Status(201, serialize(SAFEGUARDING, issue))


@router.get(
    "/schools/{school}/pupils/{pupil}/passports/{id}/pdf",
    openapi_extra=binary("application/pdf"),
    response={200: None, **errors(403, 404)},
    url_name="passport_pdf",
)
@school_api()
def passport_pdf(request: HttpRequest, access: SchoolAccess, pupil: str, id: str) -> HttpResponse:
    """The passport as a printable one-page A4 PDF."""
    target = pupil_for(access, pupil)
    passport = document_for(access, PASSPORT, target, id)
    return pdf_response(printing.passport_pdf(access, target, passport), "passport.pdf")


@router.get(
    "/schools/{school}/pupils/{pupil}/documents", response={200: TimelineOut, **errors(404)}
)
@school_api()
def documents(request: HttpRequest, access: SchoolAccess, pupil: str) -> dict[str, Any]:
    """Every document the caller may see, newest first."""
    target = pupil_for(access, pupil)
    return page(request, timeline(access, target))
