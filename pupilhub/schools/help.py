"""Help pages: one an area, in plain words, open to everyone (families too), with the
platform's support contact."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

AREAS = {
    "records": _("SEN records"),
    "transition": _("Moving records between schools"),
    "gateway": _("Parents, pupils and agencies (the gateway)"),
    "reports": _("Reports"),
    "mail": _("Emailing families"),
    "billing": _("Billing"),
    "data-protection": _("Data protection"),
}


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "help/index.html", {"areas": AREAS.items()})


def page(request: HttpRequest, area: str) -> HttpResponse:
    if area not in AREAS:
        raise Http404()
    context = {"title": AREAS[area], "area": area, "areas": AREAS.items()}
    return render(request, f"help/{area}.html", context)
