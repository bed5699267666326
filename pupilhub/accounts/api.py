"""Identity endpoints: tokens, second factor, invitations, password reset, email change,
and operators' view of sign-in holds."""

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pupilhub.accounts.access import signed_in
from pupilhub.api.base import In, OkOut, errors, optional_user, page
from pupilhub.core.errors import Conflict

from . import actions, mfa
from .access import current_holds, hold_for
from .models import LoginHold

router = Router(tags=["auth"])
me_router = Router(tags=["me"])
operator_router = Router(tags=["platform"])


class TokenIn(In):
    email: str
    password: str
    otp: str | None = None
    # The `device` value an earlier sign-in returned: this client's failures count apart,
    # and holds or slow-downs caused by others' guesses never reach it.
    device: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: datetime
    mfa_enrolment_required: bool = False
    device: str | None = None  # keep it, send it back with the next POST /auth/token


class ResetIn(In):
    email: str


class ResetConfirmIn(In):
    token: str
    new_password: str


class AcceptIn(In):
    token: str
    password: str


class SchoolRef(Schema):
    id: uuid.UUID
    name: str


class AcceptOut(Schema):
    email: str
    school: SchoolRef
    role: str


class TotpOut(Schema):
    secret: str
    otpauth_uri: str


class OtpIn(In):
    otp: str


class DisableIn(In):
    otp: str
    password: str | None = None  # the current password, checked when given (pages ask it)


class RecoveryOut(Schema):
    recovery_codes: list[str]


class EmailChangeIn(In):
    new_email: str
    password: str


class TokenOnlyIn(In):
    token: str


@router.post("/token", auth=None, response={200: TokenOut, **errors(400, 429)})
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Email, password and (where the account has one) a second-factor code.

    401 `mfa_required` without `otp`, 401 `mfa_invalid` for a wrong or replayed one.
    A role that needs a factor not yet set up gets a token good only for enrolling.
    """
    token, raw, device = actions.issue_api_token(
        request, payload.email, payload.password, payload.otp, payload.device
    )
    return TokenOut(
        token=raw,
        expires_at=token.expires_at,
        mfa_enrolment_required=token.mfa_enrolment_only,
        device=device,
    )


class EnrolmentLinkIn(In):
    token: str
    password: str


@router.post("/mfa-enrolment", auth=None, response={200: TokenOut, **errors(400, 429)})
def enrolment_link(request: HttpRequest, payload: EnrolmentLinkIn) -> TokenOut:
    """The emailed second-factor set-up link's token and the account's password: a token
    that may set up the factor (`/me/mfa/totp`, then confirm), for an account whose role
    was gained or whose factor was reset without one. Each link works once."""
    token, raw = actions.issue_enrolment_token(request, payload.token, payload.password)
    return TokenOut(
        token=raw, expires_at=token.expires_at, mfa_enrolment_required=token.mfa_enrolment_only
    )


@router.post("/logout", response={200: OkOut, **errors()})
def logout(request: HttpRequest) -> OkOut:
    actions.revoke_api_token(request.api_token)  # type: ignore[attr-defined]
    return OkOut()


@router.post("/password-reset", auth=None, response={202: OkOut, **errors(400, 429)})
def password_reset(request: HttpRequest, payload: ResetIn) -> Status[OkOut]:
    """Always 202: whether the address has an account is never revealed."""
    actions.request_password_reset(request, payload.email)
    return Status(202, OkOut())


@router.post("/password-reset/confirm", auth=None, response={200: OkOut, **errors(400)})
def password_reset_confirm(request: HttpRequest, payload: ResetConfirmIn) -> OkOut:
    actions.confirm_password_reset(payload.token, payload.new_password)
    return OkOut()


@router.post("/invitations/accept", auth=None, response={200: AcceptOut, **errors(400, 429)})
def accept_invitation(request: HttpRequest, payload: AcceptIn) -> AcceptOut:
    """Activate a staff membership from its emailed link's token."""
    from pupilhub.schools.actions import do_accept_invitation

    membership = do_accept_invitation(request, payload.token, payload.password)
    school = membership.school
    return AcceptOut(
        email=membership.user.email,
        school=SchoolRef(id=school.id, name=school.name),
        role=membership.role,
    )


# Second factor ------------------------------------------------------------------------


def _enrolment_allowed(request: HttpRequest) -> None:
    """403 `mfa_enrolment_link_required` for an account that must set up by link, unless
    this token came from that link."""
    proven = bool(getattr(request.api_token, "enrolment_proven", False))  # type: ignore[attr-defined]
    mfa.require_link_proof(signed_in(request), proven)


@me_router.post("/me/mfa/totp", response={201: TotpOut, **errors(403, 409)})
def totp_start(request: HttpRequest) -> Status[TotpOut]:
    """A new secret, not active until confirmed with a code from it."""
    if mfa.has_mfa(request.user):
        raise Conflict("A second factor is already set up.", code="mfa_already_enabled")
    _enrolment_allowed(request)
    device = mfa.start_enrolment(request.user)  # type: ignore[arg-type]
    uri = mfa.otpauth_uri(request.user, device.secret)  # type: ignore[arg-type]
    return Status(201, TotpOut(secret=device.secret, otpauth_uri=uri))


@me_router.post("/me/mfa/totp/confirm", response={200: RecoveryOut, **errors(400, 403, 409)})
def totp_confirm(request: HttpRequest, payload: OtpIn) -> RecoveryOut:
    _enrolment_allowed(request)
    codes = actions.do_confirm_totp(
        signed_in(request),
        payload.otp,
        api_token=request.api_token,  # type: ignore[attr-defined]
    )
    return RecoveryOut(recovery_codes=codes)


@me_router.delete("/me/mfa", response={200: OkOut, **errors(400, 409, 429)})
def mfa_disable(request: HttpRequest, payload: DisableIn) -> OkOut:
    actions.do_disable_mfa(
        request.user,  # type: ignore[arg-type]
        payload.otp,
        payload.password,
        request=request,
    )
    return OkOut()


# Email change -----------------------------------------------------------------------------


@me_router.post("/me/email", response={202: OkOut, **errors(400, 429)})
def email_change(request: HttpRequest, payload: EmailChangeIn) -> Status[OkOut]:
    """A confirmation link goes to the new address; nothing changes until it is followed."""
    actions.request_email_change(request, request.user, payload.new_email, payload.password)  # type: ignore[arg-type]
    return Status(202, OkOut())


@me_router.post("/me/email/confirm", auth=optional_user, response={200: OkOut, **errors(400, 409)})
def email_confirm(request: HttpRequest, payload: TokenOnlyIn) -> OkOut:
    """The link's token proves the new address; a signed-in caller must own the change."""
    actions.confirm_email_change(payload.token, signed_in=getattr(request, "auth_user", None))
    return OkOut()


# Operators: sign-in holds -------------------------------------------------------------------


class HoldOut(Schema):
    id: uuid.UUID
    email: str | None
    created_at: datetime
    until: datetime


class HoldList(Schema):
    items: list[HoldOut]
    next: str | None = None


def hold_out(hold: LoginHold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        email=hold.user.email if hold.user else None,
        created_at=hold.created_at,
        until=hold.until,
    )


@operator_router.get("/login-holds", response={200: HoldList, **errors(403)})
def list_holds(request: HttpRequest) -> dict:
    """Operators: accounts held after repeated failed sign-ins (unknown addresses as null)."""
    return page(request, current_holds(request.user), lambda h: hold_out(h).dict())


@operator_router.post("/login-holds/{hold}/lift", response={200: OkOut, **errors(403, 404)})
def lift_hold(request: HttpRequest, hold: str) -> OkOut:
    found = hold_for(request.user, hold)
    actions.lift_hold(request.user, found)  # type: ignore[arg-type]
    return OkOut()
