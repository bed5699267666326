"""A shared-cache copy of each user's memberships, read by every school page.

Only with a shared cache (Redis): a per-process cache could not be invalidated across
processes. Entries are dropped when a membership or a school changes (signals, and
explicitly where a queryset update bypasses them), after the transaction commits, and
live at most TTL seconds whatever happens, so a race can leave a removed member's
access in place for no longer than that.
"""

from collections.abc import Iterable
from typing import Any

from pupilhub.core import shared_cache

TTL = 30


def _key(user_id: Any) -> str:
    return f"memberships:v1:{user_id}"


def get(user_id: Any) -> Any:
    return shared_cache.get(_key(user_id))


def put(user_id: Any, memberships: tuple[Any, ...]) -> None:
    shared_cache.put(_key(user_id), memberships, TTL)


def forget(user_ids: Iterable[Any]) -> None:
    """Drop these users' entries now and again once the transaction commits."""
    shared_cache.forget(_key(u) for u in user_ids)
