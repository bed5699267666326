"""School API keys: what each scope reaches, and how a presented key is checked.

A key reaches only the paths its scopes list, on its own school's URLs: never
safeguarding, external users, staff, billing or anything an operator does. The table
below is the whole of it; anything not matched is a 403 `api_key_scope`.
"""

import hashlib
import re
import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pupilhub.core.errors import Forbidden, RateLimited

from .models import ApiKey

PREFIX = "phk_"
SCOPES = {
    "pupils:read": _("Read pupils (and export a CTF)"),
    "pupils:write": _("Add, change and import pupils"),
    "documents:read": _("Read plans, provisions, passports, meeting logs and files"),
    "documents:write": _("Add and change plans, provisions, passports, meeting logs and files"),
    "tracking:write": _("Write tracking values"),
    "reports:read": _("Read reports and their PDFs"),
}
# Requests a key may make in a minute (per key, whatever the client's address).
PER_MINUTE = 600
# last_used_at is written at most this often (never a write on every request).
TOUCH_EVERY = timedelta(minutes=1)

_ID = r"[^/]+"
_DOCS = r"(plans|provisions|passports|meeting-logs|files|documents)"
_S = rf"/api/v1/schools/(?P<school>{_ID})"
_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("pupils:read", ("GET",), rf"{_S}/pupils/?"),
    ("pupils:read", ("GET",), rf"{_S}/pupils/{_ID}"),
    ("pupils:read", ("GET",), rf"{_S}/ctf"),
    ("pupils:write", ("POST",), rf"{_S}/pupils(/import)?"),
    ("pupils:write", ("PATCH",), rf"{_S}/pupils/{_ID}"),
    ("documents:read", ("GET",), rf"{_S}/pupils/{_ID}/{_DOCS}(/.*)?"),
    ("documents:write", ("POST", "PATCH", "PUT", "DELETE"), rf"{_S}/pupils/{_ID}/{_DOCS}(/.*)?"),
    ("tracking:write", ("GET",), rf"{_S}/tracking-fields"),
    ("tracking:write", ("PUT",), rf"{_S}/pupils/{_ID}/tracking-values"),
    ("tracking:write", ("POST",), rf"{_S}/tracking-values/import"),
    ("reports:read", ("GET",), rf"{_S}/reports(/.*)?"),
)
_COMPILED = [(scope, methods, re.compile(pattern + r"$")) for scope, methods, pattern in _RULES]
# Reachable by any key: who am I, and ending the request's own session is meaningless.
_ANY = re.compile(r"/api/v1/me/?$")


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def lookup(raw: str) -> ApiKey | None:
    """The live key this string is, or None."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    key = ApiKey.objects.select_related("school", "user").filter(key_hash=digest(raw)).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def check_reach(key: ApiKey, method: str, path: str) -> None:
    """403 unless one of the key's scopes reaches `method path` on the key's own school."""
    if method in ("GET", "HEAD") and _ANY.match(path):
        return
    for scope, methods, pattern in _COMPILED:
        found = pattern.match(path)
        if found is None or (method not in methods and not (method == "HEAD" and "GET" in methods)):
            continue
        if found.group("school") != str(key.school_id):
            raise Forbidden(
                "This API key belongs to another school: use it on its own school's URLs.",
                code="api_key_wrong_school",
            )
        if scope in key.scopes:
            return
        raise Forbidden(f"This API key does not have the `{scope}` scope.", code="api_key_scope")
    raise Forbidden(
        "API keys reach pupils, their documents, tracking values and reports only.",
        code="api_key_scope",
    )


def throttle(key: ApiKey) -> None:
    """At most PER_MINUTE requests a minute for each key (429 with Retry-After)."""
    window = int(time.time() // 60)
    name = f"apikey-rate:{key.pk}:{window}"
    cache.add(name, 0, timeout=120)
    try:
        used = cache.incr(name)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(name, 1, timeout=120)
        used = 1
    if used > PER_MINUTE:
        raise RateLimited(retry_after=60 - int(time.time()) % 60 or 1)


def touch(key: ApiKey) -> None:
    """Record use, at most once a minute."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
