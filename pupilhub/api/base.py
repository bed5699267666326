"""The v1 NinjaAPI: bearer auth, the contract's error body, list pagination."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer
from pydantic import Field

from pupilhub.accounts.models import ApiToken
from pupilhub.core import logs
from pupilhub.core.errors import DomainError, Forbidden, RateLimited, StorageFull
from pupilhub.core.keyset import keyset_page, read_cursor, write_cursor
from pupilhub.core.schemas import In, Lenient, Open
from pupilhub.schools import apikeys

__all__ = ["In", "Lenient", "Open"]  # re-exported: every app's api.py takes them from here

PAGE_SIZE = 50

# Bounded numbers for input schemas: a value the database cannot hold is a 400, not a 500.
Pence = Annotated[int, Field(ge=0, le=100_000_000)]  # up to £1,000,000
Count = Annotated[int, Field(ge=0, le=100_000)]
# -2 N1, -1 N2 (nursery), 0 Reception .. 13, 14-15 retained, 99 X (not following the NC).
YearCode = Annotated[int, Field(ge=-2, le=99)]
Score = Annotated[float, Field(ge=-1_000_000, le=1_000_000, allow_inf_nan=False)]


class OkOut(Schema):
    ok: bool = True


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


def errors(*codes: int) -> dict[int, type[Schema]]:
    """Error responses an endpoint can answer, for the OpenAPI document.

    Every authenticated endpoint can answer 401; the caller names the rest.
    """
    return dict.fromkeys((401, *codes), ErrorOut)


# What a token issued before its holder set up a required second factor may reach.
ENROLMENT_PATHS = ("/api/v1/me/mfa", "/api/v1/auth/logout")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if token.startswith(apikeys.PREFIX):
            return self._school_key(request, token)
        api_token = ApiToken.lookup(token)
        if api_token is None:
            return None
        if api_token.mfa_enrolment_only and not request.path.startswith(ENROLMENT_PATHS):
            raise Forbidden(
                "Set up a second factor first: POST /api/v1/me/mfa/totp, then confirm it.",
                code="mfa_enrolment_required",
            )
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        logs.user_id.set(str(api_token.user_id))  # this request's log lines name the caller
        return api_token.user

    def _school_key(self, request: HttpRequest, raw: str) -> Any:
        """A school API key: its scopes and its school bound what it reaches (403 beyond),
        it is throttled per key, and it needs no second factor."""
        key = apikeys.lookup(raw)
        if key is None:
            return None
        apikeys.check_reach(key, request.method or "GET", request.path)
        apikeys.throttle(key)
        apikeys.touch(key)
        request.user = key.user
        request.api_key = key  # type: ignore[attr-defined]
        logs.user_id.set(str(key.user_id))
        return key.user


def optional_user(request: HttpRequest) -> Any:
    """Auth for endpoints open to all that still honour a bearer token when one is sent
    (a bad one is a 401). The caller, if any, is `request.auth_user`."""
    request.auth_user = None  # type: ignore[attr-defined]
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        found = ApiToken.lookup(header[7:].strip())
        if found is None or found.mfa_enrolment_only:
            return None
        request.auth_user = found.user  # type: ignore[attr-defined]
    return True


class PreciseEncoder(NinjaJSONEncoder):
    """Datetimes to the microsecond (Django's encoder cuts them to milliseconds): a sync that
    sends back the `updated_at` it saw as `?updated_after=` must not see that row again."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class PreciseRenderer(JSONRenderer):
    encoder_class = PreciseEncoder


class Api(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        _declare_paging(schema)
        return schema


api = Api(
    title="pupilhub API",
    version="1",
    description="The public API of pupilhub. See shared/API.md for the contract.",
    auth=TokenAuth(),
    renderer=PreciseRenderer(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


def _field_name(loc: list[Any]) -> str:
    # ninja locations look like ["body", "payload", "year_group", 0]; keep the field.
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return parts[0] if parts else "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if getattr(request, "upload_storage_full", False):  # the file was refused by a full disk
        full = StorageFull()
        return error_response(request, full.status, full.code, full.message)
    fields: dict[str, list[str]] = {}
    unknown = False
    for err in exc.errors:
        message = str(err.get("msg", "Invalid value."))
        if err.get("type") == "missing":
            message = "This field is required."
        if err.get("type") == "extra_forbidden":
            unknown = True
            message = "Unknown field: check its spelling against the API documentation."
        fields.setdefault(_field_name(list(err.get("loc", []))), []).append(message)
    if unknown:
        message = "The request names a field this endpoint does not take; nothing was changed."
        return error_response(request, 400, "unknown_field", message, fields)
    return error_response(request, 400, "invalid", "The request has invalid fields.", fields)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    message = (
        "The upload could not be read: send multipart/form-data with a boundary "
        "and the file in a part named `file`."
    )
    return error_response(request, 400, "invalid", message, {"file": [message]})


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    """A value the database refuses (too long for its column, out of range) is the
    caller's mistake: a 400. Actions are atomic, so nothing was half-written."""
    message = "A value is too long or out of range; nothing was changed."
    return error_response(request, 400, "invalid", message)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = str(exc) or "You are not allowed to do this."
    return error_response(request, 403, getattr(exc, "code", "forbidden"), message)


HTTP_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return error_response(request, 401, "unauthenticated", "Log in: send a valid bearer token.")
    code = HTTP_CODES.get(exc.status_code, "error")
    message = str(exc)
    if exc.status_code == 400 and "parse" in message.lower():
        message = "The request body is not valid JSON."
    return error_response(request, exc.status_code, code, message)


def page(
    request: HttpRequest,
    items: Any,
    serialize: Any = None,
    *,
    batch: Any = None,
    keyset: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """`{"items": [...], "next": url-or-null}` with PAGE_SIZE items a page.

    `next` carries an opaque `cursor`. With `keyset` (the queryset's order, ending in a
    unique field, none of them nullable) the cursor holds the last row's values, so every
    page is one index range however deep; otherwise it holds a page number (`?page=N` is
    still read). `serialize` turns one row into an item; `batch` turns the page's rows into
    items at once (to load what they need in a query or two, never one a row).
    """
    raw_cursor = request.GET.get("cursor", "")
    state = read_cursor(raw_cursor) if raw_cursor else {}
    if keyset is not None:
        rows, after = keyset_page(items, keyset, state.get("k"), PAGE_SIZE)
        following = {"k": after} if after is not None else None
    else:
        rows, following = _numbered_page(request, items, state)
    next_url = None
    if following is not None:
        query = request.GET.copy()
        query.pop("page", None)
        query["cursor"] = write_cursor(following)
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    if batch is not None:
        return {"items": batch(rows), "next": next_url}
    return {"items": [serialize(r) for r in rows] if serialize else rows, "next": next_url}


def _numbered_page(
    request: HttpRequest, items: Any, state: dict[str, Any]
) -> tuple[list[Any], dict[str, Any] | None]:
    number = state.get("n")
    if not isinstance(number, int):
        raw = request.GET.get("page", "1")
        number = int(raw) if raw.isdigit() and len(raw) < 9 else 1
    number = max(1, number)
    paginator = Paginator(items, PAGE_SIZE)
    rows = list(paginator.page(number).object_list) if number <= paginator.num_pages else []
    return rows, ({"n": number + 1} if number < paginator.num_pages else None)


def _declare_paging(schema: dict[str, Any]) -> None:
    """Path ids are UUIDs; a list's cursor is a declared query parameter."""
    lists = {
        name
        for name, body in schema.get("components", {}).get("schemas", {}).items()
        if {"items", "next"} <= set(body.get("properties", {}))
    }
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            params = op.setdefault("parameters", [])
            for param in params:
                if param.get("in") == "path":
                    param["schema"] = {
                        **param.get("schema", {}),
                        "type": "string",
                        "format": "uuid",
                    }
            answer = op.get("responses", {}).get(200, op.get("responses", {}).get("200", {}))
            ref = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if method != "get" or ref.get("$ref", "").rsplit("/", 1)[-1] not in lists:
                continue
            if not any(p.get("name") == "cursor" for p in params):
                params.append(CURSOR_PARAMETER)


CURSOR_PARAMETER = {
    "in": "query",
    "name": "cursor",
    "required": False,
    "description": "Opaque: copy it from the previous page's `next`; leave it out for the first.",
    "schema": {"type": "string", "title": "Cursor"},
}


def binary(media_type: str, status: int = 200) -> dict[str, Any]:
    """`openapi_extra` for an operation answering with a file: the OpenAPI document names
    its media type and a binary schema (there is no JSON body to describe)."""
    content = {media_type: {"schema": {"type": "string", "format": "binary"}}}
    return {"responses": {status: {"description": "A file.", "content": content}}}
