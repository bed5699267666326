"""Issue 33, item 2: "CSV everything" ran for minutes in one request and was cut off
silently. A large selection becomes a background job with a progress bar; the file is the
requester's, for a day."""

import csv
import io

import pytest

from pupilhub.core.models import AuditEvent
from pupilhub.schools import exports

from .test_audit_scale import _events


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(exports, "INLINE_UP_TO", 20)
    monkeypatch.setattr(exports, "CHUNK", 7)


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_large_selection_is_made_in_the_background_and_downloaded(
    personas, small_limit, django_capture_on_commit_callbacks
):
    _events(personas, 60)
    api = personas.api("main_admin")
    url = f"/schools/{personas.school_a.id}/audit-events?format=csv"
    with django_capture_on_commit_callbacks(execute=True):
        r = api.get(url)
    assert r.status_code == 202, r.content
    job = r.json()
    status = api.get(f"/schools/{personas.school_a.id}/audit-exports/{job['id']}").json()
    assert status["status"] == "done" and status["done"] == status["total"] >= 60
    assert status["file"].endswith(f"/audit-exports/{job['id']}/file")
    # Another admin of the school, another school and a teacher cannot take it.
    path = f"/schools/{personas.school_a.id}/audit-exports/{job['id']}/file"
    assert personas.api("admin").get(path).status_code == 404
    assert personas.api("admin_b").get(path).status_code == 404
    assert personas.api("teacher").get(path).status_code == 403
    assert personas.api(None).get(path).status_code == 401
    got = api.get(path)
    assert got.status_code == 200
    rows = _rows(b"".join(got.streaming_content))
    assert rows[0] == ["at", "actor", "action", "object_type", "object_id", "pupil"]
    assert len(rows) - 1 == status["total"]  # every event, once (keyset chunks of 7)
    times = [r[0] for r in rows[1:]]
    assert times == sorted(times, reverse=True)
    assert AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_page_shows_progress_then_a_download_link(
    personas, small_limit, django_capture_on_commit_callbacks
):
    _events(personas, 30)
    web = personas.web("main_admin")
    with django_capture_on_commit_callbacks(execute=True):
        r = web.get(f"/schools/{personas.school_a.id}/audit/?format=csv")
    assert r.status_code == 302 and "/audit/exports/" in r.url
    page = web.get(r.url).content.decode()
    assert "Download the file" in page and "Available until" in page


def test_a_small_selection_still_streams_at_once(personas):
    r = personas.api("main_admin").get(f"/schools/{personas.school_a.id}/audit-events?format=csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")


def test_a_non_lead_export_leaves_out_safeguarding_events(
    personas, small_limit, django_capture_on_commit_callbacks
):
    _events(personas, 60)  # every 7th is a safeguarding event
    api = personas.api("admin")  # an admin who may not see safeguarding
    with django_capture_on_commit_callbacks(execute=True):
        job = api.get(f"/schools/{personas.school_a.id}/audit-events?format=csv").json()
    got = api.get(f"/schools/{personas.school_a.id}/audit-exports/{job['id']}/file")
    rows = _rows(b"".join(got.streaming_content))
    status = api.get(f"/schools/{personas.school_a.id}/audit-exports/{job['id']}").json()
    assert len(rows) - 1 == status["total"]
    everything = AuditEvent.objects.filter(school=personas.school_a).count()
    assert status["total"] < everything - 8  # the safeguarding events are left out


def test_an_export_whose_worker_died_is_queued_again_then_failed_never_left_running(
    personas, small_limit, monkeypatch
):
    """A crash never leaves a job 'running'."""
    from datetime import timedelta

    from django.utils import timezone

    from pupilhub.schools.models import AuditExport

    _events(personas, 30)
    queued = []
    monkeypatch.setattr(exports, "enqueue", lambda task, *args: queued.append(args))
    job = AuditExport.objects.create(
        school=personas.school_a,
        requested_by=personas.main_admin,
        filters={},
        status="running",
        expires_at=timezone.now() + timedelta(days=1),
        heartbeat_at=timezone.now() - timedelta(minutes=30),
    )
    later = timezone.now()
    counts = exports.sweep_stale(later)
    job.refresh_from_db()
    assert counts["requeued"] == 1 and job.requeued == 1 and job.status == "queued"
    assert queued == [(str(job.pk),)]
    # Once the job runs again it finishes (the CSV is written whole, from the start).
    exports.make(queued[0][0])
    job.refresh_from_db()
    assert job.status == "done" and job.done == job.total
    # A job that keeps dying is failed after three tries, not left running.
    AuditExport.objects.filter(pk=job.pk).update(
        status="running", requeued=3, heartbeat_at=later - timedelta(minutes=30)
    )
    assert exports.sweep_stale(later)["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed"
