"""The child-protection file's link and code, as they are stored: the link's SHA-256 and
the code's keyed hash (6 digits are too few to store with a plain hash)."""

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def code_hash(transfer_id: Any, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"cp-code:{transfer_id}:{code}".encode(), hashlib.sha256).hexdigest()


def code_matches(transfer: Any, code: str) -> bool:
    code = "".join(str(code or "").split())
    return bool(transfer.code_hash) and hmac.compare_digest(
        transfer.code_hash, code_hash(transfer.pk, code)
    )
