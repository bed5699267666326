"""Atomic sliding-window counters stored in the database.

Callers *reserve* an attempt before doing the costly or guessable thing (checking a
password, a licence key) and *refund* it when the attempt turns out to be a success.
Reserving locks the bucket row, drops what the window forgot, refuses when `limit`
attempts are already counted, and adds this one, all in one transaction: so 40
parallel guesses against a limit of 10 let exactly 10 through, whatever the timing.
Keys are hashed, so the table never holds an email address or IP in clear.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .errors import RateLimited
from .models import ThrottleBucket


def client_ip(request: HttpRequest) -> str:
    """The client address, trusting X-Forwarded-For only behind configured proxies.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right is the one our
    own proxy saw; anything left of it is client-supplied and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) >= hops:
        return forwarded[-hops]
    return remote


def digest(value: str) -> str:
    """The stored form of a key: keyed, so the table reveals no address or IP."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:throttle:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts in `window` seconds for `value` (within `scope`)."""

    scope: str
    value: str
    limit: int
    window: int
    subject: str = ""  # an account this bucket belongs to, for lifting holds


def _now() -> float:
    return time.time()


def _locked(limits: list[Limit]) -> list[ThrottleBucket]:
    """Create missing rows (no-op on conflict), then lock all of them in key order."""
    keyed = {(lim.scope, digest(lim.value)): lim for lim in limits}
    ThrottleBucket.objects.bulk_create(
        [
            ThrottleBucket(scope=scope, key=key, subject=digest(lim.subject) if lim.subject else "")
            for (scope, key), lim in sorted(keyed.items())
        ],
        ignore_conflicts=True,
    )
    buckets = []
    for scope, key in sorted(keyed):  # one lock order everywhere: no deadlocks
        buckets.append(ThrottleBucket.objects.select_for_update().get(scope=scope, key=key))
    return buckets


def _live(hits: Iterable[float], window: int, now: float) -> list[float]:
    return sorted(t for t in hits if t > now - window)


def reserve(*limits: Limit) -> float:
    """Count one attempt against every limit, or raise RateLimited and count nothing.

    Returns the attempt's stamp, for `refund`.
    """
    now = _now()
    by_key = {(lim.scope, digest(lim.value)): lim for lim in limits}
    with transaction.atomic():
        buckets = _locked(list(limits))
        wait = 0.0
        for bucket in buckets:
            lim = by_key[(bucket.scope, bucket.key)]
            live = _live(bucket.hits, lim.window, now)
            if len(live) >= lim.limit:
                wait = max(wait, live[len(live) - lim.limit] + lim.window - now)
            bucket.hits = live
        if wait:
            for bucket in buckets:
                bucket.save(update_fields=["hits", "updated_at"])  # pruned only
            raise RateLimited(int(wait) + 1)
        for bucket in buckets:
            bucket.hits = [*bucket.hits, now]
            bucket.save(update_fields=["hits", "updated_at"])
    return now


def refund(stamp: float, *limits: Limit) -> None:
    """Take back an attempt that succeeded: successes never count towards a limit."""
    with transaction.atomic():
        for bucket in _locked(list(limits)):
            hits = list(bucket.hits)
            if stamp in hits:
                hits.remove(stamp)
                bucket.hits = hits
                bucket.save(update_fields=["hits", "updated_at"])


def recent(lim: Limit) -> list[float]:
    """The attempts now counted for this limit, oldest first (a plain read)."""
    bucket = ThrottleBucket.objects.filter(scope=lim.scope, key=digest(lim.value)).first()
    return _live(bucket.hits, lim.window, _now()) if bucket else []


def count(lim: Limit) -> int:
    """Attempts now counted for this limit (a plain read, for decisions after a failure)."""
    bucket = ThrottleBucket.objects.filter(scope=lim.scope, key=digest(lim.value)).first()
    return len(_live(bucket.hits, lim.window, _now())) if bucket else 0


def clear_subject(subject_digest: str) -> int:
    """Forget every bucket of one account (an operator lifting a hold)."""
    deleted, _ = ThrottleBucket.objects.filter(subject=subject_digest).delete()
    return deleted


def prune(older_than_seconds: int = 24 * 3600) -> int:
    """Delete buckets untouched for a day (every window is shorter)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    deleted, _ = ThrottleBucket.objects.filter(updated_at__lt=cutoff).delete()
    return deleted
