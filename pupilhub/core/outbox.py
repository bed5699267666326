"""Handing jobs to the broker without ever losing one.

`enqueue(task, *args)` sends the job to Celery; when the broker cannot be reached it is
kept in the `OutboxItem` table instead (the request still succeeds), and `drain()` (a beat
job every minute, and `manage.py drain_outbox`) hands kept jobs over, oldest first, once
the broker is back. Tasks take ids and are idempotent, so a job handed over twice (a crash
between the send and the delete) does no harm."""

import logging
import time
from typing import Any

from celery import current_app
from django.conf import settings

from .models import OutboxItem

log = logging.getLogger(__name__)
LOG_EVERY = 60.0
_last_logged = [0.0]


def _outage(exc: Exception) -> None:
    now = time.monotonic()
    if now - _last_logged[0] >= LOG_EVERY:
        _last_logged[0] = now
        log.warning("broker unavailable, jobs kept in the outbox (%s)", type(exc).__name__)


def enqueue(task: Any, *args: Any) -> None:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        task.apply_async(args=list(args))  # tests: run now, errors and all
        return
    try:
        task.apply_async(args=list(args), retry=False)
    except Exception as exc:  # kombu's OperationalError, a refused or dropped connection
        _outage(exc)
        OutboxItem.objects.create(task=task.name, args=list(args))


def drain(limit: int = 500) -> int:
    """Hand kept jobs to the broker; stops at the first failure. Returns how many went."""
    sent = 0
    for item in OutboxItem.objects.order_by("id")[:limit]:
        try:
            current_app.send_task(item.task, args=item.args, retry=False)
        except Exception as exc:
            _outage(exc)
            break
        OutboxItem.objects.filter(pk=item.pk).delete()
        sent += 1
    return sent
