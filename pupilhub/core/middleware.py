"""Response headers every page gets; sliding session expiry."""

import re
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy (no CDN, no inline script) on HTML pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            # The contract's error body, not Django's empty HTML, for a wrong method.
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {
                    "error": {
                        "code": "method_not_allowed",
                        "message": f"Use {allowed or 'another method'} here.",
                        "fields": {},
                    }
                },
                status=405,
            )
            response["Allow"] = allowed
        if request.path.startswith("/api/v1/docs"):
            return response  # ninja's Swagger page needs its own inline script.
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class IdleSessionMiddleware:
    """Push a signed-in session's expiry on, at most once every 3 minutes.

    Staff sessions end after SESSION_COOKIE_AGE (30) idle minutes. Saving the session on
    every request would do that too, but costs a write per page view; the idle timeout
    needs only a tenth of its length in precision. A session is marked at sign-in, so
    the first pages after it write nothing either. Sits after SessionMiddleware.
    """

    KEY = "_touched"
    EVERY = 180

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # The session's own auth key, not request.user: that would cost a user query.
        if session is not None and session.get(SESSION_KEY):
            now = int(time.time())
            if session.get(self.KEY, 0) <= now - self.EVERY:
                session[self.KEY] = now  # marks it modified: saved with a fresh expiry
        return response


class SecondFactorEnrolmentMiddleware:
    """Someone whose role requires a second factor, signed in without one, sees only the
    set-up page (and can log out) until it is done. Reads a session flag set at sign-in:
    no query per request."""

    ALLOWED = ("/account/security/", "/second-factor/setup/", "/logout/", "/static/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get("mfa_enrol")
            and not request.path.startswith(self.ALLOWED)
        ):
            return redirect("security")
        return self.get_response(request)


NUL_MESSAGE = "Text may not contain NUL (\\u0000) characters."
NOT_OBJECT = "The request body must be a JSON object ({...})."


class RefuseNulMiddleware:
    """A NUL character anywhere in the query string, a form field or a JSON body is a 400
    before any view runs: PostgreSQL cannot store it, so it would otherwise fail deep in a
    save as a 500. File contents are not checked (binary files hold NULs)."""

    JSON_NUL = re.compile(rb"(?<!\\)\\u0000")

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                body = {"error": {"code": "invalid", "message": NUL_MESSAGE, "fields": {}}}
                return JsonResponse(body, status=400)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain")
        if self._json_not_object(request):
            body = {"error": {"code": "invalid", "message": NOT_OBJECT, "fields": {}}}
            return JsonResponse(body, status=400)
        return self.get_response(request)

    def _json_not_object(self, request: HttpRequest) -> bool:
        """An API JSON body must be an object (`{...}`): an array or a bare value is a 400."""
        if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH"):
            return False
        if not request.META.get("CONTENT_TYPE", "").startswith("application/json"):
            return False
        try:
            start = request.body.lstrip()[:1]
        except Exception:
            return False
        return bool(start) and start != b"{"

    def _has_nul(self, request: HttpRequest) -> bool:
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get(
            "QUERY_STRING", ""
        ):
            return True
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("application/json"):
            try:
                return bool(self.JSON_NUL.search(request.body))
            except Exception:
                return False
        if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            try:
                return any("\x00" in v for values in request.POST.lists() for v in values[1])
            except Exception:
                return False
        return False


def mark_fresh_session(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """At sign-in the session is new (its expiry a full idle window ahead): no page in
    the next few minutes needs to write it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[IdleSessionMiddleware.KEY] = int(time.time())
