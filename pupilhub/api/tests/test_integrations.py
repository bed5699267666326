"""What an integrator relies on: school API keys, GET /me, entity tags and If-Match,
Idempotency-Key, unknown fields refused, JSON 404s and the Bearer challenge."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import Plan
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import ApiKey
from pupilhub.testing import Api, Personas, make_upn

pytestmark = pytest.mark.django_db

ALL = ["pupils:read", "pupils:write", "documents:read", "documents:write"]


def make_key(p: Personas, scopes: list[str] | None = None, name: str = "MIS sync") -> dict:
    r = p.api("main_admin").post(
        f"/schools/{p.school_a.id}/api-keys", {"name": name, "scopes": scopes or ALL}
    )
    assert r.status_code == 201, r.content
    return r.json()


def key_client(raw: str) -> Api:
    client = Api()
    client.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return client


# API keys ----------------------------------------------------------------------------------


def test_a_key_is_shown_once_and_stored_hashed(personas: Personas) -> None:
    made = make_key(personas)
    assert made["key"].startswith("phk_") and len(made["key"]) > 40
    stored = ApiKey.objects.get(pk=made["id"])
    assert made["key"] not in (stored.key_hash, stored.prefix)
    listed = personas.api("main_admin").get(f"/schools/{personas.school_a.id}/api-keys").json()
    assert [k["name"] for k in listed["items"]] == ["MIS sync"]
    assert "key" not in listed["items"][0] and made["key"] not in str(listed)
    assert AuditEvent.objects.filter(action="api_key.create", object_id=made["id"]).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("admin_b", 404), ("admin", 403), ("teacher", 403), ("operator", 404)],
)
def test_only_the_main_admin_manages_keys(personas: Personas, who: str | None, status: int) -> None:
    base = f"/schools/{personas.school_a.id}/api-keys"
    api = personas.api(who)
    assert api.post(base, {"name": "x", "scopes": ["pupils:read"]}).status_code == status
    assert api.get(base).status_code == status
    assert not ApiKey.objects.exists()


def test_a_key_reads_and_writes_pupils_with_no_second_factor(personas: Personas) -> None:
    p = personas
    key = key_client(make_key(p)["key"])
    listed = key.get(f"/schools/{p.school_a.id}/pupils")
    assert listed.status_code == 200 and listed.json()["items"]
    made = key.post(
        f"/schools/{p.school_a.id}/pupils",
        {
            "first_name": "Kay",
            "surname": "Sync",
            "date_of_birth": "2014-05-09",
            "pupil_id": make_upn(),
            "year_group": 7,
        },
    )
    assert made.status_code == 201, made.content
    event = AuditEvent.objects.get(action="pupil.created", object_id=made.json()["id"])
    assert event.actor_kind == "api_key" and event.actor_label == "api_key:MIS sync"
    me = key.get("/me").json()
    assert me["kind"] == "api_key"
    assert me["schools"] == [
        {
            "id": str(p.school_a.id),
            "name": p.school_a.name,
            "role": "api_key",
            "safeguarding_lead": False,
            "senco": False,
        }
    ]
    assert ApiKey.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    "path",
    [
        "/schools/{a}/pupils/{pupil}/safeguarding-issues",
        "/schools/{a}/external-users",
        "/schools/{a}/staff",
        "/schools/{a}/invoices",
        "/schools/{a}/billing/quote",
        "/schools/{a}/api-keys",
        "/schools/{a}/audit-events",
        "/login-holds",
    ],
)
def test_a_key_never_reaches_safeguarding_families_staff_or_billing(
    personas: Personas, path: str
) -> None:
    key = key_client(make_key(personas)["key"])
    url = path.format(a=personas.school_a.id, pupil=personas.pupil.id)
    r = key.get(url)
    assert r.status_code == 403, (url, r.content)
    assert r.json()["error"]["code"] == "api_key_scope"


def test_a_key_is_bound_to_its_scopes_and_its_school(personas: Personas) -> None:
    p = personas
    key = key_client(make_key(p, ["pupils:read"])["key"])
    refused = key.patch(f"/schools/{p.school_a.id}/pupils/{p.pupil.id}", {"surname": "X"})
    assert refused.status_code == 403 and "pupils:write" in refused.json()["error"]["message"]
    other = key.get(f"/schools/{p.school_b.id}/pupils")
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "api_key_wrong_school"
    assert Pupil.objects.get(pk=p.pupil.pk).surname != "X"


def test_an_unknown_scope_is_a_400_and_makes_nothing(personas: Personas) -> None:
    r = personas.api("main_admin").post(
        f"/schools/{personas.school_a.id}/api-keys", {"name": "x", "scopes": ["billing:read"]}
    )
    assert r.status_code == 400 and "scopes" in r.json()["error"]["fields"]
    assert not ApiKey.objects.exists()


def test_a_revoked_key_is_refused_at_once(personas: Personas) -> None:
    p = personas
    made = make_key(p)
    key = key_client(made["key"])
    assert key.get(f"/schools/{p.school_a.id}/pupils").status_code == 200
    gone = p.api("main_admin").delete(f"/schools/{p.school_a.id}/api-keys/{made['id']}")
    assert gone.status_code == 200 and gone.json()["revoked_at"]
    r = key.get(f"/schools/{p.school_a.id}/pupils")
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_keys_are_throttled_per_key(personas: Personas, settings: Any, monkeypatch: Any) -> None:
    from pupilhub.schools import apikeys

    monkeypatch.setattr(apikeys, "PER_MINUTE", 3)
    key = key_client(make_key(personas)["key"])
    url = f"/schools/{personas.school_a.id}/pupils"
    answers = [key.get(url).status_code for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and answers[3] == 429


def test_a_key_account_cannot_sign_in(personas: Personas) -> None:
    made = make_key(personas)
    email = ApiKey.objects.get(pk=made["id"]).user.email
    r = Api().post("/auth/token", {"email": email, "password": made["key"]})
    assert r.status_code == 400


def test_a_key_cannot_read_confidential_records(personas: Personas) -> None:
    p = personas
    Plan.objects.create(
        school=p.school_a, pupil=p.pupil, plan_title="Hidden", start_date=date(2026, 9, 1),
        confidential=True,
    )  # fmt: skip
    key = key_client(make_key(p)["key"])
    listed = key.get(f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/plans")
    assert listed.status_code == 200 and "Hidden" not in listed.content.decode()


# GET /me ------------------------------------------------------------------------------------


def test_me_names_the_caller_and_their_schools(personas: Personas) -> None:
    me = personas.api("senco").get("/me").json()
    assert me["email"] == personas.senco.email and me["kind"] == "staff"
    assert [s["id"] for s in me["schools"]] == [str(personas.school_a.id)]
    assert personas.api("operator").get("/me").json()["kind"] == "operator"
    assert personas.api(None).get("/me").status_code == 401


# Safe writes ---------------------------------------------------------------------------------


def test_if_match_refuses_a_stale_write(personas: Personas) -> None:
    p = personas
    admin = p.api("admin")
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}"
    read = admin.get(url)
    tag = read["ETag"]
    assert tag.startswith('"')
    first = admin.patch(url, {"tutor_group": "7A"}, HTTP_IF_MATCH=tag)
    assert first.status_code == 200
    second = admin.patch(url, {"tutor_group": "7B"}, HTTP_IF_MATCH=tag)
    assert second.status_code == 412
    assert second.json()["error"]["code"] == "precondition_failed"
    assert Pupil.objects.get(pk=p.pupil.pk).tutor_group == "7A"
    fresh = admin.patch(url, {"tutor_group": "7B"}, HTTP_IF_MATCH=admin.get(url)["ETag"])
    assert fresh.status_code == 200


def test_a_malformed_if_match_is_a_400_and_writes_nothing(personas: Personas) -> None:
    p = personas
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}"
    r = p.api("admin").patch(url, {"tutor_group": "9Z"}, HTTP_IF_MATCH="not-a-tag")
    assert r.status_code == 400 and "If-Match" in r.json()["error"]["fields"]
    assert Pupil.objects.get(pk=p.pupil.pk).tutor_group != "9Z"


def test_a_retried_post_with_its_key_makes_one_plan(personas: Personas) -> None:
    p = personas
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/plans"
    body = {"title": "Reading", "start_date": "2026-09-01"}
    senco = p.api("senco")
    first = senco.post(url, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    again = senco.post(url, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Plan.objects.filter(pupil=p.pupil).count() == 1
    other = senco.post(url, {**body, "title": "Maths"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_mismatch"
    long_key = senco.post(url, body, HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert long_key.status_code == 400
    assert Plan.objects.filter(pupil=p.pupil).count() == 1


def test_idempotency_keys_of_different_callers_never_meet(personas: Personas) -> None:
    p = personas
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/plans"
    body = {"title": "Reading", "start_date": "2026-09-01"}
    a = p.api("senco").post(url, body, HTTP_IDEMPOTENCY_KEY="same")
    b = p.api("admin").post(url, body, HTTP_IDEMPOTENCY_KEY="same")
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_an_unknown_field_is_refused_by_name(personas: Personas) -> None:
    p = personas
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}"
    r = p.api("admin").patch(url, {"tutor_grup": "7Q"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unknown_field"
    assert "tutor_grup" in r.json()["error"]["fields"]


def test_unknown_api_paths_answer_json_even_in_debug(settings: Any) -> None:
    settings.DEBUG = True
    r = Client().get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_401_carries_the_bearer_challenge() -> None:
    r = Client().get("/api/v1/me")
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Bearer")


def test_a_retried_upload_with_its_key_stores_one_file(personas: Personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pupilhub.documents.models import Attachment

    p = personas
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/files"
    senco = p.api("senco")

    def send() -> Any:
        pdf = SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        return senco.post(url, {"file": pdf}, format="multipart", HTTP_IDEMPOTENCY_KEY="up-1")

    first, again = send(), send()
    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Attachment.objects.filter(pupil=p.pupil).count() == 1
