import hashlib
import json
from datetime import date

import pytest
from django.core.files.base import ContentFile

from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import Attachment, Passport, Plan, SafeguardingIssue
from pupilhub.testing import make_pupil
from pupilhub.transition.models import ClusterMembership


def _request(world, who="sec_admin", types=("plans", "provisions", "passports"), pupils=None):
    return world.api(who).post(
        f"/schools/{world.secondary.id}/transfer-requests",
        {
            "from_school": str(world.primary.id),
            "pupils": [str(p.id) for p in (pupils or [world.child_sec])],
            "document_types": list(types),
        },
    )


def _approve(world, req_id, who="pri_admin", body=None):
    return world.api(who).post(
        f"/schools/{world.primary.id}/transfer-requests/{req_id}/approve", body
    )


def test_the_whole_flow_copies_documents_and_never_pupil_details(world):
    r = _request(world)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "pending" and body["items"][0]["status"] == "pending"
    assert (body["from_school"], body["to_school"]) == (
        str(world.primary.id),
        str(world.secondary.id),
    )
    assert body["items"][0]["pupil"] == str(world.child_sec.id)
    incoming = (
        world.api("pri_admin")
        .get(f"/schools/{world.primary.id}/transfer-requests?direction=incoming")
        .json()["items"]
    )
    assert [i["id"] for i in incoming] == [body["id"]]
    outgoing = (
        world.api("pri_admin")
        .get(f"/schools/{world.primary.id}/transfer-requests?direction=outgoing")
        .json()["items"]
    )
    assert outgoing == []
    r = _approve(world, body["id"])
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "completed"
    item = done["items"][0]
    assert item["status"] == "transferred"
    assert item["documents"] == {"plans": 1, "provisions": 1, "passports": 1}
    copy = Plan.objects.get(school=world.secondary)
    assert copy.pupil == world.child_sec and copy.transferred_from_school == world.primary
    world.child_sec.refresh_from_db()
    assert world.child_sec.first_name == "SIÂN ".strip() or world.child_sec.first_name.startswith(
        "SIÂN"
    )
    assert world.child_sec.year_group == 7  # pupil details untouched
    timeline = (
        world.api("sec_admin")
        .get(f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/documents")
        .json()["items"]
    )
    assert {t["transferred_from"]["school"]["name"] for t in timeline} == {"Oakfield"}


def test_repeating_an_approval_or_a_request_copies_nothing_twice(world):
    first = _request(world).json()
    _approve(world, first["id"])
    again = _approve(world, first["id"])
    assert again.status_code == 200 and again.json()["status"] == "completed"
    second = _request(world).json()
    r = _approve(world, second["id"])
    assert r.json()["items"][0]["documents"] == {"plans": 0, "provisions": 0, "passports": 0}
    assert Plan.objects.filter(school=world.secondary).count() == 1
    assert Passport.objects.filter(school=world.secondary).count() == 1


def test_file_bytes_arrive_identical(world):
    data = b"%PDF-1.4\n" + bytes(range(256)) * 50
    src = Attachment(
        school=world.primary,
        pupil=world.child_pri,
        filename="report.pdf",
        size=len(data),
        content_type="application/pdf",
        sha256=hashlib.sha256(data).hexdigest(),
    )
    src.file.save("attachments/test-src", ContentFile(data), save=True)
    req = _request(world, types=["files"]).json()
    _approve(world, req["id"])
    copy = Attachment.objects.get(school=world.secondary)
    assert copy.file.name != src.file.name
    with copy.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == src.sha256 == copy.sha256


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Sian"),
        ("surname", "ONeill"),
        ("date_of_birth", date(2015, 3, 5)),
        ("pupil_id", "different"),
    ],
)
def test_each_of_the_four_fields_must_match(world, field, value):
    from pupilhub.testing import make_upn

    if field == "pupil_id":
        value = make_upn()
    setattr(world.child_pri, field, value)
    world.child_pri.save()
    shared = (
        world.api("sec_admin")
        .get(f"/schools/{world.secondary.id}/transition/shared-pupils?partner={world.primary.id}")
        .json()
    )
    assert shared["items"] == []
    assert [n["differs"] for n in shared["near_misses"]] == [field]
    req = _request(world).json()
    item = _approve(world, req["id"]).json()["items"][0]
    assert item["status"] == "skipped" and item["reason"] == "no_match"
    assert item["differs"] == [field]
    assert not Plan.objects.filter(school=world.secondary).exists()


def test_archived_pupils_match_on_either_side_and_names_are_normalised(world):
    world.child_sec.status = "archived"
    world.child_sec.save()
    shared = (
        world.api("sec_admin")
        .get(f"/schools/{world.secondary.id}/transition/shared-pupils?partner={world.primary.id}")
        .json()["items"]
    )
    assert len(shared) == 1
    assert shared[0]["pupil"] == str(world.child_sec.id)  # an id, as in requests
    assert shared[0]["partner_pupil"]["status"] == "archived"
    assert shared[0]["partner_document_counts"]["plans"] == 1
    assert "safeguarding_issues" not in shared[0]["partner_document_counts"]  # plain admin


def test_a_pupil_without_documents_is_skipped(world):
    Plan.objects.all().delete()
    req = _request(world, types=["plans"]).json()
    item = _approve(world, req["id"]).json()["items"][0]
    assert (item["status"], item["reason"]) == ("skipped", "no_documents")


@pytest.mark.parametrize("status", ["pending", "denied", "left"])
def test_memberships_that_are_not_active_block_requests(world, status):
    ClusterMembership.objects.filter(school=world.primary).update(status=status)
    r = _request(world)
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_in_cluster"
    partners = world.api("sec_admin").get(f"/schools/{world.secondary.id}/transition/partners")
    assert partners.json()["items"] == []


def test_leaving_between_request_and_approval_blocks_the_approval(world):
    req = _request(world).json()
    m = ClusterMembership.objects.get(school=world.secondary)
    r = world.api("sec_head").post(
        f"/schools/{world.secondary.id}/cluster-memberships/{m.id}/leave"
    )
    assert r.status_code == 200 and r.json()["status"] == "left"
    r = _approve(world, req["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_in_cluster"
    assert not Plan.objects.filter(school=world.secondary).exists()


def test_a_school_outside_the_cluster_learns_nothing(world):
    base = f"/schools/{world.outsider.id}"
    r = world.api("out_admin").post(
        f"{base}/transfer-requests",
        {"from_school": str(world.primary.id), "pupils": [], "document_types": ["plans"]},
    )
    assert r.status_code in (400, 409)
    r = world.api("out_admin").post(
        f"{base}/transfer-requests",
        {
            "from_school": str(world.primary.id),
            "pupils": [str(make_pupil(world.outsider).id)],
            "document_types": ["plans"],
        },
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_in_cluster"
    unknown = world.api("out_admin").post(
        f"{base}/transfer-requests",
        {
            "from_school": "00000000-0000-0000-0000-000000000000",
            "pupils": [str(make_pupil(world.outsider).id)],
            "document_types": ["plans"],
        },
    )
    assert unknown.json() == r.json()  # the same answer whether the school exists or not
    shared = world.api("out_admin").get(
        f"{base}/transition/shared-pupils?partner={world.primary.id}"
    )
    assert shared.status_code == 404
    req = _request(world).json()
    assert world.api("out_admin").get(f"{base}/transfer-requests/{req['id']}").status_code == 404
    assert (
        world.api("out_admin").post(f"{base}/transfer-requests/{req['id']}/approve").status_code
        == 404
    )
    assert (
        world.api("out_admin")
        .post(f"/schools/{world.primary.id}/transfer-requests/{req['id']}/approve")
        .status_code
        == 404
    )


def test_plain_staff_get_403_everywhere(world):
    req = _request(world).json()
    s = f"/schools/{world.secondary.id}"
    for method, path in [
        ("get", f"{s}/cluster-memberships"),
        ("get", f"{s}/transition/partners"),
        ("get", f"{s}/transition/shared-pupils?partner={world.primary.id}"),
        ("post", f"{s}/transfer-requests"),
        ("get", f"{s}/transfer-requests"),
        ("get", f"{s}/transfer-requests/{req['id']}"),
    ]:
        body = {"from_school": str(world.primary.id), "pupils": [], "document_types": ["plans"]}
        r = getattr(world.api("sec_staff"), method)(path, body if method == "post" else None)
        assert r.status_code == 403, (path, r.status_code)
        anonymous = getattr(world.api(None), method)(path, body if method == "post" else None)
        assert anonymous.status_code == 401


def test_only_the_sending_school_answers(world):
    req = _request(world).json()
    r = world.api("sec_admin").post(
        f"/schools/{world.secondary.id}/transfer-requests/{req['id']}/approve"
    )
    assert r.status_code == 403


def test_safeguarding_needs_a_lead_or_the_main_admin_on_both_sides(world):
    SafeguardingIssue.objects.create(
        school=world.primary,
        pupil=world.child_pri,
        date=date(2026, 1, 1),
        category="neglect",
        description="x",
    )
    assert _request(world, "sec_admin", ["safeguarding_issues"]).status_code == 403
    r = _request(world, "sec_head", ["safeguarding_issues"])
    assert r.status_code == 201
    assert r.json()["due_by"] is not None
    # For a plain admin a request naming safeguarding issues does not exist (no trace).
    assert _approve(world, r.json()["id"], "pri_admin").status_code == 404
    ok = _approve(world, r.json()["id"], "pri_lead")
    assert ok.status_code == 200 and ok.json()["items"][0]["documents"] == {
        "safeguarding_issues": 1
    }
    assert ok.json()["awaiting_receipt"] is True
    ack = f"/schools/{world.secondary.id}/transfer-requests/{r.json()['id']}/acknowledge"
    assert world.api("sec_admin").post(ack).status_code == 404
    done = world.api("sec_head").post(ack)
    assert done.status_code == 200 and done.json()["awaiting_receipt"] is False


def test_deny_copies_nothing_and_everything_is_audited_on_both_sides(world):
    req = _request(world).json()
    r = world.api("pri_admin").post(
        f"/schools/{world.primary.id}/transfer-requests/{req['id']}/deny"
    )
    assert r.status_code == 200 and r.json()["status"] == "denied"
    assert not Plan.objects.filter(school=world.secondary).exists()
    assert _approve(world, req["id"]).status_code == 409
    for school in (world.primary, world.secondary):
        actions = set(AuditEvent.objects.filter(school=school).values_list("action", flat=True))
        assert {"transfer.requested", "transfer.denied"} <= actions


def test_per_pupil_approval_leaves_the_rest_pending(world):
    other_pri = make_pupil(world.primary, first_name="Amy", surname="Bo")
    other_sec = make_pupil(
        world.secondary,
        first_name="Amy",
        surname="Bo",
        date_of_birth=other_pri.date_of_birth,
        pupil_id=other_pri.pupil_id,
    )
    Plan.objects.create(
        school=world.primary, pupil=other_pri, plan_title="P", start_date=date(2026, 1, 1)
    )
    req = _request(world, pupils=[world.child_sec, other_sec]).json()
    r = _approve(world, req["id"], body={"pupils": [str(other_sec.id)]})
    assert r.status_code == 200 and r.json()["status"] == "pending"
    statuses = {i["pupil"]: i["status"] for i in r.json()["items"]}
    assert statuses == {str(other_sec.id): "transferred", str(world.child_sec.id): "pending"}
    r = world.api("pri_admin").post(
        f"/schools/{world.primary.id}/transfer-requests/{req['id']}/deny",
        {"pupils": [str(world.child_sec.id)]},
    )
    assert r.json()["status"] == "completed"


def test_a_failure_part_way_leaves_no_partial_copy_for_that_pupil(world, monkeypatch):

    other_pri = make_pupil(world.primary, first_name="Amy", surname="Bo")
    other_sec = make_pupil(
        world.secondary,
        first_name="Amy",
        surname="Bo",
        date_of_birth=other_pri.date_of_birth,
        pupil_id=other_pri.pupil_id,
    )
    Plan.objects.create(
        school=world.primary, pupil=other_pri, plan_title="Amy", start_date=date(2026, 1, 1)
    )
    from pupilhub.documents import copying

    real = copying.copy

    def explode(dtype, from_school, to_school, pairs, now):
        if dtype.transfer_key == "passports" and any(d == world.child_sec.pk for _, d in pairs):
            raise RuntimeError("disk full")
        return real(dtype, from_school, to_school, pairs, now)

    monkeypatch.setattr(copying, "copy", explode)
    req = _request(world, pupils=[world.child_sec, other_sec]).json()
    r = _approve(world, req["id"])
    items = {i["pupil"]: i for i in r.json()["items"]}
    assert items[str(world.child_sec.id)]["status"] == "failed"
    assert items[str(other_sec.id)]["status"] == "transferred"
    # The failed pupil's plan and provision were rolled back with the passport.
    assert not Plan.objects.filter(pupil=world.child_sec).exists()
    assert Plan.objects.filter(pupil=other_sec).count() == 1
    assert r.json()["status"] == "failed"
    monkeypatch.setattr(copying, "copy", real)
    retry = _approve(world, req["id"])  # approving again retries the failed pupil
    assert retry.json()["status"] == "completed"
    assert Plan.objects.filter(pupil=world.child_sec).count() == 1


def test_bad_input_gets_clear_errors(world):
    r = _request(world, types=["plans", "diaries"])
    assert r.status_code == 400 and "document_types" in r.json()["error"]["fields"]
    r = world.api("sec_admin").post(
        f"/schools/{world.secondary.id}/transfer-requests",
        {"from_school": str(world.primary.id), "pupils": ["nope"], "document_types": ["plans"]},
    )
    assert r.status_code == 400 and "pupils" in r.json()["error"]["fields"]
    r = world.api("sec_admin").post(
        f"/schools/{world.secondary.id}/transfer-requests",
        {"from_school": str(world.primary.id), "year_group": 7, "document_types": ["plans"]},
    )
    assert r.status_code == 201 and len(r.json()["items"]) == 1


def test_a_large_approval_runs_as_a_job_with_progress(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from pupilhub.transition import actions

    monkeypatch.setattr(actions, "ASYNC_PUPILS", 0)
    req = _request(world).json()
    with django_capture_on_commit_callbacks(execute=True):
        r = _approve(world, req["id"])
    assert r.status_code == 202 and r.json()["status"] == "running"
    done = world.api("pri_admin").get(f"/schools/{world.primary.id}/transfer-requests/{req['id']}")
    body = done.json()
    assert body["status"] == "completed" and (body["done"], body["total"]) == (1, 1)
    assert Plan.objects.filter(school=world.secondary).count() == 1


def test_a_safeguarding_action_log_arrives_with_its_original_times(world):
    from datetime import timedelta

    from django.utils import timezone

    from pupilhub.documents.models import SafeguardingAction

    issue = SafeguardingIssue.objects.create(
        school=world.primary,
        pupil=world.child_pri,
        date=date(2026, 1, 1),
        category="neglect",
        description="x",
    )
    long_ago = timezone.now() - timedelta(days=40)
    SafeguardingAction.objects.create(
        school=world.primary, issue=issue, text="Called social care", at=long_ago
    )
    req = _request(world, "sec_head", ["safeguarding_issues"]).json()
    assert _approve(world, req["id"], "pri_lead").status_code == 200
    copied = SafeguardingAction.objects.get(school=world.secondary)
    assert copied.text == "Called social care" and copied.at == long_ago


def test_documents_copied_in_the_database_are_whole_and_copied_once(world):
    """The plain types are copied by INSERT ... SELECT: fresh version-4 ids, every field,
    the source remembered; a repeat copies nothing. Run with queries captured (as DEBUG
    does), so the SQL must also survive Django's query logging."""
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    source = Plan.objects.filter(pupil=world.child_pri).first()
    source.targets = [{"description": "Read daily", "success_criteria": "10 min", "outcome": ""}]
    source.confidential = True
    source.save()
    req = _request(world, types=("plans", "provisions", "passports")).json()
    with CaptureQueriesContext(connection):
        r = _approve(world, req["id"])
    assert r.json()["status"] == "completed", r.content
    copy = Plan.objects.get(pupil=world.child_sec, source_document=source.pk)
    assert uuid.UUID(str(copy.pk)).version == 4 and copy.pk != source.pk
    assert (copy.plan_title, copy.targets, copy.confidential) == (
        source.plan_title,
        source.targets,
        True,
    )
    assert (
        copy.school_id == world.secondary.id and copy.transferred_from_school_id == world.primary.id
    )
    assert copy.created_by_id is None and copy.transferred_at is not None
    again = _request(world, types=("plans",)).json()
    assert _approve(world, again["id"]).json()["items"][0]["documents"] == {"plans": 0}
    assert (
        Plan.objects.filter(pupil=world.child_sec).count()
        == Plan.objects.filter(pupil=world.child_pri).count()
    )


def _mixed_request_done(world):
    """The receiving school's head asks for plans and safeguarding issues; the sending
    school's lead approves."""
    SafeguardingIssue.objects.create(
        school=world.primary,
        pupil=world.child_pri,
        date=date(2026, 1, 1),
        category="neglect",
        description="x",
    )
    req = _request(world, "sec_head", ["plans", "safeguarding_issues"]).json()
    assert _approve(world, req["id"], "pri_lead").status_code == 200
    return req


def test_a_plain_admin_sees_no_trace_of_a_safeguarding_transfer(world):
    req = _mixed_request_done(world)
    base = f"/schools/{world.secondary.id}/transfer-requests"
    plain = world.api("sec_admin")
    assert plain.get(f"{base}/{req['id']}").status_code == 404
    listed = plain.get(base, {"direction": "outgoing"}).json()["items"]
    assert req["id"] not in {r["id"] for r in listed}
    assert "safeguarding" not in json.dumps(listed)
    sender = world.api("pri_admin").get(
        f"/schools/{world.primary.id}/transfer-requests", {"direction": "incoming"}
    )
    assert "safeguarding" not in sender.content.decode()
    head = world.api("sec_head").get(f"{base}/{req['id']}").json()
    assert "safeguarding_issues" in head["document_types"]
    assert head["items"][0]["documents"] == {"plans": 1, "safeguarding_issues": 1}


def test_a_plain_admin_sees_no_safeguarding_transfer_on_the_pages(world):
    from django.test import Client

    req = _mixed_request_done(world)
    client = Client()
    client.force_login(world.sec_admin)
    listing = client.get(f"/schools/{world.secondary.id}/transition/requests/")
    assert listing.status_code == 200
    assert "safeguarding" not in listing.content.decode().lower()
    assert req["id"] not in listing.content.decode()
    detail = client.get(f"/schools/{world.secondary.id}/transition/requests/{req['id']}/")
    assert detail.status_code == 404
    audit = client.get(f"/schools/{world.secondary.id}/audit/")
    assert req["id"] not in audit.content.decode()
    assert "safeguarding" not in audit.content.decode().lower()


def test_a_transferred_action_log_keeps_each_author_and_school_and_shows_each_action_once(world):
    """Issue 31, item 6: transferred action logs showed the author as "unknown", and every
    action twice (the log, and the issue's text copy of it)."""
    from django.test import Client
    from django.utils.html import escape

    from pupilhub.documents.actions import do_add_safeguarding_action
    from pupilhub.schools.access import staff_access

    world.pri_lead.first_name, world.pri_lead.surname = "Nia", "Lead"
    world.pri_lead.save()
    lead = staff_access(world.pri_lead, world.primary.id)
    issue = SafeguardingIssue.objects.create(
        school=world.primary,
        pupil=world.child_pri,
        date=date(2026, 1, 1),
        category="neglect",
        description="x",
    )
    do_add_safeguarding_action(lead, issue, "Rang the family support worker")
    req = _request(world, "sec_head", ["safeguarding_issues"]).json()
    assert _approve(world, req["id"], "pri_lead").status_code == 200
    copy = SafeguardingIssue.objects.get(school=world.secondary)
    web = Client()
    web.force_login(world.sec_head)
    html = web.get(
        f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/safeguarding-issues/{copy.id}/"
    ).content.decode()
    assert html.count("Rang the family support worker") == 1
    assert escape("Nia Lead, Oakfield") in html
    assert "unknown" not in html
    chronology = web.get(
        f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/chronology/"
    ).content.decode()
    assert chronology.count("Rang the family support worker") == 1
    assert escape("Nia Lead, Oakfield") in chronology
