"""Second factor: TOTP (RFC 6238: base32 secret, SHA-1, 6 digits, 30 s) and recovery codes.

Who must use one is deployment policy (`MFA_REQUIRED_ROLES`): by default operators,
main admins, admins and safeguarding leads, the people who can reach child-protection
records or grant access to them. A code works once: the device remembers the last
accepted 30-second step and refuses that step or any earlier one.
"""

import hashlib
import hmac
import io
import secrets
import time
from typing import Any

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pupilhub.core.errors import Forbidden

from .models import RecoveryCode, TotpDevice, User

STEP = 30
DRIFT_STEPS = 1  # accept the previous and next step too: phones' clocks drift
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def now() -> float:
    """The clock codes are checked against (tests freeze it)."""
    return time.time()


def requires_mfa(user: Any) -> bool:
    """Does this person's role oblige them to use a second factor?"""
    wanted = set(settings.MFA_REQUIRED_ROLES)
    if not wanted or not getattr(user, "is_authenticated", False):
        return False
    if user.is_operator and "operator" in wanted:
        return True
    from pupilhub.schools.models import StaffMembership

    active = StaffMembership.objects.active().filter(user=user)
    roles = set(active.values_list("role", flat=True))
    if roles & wanted:
        return True
    return "safeguarding_lead" in wanted and active.filter(safeguarding_lead=True).exists()


def confirmed_device(user: Any) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_mfa(user: Any) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def otpauth_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.MFA_ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image request, no third party)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def start_enrolment(user: User) -> TotpDevice:
    """A fresh secret, not yet active; replaces an unconfirmed one."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).delete()
        device = TotpDevice.objects.filter(user=user).first()
        if device is not None:
            return device  # already confirmed: the caller refuses
        return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())


def pending_device(user: User) -> TotpDevice:
    """The device being enrolled: the same secret until confirmed, so reloading the page
    keeps a scanned code valid."""
    return TotpDevice.objects.filter(user=user).first() or start_enrolment(user)


def _matching_step(secret: str, code: str) -> int | None:
    code = "".join(code.split())
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now()) // STEP
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def use_totp(device: TotpDevice, code: str) -> bool:
    """True once for a valid code: the step is claimed with a conditional update."""
    step = _matching_step(device.secret, code)
    if step is None:
        return False
    claimed = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
    return claimed == 1


def _code_hash(user_id: Any, code: str) -> str:
    normal = "".join(code.lower().split()).replace("-", "")
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"recovery:{user_id}:{normal}".encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes (shown once); any earlier codes stop working."""
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_code_hash(user.pk, c)) for c in codes]
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    found = RecoveryCode.objects.filter(
        user=user, code_hash=_code_hash(user.pk, code), used_at__isnull=True
    ).first()
    if found is None:
        return False
    claimed = RecoveryCode.objects.filter(pk=found.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return claimed == 1


def verify(user: User, code: str) -> bool:
    """A current TOTP code or an unused recovery code; each works once."""
    device = confirmed_device(user)
    if device is None or not code:
        return False
    return use_totp(device, code) or use_recovery_code(user, code)


LINK_REQUIRED = _(
    "Set up your second factor from the link we emailed to you. "
    "You can ask for a new link on the set-up page."
)


def require_link_proof(user: User, proven: bool) -> None:
    """Enrolment for an account set up by link (after a promotion or a reset) needs the
    link's proof: 403 `mfa_enrolment_link_required` otherwise."""
    if user.mfa_enrol_by_link and not proven:
        raise Forbidden(str(LINK_REQUIRED), code="mfa_enrolment_link_required")
