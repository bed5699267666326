"""Every school gets the built-in Pupil and Parent/Guardian licence types."""

from typing import Any

from django.dispatch import receiver

from pupilhub.schools.signals import school_created


@receiver(school_created)
def add_builtin_types(sender: Any, school: Any, **kwargs: Any) -> None:
    from .licences import ensure_builtin_types

    ensure_builtin_types(school)
