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
    """The caller's own link, or 404 (also for anyone else's, at a school that switched
    external login off, or that denied this user)."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    # The busiest look-up families make: a plain primary-key query (cheap to plan),
    # then the school's switch and the denial, rather than links_for()'s anti-join.
    link = (
        ExternalLink.objects.select_related("school", "pupil", "licence_type")
        .filter(pk=parse_id(link_id), user=user)
        .order_by()[:1]
    )
    found = next(iter(link), None)
    if found is None or not found.school.external_login_enabled or is_denied(found.school_id, user):
        raise NotFound()
    found.pupil.school = found.school  # already loaded: year labels without a query
    return found


def _denial_key(school_id: Any, user_id: Any) -> str:
    return f"denied:v1:{school_id}:{user_id}"


def is_denied(school_id: Any, user: Any) -> bool:
    """Has this school denied this user? From the shared cache when there is one; the
    deny and restore actions drop the entry (see forget_denial)."""
    from django.core.cache import cache

    from pupilhub.schools import cache as shared

    if not shared.enabled():
        return ExternalDenial.objects.filter(school_id=school_id, user=user).exists()
    key = _denial_key(school_id, user.pk)
    found = cache.get(key)
    if found is None:
        found = ExternalDenial.objects.filter(school_id=school_id, user=user).exists()
        cache.set(key, found, 300)
    return bool(found)


def forget_denial(school_id: Any, user_id: Any) -> None:
    from django.core.cache import cache
    from django.db import transaction

    from pupilhub.schools import cache as shared

    if shared.enabled():
        key = _denial_key(school_id, user_id)
        cache.delete(key)
        transaction.on_commit(lambda: cache.delete(key))


def is_external(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and not user.is_operator
        and not user.memberships.exists()
    )
