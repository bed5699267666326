"""Access logs that never hold a secret.

Emailed links carry their token after "#", which browsers never send, so no request
line holds one. As a second guard, gunicorn's access logger (and runserver's request log)
mask what could still be one: the segment after a single-use link's path (`/reset-password/
<token>`, links mailed before the change), and any path segment or query value that looks
like a token (20 or more URL-safe characters, with a digit or a capital, not a UUID).
The remote address is the client's as resolved behind the configured proxies.
"""

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(
    r"^(/(?:child-protection-file|reset-password|invitations|verify-email|confirm-email"
    r"|second-factor/setup)/)(?!(?:new|open)(?:[/?]|$))[^/?#\s]+"
)
UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
TOKENISH = re.compile(r"(?<=[/=])([A-Za-z0-9_\-.:%]{20,})(?=$|[/?&#\s])")


def _mask(match: re.Match[str]) -> str:
    """Words of a path (`child-protection-file`) and ids (UUIDs) stay; anything long with
    a digit or a capital letter in it is taken for a token."""
    value = match.group(1)
    if UUID.match(value) or not re.search(r"[0-9A-Z]", value):
        return value
    return "[token]"


def redact(path: str) -> str:
    """A path (or a whole request line) with every token-like part masked."""
    path = SECRET_PATHS.sub(r"\1[token]", path)
    return TOKENISH.sub(_mask, path)


def redact_line(line: str) -> str:
    """`GET /path?query HTTP/1.1` with the path and query masked."""
    parts = line.split(" ")
    if len(parts) >= 2:
        parts[1] = redact(parts[1])
    return " ".join(parts)


def resolved_client(environ: dict[str, Any], fallback: str) -> str:
    """The client address behind TRUSTED_PROXY_COUNT proxies (as the throttle sees it)."""
    from django.conf import settings

    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [p.strip() for p in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]
    return fallback


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = redact(str(found.get("U", "")))  # the formats log %(U)s, never %(r)s
        found["r"] = redact_line(str(found.get("r", "")))
        found["q"] = redact("=" + str(found.get("q", "")))[1:]
        found["h"] = resolved_client(environ or {}, str(found.get("h", "")))
        return found


class RedactingFilter(logging.Filter):
    """runserver's `django.server` request lines with path and query masked; a bad `Host`
    header (`django.security.DisallowedHost`) as one line, without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.server" and isinstance(record.args, tuple) and record.args:
            first = record.args[0]
            if isinstance(first, str):
                record.args = (redact_line(first), *record.args[1:])
        elif record.name == "django.security.DisallowedHost":
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
