"""The daily retention job (Celery beat, see config/celery.py)."""

from celery import shared_task

from . import purge


@shared_task(name="pupilhub.privacy.tasks.purge_expired")
def purge_expired() -> dict[str, int]:
    """Counts only (nothing personal crosses the broker or the result backend)."""
    return purge.purge_all()
