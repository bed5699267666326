"""The pupil list's "N pupils" total for the unfiltered list, from the shared cache.

Counting a school's roll is a query on every list page view; the total changes only
when a pupil is added, changed or removed, which drops the entry (signals, after
commit too). Entries also expire after TTL seconds. Only with a shared cache (Redis).
"""

from typing import Any

from django.db.models import QuerySet

from pupilhub.core import shared_cache

TTL = 60
STATUSES = ("active", "archived", "")


def _key(school_id: Any, status: str) -> str:
    return f"rollcount:v1:{school_id}:{status}"


def count(qs: QuerySet[Any], school_id: Any, status: str) -> int:
    return int(shared_cache.read_through(_key(school_id, status), TTL, qs.count))


def forget(school_id: Any) -> None:
    shared_cache.forget(_key(school_id, s) for s in STATUSES)


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget(instance.school_id)


def _on_roll_changed(sender: Any, school_id: Any, **kwargs: Any) -> None:
    forget(school_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from .models import Pupil
    from .signals import roll_changed

    roll_changed.connect(_on_roll_changed, dispatch_uid="rollcount_roll")
    post_save.connect(_on_change, sender=Pupil, dispatch_uid="rollcount_save")
    post_delete.connect(_on_change, sender=Pupil, dispatch_uid="rollcount_delete")
