"""Actions that change schools and staff. Each is atomic and audited."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from pupilhub.accounts.actions import ensure_valid_password
from pupilhub.accounts.models import OneTimeToken, User
from pupilhub.core import audit, emails
from pupilhub.core.errors import Conflict, Forbidden, Invalid

from . import cache as membership_cache
from .access import SchoolAccess
from .choices import ADMIN_ROLES, YEAR_CODES, Role, YearScheme
from .models import School, StaffMembership

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def clean_school_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Validate school fields; raise Invalid naming every bad field."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = ["Enter the school's name."]
    postcode = " ".join((data.get("postcode") or "").upper().split())
    if not POSTCODE_RE.match(postcode):
        errors["postcode"] = ["Enter a UK postcode, like SW1A 1AA."]
    scheme = data.get("year_scheme") or YearScheme.ENGLAND
    if scheme not in YearScheme.values:
        errors["year_scheme"] = ["Choose england or scotland."]
    years = {}
    for key in ("year_from", "year_to"):
        value = data.get(key)
        if value is None or value == "":
            years[key] = None
            continue
        try:
            years[key] = int(value)
        except (TypeError, ValueError):
            errors[key] = ["Enter a year code from 0 to 15."]
            continue
        if years[key] not in YEAR_CODES:
            errors[key] = ["Enter a year code from 0 to 15."]
    y_from, y_to = years.get("year_from"), years.get("year_to")
    if y_from is not None and y_to is not None and y_from > y_to and not errors:
        errors["year_to"] = ["The last year taught must not be before the first."]
    if errors:
        raise Invalid("Please correct the school's details.", fields=errors)
    return {
        "name": name,
        "postcode": postcode,
        "year_scheme": scheme,
        "year_from": y_from,
        "year_to": y_to,
    }


@transaction.atomic
def do_create_school(actor: User, data: dict[str, Any]) -> School:
    """Create a school (operators only; checked by the caller)."""
    school = School.objects.create(**clean_school_fields(data))
    audit.record(actor, "school.created", school, school=school)
    from pupilhub.schools.signals import school_created

    school_created.send(sender=School, school=school)
    return school


def _check_can_grant(access: SchoolAccess, role: str) -> None:
    if role not in Role.values:
        raise Invalid(
            "Choose a role.", fields={"role": ["Role must be main_admin, admin or staff."]}
        )
    if not (access.is_operator or access.is_admin):
        raise Forbidden("Only school admins can manage staff.")
    if role in ADMIN_ROLES and not (access.is_operator or access.is_main_admin):
        raise Forbidden("Only the Main School Admin or an operator can appoint admins.")


def clean_person(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    email = (data.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = ["Enter a valid email address."]
    first = (data.get("first_name") or "").strip()
    surname = (data.get("surname") or "").strip()
    if not first:
        errors["first_name"] = ["Enter a first name."]
    if not surname:
        errors["surname"] = ["Enter a surname."]
    if errors:
        raise Invalid("Please correct the staff member's details.", fields=errors)
    return {"email": email, "first_name": first[:100], "surname": surname[:100]}


@transaction.atomic
def do_add_staff(access: SchoolAccess, data: dict[str, Any]) -> StaffMembership:
    """Add a staff member; a new person gets an invitation unless a password is given."""
    role = data.get("role") or Role.STAFF
    _check_can_grant(access, role)
    person = clean_person(data)
    password = data.get("password") or None
    school = access.school
    if role == Role.MAIN_ADMIN and school.memberships.filter(role=Role.MAIN_ADMIN).exists():
        raise Conflict(
            "This school already has a Main School Admin; change roles to hand the role on.",
            code="main_admin_exists",
        )
    user = User.objects.by_email(person["email"])
    if user and school.memberships.filter(user=user).exists():
        raise Conflict("This person is already staff at this school.", code="already_staff")
    invite = False
    if user is None:
        if password:
            ensure_valid_password(password)
        user = User.objects.create_user(
            person["email"], password, first_name=person["first_name"], surname=person["surname"]
        )
        invite = not password
    # An existing account keeps its own password: another school cannot set it.
    membership = StaffMembership.objects.create(
        user=user, school=school, role=role, safeguarding_lead=bool(data.get("safeguarding_lead"))
    )
    audit.record(access.user, "staff.added", membership, role=role)
    if invite:
        raw = OneTimeToken.issue(user, OneTimeToken.Purpose.SET_PASSWORD, hours=72)
        address = user.email
        context = {"user": user, "school": school, "token": raw}
        transaction.on_commit(lambda: emails.send_now("invitation", address, context))
    return membership


@transaction.atomic
def do_change_role(
    access: SchoolAccess, membership: StaffMembership, role: str, safeguarding_lead: bool
) -> StaffMembership:
    """Change a member's role. Naming a new main admin demotes the old one to admin."""
    _check_can_grant(access, role)
    if membership.is_admin and not (access.is_operator or access.is_main_admin):
        raise Forbidden("Only the Main School Admin can change an admin's role.")
    if membership.is_main_admin and role != Role.MAIN_ADMIN:
        raise Conflict(
            "A school always has one Main School Admin: appoint the successor instead.",
            code="main_admin_required",
        )
    if role == Role.MAIN_ADMIN and not membership.is_main_admin:
        demoted = StaffMembership.objects.filter(school=membership.school, role=Role.MAIN_ADMIN)
        membership_cache.forget(demoted.values_list("user_id", flat=True))
        demoted.update(role=Role.ADMIN)
    before = membership.role
    membership.role = role
    membership.safeguarding_lead = safeguarding_lead
    membership.save(update_fields=["role", "safeguarding_lead"])
    audit.record(
        access.user,
        "staff.role_changed",
        membership,
        school=membership.school,
        before=before,
        after=role,
        safeguarding_lead=safeguarding_lead,
    )
    return membership


@transaction.atomic
def do_remove_staff(access: SchoolAccess, membership: StaffMembership) -> None:
    access.require_admin()
    if membership.is_main_admin:
        raise Conflict("The Main School Admin cannot be removed.", code="main_admin_required")
    if membership.is_admin and not access.is_main_admin:
        raise Forbidden("Only the Main School Admin can remove an admin.")
    audit.record(access.user, "staff.removed", membership, school=membership.school)
    membership.delete()
