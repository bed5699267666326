"""The pupil list's "N pupils" total for the unfiltered list, from the shared cache.

Counting a school's roll is a query on every list page view; the total changes only
when a pupil is added, changed or removed, which drops the entry (signals, after
commit too). Entries also expire after TTL seconds. Only with a shared cache (Redis).
"""

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from pupilhub.schools import cache as shared

TTL = 60
STATUSES = ("active", "archived", "")


def _key(school_id: Any, status: str) -> str:
    return f"rollcount:v1:{school_id}:{status}"


def count(qs: QuerySet[Any], school_id: Any, status: str) -> int:
    if not shared.enabled():
        return qs.count()
    key = _key(school_id, status)
    found = cache.get(key)
    if found is None:
        found = qs.count()
        cache.set(key, found, TTL)
    return int(found)


def forget(school_id: Any) -> None:
    if not shared.enabled():
        return
    keys = [_key(school_id, s) for s in STATUSES]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget(instance.school_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Pupil

    post_save.connect(_on_change, sender=Pupil, dispatch_uid="rollcount_save")
    post_delete.connect(_on_change, sender=Pupil, dispatch_uid="rollcount_delete")
