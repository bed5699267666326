"""Named leases in the database (`JobLock`): at most one holder at a time, each holder
known by a token of its own (a fencing token: a holder whose lease ran out and was taken
cannot renew or release the new holder's)."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from .models import JobLock


def acquire(name: str, holder: str, ttl: timedelta) -> bool:
    now = timezone.now()
    JobLock.objects.bulk_create([JobLock(name=name, holder="", until=now)], ignore_conflicts=True)
    free = Q(until__lt=now) | Q(holder=holder) | Q(holder="")
    return JobLock.objects.filter(free, name=name).update(holder=holder, until=now + ttl) == 1


def renew(name: str, holder: str, ttl: timedelta) -> bool:
    """False when the lease was lost (it ran out and another holder took it)."""
    until = timezone.now() + ttl
    return JobLock.objects.filter(name=name, holder=holder).update(until=until) == 1


def release(name: str, holder: str) -> None:
    JobLock.objects.filter(name=name, holder=holder).update(holder="", until=timezone.now())
