"""Celery application. The beat schedule is declared here, in code."""

import os
import socket
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pupilhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "dispatch-mail": {
        "task": "pupilhub.messaging.tasks.dispatch_mail",
        "schedule": crontab(minute="*/10"),
    },
    "drain-outbox": {
        "task": "pupilhub.core.tasks.drain_outbox",
        "schedule": crontab(minute="*"),
    },
    "sweep-stale-transfers": {
        "task": "pupilhub.transition.tasks.sweep_stale",
        "schedule": crontab(minute="*/5"),
    },
    "sweep-stale-audit-exports": {
        "task": "pupilhub.schools.tasks.sweep_stale_exports",
        "schedule": crontab(minute="*/5"),
    },
    "sweep-stale-print-runs": {
        "task": "pupilhub.reports.tasks.sweep_stale",
        "schedule": crontab(minute="*/5"),
    },
    "sen-weekly-digest": {
        "task": "pupilhub.sen.tasks.weekly_digest",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    "raise-annual-invoices": {
        "task": "pupilhub.billing.tasks.raise_due_invoices",
        "schedule": crontab(hour=2, minute=15),
    },
    "retention-purge": {
        "task": "pupilhub.privacy.tasks.purge_expired",
        "schedule": crontab(hour=3, minute=5),
    },
    "safeguarding-alerts": {
        "task": "pupilhub.safeguarding.tasks.daily_alerts",
        "schedule": crontab(hour=7, minute=35),
    },
    "forget-idempotent-answers": {
        "task": "pupilhub.api.tasks.forget_idempotent_answers",
        "schedule": crontab(minute=40),
    },
    "overdue-safeguarding-transfers": {
        "task": "pupilhub.transition.tasks.notify_overdue",
        "schedule": crontab(hour=7, minute=30),
    },
}


@beat_init.connect
def one_beat_only(sender: Any = None, **kwargs: Any) -> None:
    """A second beat exits with a clear log line (pupilhub.core.beat_guard)."""
    import django

    django.setup()
    from pupilhub.core.beat_guard import guard

    guard(f"{socket.gethostname()}:{os.getpid()}")
