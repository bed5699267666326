"""The platform's support contact (operators set it; every footer shows it), read through
the cache so a page costs no query for it."""

from typing import Any

from django.core.cache import cache
from django.db import transaction

from pupilhub.core import audit
from pupilhub.core.errors import Invalid

from .models import SupportContact

CACHE_KEY = "support-contact:v1"
CACHE_SECONDS = 300


def contact() -> dict[str, str]:
    found = cache.get(CACHE_KEY)
    if found is None:
        row = SupportContact.objects.filter(pk=1).first()
        found = (
            {"email": row.email, "phone": row.phone, "hours": row.hours}
            if row
            else {"email": "", "phone": "", "hours": ""}
        )
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


@transaction.atomic
def do_set_contact(actor: Any, email: str, phone: str, hours: str) -> SupportContact:
    """Operators only (checked by the caller)."""
    phone = " ".join((phone or "").split())
    if phone and sum(c.isdigit() for c in phone) < 6:
        raise Invalid("Check the phone number.", fields={"phone": ["Enter a phone number."]})
    row, _created = SupportContact.objects.get_or_create(pk=1)
    row.email, row.phone, row.hours = (email or "").strip(), phone, " ".join(hours.split())
    row.updated_by = actor
    row.save()
    audit.record(actor, "operator.support_contact_changed", row)
    cache.delete(CACHE_KEY)  # now, and again once committed (a reader may refill it between)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    return row
