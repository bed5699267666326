"""What an external user may see: their own links, at schools that let them in."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from pupilhub.core import shared_cache
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
    found = _link(parse_id(link_id))
    if (
        found is None
        or found.user_id != user.pk
        or not found.school.external_login_enabled
        or is_denied(found.school_id, user)
    ):
        raise NotFound()
    found.pupil.school = found.school  # already loaded: year labels without a query
    return found


def _link_key(link_id: Any) -> str:
    return f"link:v1:{link_id}"


def _link(pk: Any) -> ExternalLink | None:
    """The link with its school, pupil and licence type: the busiest look-up families make.

    From the shared cache when there is one. Saving the link, its licence type (what it
    may see), its school (the login switch) or its pupil drops the entry at once (see
    forget_links); the owner, the switch and the denial are checked on every request.
    """
    query = ExternalLink.objects.select_related("school", "pupil", "licence_type").filter(pk=pk)
    return shared_cache.read_through(
        _link_key(pk), 300, lambda: next(iter(query.order_by()[:1]), None)
    )


def forget_links(link_ids: Any) -> None:
    shared_cache.forget(_link_key(i) for i in link_ids)


def _on_link(sender: Any, instance: Any, **kwargs: Any) -> None:
    forget_links([instance.pk])


def _on_related(field: str) -> Any:
    def handler(sender: Any, instance: Any, **kwargs: Any) -> None:
        if shared_cache.enabled():
            ids = ExternalLink.objects.filter(**{field: instance.pk}).values_list("pk", flat=True)
            forget_links(list(ids))

    return handler


def _on_roll_changed(sender: Any, school_id: Any, **kwargs: Any) -> None:
    if shared_cache.enabled():
        ids = ExternalLink.objects.filter(school_id=school_id).values_list("pk", flat=True)
        forget_links(list(ids))


def connect() -> None:
    """Keep the link cache honest (called from GatewayConfig.ready)."""
    from django.db.models.signals import post_delete, post_save

    from pupilhub.pupils.models import Pupil
    from pupilhub.pupils.signals import roll_changed
    from pupilhub.schools.models import School

    from .models import LicenceType

    roll_changed.connect(_on_roll_changed, dispatch_uid="forget_links_roll")
    post_save.connect(_on_link, sender=ExternalLink, dispatch_uid="forget_link_save")
    post_delete.connect(_on_link, sender=ExternalLink, dispatch_uid="forget_link_delete")
    for model, field in (
        (LicenceType, "licence_type_id"),
        (School, "school_id"),
        (Pupil, "pupil_id"),
    ):
        handler = _on_related(field)
        _HANDLERS.append(handler)  # signals hold receivers weakly
        post_save.connect(handler, sender=model, dispatch_uid=f"forget_links_{field}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"forget_links_del_{field}")


_HANDLERS: list[Any] = []


def _denial_key(school_id: Any, user_id: Any) -> str:
    return f"denied:v1:{school_id}:{user_id}"


def is_denied(school_id: Any, user: Any) -> bool:
    """Has this school denied this user? From the shared cache when there is one; the
    deny and restore actions drop the entry (see forget_denial)."""
    return bool(
        shared_cache.read_through(
            _denial_key(school_id, user.pk),
            300,
            ExternalDenial.objects.filter(school_id=school_id, user=user).exists,
        )
    )


def forget_denial(school_id: Any, user_id: Any) -> None:
    shared_cache.forget([_denial_key(school_id, user_id)])


def is_external(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and not user.is_operator
        and not user.memberships.active().exists()
    )


def open_school_or_none(school_id: Any) -> Any:
    """A school with its gateway on (a family adding a pupil there), else None."""
    from pupilhub.schools.models import School

    try:
        pk = parse_id(school_id)
    except NotFound:
        return None
    return School.objects.filter(pk=pk, external_login_enabled=True).first()


def shown_name(link: ExternalLink) -> str:
    """The pupil's name as this licence type may see it (the profile portlet's name
    fields), for headings and cards; "Your linked pupil" when it may see neither."""
    allowed = set((link.licence_type.access or {}).get("profile", []))
    parts = [getattr(link.pupil, f) for f in ("first_name", "surname") if f in allowed]
    return " ".join(parts) or "Your linked pupil"
