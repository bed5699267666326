"""Probes for the load balancer and the orchestrator (API.md "Operations").

`/healthz`: the process serves (touches nothing). `/readyz`: it can do its work: the
database answers, the cache round-trips a value, the broker accepts a connection and the
file store is reachable. The database and the file store are needed (503, named, when one
fails); without the cache or the broker the site still serves (the cache falls back to the
database, jobs wait in the outbox), so they are `degraded` with a 200. Why a check failed
goes to the log, never to the caller."""

import logging
import os
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 3


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    value = secrets.token_hex(8)
    cache.set("readyz:probe", value, 30)
    if cache.get("readyz:probe") != value:
        raise RuntimeError("the cache did not return what was stored")


def _broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        if not os.access(str(folder), os.W_OK):
            raise RuntimeError("the broker folder is not writable")
        return
    from kombu import Connection

    with Connection(url, connect_timeout=TIMEOUT_SECONDS) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)


def _storage() -> None:
    bucket = getattr(default_storage, "bucket_name", None)
    if bucket:  # S3: the bucket itself must answer (a missing one fails every upload)
        default_storage.connection.meta.client.head_bucket(Bucket=bucket)  # type: ignore[attr-defined]
        return
    root = str(settings.MEDIA_ROOT)
    os.makedirs(root, exist_ok=True)
    if not os.access(root, os.W_OK):
        raise RuntimeError("the media folder is not writable")


OPTIONAL = ("cache", "broker")  # the site serves without them
CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency is "not ready", named
            log.warning("readyz: %s check failed (%s)", name, type(exc).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    for name in OPTIONAL:
        if results[name] == "failed":
            results[name] = "degraded"
    if any(v == "failed" for v in results.values()):
        return JsonResponse({"status": "unavailable", "checks": results}, status=503)
    degraded = any(v == "degraded" for v in results.values())
    return JsonResponse({"status": "degraded" if degraded else "ok", "checks": results})
