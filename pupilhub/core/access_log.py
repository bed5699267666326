"""gunicorn's access logger with single-use secrets taken out of paths: a link that carries
its token as the last path segment (a child-protection file, a password reset, an
invitation, an email confirmation) is logged with `[token]` in its place, so a log reader
cannot follow it."""

import re
from typing import Any

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(
    r"^(/(?:child-protection-file|reset-password|invitations|verify-email|confirm-email)/)"
    r"[^/]+"
)


def redact(path: str) -> str:
    return SECRET_PATHS.sub(r"\1[token]", path)


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = redact(str(found.get("U", "")))  # the formats log %(U)s, never %(r)s
        return found
