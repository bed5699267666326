"""One helper for every shared-cache entry (Redis in production).

Only with a shared cache (`SHARED_CACHE`): a per-process cache could not be invalidated
across processes, so without one every read goes to the database. An entry is dropped at
once and again when the transaction commits (a reader in between would otherwise put the
old row back), and lives at most its TTL whatever happens.
"""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")


def enabled() -> bool:
    return bool(getattr(settings, "SHARED_CACHE", False))


def read_through(key: str, ttl: int, load: Callable[[], T]) -> T:
    """The cached value, else `load()` (stored unless it is None)."""
    if not enabled():
        return load()
    found = cache.get(key)
    if found is None:
        found = load()
        if found is not None:
            cache.set(key, found, ttl)
    return found


def get(key: str) -> Any:
    return cache.get(key) if enabled() else None


def put(key: str, value: Any, ttl: int) -> None:
    if enabled():
        cache.set(key, value, ttl)


def forget(keys: Iterable[str]) -> None:
    """Drop entries now and again once the transaction commits."""
    if not enabled():
        return
    found = list(keys)
    if found:
        cache.delete_many(found)
        transaction.on_commit(lambda: cache.delete_many(found))
