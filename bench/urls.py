"""The site's URLs plus one bare view: the yardstick the concurrency benchmarks compare against."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from pupilhub.pupils.models import Pupil

BARE = engines["django"].from_string(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare table</title></head>'
    "<body><table><thead><tr><th>First name</th><th>Surname</th><th>Tutor group</th></tr></thead>"
    "<tbody>{% for first, last, tutor in rows %}<tr><td>{{ first }}</td><td>{{ last }}</td>"
    "<td>{{ tutor }}</td></tr>{% endfor %}</tbody></table></body></html>"
)


def bare_table(request: HttpRequest) -> HttpResponse:
    """50 rows from the database through a template: no auth, no session work."""
    rows = Pupil.objects.order_by("surname").values_list("first_name", "surname", "tutor_group")
    return HttpResponse(BARE.render({"rows": rows[:50]}))


def authed_ok(request: HttpRequest) -> HttpResponse:
    """Probe: a signed-in request (session and user) with nothing else."""
    return HttpResponse(str(request.user.is_authenticated))


urlpatterns = [
    path("bench/bare/", bare_table),
    path("bench/authed/", authed_ok),
    path("", include("config.urls")),
]
