"""Sliding-window counters stored in the database.

Used for failed logins (per account and per client) and registration guesses.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .errors import RateLimited
from .models import ThrottleEvent


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


def _key(value: str) -> str:
    # Hash so the table never holds an email address or IP in clear.
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def check(scope: str, values: list[str], limit: int, window: int) -> None:
    """Raise RateLimited if any of `values` has reached `limit` events in `window` s."""
    now = timezone.now()
    since = now - timedelta(seconds=window)
    for value in values:
        events = ThrottleEvent.objects.filter(scope=scope, key=_key(value), at__gt=since)
        if events.count() >= limit:
            oldest = events.order_by("at").values_list("at", flat=True)[0]
            wait = (oldest + timedelta(seconds=window) - now).total_seconds()
            raise RateLimited(int(wait) + 1)


def hit(scope: str, values: list[str], window: int) -> None:
    """Count one event against each of `values`; prune what the window forgot."""
    ThrottleEvent.objects.bulk_create(
        [ThrottleEvent(scope=scope, key=_key(value)) for value in values]
    )
    cutoff = timezone.now() - timedelta(seconds=window * 4)
    ThrottleEvent.objects.filter(scope=scope, at__lt=cutoff).delete()


def clear(scope: str, values: list[str]) -> None:
    ThrottleEvent.objects.filter(scope=scope, key__in=[_key(v) for v in values]).delete()
