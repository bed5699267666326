"""Downloads: the `Content-Disposition` header always through Django's own quoting, so a
name chosen by a user (a report's, a pupil's) can never add parameters to it."""

import csv
import io
from collections.abc import Iterable
from typing import Any

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


def csv_download(rows: Iterable[Iterable[Any]], filename: str) -> HttpResponse:
    """Rows as a CSV download (UTF-8 with a BOM, so spreadsheets read accents right)."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    response = HttpResponse(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    attach(response, filename)
    return response
