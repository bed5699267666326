"""Platform endpoints: schools and their staff."""

import uuid

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pupilhub.api.base import errors
from pupilhub.schools.access import require_operator, staff_access

from . import actions
from .choices import ADMIN_ROLES
from .models import School, StaffMembership

router = Router(tags=["platform"])


class SchoolIn(Schema):
    name: str
    postcode: str
    year_scheme: str = "england"
    year_from: int | None = None
    year_to: int | None = None


class SchoolOut(Schema):
    id: uuid.UUID
    name: str
    postcode: str
    year_scheme: str
    year_from: int | None
    year_to: int | None


class StaffIn(Schema):
    email: str
    first_name: str
    surname: str
    role: str = "staff"
    safeguarding_lead: bool = False
    password: str | None = None


class StaffOut(Schema):
    id: uuid.UUID
    email: str
    first_name: str
    surname: str
    role: str
    safeguarding_lead: bool


def staff_out(membership: StaffMembership) -> StaffOut:
    user = membership.user
    return StaffOut(
        id=membership.id,
        email=user.email,
        first_name=user.first_name,
        surname=user.surname,
        role=membership.role,
        safeguarding_lead=membership.safeguarding_lead,
    )


@router.post("/schools", response={201: SchoolOut, **errors(400, 403)})
def create_school(request: HttpRequest, payload: SchoolIn) -> Status[School]:
    """Operators only."""
    require_operator(request.user)
    return Status(201, actions.do_create_school(request.user, payload.dict()))  # type: ignore[arg-type]


@router.get("/schools/{school}", response={200: SchoolOut, **errors(404)})
def get_school(request: HttpRequest, school: str) -> School:
    return staff_access(request.user, school, operator_ok=True).school


@router.post("/schools/{school}/staff", response={201: StaffOut, **errors(400, 403, 404, 409)})
def add_staff(request: HttpRequest, school: str, payload: StaffIn) -> Status[StaffOut]:
    """Operator, or main_admin/admin of the school (only operator or main_admin add admins)."""
    access = staff_access(request.user, school, roles=ADMIN_ROLES, operator_ok=True)
    membership = actions.do_add_staff(access, payload.dict())
    return Status(201, staff_out(membership))


@router.get("/schools/{school}/staff", response={200: dict, **errors(403, 404)})
def list_staff(request: HttpRequest, school: str) -> dict:
    access = staff_access(request.user, school, roles=ADMIN_ROLES, operator_ok=True)
    members = access.school.memberships.select_related("user").order_by("user__surname")
    return {"items": [staff_out(m).dict() for m in members], "next": None}
