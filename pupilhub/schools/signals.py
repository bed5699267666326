"""Signals other apps listen to (e.g. the gateway adds built-in licence types)."""

from typing import Any

from django.dispatch import Signal

school_created = Signal()  # kwargs: school


def _forget_member(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .cache import forget

    forget([instance.user_id])


def _forget_school(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .cache import forget
    from .models import StaffMembership

    forget(StaffMembership.objects.filter(school=instance).values_list("user_id", flat=True))


def connect() -> None:
    """Keep the membership cache honest (called from SchoolsConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from .models import School, StaffMembership

    post_save.connect(_forget_member, sender=StaffMembership, dispatch_uid="forget_member_save")
    post_delete.connect(_forget_member, sender=StaffMembership, dispatch_uid="forget_member_del")
    post_save.connect(_forget_school, sender=School, dispatch_uid="forget_school_save")
