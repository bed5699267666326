"""Mass email endpoints. No response here ever contains an email address."""

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pupilhub.api.base import In, Open, YearCode, errors, page
from pupilhub.core.errors import NotFound
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.boundary import school_api

from . import actions, optout, recipients
from .access import linked_schools, message_for, messages_for, reached, reached_rows
from .models import Message

router = Router(tags=["messages"])


class Audience(In):
    pupils: list[str] = []
    year_groups: list[YearCode] = []
    tutor_groups: list[str] = []
    sets: list[str] = []
    licence_types: list[str] = []


class MessageIn(Audience):
    subject: str
    html_body: str


def message_out(message: Message, c: dict[str, int] | None = None) -> dict[str, Any]:
    c = c if c is not None else recipients.counts(message)
    return {
        "id": str(message.id),
        "status": recipients.status_of(c),
        "subject": message.subject,
        "recipient_count": message.recipient_count,
        "pupil_count": message.pupil_count,
        "queued": c["queued"] + c["sending"],
        "sent": c["sent"],
        "failed": c["failed"],
        "cancelled": c["cancelled"],
        "bounced": c["bounced"],
        "send_after": message.send_after,
        "created_at": message.created_at,
    }


class MessageOut(Schema):
    id: uuid.UUID
    status: str
    subject: str
    recipient_count: int
    pupil_count: int
    queued: int
    sent: int
    failed: int
    cancelled: int
    bounced: int = 0  # the provider reported a hard bounce or a complaint
    send_after: datetime | None = None
    created_at: datetime


class MessageList(Schema):
    items: list[MessageOut]
    next: str | None = None


class PreviewOut(Schema):
    recipient_count: int
    pupil_count: int
    chosen_count: int  # pupils the choice covers
    unreached_count: int  # of them, pupils with nobody registered to write to


class ReachedPupil(Open):
    pupil: uuid.UUID
    name: str
    tutor_group: str


class ReachedList(Schema):
    items: list[ReachedPupil]
    next: str | None = None


@router.post("/schools/{school}/messages", response={202: MessageOut, **errors(400, 403, 404)})
@school_api()
def send(request: HttpRequest, access: SchoolAccess, payload: MessageIn) -> Status[dict[str, Any]]:
    """Queue a message; the dispatcher sends it within 10 minutes (`send_after`)."""
    message = actions.do_queue(
        access, payload.subject, payload.html_body, payload.dict(exclude={"subject", "html_body"})
    )
    return Status(202, message_out(message))


@router.post(
    "/schools/{school}/messages/preview", response={200: PreviewOut, **errors(400, 403, 404)}
)
@school_api()
def preview(request: HttpRequest, access: SchoolAccess, payload: Audience) -> dict[str, Any]:
    """How many people and pupils a choice of recipients reaches (never who)."""
    return recipients.preview(access.school, recipients.clean_spec(access.school, payload.dict()))


@router.get("/schools/{school}/messages", response={200: MessageList, **errors(403, 404)})
@school_api()
def list_messages(request: HttpRequest, access: SchoolAccess) -> dict[str, Any]:
    return page(request, messages_for(access), batch=_with_counts, keyset=("-created_at", "-id"))


def _with_counts(messages: list[Message]) -> list[dict[str, Any]]:
    found = recipients.counts_for(messages)  # one query for the page, not one a message
    return [message_out(m, found[m.pk]) for m in messages]


@router.get("/schools/{school}/messages/{id}", response={200: MessageOut, **errors(403, 404)})
@school_api()
def get_message(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    return message_out(message_for(access, id))


class CancelledOut(Schema):
    cancelled: int  # copies that will not be sent (the rest had already gone)


@router.post(
    "/schools/{school}/messages/{id}/cancel",
    response={200: CancelledOut, **errors(403, 404, 409)},
)
@school_api()
def cancel(request: HttpRequest, access: SchoolAccess, id: str) -> CancelledOut:
    """The sender or an admin: every copy the dispatcher has not yet claimed is cancelled;
    409 `already_sent` when none is left to stop."""
    return CancelledOut(cancelled=actions.do_cancel(access, message_for(access, id)))


class RetriedOut(Schema):
    retried: int


@router.post(
    "/schools/{school}/messages/{id}/retry-failed", response={200: RetriedOut, **errors(403, 404)}
)
@school_api()
def retry_failed(request: HttpRequest, access: SchoolAccess, id: str) -> RetriedOut:
    """Admins: send the failed deliveries again (they are re-checked at dispatch)."""
    return RetriedOut(retried=actions.do_retry_failed(access, message_for(access, id)))


@router.get(
    "/schools/{school}/messages/{id}/pupils", response={200: ReachedList, **errors(403, 404)}
)
@school_api()
def message_pupils(request: HttpRequest, access: SchoolAccess, id: str) -> dict[str, Any]:
    """Which pupils' families were reached: names and counts, no addresses."""
    pupils, by_pupil = reached(message_for(access, id))
    return page(request, pupils, batch=lambda rows: reached_rows(rows, by_pupil))


me_router = Router(tags=["me"])


class MailPreferencesIn(In):
    school_mail: bool
    school: uuid.UUID | None = None  # one school; left out: every school the account is linked to


class SchoolMail(Schema):
    id: uuid.UUID
    name: str
    school_mail: bool


class MailPreferencesOut(Schema):
    school_mail: bool  # true while any linked school may send mass email
    schools: list[SchoolMail]


def _mail_preferences(user: Any) -> dict[str, Any]:
    schools = linked_schools(user)
    out = optout.opted_out({(s.pk, user.pk) for s in schools})
    rows = [
        {"id": s.pk, "name": s.name, "school_mail": (s.pk, user.pk) not in out} for s in schools
    ]
    return {"school_mail": any(r["school_mail"] for r in rows), "schools": rows}


@me_router.get("/me/preferences", response={200: MailPreferencesOut, **errors()})
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """Whether each school the account is linked to may send it mass email."""
    return _mail_preferences(request.user)


@me_router.put("/me/preferences", response={200: MailPreferencesOut, **errors(400, 404)})
def put_preferences(request: HttpRequest, payload: MailPreferencesIn) -> dict[str, Any]:
    """`{school_mail: false}` stops mass email from every linked school (or `school`);
    true opts in again. Safety notices (password, sign-in) are never stopped."""
    schools = linked_schools(request.user)
    if payload.school is not None:
        schools = [s for s in schools if s.pk == payload.school]
        if not schools:
            raise NotFound()
    optout.set_school_mail(
        request.user, [s.pk for s in schools], wanted=payload.school_mail, how="api"
    )
    return _mail_preferences(request.user)
