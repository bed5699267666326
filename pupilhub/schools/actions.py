"""Actions that change schools and staff. Each is atomic and audited."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.accounts import actions as accounts
from pupilhub.accounts import mfa, passwords, signin
from pupilhub.accounts import tasks as account_tasks
from pupilhub.accounts.models import RecoveryCode, TotpDevice, User
from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Forbidden, Invalid
from pupilhub.core.outbox import enqueue

from . import apikeys
from . import cache as membership_cache
from . import tasks as school_tasks
from .access import SchoolAccess, main_admin_of
from .choices import ADMIN_ROLES, Role
from .invitations import invitation_for
from .models import ApiKey, HeadHandover, School, StaffMembership
from .validation import clean_person, clean_school_fields


@transaction.atomic
def do_create_school(actor: User, data: dict[str, Any]) -> School:
    """Create a school (operators only; checked by the caller). A second school with the
    same name and postcode is refused: two "St Mary's" at one address would be told apart
    by nobody, and a cluster or a transfer could go to the wrong one."""
    fields = clean_school_fields(data)
    twin = School.objects.filter(name__iexact=fields["name"], postcode=fields["postcode"])
    if twin.exists():
        raise Conflict(
            _("%(name)s at %(postcode)s is already on the platform.")
            % {"name": fields["name"], "postcode": fields["postcode"]},
            code="duplicate_school",
            fields={"name": [_("A school with this name and postcode already exists.")]},
        )
    school = School.objects.create(**fields)
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


def _check_can_set_lead(access: SchoolAccess) -> None:
    # Safeguarding access opens child-protection records: only the person accountable
    # for the school grants it, never another admin and never the platform's operators.
    if not access.is_main_admin:
        raise Forbidden(
            "Only the Main School Admin can make someone a safeguarding lead or end it.",
            code="main_admin_only",
        )


def _send_invitation(membership: StaffMembership) -> None:
    """A fresh single-use link, made and mailed by a task after commit (retried while the
    mail server is down; the raw token never sits in the broker). Any earlier link stops
    working now."""
    membership.invite_token_hash = None
    membership.invite_expires_at = timezone.now() + timedelta(days=settings.INVITATION_DAYS)
    membership.save(update_fields=["invite_token_hash", "invite_expires_at"])
    membership_id = str(membership.pk)
    transaction.on_commit(lambda: enqueue(school_tasks.send_invitation, membership_id))


@transaction.atomic
def tell_leads(school: School, template: str, context: dict[str, Any]) -> None:
    """Email the main admin and every safeguarding lead (active ones) after commit."""
    people = StaffMembership.objects.active().filter(school=school).select_related("user")
    addresses = sorted({m.user.email for m in people if m.is_main_admin or m.safeguarding_lead})
    for address in addresses:
        transaction.on_commit(
            lambda a=address: enqueue(account_tasks.send_plain, template, a, context)  # type: ignore[misc]
        )


def _lead_context(membership: StaffMembership, actor: Any, added: bool) -> dict[str, Any]:
    return {
        "school": membership.school.name,
        "person": membership.user.full_name or "A staff member",
        "by": getattr(actor, "full_name", "") or "the Main School Admin",
        "added": added,
    }


def _second_factor_gained(
    user: User, school: School, actor: Any, needed_before: bool, why: str
) -> bool:
    """After a change that may give `user` a role needing a second factor: if it now does,
    did not before, and they have none, their sessions and tokens end, set-up runs only
    from a link mailed to them, and the head is told. True when that happened."""
    if needed_before or not user.is_verified or mfa.has_mfa(user) or not mfa.requires_mfa(user):
        return False
    accounts.require_enrolment_by_link(user, actor=actor, school_name=school.name)
    context = {"school": school.name, "person": user.full_name or user.email, "why": why}
    _tell_head(school, "mfa_enrolment_started", context)
    return True


def _tell_head(school: School, template: str, context: dict[str, Any]) -> None:
    """Email the school's Main School Admin (if one has accepted) after commit."""
    head = main_admin_of(school)
    if head is None:
        return
    address = head.email
    transaction.on_commit(lambda: enqueue(account_tasks.send_plain, template, address, context))


@transaction.atomic
def do_add_staff(access: SchoolAccess, data: dict[str, Any]) -> StaffMembership:
    """Invite a staff member. Nobody sets a password for them: the invitation link,
    followed within 7 days, proves the address and activates the membership."""
    if data.get("password") not in (None, ""):
        raise Invalid(
            "Staff choose their own password from the invitation email.",
            code="password_not_allowed",
            fields={"password": ["Leave this out: staff are invited by email."]},
        )
    role = data.get("role") or Role.STAFF
    _check_can_grant(access, role)
    lead = bool(data.get("safeguarding_lead"))
    if lead:
        _check_can_set_lead(access)
    person = clean_person(data)
    school = access.school
    if role == Role.MAIN_ADMIN and school.memberships.filter(role=Role.MAIN_ADMIN).exists():
        raise Conflict(
            "This school already has a Main School Admin; change roles to hand the role on.",
            code="main_admin_exists",
        )
    user = User.objects.by_email(person["email"])
    if user and school.memberships.filter(user=user).exists():
        raise Conflict("This person is already staff at this school.", code="already_staff")
    if user is None:
        # No password and unverified: nobody can sign in to it until the link is followed.
        user = User.objects.create_user(
            person["email"], None, first_name=person["first_name"], surname=person["surname"]
        )
    membership = StaffMembership.objects.create(
        user=user,
        school=school,
        role=role,
        safeguarding_lead=lead,
        status=StaffMembership.Status.INVITED,
        invited_by=access.user,
    )
    audit.record(access.user, "staff.invited", membership, role=role, safeguarding_lead=lead)
    _send_invitation(membership)
    if access.is_operator and role != Role.MAIN_ADMIN:
        _tell_main_admin_of_operator(membership)
    if lead:
        tell_leads(
            school, "safeguarding_lead_changed", _lead_context(membership, access.user, True)
        )
    return membership


def _tell_main_admin_of_operator(membership: StaffMembership) -> None:
    context = {
        "school": membership.school.name,
        "person": membership.user.full_name,
        "role": membership.get_role_display(),
    }
    _tell_head(membership.school, "staff_added_by_operator", context)


def do_accept_invitation(request: HttpRequest, raw: str, password: str) -> StaffMembership:
    """Follow an invitation link: the membership becomes active.

    New or never-verified account: `password` becomes its password (whoever registered
    the address first loses every session and token). Verified account: `password`
    must be its current one.
    """
    membership = invitation_for(raw)
    if membership is None:
        raise Invalid(accounts.BAD_LINK, code="invalid_token")
    user = membership.user
    # Checked outside the transaction: a wrong guess must stay counted.
    if user.is_verified:
        signin.verify_own_password(request, user, password, "password")
    else:
        passwords.ensure_valid_password(password, user)
    if user.is_operator:
        raise Forbidden(
            _(
                "A platform operator account cannot hold a school role. "
                "Ask the school to invite a school address."
            ),
            code="operator_cannot_join",
        )
    with transaction.atomic():
        existing_account = user.is_verified
        needed_before = existing_account and mfa.requires_mfa(user)
        claimed = StaffMembership.objects.filter(
            pk=membership.pk, status=StaffMembership.Status.INVITED
        ).update(
            status=StaffMembership.Status.ACTIVE,
            invite_token_hash=None,
            accepted_at=timezone.now(),
        )
        if claimed != 1:
            raise Invalid(accounts.BAD_LINK, code="invalid_token")
        membership_cache.forget([user.pk])
        if not user.is_verified:
            accounts.mark_verified(user)  # following the link proves the address
            accounts.do_set_password(user, password)  # ends every earlier session and token
        audit.record(user, "staff.invitation_accepted", membership, school=membership.school)
        membership.refresh_from_db()
        if existing_account:  # a new account's link proved the address; it never had a session
            _second_factor_gained(
                user, membership.school, user, needed_before, membership.get_role_display()
            )
    membership.refresh_from_db()
    return membership


@transaction.atomic
def do_resend_invitation(access: SchoolAccess, membership: StaffMembership) -> None:
    _require_manager_of(access, membership)
    if membership.is_active:
        raise Conflict("This person has already accepted.", code="already_accepted")
    _send_invitation(membership)
    audit.record(access.user, "staff.invitation_resent", membership, school=membership.school)


def _require_manager_of(access: SchoolAccess, membership: StaffMembership) -> None:
    if not (access.is_operator or access.is_admin):
        raise Forbidden("Only school admins can manage staff.")
    if membership.is_admin and not (access.is_operator or access.is_main_admin):
        raise Forbidden("Only the Main School Admin can manage an admin.")


@transaction.atomic
def do_change_role(
    access: SchoolAccess,
    membership: StaffMembership,
    role: str | None = None,
    safeguarding_lead: bool | None = None,
    can_email_families: bool | None = None,
    senco: bool | None = None,
) -> StaffMembership:
    """Change a member's role, safeguarding flag (only the main admin sets it), whether they
    may email families (admins always may) and/or whether they are a SENCo.

    Naming a new main admin demotes the old one to admin.
    """
    role = role or membership.role
    lead_changes = (
        safeguarding_lead is not None and safeguarding_lead != membership.safeguarding_lead
    )
    if lead_changes:
        _check_can_set_lead(access)
    needed_before = mfa.requires_mfa(membership.user)
    if role != membership.role:
        _check_role_change(access, membership, role)
    before = membership.role
    membership.role = role
    if safeguarding_lead is not None:
        membership.safeguarding_lead = safeguarding_lead
    if can_email_families is not None:
        membership.can_email_families = can_email_families
    if senco is not None:
        membership.senco = senco
    membership.save(update_fields=["role", "safeguarding_lead", "can_email_families", "senco"])
    audit.record(
        access.user,
        "staff.role_changed",
        membership,
        school=membership.school,
        before=before,
        after=role,
        safeguarding_lead=membership.safeguarding_lead,
        can_email_families=membership.can_email_families,
        senco=membership.senco,
    )
    if lead_changes:
        tell_leads(
            membership.school,
            "safeguarding_lead_changed",
            _lead_context(membership, access.user, bool(safeguarding_lead)),
        )
    membership_cache.forget([membership.user_id])
    why = "safeguarding lead" if membership.safeguarding_lead else membership.get_role_display()
    _second_factor_gained(membership.user, membership.school, access.user, needed_before, why)
    return membership


def _check_role_change(access: SchoolAccess, membership: StaffMembership, role: str) -> None:
    _check_can_grant(access, role)
    if membership.is_admin and not (access.is_operator or access.is_main_admin):
        raise Forbidden("Only the Main School Admin can change an admin's role.")
    if membership.is_main_admin:
        raise Conflict(
            "A school always has one Main School Admin: appoint the successor instead.",
            code="main_admin_required",
        )
    if role == Role.MAIN_ADMIN:
        if not access.is_main_admin:
            raise Forbidden(
                _(
                    "Only the Main School Admin hands the role on. Platform support proposes a "
                    "hand-over, and a second operator approves it."
                ),
                code="handover_required",
            )
        _check_successor(membership)
        _demote_head(membership, access.user)
        _record_done(membership, access.user)


def _check_successor(membership: StaffMembership) -> None:
    if not membership.is_active:
        raise Conflict(
            _("Only someone who has accepted their invitation can become Main School Admin."),
            code="not_active",
        )
    if membership.is_main_admin:
        raise Conflict(
            _("This person is already the Main School Admin."), code="already_main_admin"
        )
    if membership.user.is_operator:
        raise Conflict(
            _("A platform operator account cannot hold a school role."), code="operator_cannot_join"
        )


def _demote_head(successor: StaffMembership, actor: Any) -> None:
    """The old head becomes an admin (before the successor is saved: one head a school);
    the old head, every lead and the successor are emailed, and it is audited."""
    school = successor.school
    context = {
        "school": school.name,
        "person": successor.user.full_name or successor.user.email,
        "by": getattr(actor, "full_name", "") or "pupilhub support",
        "done": True,
    }
    tell_leads(school, "head_handover", context)  # the addresses are read now: the old head's
    if not successor.safeguarding_lead:
        address = successor.user.email
        transaction.on_commit(
            lambda: enqueue(account_tasks.send_plain, "head_handover", address, context)
        )
    heads = StaffMembership.objects.filter(school=school, role=Role.MAIN_ADMIN)
    membership_cache.forget([*heads.values_list("user_id", flat=True), successor.user_id])
    heads.update(role=Role.ADMIN)
    audit.record(actor, "staff.main_admin_handed_over", successor, school=school)


def _record_done(successor: StaffMembership, actor: Any) -> HeadHandover:
    """A hand-over the head made themselves: done as soon as it is recorded."""
    return HeadHandover.objects.create(
        school=successor.school,
        to=successor,
        status=HeadHandover.Status.DONE,
        proposed_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )


def _hand_over(successor: StaffMembership, actor: Any) -> None:
    _check_successor(successor)
    needed_before = mfa.requires_mfa(successor.user)
    _demote_head(successor, actor)
    successor.role = Role.MAIN_ADMIN
    successor.save(update_fields=["role"])
    _second_factor_gained(
        successor.user, successor.school, actor, needed_before, "Main School Admin"
    )


@transaction.atomic
def do_start_handover(access: SchoolAccess, successor: StaffMembership) -> HeadHandover:
    """The head hands the role on at once; an operator only proposes (a second operator
    approves). The head and every lead are emailed either way."""
    school = access.school
    if access.is_main_admin:
        _hand_over(successor, access.user)
        return _record_done(successor, access.user)
    if not access.is_operator:
        raise Forbidden(_("Only the Main School Admin hands the role on."), code="main_admin_only")
    _check_successor(successor)
    if HeadHandover.objects.filter(school=school, status=HeadHandover.Status.PROPOSED).exists():
        raise Conflict(
            _("A hand-over is already waiting for a second operator."), code="handover_pending"
        )
    handover = HeadHandover.objects.create(school=school, to=successor, proposed_by=access.user)
    audit.record(access.user, "staff.main_admin_handover_proposed", successor, school=school)
    context = {
        "school": school.name,
        "person": successor.user.full_name or successor.user.email,
        "by": "pupilhub support",
        "done": False,
    }
    tell_leads(school, "head_handover", context)
    return handover


def _open_handover(handover: HeadHandover) -> HeadHandover:
    locked = HeadHandover.objects.select_for_update().get(pk=handover.pk)
    if locked.status != HeadHandover.Status.PROPOSED:
        raise Conflict(_("This hand-over was already decided."), code="handover_decided")
    return locked


@transaction.atomic
def do_approve_handover(access: SchoolAccess, handover: HeadHandover) -> HeadHandover:
    """A second operator (never the one who proposed it) completes a hand-over."""
    _require_operator_access(access)
    handover = _open_handover(handover)
    if handover.proposed_by_id == access.user.pk:
        raise Forbidden(
            _("A different operator must approve this hand-over."), code="second_operator_required"
        )
    successor = StaffMembership.objects.select_related("user", "school").get(pk=handover.to_id)
    _hand_over(successor, access.user)
    handover.status = HeadHandover.Status.DONE
    handover.decided_by = access.user
    handover.decided_at = timezone.now()
    handover.save(update_fields=["status", "decided_by", "decided_at"])
    return handover


@transaction.atomic
def do_cancel_handover(access: SchoolAccess, handover: HeadHandover) -> HeadHandover:
    """The head, or any operator, stops a proposed hand-over."""
    if not (access.is_operator or access.is_main_admin):
        raise Forbidden(_("Only the Main School Admin or an operator can stop a hand-over."))
    handover = _open_handover(handover)
    handover.status = HeadHandover.Status.CANCELLED
    handover.decided_by = access.user
    handover.decided_at = timezone.now()
    handover.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(access.user, "staff.main_admin_handover_cancelled", handover, school=access.school)
    return handover


def _require_operator_access(access: SchoolAccess) -> None:
    if not access.is_operator:
        raise Forbidden(_("Only platform operators approve a proposed hand-over."))


@transaction.atomic
def do_remove_staff(access: SchoolAccess, membership: StaffMembership) -> None:
    """End a membership at once (or revoke an invitation not yet accepted)."""
    access.require_admin()
    if membership.is_main_admin and membership.is_active:
        raise Conflict("The Main School Admin cannot be removed.", code="main_admin_required")
    _require_manager_of(access, membership)
    action = "staff.removed" if membership.is_active else "staff.invitation_revoked"
    audit.record(access.user, action, membership, school=membership.school)
    user = membership.user
    membership.delete()
    if membership.safeguarding_lead and membership.is_active:
        tell_leads(
            membership.school,
            "safeguarding_lead_changed",
            _lead_context(membership, access.user, False),
        )
    _drop_unused_invited_account(user)


@transaction.atomic
def purge_expired_invitations(expired_before: datetime) -> int:
    """Invitations that expired before this moment (the retention job): the membership,
    and an account made only for it and never used. Returns how many."""
    stale = list(
        StaffMembership.objects.filter(
            status=StaffMembership.Status.INVITED, invite_expires_at__lt=expired_before
        ).select_related("user")
    )
    for membership in stale:
        membership.delete()
        _drop_unused_invited_account(membership.user)
    return len(stale)


def _drop_unused_invited_account(user: User) -> None:
    """An account made only for a revoked invitation, never used: leave nothing behind."""
    if user.is_verified or user.has_usable_password() or user.is_operator:
        return
    if user.memberships.exists() or user.pupil_links.exists():  # type: ignore[attr-defined]
        return
    user.delete()


@transaction.atomic
def do_reset_mfa(access: SchoolAccess, membership: StaffMembership) -> None:
    """The main admin clears a staff member's second factor (a lost phone).

    Their sessions and tokens end; they set up a new factor at their next sign-in.
    """
    access.require_main_admin()
    user = membership.user
    if user.is_operator or user.pk == access.user.pk:
        raise Forbidden("Ask the platform's support team to reset this second factor.")
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    accounts.end_sessions_and_tokens(user)
    audit.record(access.user, "staff.mfa_reset", membership, school=membership.school)
    by_link = _second_factor_gained(
        user, membership.school, access.user, False, "their second factor was reset"
    )
    context = {"school": membership.school.name, "first_name": user.first_name, "by_link": by_link}
    address = user.email
    transaction.on_commit(lambda: enqueue(account_tasks.send_plain, "mfa_reset", address, context))


@transaction.atomic
def do_create_api_key(access: SchoolAccess, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key for the school (main admin): the raw key is returned once, only its hash is
    kept. It acts as its own account, which can never sign in."""
    access.require_main_admin()
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise Invalid(
            _("Name the key (up to 80 characters)."), fields={"name": [_("Name the key.")]}
        )
    unknown = sorted(set(scopes) - set(apikeys.SCOPES))
    if unknown or not scopes:
        message = _("Choose one or more of: %(scopes)s.") % {"scopes": ", ".join(apikeys.SCOPES)}
        raise Invalid(message, code="invalid_scope", fields={"scopes": [message]})
    if ApiKey.objects.visible_to(access).filter(name=name, revoked_at=None).exists():
        message = _("A live key already has this name.")
        raise Conflict(message, code="duplicate", fields={"name": [message]})
    raw = apikeys.PREFIX + secrets.token_urlsafe(32)
    robot = User(
        email=f"key-{secrets.token_hex(8)}@api-keys.invalid",
        first_name="API key",
        surname=name,
        is_api_key=True,
    )
    robot.set_unusable_password()
    robot.save()
    key = ApiKey.objects.create(
        school=access.school,
        user=robot,
        name=name,
        scopes=[s for s in apikeys.SCOPES if s in scopes],
        key_hash=apikeys.digest(raw),
        prefix=raw[:8],
        created_by=access.user,
    )
    audit.record(access.user, "api_key.create", key, school=access.school, scopes=key.scopes)
    return key, raw


@transaction.atomic
def do_revoke_api_key(access: SchoolAccess, key: ApiKey) -> ApiKey:
    """Revoke at once: the next request with it is a 401."""
    access.require_main_admin()
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(access.user, "api_key.revoke", key, school=access.school)
    return key
