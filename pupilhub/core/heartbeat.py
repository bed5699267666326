"""Long jobs (transfers, print runs) write a heartbeat as they work; a job silent for
STALE is presumed dead (a killed worker, a database restart) and the sweeper re-queues it,
or fails it visibly after MAX_REQUEUES, so no page says "running" for ever."""

from datetime import datetime, timedelta

from django.utils import timezone

STALE = timedelta(minutes=10)
MAX_REQUEUES = 3


def stale_before(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - STALE


def is_stale(heartbeat_at: datetime | None, now: datetime | None = None) -> bool:
    return heartbeat_at is None or heartbeat_at < stale_before(now)
