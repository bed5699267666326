"""Downloads: the `Content-Disposition` header always through Django's own quoting, so a
name chosen by a user (a report's, a pupil's) can never add parameters to it."""

from django.http import HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header


def attach(response: HttpResponseBase, filename: str, *, inline: bool = False) -> HttpResponseBase:
    """Mark `response` as a download named `filename`; never cached (children's data)."""
    header = content_disposition_header(not inline, filename)
    if header:
        response["Content-Disposition"] = header
    response["Cache-Control"] = "no-store"
    return response


def xml_download(data: bytes, filename: str) -> HttpResponse:
    """An XML file (a CTF) as a download: the page and the API send it the same way."""
    response = HttpResponse(data, content_type="application/xml; charset=utf-8")
    attach(response, filename)
    return response
