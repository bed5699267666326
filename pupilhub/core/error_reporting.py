"""Error reporting with sentry-sdk, on only when SENTRY_DSN is set. Children's data never
leaves: no request bodies, cookies, headers, query strings or local variables, and the
user is sent as an id alone. `scrub` runs on every event before it is sent."""

from typing import Any

# Request parts that may carry personal data or secrets (tokens, session cookies, a
# search for a pupil's name in the query string).
DROPPED_REQUEST_KEYS = ("data", "cookies", "headers", "query_string", "env")


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with personal data removed (sentry-sdk's before_send)."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in DROPPED_REQUEST_KEYS:
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": str(user["id"])} if user.get("id") else {}
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        crumb.pop("data", None)  # SQL parameters, HTTP bodies
    event.pop("extra", None)
    return event


def start(dsn: str, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
    )
