"""Typed shapes of the safeguarding API (shared/API.md "School: safeguarding")."""

import uuid
from datetime import date as Date
from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from pupilhub.core.schemas import In
from pupilhub.documents.schemas import Origin

Unit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
AgencyKey = Literal[
    "childrens_social_care", "police", "early_help", "camhs", "lado", "health", "other"
]
Status = Literal["new", "open", "closed"]


class Mark(Schema):
    view: Literal["front", "back"]
    x: Unit
    y: Unit
    note: Annotated[str, Field(max_length=500)] = ""


class ConcernIn(In):
    date: Date
    category: Annotated[str, Field(max_length=100)]
    description: Annotated[str, Field(max_length=20000)]
    actions_taken: Annotated[str, Field(max_length=20000)] = ""
    status: Status | None = None
    body_map: Annotated[list[Mark], Field(max_length=40)] = []
    linked_pupils: Annotated[list[uuid.UUID], Field(max_length=20)] = []


class PersonRef(Schema):
    id: uuid.UUID
    name: str


class PupilRef(Schema):
    id: uuid.UUID
    first_name: str
    surname: str


class IssueOut(Schema):
    id: uuid.UUID
    reference: str
    received_at: datetime
    date: Date
    category: str
    description: str
    actions_taken: str
    status: str
    raised_by: PersonRef | None
    pupil: PupilRef
    body_map: list[Mark]
    linked_pupils: list[uuid.UUID]
    opened_at: datetime | None
    created_at: datetime
    updated_at: datetime
    transferred_from: Origin | None = None


class IssueList(Schema):
    items: list[IssueOut]
    next: str | None = None


class ConcernOut(Schema):
    """The whole issue for leads and the main admin; the receipt (`id`, `reference`,
    `received_at`) alone for anyone else."""

    id: uuid.UUID
    reference: str
    received_at: datetime
    date: Date | None = None
    category: str | None = None
    description: str | None = None
    actions_taken: str | None = None
    status: str | None = None
    raised_by: PersonRef | None = None
    pupil: PupilRef | None = None
    body_map: list[Mark] | None = None
    linked_pupils: list[uuid.UUID] | None = None
    opened_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    transferred_from: Origin | None = None


class ReceiptOut(Schema):
    reference: str
    received_at: datetime
    pupil: dict[str, str]
    school: dict[str, str]


class ReceiptList(Schema):
    items: list[ReceiptOut]
    next: str | None = None


class CategoryIn(In):
    name: Annotated[str, Field(max_length=100)]


class CategoryOut(Schema):
    key: str
    name: str


class CategoryList(Schema):
    items: list[CategoryOut]
    next: str | None = None


class TaskIn(In):
    assignee: str
    task: Annotated[str, Field(max_length=500)]
    due_on: Date


class TaskDoneIn(In):
    note: Annotated[str, Field(max_length=5000)] = ""


class TaskOut(Schema):
    id: uuid.UUID
    issue: uuid.UUID
    pupil: uuid.UUID
    assignee: uuid.UUID
    task: str
    due_on: Date
    created_at: datetime
    done_at: datetime | None
    note: str


class TaskList(Schema):
    items: list[TaskOut]
    next: str | None = None


class ReferralIn(In):
    agency: AgencyKey
    referred_on: Date
    reference: Annotated[str, Field(max_length=100)] = ""
    response_due_on: Date | None = None


class ReferralPatch(In):
    outcome: Annotated[str, Field(max_length=5000)] | None = None
    responded_on: Date | None = None
    reference: Annotated[str, Field(max_length=100)] | None = None


class ReferralOut(Schema):
    id: uuid.UUID
    issue: uuid.UUID
    agency: str
    referred_on: Date
    reference: str
    response_due_on: Date | None
    responded_on: Date | None
    outcome: str


class ChronologyEntry(Schema):
    date: Date
    at: datetime | None
    kind: str
    text: str
    reference: str
    issue: uuid.UUID | None


class ChronologyOut(Schema):
    pupil: PupilRef
    issues: list[IssueOut]
    entries: list[ChronologyEntry]


class SummaryOut(Schema):
    from_: Date | None = Field(None, alias="from")
    to: Date | None
    total: int
    by_category: dict[str, int]
    by_month: dict[str, int]
    referrals_by_agency: dict[str, int]
    open: int
    closed: int
    new: int
    overdue_tasks: int


class CPTransferIn(In):
    to_school_name: Annotated[str, Field(max_length=200)]
    to_email: Annotated[str, Field(max_length=254)]
    to_urn: Annotated[str, Field(max_length=6)] = ""
    files: Annotated[list[uuid.UUID], Field(max_length=50)] = []


class CPReceived(Schema):
    name: str
    role: str
    at: datetime


class CPTransferOut(Schema):
    id: uuid.UUID
    pupil: uuid.UUID
    to_school_name: str
    to_urn: str
    status: str
    sent_at: datetime
    due_by: Date
    expires_at: datetime
    opened_at: datetime | None
    received: CPReceived | None


class CPTransferList(Schema):
    items: list[CPTransferOut]
    next: str | None = None
