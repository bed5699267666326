"""The API's edge, for every endpoint at once: JSON errors for unknown paths, the Bearer
challenge, entity tags and `If-Match`, and `Idempotency-Key` on POST."""

import copy
import hashlib
import re
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import IdempotentAnswer

API = "/api/"
# How long a POST's first answer is replayed for its Idempotency-Key.
REPLAY_FOR = timedelta(hours=24)
MAX_KEY = 255
# A list of strong or weak entity tags, or `*` (RFC 9110 section 13.1.1).
_TAG = r'(?:W/)?"[\x21\x23-\x7e]*"'
IF_MATCH = re.compile(rf"^\s*(\*|{_TAG}(\s*,\s*{_TAG})*)\s*$")
# Answers that are never replayed: the credential itself must not sit in this table.
NO_REPLAY = ("/api/v1/auth/",)


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    fields = {field: [message]} if field else {}
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields}}, status=status
    )


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class ApiEdgeMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API):
            return self.get_response(request)
        method = request.method or "GET"
        if method in ("PATCH", "PUT", "DELETE") and "HTTP_IF_MATCH" in request.META:
            refused = self._precondition(request)
            if refused is not None:
                return refused
        if method == "POST" and "HTTP_IDEMPOTENCY_KEY" in request.META:
            response = self._idempotent(request)
        else:
            response = self.get_response(request)
        return self._finish(request, response)

    def _finish(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if response.status_code == 404 and "json" not in response.get("Content-Type", ""):
            response = _error(404, "not_found", "Not found.")  # DEBUG's page, or a bare 404
        if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
            response["WWW-Authenticate"] = 'Bearer realm="pupilhub"'
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("application/json")
            and not getattr(response, "streaming", False)
        ):
            body = response.content
            if not body.lstrip().startswith(b'{"items"'):  # a single object, not a list
                response["ETag"] = entity_tag(body)
        return response

    # If-Match ------------------------------------------------------------------------------

    def _precondition(self, request: HttpRequest) -> HttpResponse | None:
        """412 unless the object, read now as the caller would GET it, still has a tag the
        client names. A malformed header is a 400 and nothing is written."""
        header = request.META["HTTP_IF_MATCH"]
        if len(header) > 2000 or not IF_MATCH.match(header):
            return _error(
                400,
                "invalid",
                'If-Match must be "*" or entity tags in double quotes, as ETag gave them.',
                "If-Match",
            )
        if header.strip() == "*":
            return None
        current = self._current(request)
        if current is None:
            return None  # not readable: the write itself answers (404, 403, ...)
        tags = {t.strip() for t in header.split(",")}
        if current in tags:  # strong comparison: weak tags never match
            return None
        return _error(
            412,
            "precondition_failed",
            "This changed since you read it: read it again, then make your change.",
        )

    def _current(self, request: HttpRequest) -> str | None:
        read = copy.copy(request)
        read.method = "GET"
        read.META = {**request.META, "REQUEST_METHOD": "GET", "HTTP_IF_MATCH": ""}
        del read.META["HTTP_IF_MATCH"]
        read.META.pop("CONTENT_LENGTH", None)
        read._body = b""  # type: ignore[attr-defined]
        response = self.get_response(read)
        if response.status_code != 200 or getattr(response, "streaming", False):
            return None
        return entity_tag(response.content)

    # Idempotency-Key ------------------------------------------------------------------------

    def _idempotent(self, request: HttpRequest) -> HttpResponse:
        key = request.META["HTTP_IDEMPOTENCY_KEY"].strip()
        if not key or len(key) > MAX_KEY or not key.isprintable():
            return _error(
                400,
                "invalid",
                f"Idempotency-Key must be 1 to {MAX_KEY} printable characters.",
                "Idempotency-Key",
            )
        credential = request.META.get("HTTP_AUTHORIZATION", "")
        if not credential or request.path.startswith(NO_REPLAY):
            return self.get_response(request)  # anonymous or a sign-in: nothing is kept
        caller = hashlib.sha256(credential.encode()).hexdigest()
        sent = _request_digest(request)
        IdempotentAnswer.objects.filter(
            caller=caller, key=key, created_at__lt=timezone.now() - REPLAY_FOR
        ).delete()
        try:
            with transaction.atomic():
                claim = IdempotentAnswer.objects.create(caller=caller, key=key, request_digest=sent)
        except IntegrityError:
            return self._replay(caller, key, sent)
        response = self.get_response(request)
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            claim.status = response.status_code
            claim.content_type = response.get("Content-Type", "")[:100]
            claim.body = response.content
            claim.save(update_fields=["status", "content_type", "body"])
        else:  # nothing was made: the client may retry with the same key
            claim.delete()
        return response

    def _replay(self, caller: str, key: str, sent: str) -> HttpResponse:
        first = IdempotentAnswer.objects.filter(caller=caller, key=key).first()
        if first is None or first.request_digest != sent:
            return _error(
                409,
                "idempotency_mismatch",
                "This Idempotency-Key was used with another request: use a new key.",
                "Idempotency-Key",
            )
        if first.status == 0:
            return _error(
                409,
                "idempotency_in_progress",
                "The first request with this Idempotency-Key is still running: retry shortly.",
            )
        response = HttpResponse(
            bytes(first.body), status=first.status, content_type=first.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response


def _request_digest(request: HttpRequest) -> str:
    """What was sent: path and body. A multipart body is hashed by its fields and files'
    contents (its boundary differs on every retry; a large file is read in chunks, never
    held in memory)."""
    digest = hashlib.sha256(b"POST " + request.get_full_path().encode() + b"\n")
    if request.content_type == "multipart/form-data":
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"\n{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def purge_answers() -> int:
    """Forget answers older than the replay window (run nightly)."""
    old = IdempotentAnswer.objects.filter(created_at__lt=timezone.now() - REPLAY_FOR)
    return old.delete()[0]
