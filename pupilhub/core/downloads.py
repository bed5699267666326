"""Downloads: the `Content-Disposition` header always through Django's own quoting, so a
name chosen by a user (a report's, a pupil's) can never add parameters to it."""

from django.http import HttpResponseBase
from django.utils.http import content_disposition_header


def attach(response: HttpResponseBase, filename: str, *, inline: bool = False) -> HttpResponseBase:
    """Mark `response` as a download named `filename`; never cached (children's data)."""
    header = content_disposition_header(not inline, filename)
    if header:
        response["Content-Disposition"] = header
    response["Cache-Control"] = "no-store"
    return response
