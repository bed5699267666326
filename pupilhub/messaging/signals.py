"""An account that is deleted (by its owner, an operator, or with an unused invitation)
leaves no address in any delivery: queued mail to it is cancelled, and sent or failed
rows forget the address and the pupils' names."""

from typing import Any

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .models import Delivery, DeliveryStatus


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def forget_address(sender: Any, instance: Any, **kwargs: Any) -> None:
    mine = Delivery.objects.filter(user=instance)
    mine.filter(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING]).update(
        status=DeliveryStatus.CANCELLED, lease_until=None
    )
    mine.update(email="", pupil_names="")
