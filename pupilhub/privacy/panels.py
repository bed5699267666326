"""The pupil page's data-protection section: recently deleted records (to restore), the
access log and the subject-access download, each for those who may use it."""

from typing import Any

from pupilhub.documents.access import can_delete
from pupilhub.pupils.models import Pupil
from pupilhub.pupils.panels import register
from pupilhub.schools.access import SchoolAccess

from .access import recently_deleted

SHOWN = 5


@register
def privacy_panel(access: SchoolAccess, pupil: Pupil) -> dict[str, Any] | None:
    can_export = access.is_main_admin
    can_see_log = access.can_see_safeguarding
    if not (can_delete(access) or can_see_log):
        return None
    deleted = recently_deleted(access, pupil)
    return {
        "template": "privacy/panel.html",
        "can_restore": can_delete(access),
        "can_see_log": can_see_log,
        "can_export": can_export,
        "deleted": deleted[:SHOWN],
        "more": len(deleted) > SHOWN,
        "total": len(deleted),
    }
