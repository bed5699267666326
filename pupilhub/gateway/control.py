"""School control actions over external users: deny and restore an account, remove a link,
switch the gateway on or off."""

import re
from typing import Any

from django.db import transaction

from pupilhub.accounts.models import User
from pupilhub.core import audit
from pupilhub.core.errors import NotFound, invalid_field
from pupilhub.schools.access import SchoolAccess, parse_id

from .access import forget_denial
from .models import (
    ExternalDenial,
    ExternalLink,
)


def do_deny_user(access: SchoolAccess, user: User) -> None:
    access.require_admin("Only school admins can deny external users.")
    with transaction.atomic():
        ExternalDenial.objects.get_or_create(
            school=access.school, user=user, defaults={"by": access.user}
        )
        forget_denial(access.school.pk, user.pk)
        audit.record(access.user, "gateway.user_denied", user, school=access.school)


def do_restore_user(access: SchoolAccess, user: User) -> None:
    access.require_admin("Only school admins can restore external users.")
    with transaction.atomic():
        ExternalDenial.objects.filter(school=access.school, user=user).delete()
        forget_denial(access.school.pk, user.pk)
        audit.record(access.user, "gateway.user_restored", user, school=access.school)


def do_remove_link(access: SchoolAccess, link_id: Any) -> None:
    access.require_admin("Only school admins can remove pupil links.")
    link = ExternalLink.objects.filter(school=access.school, pk=parse_id(link_id)).first()
    if link is None:
        raise NotFound()
    with transaction.atomic():
        audit.record(
            access.user, "gateway.link_removed", link, school=access.school, user=str(link.user_id)
        )
        link.delete()


def do_set_gateway(
    access: SchoolAccess, enabled: bool, pupil_email_domains: str | None = None
) -> None:
    """Switch external login for the whole school; optionally set pupils' email domains."""
    access.require_admin("Only school admins can change gateway settings.")
    school = access.school
    fields = ["external_login_enabled"]
    school.external_login_enabled = bool(enabled)
    if pupil_email_domains is not None:
        domains = [
            d.strip().lower().lstrip("@") for d in pupil_email_domains.split(",") if d.strip()
        ]
        bad = [d for d in domains if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d)]
        if bad:
            raise invalid_field("pupil_email_domains", f"Not a domain: {', '.join(bad)}.")
        school.pupil_email_domains = ", ".join(domains)
        fields.append("pupil_email_domains")
    with transaction.atomic():
        school.save(update_fields=fields)
        audit.record(access.user, "gateway.settings_changed", school, enabled=bool(enabled))
