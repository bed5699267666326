"""Issue 18: probes, structured logs, error-report scrubbing, S3 storage (moto's S3
server on 127.0.0.1), no Django admin."""

import json
import logging
import socket

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pupilhub.core import error_reporting, health, logs


def test_healthz_answers_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert len(queries) == 0
    assert client.post("/healthz").status_code == 405


def test_readyz_checks_each_dependency_and_names_a_failing_one(client, db, monkeypatch):
    r = client.get("/readyz")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"},
    }

    def down() -> None:
        raise ConnectionError("redis://secret-host refused")

    # Issue 27: without the cache (or the broker) the site still serves: degraded, 200.
    monkeypatch.setitem(health.CHECKS, "cache", down)
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "degraded", "broker": "ok", "storage": "ok"},
    }
    assert "secret-host" not in r.content.decode()  # why goes to the log, not the caller
    monkeypatch.setitem(health.CHECKS, "database", down)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["database"] == "failed"


def test_there_is_no_django_admin(client, db):
    assert client.get("/admin/").status_code == 404


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("pupilhub.test", logging.INFO, __file__, 1, message, (), None)
    logs.RequestContextFilter().filter(record)
    return record


def test_json_logs_carry_the_request_user_and_school_ids(personas, caplog):
    seen: list[dict[str, str]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(json.loads(logs.JsonFormatter().format(record)))

    handler = Keep()
    handler.addFilter(logs.RequestContextFilter())
    root, django_request = logging.getLogger(), logging.getLogger("django.request")
    root.addHandler(handler)
    level = django_request.level
    django_request.setLevel(logging.WARNING)  # so a 404 is logged ("Not Found: <path>")
    try:
        url = f"/schools/{personas.school_a.id}/pupils/00000000-0000-4000-8000-000000000000/"
        r = personas.web("teacher").get(url, HTTP_X_REQUEST_ID="lb-request-0001")
        logging.getLogger("pupilhub.test").warning("outside a request")
    finally:
        root.removeHandler(handler)
        django_request.setLevel(level)
    assert r.status_code == 404 and r["X-Request-ID"] == "lb-request-0001"
    assert len(seen) >= 2, seen
    inside = [s for s in seen if s.get("request_id") == "lb-request-0001"]
    assert inside and all(s["user_id"] == str(personas.teacher.pk) for s in inside)
    assert all(s["school_id"] == str(personas.school_a.pk) for s in inside)
    outside = seen[-1]
    assert outside["message"] == "outside a request" and "request_id" not in outside
    text = json.dumps(seen)
    assert personas.teacher.email not in text and personas.pupil.surname not in text


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, db):
    r = client.get("/healthz", HTTP_X_REQUEST_ID="evil\nINFO forged line")
    assert r["X-Request-ID"] != "evil\nINFO forged line" and len(r["X-Request-ID"]) == 32
    assert json.loads(logs.JsonFormatter().format(_record("plain")))["message"] == "plain"


def test_error_reports_lose_personal_data_before_they_leave():
    event = {
        "request": {
            "url": "https://pupilhub.example/schools/1/pupils/?q=Se%C3%A1n",
            "data": {"password": "x"},
            "cookies": {"sessionid": "s"},
            "headers": {"Authorization": "Bearer t"},
            "query_string": "q=Seán",
        },
        "user": {"id": 7, "email": "head@school.example", "ip_address": "10.0.0.1"},
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"pupil": "Seán"}}]}}]},
        "breadcrumbs": {"values": [{"category": "query", "data": {"params": ["Seán"]}}]},
        "extra": {"anything": "Seán"},
    }
    clean = error_reporting.scrub(event)
    assert clean["request"] == {"url": "https://pupilhub.example/schools/1/pupils/"}
    assert clean["user"] == {"id": "7"}
    assert "Seán" not in json.dumps(clean) and "head@school.example" not in json.dumps(clean)


# S3 ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-west-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def s3_storage(s3_server, settings):
    client = _s3(s3_server)
    if "pupilhub-files" not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(
            Bucket="pupilhub-files",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-2"},
        )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "pupilhub-files",
                "endpoint_url": s3_server,
                "region_name": "eu-west-2",
                "access_key": "test",
                "secret_key": "test",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    return s3_server


def test_files_are_kept_in_s3_and_read_back_through_pupilhub(personas, s3_storage):
    assert type(storages["default"]).__name__ == "S3Storage"
    body = b"%PDF-1.4\n% a letter from the speech therapist\n"
    base = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/files"
    upload = SimpleUploadedFile("therapy.pdf", body, content_type="application/pdf")
    r = personas.api("senco").post(
        base, {"description": "Speech therapy letter", "file": upload}, format="multipart"
    )
    assert r.status_code == 201, r.content
    keys = [o["Key"] for o in _s3(s3_storage).list_objects_v2(Bucket="pupilhub-files")["Contents"]]
    stored = [k for k in keys if k.startswith("attachments/")]
    assert stored, keys  # the bytes are in the bucket, not on local disk
    back = personas.api("senco").get(f"{base}/{r.json()['id']}/content")
    assert back.status_code == 200 and b"".join(back.streaming_content) == body
    assert personas.api("admin_b").get(f"{base}/{r.json()['id']}/content").status_code == 404
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello"))
    assert default_storage.open(name).read() == b"hello"
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_readyz_fails_storage_when_the_bucket_is_missing(client, db, s3_storage, settings):
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    settings.STORAGES["default"]["OPTIONS"] = {
        **settings.STORAGES["default"]["OPTIONS"],
        "bucket_name": "no-such-bucket",
    }
    settings.STORAGES = dict(settings.STORAGES)  # tell Django the storages changed
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["storage"] == "failed"
