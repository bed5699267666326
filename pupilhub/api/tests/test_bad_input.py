"""Bad input is a 400 (or 4xx) with the contract's error body on every operation: never a 500.

Walks the OpenAPI document, fills path parameters with real ids of the caller's school, and
sends each operation the malformed requests an outside fuzzer found 500s with: multipart
with no boundary, `null` for every body field, the wrong JSON shape, wrong types.
"""

import json
import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client

from pupilhub.api.routes import api
from pupilhub.documents.models import MeetingLog, Passport, Plan, Provision, SafeguardingIssue
from pupilhub.testing import Personas, bearer, make_pupil

pytestmark = pytest.mark.django_db


SCHEMA = api.get_openapi_schema()  # built once: it takes about a second


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SCHEMA
    return [
        (method.upper(), path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


OPERATIONS = operations()
BODY_OPS = [o for o in OPERATIONS if o[0] in ("POST", "PUT", "PATCH")]


def body_fields(op: dict[str, Any]) -> list[str]:
    content = op.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or content.get("multipart/form-data") or {}).get(
        "schema", {}
    )
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    return list(schema.get("properties", {}))


@pytest.fixture
def world(personas: Personas) -> dict[str, str]:
    """Real ids for every path parameter, all in School A (the caller's school)."""
    p = personas
    pupil = p.pupil
    common = {"school": p.school_a, "pupil": pupil}
    ids = {
        "plans": Plan.objects.create(**common, plan_title="P", start_date=date(2026, 9, 1)),
        "provisions": Provision.objects.create(
            **common, name="Reading", area_of_need="semh", start_date=date(2026, 9, 1)
        ),
        "passports": Passport.objects.create(**common),
        "meeting-logs": MeetingLog.objects.create(
            **common, date=date(2026, 9, 1), meeting_type="review"
        ),
        "safeguarding-issues": SafeguardingIssue.objects.create(
            **common, date=date(2026, 9, 1), category="neglect", description="x"
        ),
    }
    return {
        "school": str(p.school_a.id),
        "pupil": str(pupil.id),
        **{k: str(v.pk) for k, v in ids.items()},
        "membership": str(p.school_a.memberships.get(user=p.teacher).id),
        "other_pupil": str(make_pupil(p.school_a).id),
    }


def fill(path: str, world: dict[str, str]) -> str:
    parts = path.split("/")
    out = []
    for i, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name == "id" and i > 0 and parts[i - 1] in world:
                out.append(world[parts[i - 1]])
            else:
                out.append(world.get(name, str(uuid.uuid4())))
        else:
            out.append(part)
    return "/".join(out)


def client() -> Client:
    return Client(raise_request_exception=False)


def problem(response: Any, what: str) -> list[str]:
    """What is wrong with the answer to a bad request: a 5xx, or an error not in the contract's shape."""
    if response.status_code >= 500:
        return [f"{what}: HTTP {response.status_code}"]
    if response.status_code >= 400 and response["Content-Type"].startswith("application/json"):
        error = response.json().get("error", {})
        if not {"code", "message"} <= set(error):
            return [f"{what}: {response.content[:200]!r}"]
    return []


def assert_handled(response: Any, what: str) -> None:
    found = problem(response, what)
    assert not found, found[0]


@pytest.mark.parametrize(
    ("method", "path", "op"), BODY_OPS, ids=[f"{m} {p}" for m, p, _ in BODY_OPS]
)
def test_multipart_without_boundary_is_400(
    personas: Personas, world: dict[str, str], method: str, path: str, op: dict[str, Any]
) -> None:
    url = fill(path, world)
    response = getattr(client(), method.lower())(
        url, b"--x\r\nbroken", content_type="multipart/form-data", **bearer(personas.main_admin)
    )
    assert_handled(response, f"{method} {path}")
    if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
        assert response.status_code == 400, f"{method} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("method", "path", "op"), BODY_OPS, ids=[f"{m} {p}" for m, p, _ in BODY_OPS]
)
def test_null_and_wrong_types_are_400(
    personas: Personas, world: dict[str, str], method: str, path: str, op: dict[str, Any]
) -> None:
    url = fill(path, world)
    fields = body_fields(op)
    bodies: list[Any] = [dict.fromkeys(fields), [], "text"]
    for f in fields:  # one field at a time, so other fields' checks cannot mask it
        bodies += [{f: None}, {f: {"nested": [1]}}, {f: 10**30}, {f: "x" * 5000}, {f: -1}]
        bodies += [{f: [10**30]}, {f: [None]}, {f: [{"a": 1}]}, {f: 1e308}, {f: "\x00"}]
    found: list[str] = []
    headers = bearer(personas.main_admin)
    for body in bodies:
        response = getattr(client(), method.lower())(
            url, json.dumps(body), content_type="application/json", **headers
        )
        found += problem(response, f"{method} {path} {str(body)[:60]}")
    assert not found, found
    garbage = getattr(client(), method.lower())(
        url, b"{not json", content_type="application/json", **bearer(personas.main_admin)
    )
    assert_handled(garbage, f"{method} {path} garbage")


@pytest.mark.parametrize(
    "collection", ["plans", "provisions", "meeting-logs", "safeguarding-issues", "passports"]
)
def test_patch_null_for_a_required_field_is_400_and_changes_nothing(
    personas: Personas, world: dict[str, str], collection: str
) -> None:
    required = {
        "plans": "title",
        "provisions": "name",
        "meeting-logs": "date",
        "safeguarding-issues": "description",
        "passports": "title",
    }[collection]
    url = f"/schools/{world['school']}/pupils/{world['pupil']}/{collection}/{world[collection]}"
    a = personas.api("main_admin")
    before = a.get(url).json()
    response = a.patch(url, {required: None})
    assert response.status_code == 400, response.content
    assert required in response.json()["error"]["fields"]
    assert a.get(url).json()[required] == before[required]


def test_patch_null_pupil_field_is_400(personas: Personas, world: dict[str, str]) -> None:
    url = f"/schools/{world['school']}/pupils/{world['pupil']}"
    response = personas.api("main_admin").patch(url, {"first_name": None, "year_group": None})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"first_name", "year_group"}
    personas.pupil.refresh_from_db()
    assert personas.pupil.first_name == "Zebedee"


@pytest.mark.parametrize(
    "query", ["page=abc", "page=-1", "page=99999999999999999999", "since=notadate", "q=%00"]
)
def test_list_queries_never_500(personas: Personas, world: dict[str, str], query: str) -> None:
    for method, path, _ in OPERATIONS:
        if method != "GET" or path.endswith(("/pdf", "/content")):
            continue
        url = fill(path, world) + "?" + query
        response = client().get(url, **bearer(personas.main_admin))
        assert_handled(response, f"GET {path}?{query}")


GETS_WITH_QUERY = [
    (m, p, op)
    for m, p, op in OPERATIONS
    if any(param["in"] == "query" for param in op.get("parameters", []))
]


@pytest.mark.parametrize(
    ("method", "path", "op"), GETS_WITH_QUERY, ids=[f"{m} {p}" for m, p, _ in GETS_WITH_QUERY]
)
def test_bad_query_parameters_are_400(
    personas: Personas, world: dict[str, str], method: str, path: str, op: dict[str, Any]
) -> None:
    url = fill(path, world)
    found: list[str] = []
    headers = bearer(personas.main_admin)
    for param in op["parameters"]:
        if param["in"] != "query":
            continue
        for value in ["1" + "0" * 30, "-1", "abc", "\x00", "2026-02-30", "x" * 3000, "1e400"]:
            response = getattr(client(), method.lower())(url, {param["name"]: value}, **headers)
            found += problem(response, f"{method} {path}?{param['name']}={value[:20]}")
    assert not found, found


def test_nul_characters_are_refused_before_any_view(
    personas: Personas, world: dict[str, str]
) -> None:
    """PostgreSQL cannot store NUL: anywhere in a query, form or JSON body it is a 400."""
    url = f"/schools/{world['school']}/pupils/{world['pupil']}/plans/{world['plans']}"
    r = personas.api("main_admin").patch(url, {"strategies": "a\x00b"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert "NUL" in r.json()["error"]["message"]
    listed = personas.api("teacher").get(f"/schools/{world['school']}/pupils", {"q": "x\x00"})
    assert listed.status_code == 400
    web = personas.web("teacher")
    assert web.get(f"/schools/{world['school']}/pupils/", {"q": "a\x00"}).status_code == 400
    assert web.get(f"/schools/{world['school']}/pupils/", {"q": "Zebedee"}).status_code == 200


def test_text_longer_than_its_column_is_a_400_naming_the_field(
    personas: Personas, world: dict[str, str]
) -> None:
    url = f"/schools/{world['school']}/pupils/{world['pupil']}/safeguarding-issues"
    r = personas.api("main_admin").post(
        url, {"date": "2026-09-01", "category": "x" * 5000, "description": "d"}
    )
    assert r.status_code == 400 and "category" in r.json()["error"]["fields"]
