"""Families' pages and their reports read from a streaming replica, when one is configured.

`DATABASE_REPLICA_URL` names a read-only PostgreSQL standby (the `replica` alias). Only code
marked with `replica_reads` may read from it: the families' pages, their API and their report
PDFs, which are most of the reads at a peak (results day) and are the least harmed by a
second of lag. Everything else stays on the primary:

- every write, and every read after a write in the same request or inside a transaction;
- credentials (users, sessions, API tokens, second factors): a revoked token or a signed-out
  session must stop working at once, never a replica's lag later;
- everything a person reads for `REPLICA_PIN_SECONDS` after they changed something
  (read-your-writes: a family that saves a preference sees it saved);
- everything, while the replica is unreachable, not streaming, or behind by more than
  `REPLICA_MAX_REPLAY_BYTES` of WAL (checked at most every `REPLICA_CHECK_SECONDS` a process).

Without a replica this module routes nothing and costs one context-variable read a query.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Apps only ever read from the primary: who may act, and how they proved it (users, API
# tokens, second factors, one-time links, sessions).
PRIMARY_ONLY_APPS = frozenset({"accounts", "sessions"})


@dataclass
class _Reads:
    request: Any
    wrote: bool = False
    decided: bool | None = None  # None: not yet asked whether this caller may use the replica


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


def configured() -> bool:
    return REPLICA in connections.settings


def pin_key(user_pk: Any) -> str:
    return f"replica-pin:{user_pk}"


def pin(user_pk: Any) -> None:
    """Read this person's pages from the primary for a while: they just changed something."""
    cache.set(pin_key(user_pk), 1, settings.REPLICA_PIN_SECONDS)


def pinned(user_pk: Any) -> bool:
    return bool(cache.get(pin_key(user_pk)))


_health: dict[str, float] = {"checked": 0.0, "ok": 0.0}


def healthy() -> bool:
    """Is the replica reachable, streaming, and caught up within the allowed WAL backlog?
    Asked at most every REPLICA_CHECK_SECONDS in a process; a failure is remembered as long."""
    now = time.monotonic()
    if now - _health["checked"] < settings.REPLICA_CHECK_SECONDS:
        return bool(_health["ok"])
    _health["checked"] = now
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), "
                "COALESCE(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)"
            )
            standby, backlog = cursor.fetchone()
        ok = bool(standby) and float(backlog) <= settings.REPLICA_MAX_REPLAY_BYTES
    except Exception:
        ok = False
        connections[REPLICA].close()
    if not ok:
        log.warning("replica not usable; families' reads go to the primary")
    _health["ok"] = float(ok)
    return ok


def forget_health() -> None:
    _health["checked"] = 0.0


def replica_reads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let this read-only view (a family's page, report or API answer) read from the replica.

    Put it inside `login_required`; on an API operation, use `decorate_view(replica_reads)`.
    Unsafe methods never use the replica.
    """

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in SAFE_METHODS or not configured():
            return view(request, *args, **kwargs)
        token = _reads.set(_Reads(request))
        try:
            return view(request, *args, **kwargs)
        finally:
            _reads.reset(token)

    return wrapped


def _may_use_replica(reads: _Reads) -> bool:
    if reads.decided is None:
        user = getattr(reads.request, "user", None)
        reads.decided = bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and not pinned(user.pk)
            and healthy()
        )
    return reads.decided


class ReplicaRouter:
    """Writes to the primary; reads to the replica only inside `replica_reads`."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        reads = _reads.get()
        if (
            reads is None
            or reads.wrote
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not _may_use_replica(reads)
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True  # what follows in this request reads what it just wrote
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two doors

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaPinMiddleware:
    """After a person changes something (any unsafe method), read their pages from the
    primary for REPLICA_PIN_SECONDS. Sits after AuthenticationMiddleware; the API's token
    auth sets `request.user` too, so API writes pin as well. Costs nothing without a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and configured():
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                pin(user.pk)
        return response
