"""The site's URLs plus the bare views: the floors the concurrency benchmarks compare with.

Each bare view does the same database work as the page it is compared with, by the same
index, with nothing else: no session, no permission check, no layout.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from pupilhub.gateway.models import ExternalLink, TrackingValue
from pupilhub.pupils.models import Pupil

BARE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare table</title></head>'
    "<body><table><thead><tr><th>First name</th><th>Surname</th><th>Tutor group</th></tr></thead>"
    "<tbody>{% for first, last, tutor in rows %}<tr><td>{{ first }}</td><td>{{ last }}</td>"
    "<td>{{ tutor }}</td></tr>{% endfor %}</tbody></table></body></html>"
)
BARE_PARENT = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ name }}</title></head>'
    "<body><h1>{{ name }}</h1><table><tbody>{% for label, period, value in rows %}<tr>"
    "<th>{{ label }}</th><td>{{ period }}</td><td>{{ value }}</td></tr>{% endfor %}"
    "</tbody></table></body></html>"
)


def bare_table(request: HttpRequest, school: str) -> HttpResponse:
    """A school's first 50 active pupils by name, on the same index as the pupil list."""
    rows = (
        Pupil.objects.filter(school_id=school, status="active")
        .order_by("surname", "first_name", "id")
        .values_list("first_name", "surname", "tutor_group")[:50]
    )
    return HttpResponse(BARE.render({"rows": rows}))


def bare_parent(request: HttpRequest, link: str) -> HttpResponse:
    """A link's pupil and tracking values: what the parent's page reads, and nothing more."""
    found = ExternalLink.objects.select_related("pupil").get(pk=link)
    rows = (
        TrackingValue.objects.filter(pupil=found.pupil_id)
        .order_by("field__position")
        .values_list("field__name", "field__period", "value")
    )
    return HttpResponse(BARE_PARENT.render({"name": found.pupil.full_name, "rows": rows}))


urlpatterns = [
    path("bench/bare/<uuid:school>/", bare_table),
    path("bench/bare-parent/<uuid:link>/", bare_parent),
    path("", include("config.urls")),
]
