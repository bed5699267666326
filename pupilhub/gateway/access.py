"""What an external user may see: their own links, at schools that let them in."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from pupilhub.core.errors import NotFound
from pupilhub.schools.access import parse_id

from .models import ExternalDenial, ExternalLink


def links_for(user: Any) -> QuerySet[ExternalLink]:
    """Links that work now: the school's gateway is on and has not denied this user."""
    if not getattr(user, "is_authenticated", False):
        return ExternalLink.objects.none()
    denied = ExternalDenial.objects.filter(school=OuterRef("school"), user=user)
    return (
        ExternalLink.objects.filter(user=user, school__external_login_enabled=True)
        .exclude(Exists(denied))
        .select_related("school", "pupil", "licence_type")
    )


def link_for(user: Any, link_id: Any) -> ExternalLink:
    """The caller's own link, or 404 (also for anyone else's)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    link = links_for(user).filter(pk=parse_id(link_id)).first()
    if link is None:
        raise NotFound()
    link.pupil.school = link.school  # already loaded: year labels without a query
    return link


def is_external(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and not user.is_operator
        and not user.memberships.exists()
    )
