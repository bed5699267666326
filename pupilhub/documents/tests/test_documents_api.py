import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import Attachment, Plan

BODIES = {
    "plans": {
        "title": "Literacy plan",
        "start_date": "2026-09-01",
        "review_date": "2026-12-01",
        "status": "active",
        "targets": [
            {
                "description": "Read 20 tricky words",
                "success_criteria": "4 of 5 days",
                "outcome": "",
            }
        ],
        "strategies": "Pre-teach vocabulary",
    },
    "provisions": {
        "name": "Reading catch-up",
        "area_of_need": "cognition_learning",
        "provider": "TA",
        "frequency": "3x week",
        "group_size": 4,
        "cost_pence": 12000,
        "start_date": "2026-09-01",
        "end_date": "2026-12-01",
        "entry_score": 80,
        "exit_score": 92,
        "notes": "",
    },
    "passports": {
        "title": "My passport",
        "about_me": "I like trains",
        "strengths": "Maths",
        "needs": "Quiet space",
        "what_helps": "Visual timetable",
        "what_does_not_help": "Sudden changes",
    },
    "meeting-logs": {
        "date": "2026-10-01",
        "meeting_type": "parent_meeting",
        "attendees": "Mum, SENCo",
        "notes": "Good",
        "actions": "Review",
    },
    "safeguarding-issues": {
        "date": "2026-10-02",
        "category": "neglect",
        "description": "Concern raised",
        "actions_taken": "Called MASH",
        "status": "open",
    },
}
TYPES = {
    "plans": "plan",
    "provisions": "provision",
    "passports": "passport",
    "meeting-logs": "meeting_log",
    "safeguarding-issues": "safeguarding_issue",
}


def base(p, pupil=None):
    return f"/schools/{p.school_a.id}/pupils/{(pupil or p.pupil).id}"


@pytest.mark.parametrize("collection", [c for c in BODIES if c != "safeguarding-issues"])
def test_each_type_for_each_caller(personas, collection):
    url = f"{base(personas)}/{collection}"
    body = BODIES[collection]
    assert personas.api(None).post(url, body).status_code == 401
    assert personas.api("admin_b").post(url, body).status_code == 404
    assert personas.api("admin_b").get(url).status_code == 404
    created = personas.api("teacher").post(url, body)
    assert created.status_code == 201, created.content
    doc = created.json()
    for key, value in body.items():
        assert doc[key] == value, key
    got = personas.api("senco").get(f"{url}/{doc['id']}")
    assert got.status_code == 200 and got.json()["id"] == doc["id"]
    assert (
        personas.api("admin_b")
        .get(f"/schools/{personas.school_b.id}/pupils/{personas.pupil.id}/{collection}/{doc['id']}")
        .status_code
        == 404
    )
    patched = personas.api("teacher").patch(
        f"{url}/{doc['id']}", {"notes": "x"} if "notes" in body else {}
    )
    assert patched.status_code == 200
    listed = personas.api("teacher").get(url).json()["items"]
    assert [d["id"] for d in listed] == [doc["id"]]
    assert AuditEvent.objects.filter(
        action=f"{TYPES[collection]}.created", object_id=doc["id"]
    ).exists()


def test_safeguarding_issues_only_for_leads_and_main_admin(personas):
    url = f"{base(personas)}/safeguarding-issues"
    for who in ("teacher", "admin"):
        # Anyone may raise a concern (issue 26), and gets back the receipt alone.
        raised = personas.api(who).post(url, BODIES["safeguarding-issues"])
        assert raised.status_code == 201
        assert set(raised.json()) == {"id", "reference", "received_at"}
        assert personas.api(who).get(url).status_code == 403
        assert personas.api(who).get(f"{url}/{raised.json()['id']}").status_code == 403
    created = personas.api("senco").post(url, BODIES["safeguarding-issues"])
    assert created.status_code == 201
    issue_id = created.json()["id"]
    assert personas.api("teacher").get(f"{url}/{issue_id}").status_code == 403
    reads_before = AuditEvent.objects.filter(action="safeguarding_issue.read").count()
    assert personas.api("main_admin").get(f"{url}/{issue_id}").status_code == 200
    assert AuditEvent.objects.filter(action="safeguarding_issue.read").count() == reads_before + 1
    # Neither the record nor a count shows anywhere a teacher looks.
    timeline = personas.api("teacher").get(f"{base(personas)}/documents").json()["items"]
    assert all(item["type"] != "safeguarding_issue" for item in timeline)
    page = (
        personas.web("teacher")
        .get(f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
        .content.decode()
    )
    assert "Neglect" not in page and "afeguarding" not in page.replace("safeguarding:raise", "")
    lead_page = (
        personas.web("senco")
        .get(f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
        .content.decode()
    )
    assert "Neglect" in lead_page
    # The action log only grows.
    added = personas.api("senco").post(f"{url}/{issue_id}/actions", {"text": "Home visit booked"})
    assert added.status_code == 201
    assert (
        "Called MASH" in added.json()["actions_taken"]
        and "Home visit booked" in added.json()["actions_taken"]
    )


def test_confidential_records_are_hidden_from_teachers(personas):
    url = f"{base(personas)}/meeting-logs"
    assert (
        personas.api("teacher")
        .post(url, {**BODIES["meeting-logs"], "confidential": True})
        .status_code
        == 403
    )
    doc = personas.api("senco").post(url, {**BODIES["meeting-logs"], "confidential": True}).json()
    assert personas.api("teacher").get(url).json()["items"] == []
    assert personas.api("teacher").get(f"{url}/{doc['id']}").status_code == 404
    assert personas.api("admin").get(f"{url}/{doc['id']}").status_code == 200


@pytest.mark.parametrize(
    "field,value",
    [
        ("end_date", "2026-08-01"),
        ("cost_pence", -1),
        ("area_of_need", "maths"),
        ("start_date", "nope"),
    ],
)
def test_bad_provision_fields_are_named(personas, field, value):
    r = personas.api("senco").post(
        f"{base(personas)}/provisions", {**BODIES["provisions"], field: value}
    )
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]


def test_soft_delete_and_restore(personas):
    url = f"{base(personas)}/plans"
    doc = personas.api("senco").post(url, BODIES["plans"]).json()
    assert personas.api("teacher").delete(f"{url}/{doc['id']}").status_code == 403
    assert personas.api("senco").delete(f"{url}/{doc['id']}").status_code == 204
    assert personas.api("senco").get(f"{url}/{doc['id']}").status_code == 404
    # Who may delete may restore (issue 15): a safeguarding lead too, never plain staff.
    assert personas.api("teacher").post(f"{url}/{doc['id']}/restore").status_code == 403
    assert personas.api("senco").post(f"{url}/{doc['id']}/restore").status_code == 200
    assert personas.api("admin").post(f"{url}/{doc['id']}/restore").status_code == 200  # again
    assert personas.api("teacher").get(f"{url}/{doc['id']}").status_code == 200


def _upload(api, personas, name, data, content_type="application/octet-stream"):
    return api.post(
        f"{base(personas)}/files",
        {"file": SimpleUploadedFile(name, data, content_type), "description": "d"},
        format="multipart",
    )


def _stored_files(school=None):
    """Stored attachments (one school's when given: parallel test workers share the media
    directory, so another worker's upload must not look like this test's)."""
    root = Path(settings.MEDIA_ROOT) / "attachments"
    if school is not None:
        root = root / str(school.id)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_pdf_uploads_and_downloads_identically(personas):
    data = b"%PDF-1.4\n" + bytes(range(256)) * 10
    r = _upload(personas.api("teacher"), personas, "report.pdf", data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["content_type"] == "application/pdf" and body["size"] == len(data)
    stored = Attachment.objects.get(pk=body["id"])
    assert "report" not in stored.file.name
    download = personas.api("teacher").get(f"{base(personas)}/files/{body['id']}/content")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"
    assert (
        personas.api("admin_b")
        .get(
            f"/schools/{personas.school_b.id}/pupils/{personas.pupil.id}/files/{body['id']}/content"
        )
        .status_code
        == 404
    )


def _docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<doc/>")
    return out.getvalue()


def test_allowed_types_are_judged_by_content(personas):
    api = personas.api("teacher")
    assert _upload(api, personas, "notes.docx", _docx()).status_code == 201
    assert _upload(api, personas, "notes.txt", "Plain notes, café".encode()).status_code == 201
    real = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(real, format="PNG")
    assert _upload(api, personas, "p.png", real.getvalue()).status_code == 201
    fake = _upload(api, personas, "p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert fake.status_code == 400 and fake.json()["error"]["code"] == "invalid_image"


@pytest.mark.parametrize(
    "name,data,code",
    [
        ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, "file_type_not_allowed"),
        (
            "picture.png",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "file_type_not_allowed",
        ),
        ("page.txt", b"<html><body onload=alert(1)>", "file_type_not_allowed"),
        ("fake.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "file_type_mismatch"),
    ],
)
def test_refused_uploads_store_nothing(personas, name, data, code):
    school = personas.school_a
    before_files, before_rows = _stored_files(school), Attachment.objects.count()
    r = _upload(personas.api("teacher"), personas, name, data)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    assert _stored_files(school) == before_files and Attachment.objects.count() == before_rows


def test_a_file_over_the_limit_is_413_and_stores_nothing(personas, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    before = _stored_files(personas.school_a)
    r = _upload(personas.api("teacher"), personas, "big.pdf", b"%PDF-1.4\n" + b"0" * 2000)
    assert r.status_code == 413
    assert _stored_files(personas.school_a) == before and not Attachment.objects.exists()


def test_timeline_is_newest_first_with_constant_queries(personas):
    api = personas.api("senco")
    url = f"{base(personas)}/documents"
    for collection, body in BODIES.items():
        api.post(f"{base(personas)}/{collection}", body)
    items = api.get(url).json()["items"]
    assert len(items) == 5
    assert items == sorted(items, key=lambda i: i["created_at"], reverse=True)
    assert {i["type"] for i in items} == set(TYPES.values())
    with CaptureQueriesContext(connection) as few:
        api.get(url)
    for _ in range(40):
        api.post(f"{base(personas)}/plans", BODIES["plans"])
    with CaptureQueriesContext(connection) as many:
        api.get(url)
    assert len(many) == len(few)


def test_timeline_page_shows_transferred_origin(personas):
    from django.utils import timezone

    Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="From primary",
        start_date="2026-01-01",
        transferred_from_school=personas.school_b,
        transferred_at=timezone.now(),
    )
    item = personas.api("teacher").get(f"{base(personas)}/documents").json()["items"][0]
    assert item["transferred_from"]["school"]["name"] == "School B"
    page = (
        personas.web("teacher")
        .get(f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
        .content.decode()
    )
    assert "transferred from School B" in page
