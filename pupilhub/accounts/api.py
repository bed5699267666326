"""Auth endpoints: tokens, logout, password reset."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from pupilhub.api.base import errors

from . import actions

router = Router(tags=["auth"])


class TokenIn(Schema):
    email: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ResetIn(Schema):
    email: str


class ResetConfirmIn(Schema):
    token: str
    new_password: str


class OkOut(Schema):
    ok: bool = True


@router.post("/token", auth=None, response={200: TokenOut, **errors(400, 429)})
def issue_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange email and password for a bearer token. Failures are throttled."""
    token, raw = actions.issue_api_token(request, payload.email, payload.password)
    return TokenOut(token=raw, expires_at=token.expires_at)


@router.post("/logout", response={200: OkOut, **errors()})
def logout(request: HttpRequest) -> OkOut:
    actions.revoke_api_token(request.api_token)  # type: ignore[attr-defined]
    return OkOut()


@router.post("/password-reset", auth=None, response={202: OkOut, **errors(400)})
def password_reset(request: HttpRequest, payload: ResetIn) -> Status[OkOut]:
    """Always 202: whether the address has an account is never revealed."""
    actions.request_password_reset(payload.email)
    return Status(202, OkOut())


@router.post("/password-reset/confirm", auth=None, response={200: OkOut, **errors(400)})
def password_reset_confirm(request: HttpRequest, payload: ResetConfirmIn) -> OkOut:
    actions.confirm_password_reset(payload.token, payload.new_password)
    return OkOut()
