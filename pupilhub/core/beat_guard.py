"""Exactly one Celery beat: a second one (a second `celery beat`, or a worker started with
-B beside another) would send every scheduled job twice. The beat holds the `celery-beat`
lease in the database, renewed every 30 seconds; one that cannot take it exits at once with
a clear log line. A beat that dies loses the lease 90 seconds later; one that stops cleanly
gives it up at exit."""

import atexit
import logging
import sys
import threading
from datetime import timedelta

from . import locks

log = logging.getLogger("celery.beat")  # where beat logs: the line shows beside its own
LOCK = "celery-beat"
TTL = timedelta(seconds=90)
RENEW_SECONDS = 30.0


def _keep(holder: str, stop: threading.Event) -> None:
    while not stop.wait(RENEW_SECONDS):
        if not locks.renew(LOCK, holder, TTL):
            log.error("celery beat lost its lease to another beat; stopping this one")
            import os

            os._exit(1)


def guard(holder: str) -> threading.Event:
    """Take the lease or exit. Returns the event that stops the renewing thread."""
    if not locks.acquire(LOCK, holder, TTL):
        line = "another celery beat is already running; this one exits (only one may run)"
        log.error(line)
        print(f"pupilhub: {line}", file=sys.__stderr__, flush=True)  # past any redirect
        raise SystemExit(1)
    stop = threading.Event()
    threading.Thread(target=_keep, args=(holder, stop), daemon=True, name="beat-lease").start()

    def give_up() -> None:
        stop.set()
        locks.release(LOCK, holder)

    atexit.register(give_up)
    return stop
