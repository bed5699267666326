"""What a user may see of a school. Every school-scoped view and endpoint starts here.

A school the user has no membership of is a 404 (we never confirm it exists);
a membership with too low a role is a 403.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pupilhub.core.errors import Forbidden, NotFound

from . import cache as membership_cache
from .choices import ADMIN_ROLES, Role
from .models import ApiKey, HeadHandover, KeyMembership, School, StaffMembership


def parse_id(value: Any) -> uuid.UUID:
    """Ids in URLs are UUIDs; anything else simply does not exist."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def well_formed_ids(values: Any) -> list[str]:
    """The values that are UUIDs, as strings; the rest dropped (a form's ticked ids, where
    a stray value should not stop the page)."""
    out = []
    for value in values or []:
        try:
            out.append(str(parse_id(value)))
        except NotFound:
            continue
    return out


@dataclass(frozen=True)
class SchoolAccess:
    """The caller, their school and their role there."""

    user: Any
    school: School
    membership: StaffMembership | None  # None: an operator acting on the platform
    # All the caller's memberships (for the school switcher), read in the same query.
    memberships: tuple[StaffMembership, ...] = ()

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def is_admin(self) -> bool:
        return bool(self.membership and self.membership.is_admin)

    @property
    def is_main_admin(self) -> bool:
        return bool(self.membership and self.membership.is_main_admin)

    @property
    def can_see_safeguarding(self) -> bool:
        return bool(self.membership and self.membership.can_see_safeguarding)

    @property
    def can_email_families(self) -> bool:
        """Mass email: admins, and staff an admin has allowed."""
        return bool(self.membership and self.membership.may_email_families)

    @property
    def can_see_confidential(self) -> bool:
        return bool(self.membership and self.membership.can_see_confidential)

    @property
    def is_operator(self) -> bool:
        return self.membership is None

    def require_admin(self, message: str = "Only school admins can do this.") -> None:
        if not self.is_admin:
            raise Forbidden(message)

    def require_main_admin(self, message: str = "Only the Main School Admin can do this.") -> None:
        if not self.is_main_admin:
            raise Forbidden(message)


def staff_access(
    user: Any,
    school_id: Any,
    *,
    roles: Iterable[str] | None = None,
    operator_ok: bool = False,
) -> SchoolAccess:
    """Resolve the caller's access to a school or raise NotFound/Forbidden.

    `roles` limits which staff roles may proceed (others get 403). Operators
    pass only where `operator_ok` says so: they run the platform but do not
    read pupils' records.
    """
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    sid = parse_id(school_id)
    mine = key_memberships(user) if getattr(user, "is_api_key", False) else None
    if mine is None:
        mine = membership_cache.get(user.pk)
    if mine is None:
        mine = tuple(StaffMembership.objects.active().select_related("school").filter(user=user))
        membership_cache.put(user.pk, mine)
    membership = next((m for m in mine if m.school_id == sid), None)
    if mine and not getattr(user, "is_api_key", False):
        # What User.is_staff_at would ask again (the audit's actor kind): already known.
        real = getattr(user, "_wrapped", user)  # request.user is a lazy wrapper
        known = real.__dict__.setdefault("_staff_at", {})
        known.setdefault("None", True)
        for m in mine:
            known[str(m.school_id)] = True
    if membership is None:
        if operator_ok and user.is_operator:
            school = School.objects.filter(pk=sid).first()
            if school is None:
                raise NotFound()
            return SchoolAccess(user=user, school=school, membership=None)
        raise NotFound()
    if roles is not None and membership.role not in set(roles):
        raise Forbidden()
    return SchoolAccess(
        user=user, school=membership.school, membership=membership, memberships=mine
    )


def key_memberships(user: Any) -> tuple[StaffMembership, ...]:
    """A school API key's standing at its school (see KeyMembership); none once revoked.
    The key the request authenticated with is already on the user (no second query)."""
    key = getattr(user, "api_key", None)
    if key is None or key.revoked_at is not None:
        return ()
    held = KeyMembership(user=user, school=key.school, role=Role.ADMIN, status="active")
    return (held,)


def memberships_of(user: Any) -> tuple[StaffMembership, ...]:
    """The caller's active memberships, schools read in the same query."""
    if getattr(user, "is_api_key", False):
        return key_memberships(user)
    return tuple(StaffMembership.objects.active().select_related("school").filter(user=user))


def api_keys(access: SchoolAccess) -> Any:
    """The school's keys, live ones first, newest first."""
    return (
        ApiKey.objects.visible_to(access)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )


def api_key_for(access: SchoolAccess, key_id: Any) -> ApiKey:
    key = ApiKey.objects.visible_to(access).filter(pk=parse_id(key_id)).first()
    if key is None:
        raise NotFound()
    return key


def admin_access(user: Any, school_id: Any, *, operator_ok: bool = False) -> SchoolAccess:
    return staff_access(user, school_id, roles=ADMIN_ROLES, operator_ok=operator_ok)


def main_admin_access(user: Any, school_id: Any) -> SchoolAccess:
    return staff_access(user, school_id, roles=[Role.MAIN_ADMIN])


def require_operator(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    if not user.is_operator:
        raise Forbidden("Only platform operators can do this.")


def main_admin_of(school: Any) -> Any:
    """The school's Main School Admin (a user), or None before one has accepted."""
    head = (
        StaffMembership.objects.active()
        .filter(school=school, role=Role.MAIN_ADMIN)
        .select_related("user")
        .first()
    )
    return head.user if head else None


def memberships_for(user: Any) -> list[StaffMembership]:
    if not getattr(user, "is_authenticated", False):
        return []
    mine = membership_cache.get(user.pk)
    if mine is None:
        mine = tuple(StaffMembership.objects.active().filter(user=user).select_related("school"))
        membership_cache.put(user.pk, mine)
    return list(mine)


def all_schools(user: Any) -> Any:
    """Operators: every school on the platform."""
    require_operator(user)
    return School.objects.order_by("name")


def open_handovers(user: Any, school: Any = None) -> Any:
    """Proposed hand-overs of the head's role: every school's for operators, else only
    `school`'s for its head."""
    found = HeadHandover.objects.filter(status=HeadHandover.Status.PROPOSED).select_related(
        "school", "to__user", "proposed_by"
    )
    if school is not None:
        return list(found.filter(school=school))
    require_operator(user)
    return list(found)


def handover_for(user: Any, handover_id: str) -> Any:
    """A hand-over the caller may decide: operators any, a head only their school's."""
    found = HeadHandover.objects.select_related("school").filter(pk=parse_id(handover_id)).first()
    if found is None:
        raise NotFound()
    if not getattr(user, "is_operator", False):
        staff_access(user, found.school_id, roles=(Role.MAIN_ADMIN,))
    return found


def handovers_of(school: Any) -> Any:
    """A school's hand-overs of the head's role, newest first."""
    return HeadHandover.objects.filter(school=school).select_related("to__user")
