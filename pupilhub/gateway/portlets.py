"""The portlet registry: what an external user's window on a pupil can contain.

Each portlet lists its fields (some per school, like tracking fields) and reads
values for a pupil, but only the fields it is asked for: a field the link's
licence type may not see is never read, so it cannot leak into HTML, JSON or PDF.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School


@dataclass(frozen=True)
class Portlet:
    key: str
    name: str
    fields: Callable[[School], list[tuple[str, str]]]
    # values(pupil, field keys, licence type): reads only the fields it is given.
    values: Callable[[Pupil, list[str], Any], dict[str, Any]]


PORTLETS: dict[str, Portlet] = {}


def register(portlet: Portlet) -> Portlet:
    PORTLETS[portlet.key] = portlet
    return portlet


PROFILE_FIELDS = [
    ("first_name", "First name"),
    ("surname", "Surname"),
    ("date_of_birth", "Date of birth"),
    ("year_group", "Year group"),
    ("tutor_group", "Tutor group"),
    ("sets", "Sets"),
]


def _profile(pupil: Pupil, keys: list[str], licence_type: Any = None) -> dict[str, Any]:
    data = {
        "first_name": pupil.first_name,
        "surname": pupil.surname,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "year_group": pupil.year_label,
        "tutor_group": pupil.tutor_group,
        "sets": list(pupil.sets),
    }
    return {k: data[k] for k in keys if k in data}


def _tracking_fields(school: School) -> list[tuple[str, str]]:
    from .models import TrackingField

    rows = TrackingField.objects.filter(school=school, portlet="tracking")
    return [(f.key, f.described(school.year_scheme)) for f in rows]


def _tracking(pupil: Pupil, keys: list[str], licence_type: Any = None) -> dict[str, Any]:
    from .models import TrackingValue

    rows = TrackingValue.objects.filter(pupil=pupil, field__key__in=keys).values_list(
        "field__key", "value"
    )
    found = dict(rows)
    return {k: found.get(k, "") for k in keys}


SEN_FIELDS = [
    ("about_me", "About me"),
    ("strengths", "Strengths"),
    ("needs", "Needs"),
    ("what_helps", "What helps"),
    ("what_does_not_help", "What does not help"),
    ("current_targets", "Current plan targets"),
]


def _sen(pupil: Pupil, keys: list[str], licence_type: Any = None) -> dict[str, Any]:
    """The latest passport's sections and active plans' targets; never confidential records."""
    from pupilhub.documents.models import Passport, Plan

    out: dict[str, Any] = {}
    sections = [k for k in keys if k != "current_targets"]
    if sections:
        passport = (
            Passport.objects.filter(pupil=pupil, deleted_at__isnull=True, confidential=False)
            .order_by("-updated_at")
            .first()
        )
        for k in sections:
            out[k] = getattr(passport, k, "") if passport else ""
    if "current_targets" in keys:
        plans = Plan.objects.filter(
            pupil=pupil, deleted_at__isnull=True, confidential=False, status="active"
        )
        out["current_targets"] = [
            t.get("description", "") for plan in plans for t in plan.targets if t.get("description")
        ]
    return out


def _report_fields(school: School) -> list[tuple[str, str]]:
    return [("available", "Reports to download")]


def _reports(pupil: Pupil, keys: list[str], licence_type: Any = None) -> dict[str, Any]:
    """Ended and archived reports for the pupil's year that this licence type may see."""
    from pupilhub.reports.access import available_reports

    reports = available_reports(pupil, licence_type) if licence_type is not None else []
    return {k: [r.name for r in reports] for k in keys}


register(Portlet("profile", "Profile", lambda school: PROFILE_FIELDS, _profile))
register(Portlet("tracking", "Tracking", _tracking_fields, _tracking))
register(Portlet("reports", "Reports", _report_fields, _reports))
register(Portlet("sen", "SEN support", lambda school: SEN_FIELDS, _sen))


def catalogue(school: School) -> list[dict[str, Any]]:
    """Every portlet and its fields for this school (`GET .../portlets`)."""
    return [
        {
            "key": p.key,
            "name": p.name,
            "fields": [{"key": k, "name": n} for k, n in p.fields(school)],
        }
        for p in PORTLETS.values()
    ]


def clean_access(school: School, access: Any) -> dict[str, list[str]]:
    """Validate {portlet: [field keys]} against the catalogue; unknown keys are errors."""
    from pupilhub.core.errors import Invalid

    if not isinstance(access, dict):
        raise Invalid(
            "access must map portlet keys to lists of field keys.",
            fields={"access": ["Not an object."]},
        )
    clean: dict[str, list[str]] = {}
    problems: list[str] = []
    for portlet_key, fields in access.items():
        portlet = PORTLETS.get(portlet_key)
        if portlet is None:
            problems.append(f"Unknown portlet '{portlet_key}'.")
            continue
        known = [k for k, _ in portlet.fields(school)]
        if not isinstance(fields, list):
            problems.append(f"'{portlet_key}' must list field keys.")
            continue
        unknown = [f for f in fields if f not in known]
        if unknown:
            problems.append(f"Unknown field(s) in '{portlet_key}': {', '.join(map(str, unknown))}.")
        clean[portlet_key] = [k for k in known if k in fields]
    if problems:
        raise Invalid(" ".join(problems), fields={"access": problems})
    return clean


def visible_data(pupil: Pupil, licence_type: Any) -> dict[str, dict[str, Any]]:
    """{portlet: {field: value}} holding only what the licence type's access allows."""
    out = {}
    for key, portlet in PORTLETS.items():
        allowed = licence_type.access.get(key) or []
        if allowed:
            out[key] = portlet.values(pupil, list(allowed), licence_type)
    return out


def access_words(access: dict[str, list[str]]) -> str:
    """A licence type's access in words: "SEN support (3 fields); Tracking (1 field)"."""
    from django.utils.translation import ngettext

    parts = []
    for key, fields in access.items():
        portlet = PORTLETS.get(key)
        name = portlet.name if portlet else key.replace("_", " ").capitalize()
        count = ngettext("%(n)d field", "%(n)d fields", len(fields)) % {"n": len(fields)}
        parts.append(f"{name} ({count})")
    return "; ".join(parts)
