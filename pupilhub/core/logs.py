"""Structured logs: one JSON object a line (LOG_FORMAT=json) carrying the request id, the
user id and the school id of the request being served. Ids only: never names, addresses
or record content (code logs ids, and nothing here reads the request body)."""

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

request_id: ContextVar[str] = ContextVar("request_id", default="")
user_id: ContextVar[str] = ContextVar("user_id", default="")
school_id: ContextVar[str] = ContextVar("school_id", default="")

# A proxy's X-Request-ID is kept when it is a plain token (so logs join up across hops);
# anything else is replaced, so a client cannot write into the logs through it.
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextFilter(logging.Filter):
    """Adds the current request's ids to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = user_id.get()
        record.school_id = school_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "user_id", "school_id"):
            value = getattr(record, key, "")
            if value:
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
            out["traceback"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class RequestContextMiddleware:
    """Sets the ids for the request's log lines and answers with X-Request-ID. Placed
    after authentication, so the user is known; the school comes from the URL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if SAFE_ID.match(given) else uuid.uuid4().hex
        request_id.set(rid)
        user_id.set("")
        school_id.set("")
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            user_id.set(str(user.pk))
        # The ids stay set until the response is finished: Django logs a 4xx or 5xx answer
        # after the middleware has returned, and that line must carry them too.
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        school = kwargs.get("school")
        if school is not None:
            school_id.set(str(school))
        return None


@receiver(request_finished)
def _forget_request(**kwargs: Any) -> None:
    """Lines logged between requests (a thread's idle work) name no request."""
    request_id.set("")
    user_id.set("")
    school_id.set("")
