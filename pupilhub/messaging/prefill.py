"""What the compose page may start from: templates written here, on the server, filled
from the school's own records. A link can name a template and a record; never a subject
or body (a link that pre-filled free text would be a ready phishing kit)."""

from collections.abc import Callable
from html import escape
from typing import Any

from django.conf import settings
from django.urls import reverse

from pupilhub.core.errors import DomainError
from pupilhub.schools.access import SchoolAccess


def _report_ready(access: SchoolAccess, params: Any) -> dict[str, Any]:
    from pupilhub.reports.access import report_for

    report = report_for(access, params.get("report"))
    login = settings.BASE_URL + reverse("gateway:school_login", args=[access.school.id])
    name = escape(report.name)
    body = (
        "<p>Dear parent of {{ pupil_first_name }},</p>"
        f"<p><strong>{name}</strong> is now ready to read online.</p>"
        f'<p>Sign in to pupilhub to read and download it: <a href="{login}">{login}</a></p>'
        "<p>{{ school_name }}</p>"
    )
    return {
        "subject": f"{report.name}: ready to read online",
        "html_body": body,
        "year_groups": [str(y) for y in report.year_groups],
        "licence_types": [str(t.pk) for t in report.licence_types.all()],
    }


TEMPLATES: dict[str, Callable[[SchoolAccess, Any], dict[str, Any]]] = {
    "report_ready": _report_ready,
}


def initial(access: SchoolAccess, params: Any) -> dict[str, Any]:
    """The named template's fields, or nothing (an unknown template or record: a blank
    form, never an error page)."""
    build = TEMPLATES.get(params.get("template", ""))
    if build is None:
        return {}
    try:
        return build(access, params)
    except DomainError:
        return {}
