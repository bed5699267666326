"""Checking safeguarding input before anything is written: categories from the list only,
body-map marks on the outline, linked children and assignees of this school, no due date
in the past. Each check adds to `errors` (field -> messages) so one answer names them all."""

import math
import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pupilhub.core.errors import Invalid
from pupilhub.documents.choices import SAFEGUARDING_CATEGORIES
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.models import StaffMembership

from .choices import BodyView
from .models import Category

Errors = dict[str, list[str]]
MAX_MARKS = 40
MAX_LINKS = 20


def add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def raise_if(errors: Errors) -> None:
    if errors:
        raise Invalid(_("Please correct the highlighted fields."), fields=errors)


def categories(school: Any) -> list[tuple[str, str]]:
    """The KCSIE list, then the school's own, as (key, name)."""
    own = Category.objects.filter(school=school).values_list("key", "name")
    return [*SAFEGUARDING_CATEGORIES.items(), *own]


def category_key_for(name: str) -> str:
    return slugify(name).replace("-", "_")[:60]


def check_category(school: Any, key: Any, errors: Errors) -> None:
    if key is None:
        return
    known = {k for k, _name in categories(school)}
    if key not in known:
        add(errors, "category", _("Choose a category from the list."))


def check_not_future(value: Any, field: str, errors: Errors) -> None:
    if isinstance(value, date) and value > timezone.localdate():
        add(errors, field, _("This date is in the future."))


def check_not_past(value: Any, field: str, errors: Errors) -> None:
    if isinstance(value, date) and value < timezone.localdate():
        add(errors, field, _("A due date must be today or later."))


def _coordinate(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and 0 <= number <= 1 else None


def clean_marks(marks: Any, errors: Errors) -> list[dict[str, Any]]:
    """Body-map marks: a view, x and y from 0 to 1, and a note."""
    clean = []
    if not isinstance(marks, list) or len(marks) > MAX_MARKS:
        add(errors, "body_map", _("At most %(n)d marks.") % {"n": MAX_MARKS})
        return []
    for number, mark in enumerate(marks, start=1):
        mark = dict(mark) if isinstance(mark, dict) else {}
        x, y = _coordinate(mark.get("x")), _coordinate(mark.get("y"))
        note = str(mark.get("note") or "").strip()
        if mark.get("view") not in BodyView.values:
            add(errors, "body_map", _("Mark %(n)d: choose front or back.") % {"n": number})
        elif x is None or y is None:
            add(errors, "body_map", _("Mark %(n)d: x and y are from 0 to 1.") % {"n": number})
        elif len(note) > 500:
            add(errors, "body_map", _("Mark %(n)d: at most 500 characters.") % {"n": number})
        else:
            clean.append({"view": mark["view"], "x": x, "y": y, "note": note})
    return clean


def linked_pupils(access: SchoolAccess, pupil: Pupil, ids: Any, errors: Errors) -> list[Pupil]:
    """Other children of this school the concern is also about (any other id is refused)."""
    wanted = {str(i) for i in ids or [] if str(i) != str(pupil.pk)}
    if len(wanted) > MAX_LINKS:
        add(errors, "linked_pupils", _("At most %(n)d linked pupils.") % {"n": MAX_LINKS})
        return []
    found = []
    if wanted:
        from pupilhub.schools.access import well_formed_ids

        found = list(Pupil.objects.visible_to(access).filter(pk__in=well_formed_ids(wanted)))
    if len(found) != len(wanted):
        add(errors, "linked_pupils", _("Link only pupils of this school."))
    return found


def assignee(access: SchoolAccess, staff_id: Any, errors: Errors) -> StaffMembership | None:
    """An active member of this school's staff (their staff id, as the staff list gives)."""
    from pupilhub.schools.access import well_formed_ids

    ids = well_formed_ids([staff_id])
    found = (
        StaffMembership.objects.active()
        .filter(school=access.school, pk__in=ids)
        .select_related("user")
        .first()
    )
    if found is None:
        add(errors, "assignee", _("Choose a member of this school's staff."))
    return found


def required_text(data: dict[str, Any], field: str, limit: int, errors: Errors) -> str:
    value = str(data.get(field) or "").strip()
    if not value:
        add(errors, field, _("This field is required."))
    elif len(value) > limit:
        add(errors, field, _("At most %(n)d characters.") % {"n": limit})
    return value


def optional_text(data: dict[str, Any], field: str, limit: int, errors: Errors) -> str:
    value = str(data.get(field) or "").strip()
    if len(value) > limit:
        add(errors, field, _("At most %(n)d characters.") % {"n": limit})
    return value


def email_address(value: Any, field: str, errors: Errors) -> str:
    address = str(value or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        add(errors, field, _("Enter the receiving lead's email address."))
    return address


def urn(value: Any, errors: Errors) -> str:
    text = str(value or "").strip()
    if text and not re.fullmatch(r"\d{6}", text):
        add(errors, "to_urn", _("A URN is 6 digits."))
    return text
