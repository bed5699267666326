"""One description per document type, shared by actions, API, pages and transition."""

import builtins
from dataclasses import dataclass, field

from django.db import models

from .models import Attachment, MeetingLog, Passport, Plan, Provision, SafeguardingIssue


@dataclass(frozen=True)
class DocType:
    collection: str  # URL segment: plans, meeting-logs, ...
    type: str  # timeline type: plan, meeting_log, ...
    transfer_key: str  # document_types value in transfer requests
    label: str
    model: builtins.type[models.Model]  # `type` is a field name here
    fields: dict[str, str]  # API field name -> model attribute
    dates: tuple[str, ...] = ()  # (start, end) pairs checked for order
    required: tuple[str, ...] = ()
    can_be_confidential: bool = False
    safeguarding: bool = False
    order: tuple[str, ...] = field(default=("-created_at",))


PLAN = DocType(
    "plans",
    "plan",
    "plans",
    "Plan",
    Plan,
    {
        "title": "plan_title",
        "start_date": "start_date",
        "review_date": "review_date",
        "status": "status",
        "targets": "targets",
        "strategies": "strategies",
    },
    dates=("start_date", "review_date"),
    required=("title", "start_date"),
    can_be_confidential=True,
)
PROVISION = DocType(
    "provisions",
    "provision",
    "provisions",
    "Provision",
    Provision,
    {
        k: k
        for k in (
            "name",
            "area_of_need",
            "provider",
            "frequency",
            "group_size",
            "cost_pence",
            "start_date",
            "end_date",
            "entry_score",
            "exit_score",
            "notes",
        )
    },
    dates=("start_date", "end_date"),
    required=("name", "area_of_need", "start_date"),
    can_be_confidential=True,
)
PASSPORT = DocType(
    "passports",
    "passport",
    "passports",
    "Passport",
    Passport,
    {
        "title": "passport_title",
        **{k: k for k in ("about_me", "strengths", "needs", "what_helps", "what_does_not_help")},
    },
    required=("title",),
)
MEETING_LOG = DocType(
    "meeting-logs",
    "meeting_log",
    "meeting_logs",
    "Meeting log",
    MeetingLog,
    {k: k for k in ("date", "meeting_type", "attendees", "notes", "actions")},
    required=("date", "meeting_type"),
    can_be_confidential=True,
)
FILE = DocType(
    "files",
    "file",
    "files",
    "File",
    Attachment,
    {k: k for k in ("filename", "size", "content_type", "sha256", "description")},
)
SAFEGUARDING = DocType(
    "safeguarding-issues",
    "safeguarding_issue",
    "safeguarding_issues",
    "Safeguarding issue",
    SafeguardingIssue,
    {k: k for k in ("date", "category", "description", "actions_taken", "status")},
    required=("date", "category", "description"),
    safeguarding=True,
)

DOC_TYPES = (PLAN, PROVISION, PASSPORT, MEETING_LOG, FILE, SAFEGUARDING)
BY_COLLECTION = {d.collection: d for d in DOC_TYPES}
BY_TYPE = {d.type: d for d in DOC_TYPES}
BY_TRANSFER_KEY = {d.transfer_key: d for d in DOC_TYPES}
