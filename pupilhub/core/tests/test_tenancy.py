"""Walk every URL pattern and API route as a user of another school."""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from pupilhub.api.base import api


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def fill(route, personas, school):
    """Put School A's objects (or random ids) into a route's parameters."""
    values = {"school": school.id, "pupil": personas.pupil.id}

    def sub(match):
        name = match.group(2)
        return str(values.get(name, uuid.uuid4()))

    route = route.lstrip("^").rstrip("$")
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)


# A school's front door for parents and pupils is public on purpose (it shows the
# school's name and a registration form, never a pupil): walked for leaks only.
PUBLIC = {
    "gateway/<uuid:school>/",
    "gateway/<uuid:school>/register/",
    "api/v1/gateway/<school>/register",
}


def school_routes():
    return sorted(
        {r for r in walk(get_resolver().url_patterns) if "<school>" in r or "<uuid:school>" in r}
    )


def test_there_are_school_routes_to_walk():
    routes = school_routes()
    assert any(r.startswith("api/v1/") for r in routes)
    assert any(not r.startswith("api/") for r in routes)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_every_school_route_refuses_another_schools_user(personas, method):
    secret = personas.pupil.first_name
    web = personas.web("admin_b")
    api_client = personas.api("admin_b")
    checked = 0
    for route in school_routes():
        for school in (personas.school_a, personas.school_b):
            url = fill(route, personas, school)
            if url.startswith("/api/"):
                response = getattr(api_client.client, method)(
                    url,
                    {} if method == "get" else "{}",
                    **api_client.headers,
                    **({} if method == "get" else {"content_type": "application/json"}),
                )
            else:
                response = getattr(web, method)(url)
            body = response.content.decode(errors="replace")
            assert secret not in body, f"{method.upper()} {url} leaked School A's pupil"
            if (
                school is personas.school_a
                and route not in PUBLIC
                and "gateway/{school}/register" not in route
            ):
                assert response.status_code in (400, 403, 404, 405), (
                    f"{method.upper()} {url}: {response.status_code}"
                )
            checked += 1
    assert checked > 20


def test_every_api_operation_documents_its_errors():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {str(c) for c in operation["responses"]}
            if path.endswith(("openapi.json", "docs")):
                continue
            assert any(c.startswith("4") for c in codes), f"{method} {path} lists no errors"
            if "{school}" in path:
                assert "404" in codes, f"{method} {path} must document 404"
