"""Signals other apps listen to (e.g. the gateway adds built-in licence types)."""

from django.dispatch import Signal

school_created = Signal()  # kwargs: school
