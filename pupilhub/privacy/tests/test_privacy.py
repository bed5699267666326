"""Data protection (issue 15): subject access, restore until purge, the retention job, the
pupil's access log and the audit-events export."""

import csv
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from pupilhub.accounts.models import OneTimeToken
from pupilhub.core.models import AuditEvent, ThrottleBucket
from pupilhub.documents.models import Attachment, MeetingLog, SafeguardingIssue
from pupilhub.gateway.models import ExternalLink, LicenceType
from pupilhub.messaging.models import Delivery, Message
from pupilhub.privacy import purge
from pupilhub.privacy.models import LeaverNotice
from pupilhub.pupils.models import Pupil
from pupilhub.reports.models import PrintRun, Report
from pupilhub.schools.models import StaffMembership
from pupilhub.testing import make_pupil, make_user

ISSUE = {
    "date": "2026-10-02",
    "category": "neglect",
    "description": "Came to school hungry",
    "actions_taken": "Spoke to DSL",
    "status": "open",
}
MEETING = {
    "date": "2026-10-01",
    "meeting_type": "parent_meeting",
    "attendees": "Mum, SENCo",
    "notes": "Agreed a reading plan",
    "actions": "Review in six weeks",
}


def pupil_url(personas, pupil=None):
    pupil = pupil or personas.pupil
    return f"/schools/{personas.school_a.id}/pupils/{pupil.id}"


def upload(personas, who="senco", name="letter.txt", data=b"Dear parent"):
    r = personas.api(who).post(
        f"{pupil_url(personas)}/files",
        {"file": SimpleUploadedFile(name, data, "text/plain"), "description": "letter"},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    return r.json()


def age(days: int):
    """A moment `days` ago."""
    return timezone.now() - timedelta(days=days)


# Subject access ----------------------------------------------------------------------


def test_the_subject_access_zip_holds_the_profile_every_record_the_files_and_a_summary(
    personas,
):
    issue = personas.api("senco").post(f"{pupil_url(personas)}/safeguarding-issues", ISSUE)
    meeting = personas.api("senco").post(f"{pupil_url(personas)}/meeting-logs", MEETING).json()
    personas.api("admin").delete(f"{pupil_url(personas)}/meeting-logs/{meeting['id']}")
    stored = upload(personas, data=b"Dear parent, the trip is on Friday.")

    r = personas.api("main_admin").get(f"{pupil_url(personas)}/subject-access")

    assert r.status_code == 200
    assert r["Content-Type"] == "application/zip"
    assert "attachment" in r["Content-Disposition"] and r["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    names = archive.namelist()
    assert {"pupil.json", "summary.pdf", f"files/{stored['id']}-letter.txt"} <= set(names)
    data = json.loads(archive.read("pupil.json"))
    assert data["pupil"]["first_name"] == "Zebedee" and data["pupil"]["date_of_birth"]
    docs = data["documents"]
    assert [i["id"] for i in docs["safeguarding-issues"]] == [issue.json()["id"]]
    assert docs["safeguarding-issues"][0]["action_log"][0]["text"] == "Spoke to DSL"
    deleted = docs["meeting-logs"][0]
    assert deleted["id"] == meeting["id"] and deleted["deleted_at"]  # held until purged
    assert (
        archive.read(f"files/{stored['id']}-letter.txt") == b"Dear parent, the trip is on Friday."
    )
    assert archive.read("summary.pdf").startswith(b"%PDF")
    exported = AuditEvent.objects.get(action="pupil.subject_access_exported")
    assert exported.actor == personas.main_admin and exported.pupil == str(personas.pupil.pk)
    log = personas.api("main_admin").get(f"{pupil_url(personas)}/access-log").json()
    assert "pupil.subject_access_exported" in [e["action"] for e in log["items"]]


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("admin_b", 404), ("teacher", 403), ("admin", 403), ("senco", 403)],
)
def test_only_the_main_admin_may_export_a_pupil(personas, who, status):
    assert personas.api(who).get(f"{pupil_url(personas)}/subject-access").status_code == status
    assert not AuditEvent.objects.filter(action="pupil.subject_access_exported").exists()


def test_the_subject_access_page_download(personas):
    url = f"{pupil_url(personas)}/subject-access.zip"
    assert personas.web(None).get(url).status_code == 302  # to sign in
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web("senco").get(url).status_code == 403
    r = personas.web("main_admin").get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    page = personas.web("main_admin").get(f"{pupil_url(personas)}/").content.decode()
    assert "subject-access.zip" in page
    assert (
        "subject-access.zip"
        not in personas.web("admin").get(f"{pupil_url(personas)}/").content.decode()
    )


# Restore until purge -------------------------------------------------------------------


def test_a_deleted_file_restores_until_the_purge_then_it_is_gone_from_storage(personas):
    stored = upload(personas)
    url = f"{pupil_url(personas)}/files/{stored['id']}"
    name = Attachment.objects.get(pk=stored["id"]).file.name
    assert personas.api("admin").delete(url).status_code == 204
    assert personas.api("admin").post(f"{url}/restore").status_code == 200
    assert personas.api("teacher").get(url).status_code == 200
    assert personas.api("admin").delete(url).status_code == 204

    Attachment.objects.filter(pk=stored["id"]).update(deleted_at=age(29))
    purge.purge_all()
    assert default_storage.exists(name)  # inside the 30 days: still restorable

    Attachment.objects.filter(pk=stored["id"]).update(deleted_at=age(31))
    counts = purge.purge_all()
    assert counts["deleted_records"] == 1 and counts["files"] == 1
    assert not Attachment.objects.filter(pk=stored["id"]).exists()
    assert not default_storage.exists(name)  # the bytes are gone too
    assert personas.api("admin").post(f"{url}/restore").status_code == 404


def test_the_pupil_page_offers_recently_deleted_records_to_those_who_may_restore(personas):
    meeting = personas.api("senco").post(f"{pupil_url(personas)}/meeting-logs", MEETING).json()
    issue = personas.api("senco").post(f"{pupil_url(personas)}/safeguarding-issues", ISSUE).json()
    personas.api("admin").delete(f"{pupil_url(personas)}/meeting-logs/{meeting['id']}")
    personas.api("senco").delete(f"{pupil_url(personas)}/safeguarding-issues/{issue['id']}")
    page = f"{pupil_url(personas)}/"

    as_lead = personas.web("senco").get(page).content.decode()
    assert "Recently deleted" in as_lead and "Safeguarding: Neglect" in as_lead
    as_admin = personas.web("admin").get(page).content.decode()
    assert "Parent meeting" in as_admin or "meeting" in as_admin.lower()
    assert "Neglect" not in as_admin  # no trace of safeguarding for a plain admin
    assert "Recently deleted" not in personas.web("teacher").get(page).content.decode()

    deleted_page = f"{pupil_url(personas)}/deleted/"
    assert personas.web("teacher").get(deleted_page).status_code == 403
    assert personas.web("admin_b").get(deleted_page).status_code == 404
    assert "Neglect" not in personas.web("admin").get(deleted_page).content.decode()

    restore = f"{pupil_url(personas)}/safeguarding-issues/{issue['id']}/delete/"
    r = personas.web("senco").post(restore, {"restore": "1"})
    assert r.status_code == 302
    assert SafeguardingIssue.objects.get(pk=issue["id"]).deleted_at is None


# The retention job ---------------------------------------------------------------------


def _old_things(personas):
    """Something of every kind past the default retention."""
    doc = MeetingLog.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date=date(2026, 1, 1),
        meeting_type="parent_meeting",
        deleted_at=age(40),
    )
    report = Report.objects.create(school=personas.school_a, name="Autumn", year_groups=[8])
    run = PrintRun.objects.create(school=personas.school_a, report=report, status="done")
    run.file.save("run.pdf", io.BytesIO(b"%PDF-1.4 old run"))
    PrintRun.objects.filter(pk=run.pk).update(created_at=age(31))
    message = Message.objects.create(
        school=personas.school_a, subject="Trip", html_body="<p>x</p>", send_after=age(100)
    )
    Message.objects.filter(pk=message.pk).update(created_at=age(100))
    Delivery.objects.create(
        message=message,
        email="mum@example.com",
        pupil_names="Zebedee",
        status="sent",
        next_attempt_at=age(100),
        mail_id="<old@example.org>",
    )
    return doc, run


def test_the_retention_job_purges_what_is_past_keeping_and_twice_changes_nothing(personas):
    doc, run = _old_things(personas)
    run_file = run.file.name
    kept = MeetingLog.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date=date(2026, 1, 1),
        meeting_type="parent_meeting",
        deleted_at=age(3),
    )

    first = purge.purge_all()

    assert first["deleted_records"] == 1 and first["print_runs"] == 1
    assert first["sent_mail_addresses"] == 1
    assert not MeetingLog.objects.filter(pk=doc.pk).exists()
    assert MeetingLog.objects.filter(pk=kept.pk).exists()
    assert not PrintRun.objects.filter(pk=run.pk).exists() and not default_storage.exists(run_file)
    delivery = Delivery.objects.get(mail_id="<old@example.org>")
    assert (delivery.email, delivery.pupil_names, delivery.status) == ("", "", "sent")
    event = AuditEvent.objects.get(action="retention.purged", school=personas.school_a)
    assert event.actor is None and event.detail["counts"]["deleted_records"] == 1
    assert "Zebedee" not in json.dumps(event.detail) and "@" not in json.dumps(event.detail)

    events_before = AuditEvent.objects.count()
    rows_before = (MeetingLog.objects.count(), PrintRun.objects.count(), Delivery.objects.count())
    assert purge.purge_all() == {}
    assert AuditEvent.objects.count() == events_before
    assert rows_before == (
        MeetingLog.objects.count(),
        PrintRun.objects.count(),
        Delivery.objects.count(),
    )


def test_a_school_that_keeps_longer_keeps(personas):
    doc, _ = _old_things(personas)
    r = personas.api("main_admin").put(
        f"/schools/{personas.school_a.id}/retention", {"deleted_documents_days": 60}
    )
    assert r.status_code == 200 and r.json()["deleted_documents_days"] == 60
    purge.purge_all()
    assert MeetingLog.objects.filter(pk=doc.pk).exists()


def test_the_platform_rows_past_their_time_are_purged(personas):
    ThrottleBucket.objects.create(scope="login", key="k" * 64, hits=[])
    ThrottleBucket.objects.filter(key="k" * 64).update(updated_at=age(2))
    OneTimeToken.issue(personas.teacher, OneTimeToken.Purpose.RESET_PASSWORD, hours=1)
    OneTimeToken.objects.update(expires_at=age(8))
    invited = make_user("invited@example.org", email_verified_at=None)
    invited.set_unusable_password()
    invited.save()
    StaffMembership.objects.create(
        user=invited,
        school=personas.school_a,
        role="staff",
        status="invited",
        invite_expires_at=age(31),
    )
    counts = purge.purge_all()
    assert counts["buckets"] == 1 and counts["links"] >= 1 and counts["invitations"] == 1
    assert not StaffMembership.objects.filter(user__email="invited@example.org").exists()
    assert purge.purge_all() == {}


def test_a_leaver_is_purged_only_after_the_main_admin_was_told_a_month_before(personas, mailoutbox):
    today = timezone.localdate()
    leaver = make_pupil(
        personas.school_a,
        first_name="Daniel",
        date_of_birth=date(today.year - 26, 1, 1),
        status="archived",
    )
    issue = SafeguardingIssue.objects.create(
        school=personas.school_a, pupil=leaver, date=today, category="Neglect", description="x"
    )
    still_here = make_pupil(personas.school_a, date_of_birth=date(today.year - 26, 1, 1))

    counts = purge.purge_all()
    assert counts["leavers_noticed"] == 1 and "leavers" not in counts  # told, not purged
    notice = LeaverNotice.objects.get(pupil=leaver)
    assert notice.purge_on == today + timedelta(days=30)
    assert [m.to for m in mailoutbox] == [[personas.main_admin.email]]
    assert "Daniel" not in mailoutbox[0].body  # the email names nobody
    assert purge.purge_all() == {}  # told once

    later = timezone.now() + timedelta(days=31)
    counts = purge.purge_all(now=later)
    assert counts["leavers"] == 1
    assert not Pupil.objects.filter(pk=leaver.pk).exists()
    assert not SafeguardingIssue.objects.filter(pk=issue.pk).exists()
    assert Pupil.objects.filter(pk=still_here.pk).exists()  # on roll: never purged
    hidden = AuditEvent.objects.get(action="safeguarding_issue.purged")
    assert hidden.safeguarding and hidden.detail["counts"]["leaver_records"] == 1
    assert purge.purge_all(now=later) == {}


def test_the_main_admin_can_keep_a_leaver_a_year_longer(personas):
    today = timezone.localdate()
    leaver = make_pupil(
        personas.school_a, date_of_birth=date(today.year - 26, 1, 1), status="archived"
    )
    Pupil.objects.filter(pk=leaver.pk).update(updated_at=age(7 * 365))
    purge.purge_all()
    notice = LeaverNotice.objects.get(pupil=leaver)
    url = f"/schools/{personas.school_a.id}/retention/leavers/{notice.id}/keep"
    assert personas.web("admin").post(url).status_code == 403
    assert personas.web("admin_b").post(url).status_code == 404
    assert personas.web("main_admin").post(url).status_code == 302
    purge.purge_all(now=timezone.now() + timedelta(days=31))
    assert Pupil.objects.filter(pk=leaver.pk).exists()


def test_the_daily_job_is_on_the_beat_and_has_a_command(personas):
    from config.celery import app

    entry = app.conf.beat_schedule["retention-purge"]
    assert entry["task"] == "pupilhub.privacy.tasks.purge_expired"
    _old_things(personas)
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert "deleted_records: 1" in out.getvalue()
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert out.getvalue().strip() == "Nothing to purge."


# Retention settings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("admin_b", 404), ("teacher", 403), ("admin", 403), ("senco", 403)],
)
def test_only_the_main_admin_reads_or_sets_retention(personas, who, status):
    """Safeguarding leads (the senco persona is one) may read it, to see a pending change."""
    url = f"/schools/{personas.school_a.id}/retention"
    read = 200 if who == "senco" else status
    assert personas.api(who).get(url).status_code == read
    assert personas.api(who).put(url, {"sent_mail_days": 7}).status_code == status


def test_retention_defaults_changes_and_bad_input(personas):
    url = f"/schools/{personas.school_a.id}/retention"
    api = personas.api("main_admin")
    assert api.get(url).json() == {
        "deleted_documents_days": 30,
        "print_runs_days": 30,
        "sent_mail_days": 90,
        "leavers_years": 25,
        "pending": None,
    }
    r = api.put(url, {"sent_mail_days": 120, "leavers_years": 31})
    assert r.status_code == 200
    assert r.json()["sent_mail_days"] == 120 and r.json()["deleted_documents_days"] == 30
    event = AuditEvent.objects.get(action="retention.updated")
    assert event.detail["sent_mail_days"] == [90, 120]
    for bad in (
        {"sent_mail_days": 0},
        {"leavers_years": "many"},
        {"print_runs_days": -1},
        {"deleted_documents_days": 1.5},
        {"deleted_documents_days": True},
        {"forever": 1},
    ):
        r = api.put(url, bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["fields"], bad
    assert api.get(url).json()["leavers_years"] == 31  # nothing lost


def test_the_retention_page(personas):
    url = f"/schools/{personas.school_a.id}/retention/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web("admin").get(url).status_code == 403
    assert personas.web("main_admin").get(url).status_code == 200
    r = personas.web("main_admin").post(url, {**_form(), "sent_mail_days": "0"})
    assert r.status_code == 400
    r = personas.web("main_admin").post(url, _form())
    assert r.status_code == 302
    now = personas.api("main_admin").get(f"/schools/{personas.school_a.id}/retention").json()
    assert now["print_runs_days"] == 30 and now["pending"]["values"] == {"print_runs_days": 14}
    page = personas.web("main_admin").get(url).content.decode()
    assert "Waiting to take effect" in page
    lead = personas.web("senco").get(url)
    assert lead.status_code == 200 and "Waiting to take effect" in lead.content.decode()
    assert personas.web("senco").post(url, _form()).status_code == 403


def _form():
    return {
        "deleted_documents_days": "30",
        "print_runs_days": "14",
        "sent_mail_days": "90",
        "leavers_years": "25",
    }


# Access log and audit events -------------------------------------------------------------


def _parent(personas):
    parent = make_user("secret.parent@example.com")
    ExternalLink.objects.create(
        user=parent,
        school=personas.school_a,
        pupil=personas.pupil,
        licence_type=LicenceType.objects.get(school=personas.school_a, kind="parent"),
    )
    return parent


def test_the_access_log_says_who_read_or_changed_the_pupils_records(personas):
    personas.web("teacher").get(f"{pupil_url(personas)}/")
    personas.api("senco").post(f"{pupil_url(personas)}/safeguarding-issues", ISSUE)
    parent = _parent(personas)
    from pupilhub.core import audit

    audit.record(parent, "report.downloaded", personas.pupil, school=personas.school_a)
    other = make_pupil(personas.school_a)
    personas.web("teacher").get(f"{pupil_url(personas, other)}/")

    r = personas.api("senco").get(f"{pupil_url(personas)}/access-log")
    assert r.status_code == 200
    items = r.json()["items"]
    actions = [(e["actor"], e["action"]) for e in items]
    assert ("teacher@a.example.org", "pupil.viewed") in actions
    assert ("senco@a.example.org", "safeguarding_issue.created") in actions
    assert (f"external:{parent.id}", "report.downloaded") in actions
    assert "secret.parent@example.com" not in r.content.decode()
    assert all(e["object_id"] != str(other.pk) for e in items)  # only this pupil
    page = personas.web("main_admin").get(f"{pupil_url(personas)}/access-log/")
    html = page.content.decode()
    # Issue 31: the page speaks in words, never codes or ids.
    assert page.status_code == 200 and "Opened a pupil&#x27;s record" in html
    assert "pupil.viewed" not in html and str(parent.id) not in html
    assert "secret.parent@example.com" not in html
    assert f"A family or agency account (ref. {str(parent.id)[:8]})" in html


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("admin_b", 404), ("teacher", 403), ("admin", 403)]
)
def test_only_the_main_admin_and_leads_see_the_access_log(personas, who, status):
    assert personas.api(who).get(f"{pupil_url(personas)}/access-log").status_code == status
    page = personas.web(who).get(f"{pupil_url(personas)}/access-log/")
    assert page.status_code == {401: 302}.get(status, status)


def test_the_audit_csv_has_no_external_address_and_no_safeguarding_for_a_non_lead(personas):
    personas.api("senco").post(f"{pupil_url(personas)}/safeguarding-issues", ISSUE)
    personas.api("senco").post(f"{pupil_url(personas)}/meeting-logs", MEETING)
    parent = _parent(personas)
    from pupilhub.core import audit

    audit.record(parent, "report.downloaded", personas.pupil, school=personas.school_a)
    url = f"/schools/{personas.school_a.id}/audit-events"

    r = personas.api("admin").get(url, {"format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"at", "actor", "action", "object_type", "object_id"} <= set(rows[0])
    assert "meeting_log.created" in {row["action"] for row in rows}
    assert f"external:{parent.id}" in {row["actor"] for row in rows}
    assert "secret.parent@example.com" not in text
    assert "safeguarding" not in text.lower()

    as_lead = personas.api("main_admin").get(url, {"format": "csv"})
    lead_text = b"".join(as_lead.streaming_content).decode("utf-8-sig")
    assert "safeguarding_issue.created" in lead_text
    assert "secret.parent@example.com" not in lead_text


def test_audit_event_filters(personas):
    personas.web("teacher").get(f"{pupil_url(personas)}/")
    other = make_pupil(personas.school_a)
    personas.web("admin").get(f"{pupil_url(personas, other)}/")
    parent = _parent(personas)
    from pupilhub.core import audit

    audit.record(parent, "report.downloaded", personas.pupil, school=personas.school_a)
    url = f"/schools/{personas.school_a.id}/audit-events"
    api = personas.api("admin")

    by_pupil = api.get(url, {"pupil": str(other.pk)}).json()["items"]
    assert by_pupil and {e["pupil"] for e in by_pupil} == {str(other.pk)}
    by_actor = api.get(url, {"actor": "teacher@a.example.org"}).json()["items"]
    assert {e["actor"] for e in by_actor} == {"teacher@a.example.org"}
    external = api.get(url, {"actor": f"external:{parent.id}"}).json()["items"]
    assert [e["action"] for e in external] == ["report.downloaded"]
    assert api.get(url, {"actor": "secret.parent@example.com"}).json()["items"] == []
    viewed = api.get(url, {"action": "pupil.viewed"}).json()["items"]
    assert len(viewed) == 2
    today = timezone.localdate().isoformat()
    assert len(api.get(url, {"action": "pupil.viewed", "since": today}).json()["items"]) == 2
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert api.get(url, {"until": yesterday}).json()["items"] == []
    for bad in ({"since": "last week"}, {"pupil": "7"}, {"format": "xml"}, {"until": "2026-02-30"}):
        r = api.get(url, bad)
        assert r.status_code == 400 and r.json()["error"]["fields"], bad


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("admin_b", 404), ("teacher", 403), ("senco", 403)]
)
def test_audit_events_are_for_admins(personas, who, status):
    url = f"/schools/{personas.school_a.id}/audit-events"
    assert personas.api(who).get(url).status_code == status


def test_the_audit_page_filters_and_downloads(personas):
    personas.web("teacher").get(f"{pupil_url(personas)}/")
    url = f"/schools/{personas.school_a.id}/audit/"
    r = personas.web("admin").get(url, {"actor": "teacher@a.example.org"})
    assert r.status_code == 200 and "Opened a pupil&#x27;s record" in r.content.decode()
    assert "format=csv" in r.content.decode()
    csv_page = personas.web("admin").get(url, {"actor": "teacher@a.example.org", "format": "csv"})
    assert b"pupil.viewed" in b"".join(csv_page.streaming_content)
    assert personas.web("admin").get(url, {"since": "soon"}).status_code == 400
    assert personas.web("teacher").get(url).status_code == 403


@pytest.mark.parametrize(
    ("who", "deleted", "audit_page", "keep"),
    [
        (None, 302, 302, 302),
        ("admin_b", 404, 404, 404),
        ("teacher", 403, 403, 403),
        ("senco", 200, 403, 403),
        ("admin", 200, 200, 403),
    ],
)
def test_pages_by_caller(personas, who, deleted, audit_page, keep):
    client = personas.web(who)
    assert client.get(f"{pupil_url(personas)}/deleted/").status_code == deleted
    assert client.get(f"/schools/{personas.school_a.id}/audit/").status_code == audit_page
    leaver = make_pupil(personas.school_a, date_of_birth=date(1990, 1, 1), status="archived")
    notice = LeaverNotice.objects.create(
        school=personas.school_a, pupil=leaver, purge_on=timezone.localdate()
    )
    url = f"/schools/{personas.school_a.id}/retention/leavers/{notice.id}/keep"
    assert client.post(url).status_code == keep
    assert LeaverNotice.objects.get(pk=notice.pk).purge_on == timezone.localdate()


def test_the_subject_access_export_has_every_pupil_field_and_its_pdf_uses_words(personas):
    """Issue 31, item 7: the export left out sex, SEN status and needs; its PDF showed
    "active", raw year numbers and school ids."""
    from pypdf import PdfReader

    from pupilhub.pupils.models import Pupil

    Pupil.objects.filter(pk=personas.pupil.pk).update(
        sex="F", sen_status="K", sen_needs=["SPLD", "SEMH"]
    )
    personas.api("senco").post(f"{pupil_url(personas)}/meeting-logs", MEETING)
    r = personas.api("main_admin").get(f"{pupil_url(personas)}/subject-access")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    data = json.loads(archive.read("pupil.json"))
    profile = data["pupil"]
    assert profile["sex"] == "F" and profile["sen_status"] == "K"
    assert profile["sen_needs"] == ["SPLD", "SEMH"]
    assert "_docs" not in data
    reader = PdfReader(io.BytesIO(archive.read("summary.pdf")))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Female" in text and "SEN support" in text
    assert "Specific learning difficulty" in text
    assert "On roll" in text and "active" not in text
    year = personas.pupil.year_label
    assert f"Year group {year}" in text
    assert str(personas.school_a.pk) not in text
    dob = personas.pupil.date_of_birth
    assert f"{dob.day} {dob:%B %Y}" in text
