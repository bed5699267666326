"""Helpers shared by every app's web views."""

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pupilhub.core.errors import DomainError


def apply_errors(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a domain error on the form: per field where it names one."""
    placed = False
    for field, messages in exc.fields.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
        return JsonResponse(body, status=404)
    return render(request, "404.html", status=404)


def handler403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"code": "forbidden", "message": "Not allowed.", "fields": {}}}
        return JsonResponse(body, status=403)
    message = str(exception) if exception else ""
    return render(request, "403.html", {"message": message}, status=403)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"code": "server_error", "message": "Something went wrong.", "fields": {}}}
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)


def unconfirmed(
    request: HttpRequest, *, title: str, message: str, action: str, back: str
) -> HttpResponse | None:
    """A destructive POST asks first: without `confirmed=1` it answers a page that says
    what will happen and posts the same fields again, confirmed (works without
    JavaScript). None once confirmed: the caller goes ahead."""
    if request.POST.get("confirmed") == "1":
        return None
    fields = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    context = {"title": title, "message": message, "action": action, "back": back}
    return render(request, "confirm.html", {**context, "fields": fields})


def sort_headers(
    request: HttpRequest, current: str, columns: tuple[tuple[str, str], ...]
) -> list[dict[str, str]]:
    """Column headers that sort a list: each links to its own order (again: reversed),
    keeping the page's filters, and says which order is in force (`aria-sort`)."""
    params = request.GET.copy()
    params.pop("page", None)
    out = []
    for key, label in columns:
        ascending, descending = current == key, current == f"-{key}"
        params["sort"] = f"-{key}" if ascending else key
        out.append(
            {
                "label": label,
                "href": "?" + params.urlencode(),
                "aria_sort": "ascending" if ascending else "descending" if descending else "",
                "next": "descending" if ascending else "ascending",
            }
        )
    return out
