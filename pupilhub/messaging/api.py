"""Mass email endpoints. No response here ever contains an email address."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pupilhub.api.base import YearCode, errors, page
from pupilhub.schools.access import staff_access

from . import actions
from .access import message_for, messages_for, reached, reached_rows
from .models import Message

router = Router(tags=["messages"])


class Audience(Schema):
    pupils: list[str] = []
    year_groups: list[YearCode] = []
    tutor_groups: list[str] = []
    sets: list[str] = []
    licence_types: list[str] = []


class MessageIn(Audience):
    subject: str
    html_body: str


def message_out(message: Message, c: dict[str, int] | None = None) -> dict[str, Any]:
    c = c if c is not None else actions.counts(message)
    return {
        "id": str(message.id),
        "status": actions.status_of(c),
        "subject": message.subject,
        "recipient_count": message.recipient_count,
        "pupil_count": message.pupil_count,
        "queued": c["queued"] + c["sending"],
        "sent": c["sent"],
        "failed": c["failed"],
        "send_after": message.send_after,
        "created_at": message.created_at,
    }


@router.post("/schools/{school}/messages", response={202: dict, **errors(400, 403, 404)})
def send(request: HttpRequest, school: str, payload: MessageIn) -> Status[dict[str, Any]]:
    """Queue a message; the dispatcher sends it within 10 minutes (`send_after`)."""
    access = staff_access(request.user, school)
    message = actions.do_queue(
        access, payload.subject, payload.html_body, payload.dict(exclude={"subject", "html_body"})
    )
    return Status(202, message_out(message))


@router.post("/schools/{school}/messages/preview", response={200: dict, **errors(400, 403, 404)})
def preview(request: HttpRequest, school: str, payload: Audience) -> dict[str, int]:
    """How many people and pupils a choice of recipients reaches (never who)."""
    access = staff_access(request.user, school)
    return actions.preview(access.school, actions.clean_spec(access.school, payload.dict()))


@router.get("/schools/{school}/messages", response={200: dict, **errors(403, 404)})
def list_messages(request: HttpRequest, school: str) -> dict[str, Any]:
    access = staff_access(request.user, school)
    return page(request, messages_for(access).order_by("-created_at", "-id"), batch=_with_counts)


def _with_counts(messages: list[Message]) -> list[dict[str, Any]]:
    found = actions.counts_for(messages)  # one query for the page, not one a message
    return [message_out(m, found[m.pk]) for m in messages]


@router.get("/schools/{school}/messages/{id}", response={200: dict, **errors(403, 404)})
def get_message(request: HttpRequest, school: str, id: str) -> dict[str, Any]:
    access = staff_access(request.user, school)
    return message_out(message_for(access, id))


@router.get("/schools/{school}/messages/{id}/pupils", response={200: dict, **errors(403, 404)})
def message_pupils(request: HttpRequest, school: str, id: str) -> dict[str, Any]:
    """Which pupils' families were reached: names and counts, no addresses."""
    access = staff_access(request.user, school)
    pupils, by_pupil = reached(message_for(access, id))
    return page(request, pupils, batch=lambda rows: reached_rows(rows, by_pupil))
