"""Turn a link's visible data into what the pupil page shows (tables and a chart)."""

from datetime import date
from typing import Any

from pupilhub.pupils.models import Pupil

from .models import TrackingField
from .portlets import PORTLETS


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip().rstrip("+-="))
    except (TypeError, ValueError):
        return None


def tracking_view(pupil: Pupil, values: dict[str, Any]) -> dict[str, Any]:
    """Values grouped by year and period, and numeric ones as lines over time by subject."""
    fields = list(
        TrackingField.objects.filter(school=pupil.school_id, key__in=list(values)).order_by(
            "year_group", "position", "name"
        )
    )
    groups: dict[tuple[Any, str], list[dict[str, Any]]] = {}
    periods: list[str] = []
    by_subject: dict[str, dict[str, float]] = {}
    for f in fields:
        value = values.get(f.key, "")
        label = f.period or (
            pupil.school.year_label(f.year_group) if f.year_group is not None else ""
        )
        groups.setdefault((f.year_group, label), []).append(
            {"name": f.name, "subject": f.subject, "value": value}
        )
        number = _number(value) if f.kind != "text" and value != "" else None
        if number is not None:
            if label not in periods:
                periods.append(label)
            by_subject.setdefault(f.subject or f.name, {})[label] = number
    series = [
        {"name": name, "points": [points.get(p) for p in periods]}
        for name, points in sorted(by_subject.items())
    ]
    return {
        "groups": [{"period": label, "rows": rows} for (_, label), rows in groups.items()],
        "chart": {"series": series, "labels": periods} if len(periods) > 1 else None,
    }


def page_sections(pupil: Pupil, data: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One section a visible portlet, in registry order, labelled for people."""
    sections = []
    for key, portlet in PORTLETS.items():
        if key not in data:
            continue
        section: dict[str, Any] = {"key": key, "name": portlet.name}
        if key == "tracking":
            section["tracking"] = tracking_view(pupil, data[key])
        else:
            names = dict(portlet.fields(pupil.school))
            section["rows"] = [
                {
                    "key": k,
                    "label": names.get(k, k),
                    "value": "" if isinstance(v, list) else _for_people(k, v),
                    "items": v if isinstance(v, list) else None,
                }
                for k, v in data[key].items()
            ]
        sections.append(section)
    return sections


SECTIONS_TTL = 60


def _for_people(key: str, value: Any) -> Any:
    """Dates as people write them ("9 March 2014"); the API keeps ISO dates."""
    if key.endswith("date_of_birth") or key.endswith("_date"):
        try:
            found = date.fromisoformat(str(value))
        except ValueError:
            return value
        return f"{found.day} {found:%B %Y}"
    return value


def cached_sections(link: Any) -> str:
    """The pupil page's portlet sections for a link, rendered, from the shared cache for
    up to a minute (the page families open most).

    The key holds the licence type's access, so narrowing what a type may see takes
    effect at once; new values reach families within SECTIONS_TTL seconds. Without a
    shared cache, built every time.
    """
    import hashlib
    import json

    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from pupilhub.core import shared_cache
    from pupilhub.reports.access import available_reports

    from .portlets import visible_data

    def build() -> str:
        data = visible_data(link.pupil, link.licence_type)
        reports = available_reports(link.pupil, link.licence_type) if "reports" in data else []
        return render_to_string(
            "gateway/_sections.html",
            {
                "sections": page_sections(link.pupil, data),
                "this_year_reports": [r for r in reports if not r.earlier],
                "earlier_reports": [r for r in reports if r.earlier],
                "link": link,
            },
        )

    access = json.dumps(link.licence_type.access, sort_keys=True).encode()
    key = f"pupilpage:v4:{link.pk}:{hashlib.sha256(access).hexdigest()[:16]}"
    found = shared_cache.read_through(key, SECTIONS_TTL, build)
    return mark_safe(found)  # rendered by the template engine: escaped there
