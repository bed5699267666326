"""Safeguarding as schools run it (issue 26): every adult raises a concern, the leads act,
files reach any school, and nobody else sees a trace."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from pupilhub.core.models import AuditEvent
from pupilhub.documents.models import SafeguardingIssue
from pupilhub.safeguarding import jobs
from pupilhub.safeguarding.models import Alert, ChildProtectionTransfer, Task
from pupilhub.schools.models import StaffMembership
from pupilhub.testing import make_pupil, make_staff

TODAY = timezone.localdate()
BODY = {
    "date": str(TODAY),
    "category": "physical_abuse",
    "description": "Bruise on the arm seen in PE",
    "actions_taken": "Told the DSL",
    "body_map": [{"view": "front", "x": 0.2, "y": 0.3, "note": "3 cm bruise"}],
}


@pytest.fixture(autouse=True)
def _mail_at_once(monkeypatch):
    """Each test runs in a transaction that never commits: run after-commit work at once."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda fn, using=None, robust=False: fn())


def issues_url(p, pupil=None):
    return f"/schools/{p.school_a.id}/pupils/{(pupil or p.pupil).id}/safeguarding-issues"


def raise_as(p, who, body=None, pupil=None):
    return p.api(who).post(issues_url(p, pupil), body or BODY)


def staff_id(p, user):
    return str(StaffMembership.objects.get(school=p.school_a, user=user).pk)


def test_a_teacher_raises_a_concern_and_gets_only_a_receipt(personas):
    mail.outbox.clear()
    r = raise_as(personas, "teacher")
    assert r.status_code == 201, r.content
    receipt = r.json()
    assert set(receipt) == {"id", "reference", "received_at"}
    assert re.fullmatch(rf"SG-{TODAY.year}-\d{{4}}", receipt["reference"])
    issue = SafeguardingIssue.objects.get(pk=receipt["id"])
    assert issue.status == "new" and issue.marks.count() == 1
    assert Alert.objects.filter(kind="new_concern", object_id=str(issue.pk)).exists()
    # Every lead and the main admin are told at once, with no name and no detail.
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["head@a.example.org", "senco@a.example.org"]
    for message in mail.outbox:
        text = message.body + message.alternatives[0][0]
        assert "Zebedee" not in text and "Bruise" not in text and "School A" in text
    # The teacher can never read or list it again.
    api = personas.api("teacher")
    assert api.get(f"{issues_url(personas)}/{issue.pk}").status_code == 403
    assert api.get(issues_url(personas)).status_code == 403
    assert api.get(f"/schools/{personas.school_a.id}/safeguarding-issues").status_code == 403


def test_references_count_up_per_school(personas):
    first = raise_as(personas, "teacher").json()["reference"]
    second = raise_as(personas, "admin").json()["reference"]
    assert int(second[-4:]) == int(first[-4:]) + 1


def test_my_concerns_lists_only_the_callers_own_receipts(personas):
    mine = raise_as(personas, "teacher").json()
    raise_as(personas, "admin")
    items = personas.api("teacher").get("/me/concerns-raised").json()["items"]
    assert [i["reference"] for i in items] == [mine["reference"]]
    assert items[0]["pupil"] == {"first_name": "Zebedee", "surname": "Quokka-Ä"}
    assert "description" not in items[0] and "category" not in items[0]
    assert personas.api(None).get("/me/concerns-raised").status_code == 401


def test_a_lead_gets_the_whole_issue_and_opening_it_moves_it_off_new(personas):
    created = raise_as(personas, "teacher").json()
    url = f"{issues_url(personas)}/{created['id']}"
    got = personas.api("senco").get(url).json()
    assert got["reference"] == created["reference"] and got["status"] == "open"
    assert got["body_map"] == BODY["body_map"] and got["raised_by"]["id"]
    assert AuditEvent.objects.filter(action="safeguarding_issue.opened").count() == 1
    lead_made = raise_as(personas, "senco").json()
    assert lead_made["description"] == BODY["description"] and lead_made["status"] == "new"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": "Bruising"}, "category"),
        ({"body_map": [{"view": "front", "x": 1.5, "y": 0.2, "note": ""}]}, "body_map"),
        ({"body_map": [{"view": "side", "x": 0.5, "y": 0.2, "note": ""}]}, "body_map"),
        ({"date": str(TODAY + timedelta(days=2))}, "date"),
    ],
)
def test_bad_concerns_are_refused_and_write_nothing(personas, change, field):
    before = SafeguardingIssue.objects.count(), Alert.objects.count()
    r = raise_as(personas, "teacher", {**BODY, **change})
    assert r.status_code == 400 and field in r.json()["error"]["fields"], r.content
    assert (SafeguardingIssue.objects.count(), Alert.objects.count()) == before


def test_a_linked_pupil_must_be_of_this_school(personas):
    r = raise_as(personas, "teacher", {**BODY, "linked_pupils": [str(personas.pupil_b.id)]})
    assert r.status_code == 400 and "linked_pupils" in r.json()["error"]["fields"]
    assert not SafeguardingIssue.objects.exists()


def test_raising_for_each_kind_of_caller(personas):
    assert raise_as(personas, None).status_code == 401
    assert raise_as(personas, "admin_b").status_code == 404
    assert raise_as(personas, "operator").status_code == 404
    b_pupil = f"/schools/{personas.school_a.id}/pupils/{personas.pupil_b.id}/safeguarding-issues"
    assert personas.api("teacher").post(b_pupil, BODY).status_code == 404


def test_categories_are_the_kcsie_list_plus_the_schools_own(personas):
    url = f"/schools/{personas.school_a.id}/safeguarding/categories"
    keys = [c["key"] for c in personas.api("teacher").get(url).json()["items"]]
    assert keys[0] == "physical_abuse" and "fgm" in keys and "other" in keys
    assert personas.api("teacher").post(url, {"name": "Bullying"}).status_code == 403
    assert personas.api("admin_b").get(url).status_code == 404
    made = personas.api("senco").post(url, {"name": "Young carer"})
    assert made.status_code == 201 and made.json()["key"] == "young_carer"
    assert personas.api("senco").post(url, {"name": "Young carer"}).status_code == 409
    assert raise_as(personas, "teacher", {**BODY, "category": "young_carer"}).status_code == 201


def test_the_leads_list_is_for_leads_and_the_main_admin(personas):
    raise_as(personas, "teacher")
    url = f"/schools/{personas.school_a.id}/safeguarding-issues"
    assert personas.api(None).get(url).status_code == 401
    assert personas.api("admin_b").get(url).status_code == 404
    assert personas.api("admin").get(url).status_code == 403
    for who in ("senco", "main_admin"):
        items = personas.api(who).get(url).json()["items"]
        assert len(items) == 1 and items[0]["status"] == "new"
        assert items[0]["raised_by"]["name"]
    assert personas.api("senco").get(url, {"status": "closed"}).json()["items"] == []


def _issue(p):
    return raise_as(p, "teacher").json()["id"]


def test_tasks_go_to_staff_who_see_the_task_and_never_the_record(personas):
    issue = _issue(personas)
    url = f"{issues_url(personas)}/{issue}/tasks"
    body = {
        "assignee": staff_id(personas, personas.teacher),
        "task": "Check in",
        "due_on": str(TODAY),
    }
    assert personas.api("teacher").post(url, body).status_code == 403
    assert personas.api("admin").post(url, body).status_code == 403
    mail.outbox.clear()
    made = personas.api("senco").post(url, body)
    assert made.status_code == 201
    assert [m.to for m in mail.outbox] == [["teacher@a.example.org"]]
    assert "Check in" not in mail.outbox[0].body
    mine = personas.api("teacher").get(f"/schools/{personas.school_a.id}/safeguarding/my-tasks")
    assert [t["task"] for t in mine.json()["items"]] == ["Check in"]
    page = personas.web("teacher").get(f"/schools/{personas.school_a.id}/").content.decode()
    assert "Check in" in page and "Bruise" not in page
    done_url = f"{url}/{made.json()['id']}/done"
    assert personas.api("admin").post(done_url, {"note": "x"}).status_code == 404
    done = personas.api("teacher").post(done_url, {"note": "Spoke to him"})
    assert done.status_code == 200 and done.json()["done_at"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"assignee": "not-an-id"}, "assignee"),
        ({"due_on": str(TODAY - timedelta(days=1))}, "due_on"),
    ],
)
def test_bad_tasks_are_refused(personas, change, field):
    issue = _issue(personas)
    body = {"assignee": staff_id(personas, personas.teacher), "task": "x", "due_on": str(TODAY)}
    r = personas.api("senco").post(f"{issues_url(personas)}/{issue}/tasks", {**body, **change})
    assert r.status_code == 400 and field in r.json()["error"]["fields"]
    assert not Task.objects.exists()


def test_an_assignee_of_another_school_is_refused(personas):
    issue = _issue(personas)
    other = str(StaffMembership.objects.get(user=personas.admin_b).pk)
    body = {"assignee": other, "task": "x", "due_on": str(TODAY)}
    r = personas.api("senco").post(f"{issues_url(personas)}/{issue}/tasks", body)
    assert r.status_code == 400 and "assignee" in r.json()["error"]["fields"]


def test_referrals_take_agencies_from_the_list_and_late_ones_alert_daily(personas):
    issue = _issue(personas)
    url = f"{issues_url(personas)}/{issue}/referrals"
    bad = personas.api("senco").post(url, {"agency": "fbi", "referred_on": str(TODAY)})
    assert bad.status_code == 400 and "agency" in bad.json()["error"]["fields"]
    body = {"agency": "police", "referred_on": str(TODAY), "response_due_on": str(TODAY)}
    made = personas.api("senco").post(url, body)
    assert made.status_code == 201
    assert personas.api("teacher").post(url, body).status_code == 403
    mail.outbox.clear()
    tomorrow = TODAY + timedelta(days=1)
    assert jobs.daily_alerts(tomorrow) == 1
    assert jobs.daily_alerts(tomorrow) == 0  # once a day, however often the job runs
    assert sorted(m.to[0] for m in mail.outbox) == ["head@a.example.org", "senco@a.example.org"]
    assert jobs.daily_alerts(tomorrow + timedelta(days=1)) == 1
    patched = personas.api("senco").patch(
        f"{url}/{made.json()['id']}", {"outcome": "No further action", "responded_on": str(TODAY)}
    )
    assert patched.status_code == 200 and patched.json()["outcome"] == "No further action"
    assert jobs.daily_alerts(tomorrow + timedelta(days=2)) == 0


def test_the_chronology_includes_linked_issues_and_is_audited(personas):
    sibling = make_pupil(personas.school_a, first_name="Sibling")
    raise_as(personas, "teacher", {**BODY, "linked_pupils": [str(sibling.id)]})
    url = f"/schools/{personas.school_a.id}/pupils/{sibling.id}/chronology"
    assert personas.api("teacher").get(url).status_code == 403
    assert personas.api("admin").get(url).status_code == 403
    assert personas.api("admin_b").get(url).status_code == 404
    data = personas.api("senco").get(url).json()
    assert len(data["issues"]) == 1 and data["entries"][0]["kind"] == "issue"
    assert "Sibling" in data["entries"][0]["text"]
    assert AuditEvent.objects.filter(action="safeguarding_chronology.read").exists()
    pdf = personas.api("main_admin").get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_governors_summary_counts_and_names_nobody(personas):
    raise_as(personas, "teacher")
    raise_as(personas, "teacher", {**BODY, "category": "neglect"})
    url = f"/schools/{personas.school_a.id}/safeguarding/summary"
    assert personas.api("admin").get(url).status_code == 403
    data = personas.api("main_admin").get(url).json()
    assert data["total"] == 2 and data["by_category"] == {"Neglect": 1, "Physical abuse": 1}
    assert data["new"] == 2 and data["closed"] == 0
    csv_text = personas.api("senco").get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Physical abuse,1" in csv_text and "Zebedee" not in csv_text
    assert personas.api("senco").get(url, {"from": "not-a-date"}).status_code == 400


def _send_file(p):
    _issue(p)
    url = f"/schools/{p.school_a.id}/pupils/{p.pupil.id}/child-protection-transfers"
    body = {"to_school_name": "Hillside", "to_email": "dsl@hillside.example.org"}
    return url, p.api("senco").post(url, body)


def test_a_child_protection_file_reaches_a_school_outside_pupilhub(personas, client):
    mail.outbox.clear()
    url, r = _send_file(personas)
    assert r.status_code == 201 and r.json()["status"] == "sent"
    to_dsl = [m for m in mail.outbox if m.to == ["dsl@hillside.example.org"]]
    assert len(to_dsl) == 2
    token = re.search(r"/child-protection-file/#([\w-]+)", to_dsl[0].body).group(1)
    code = re.search(r"\b(\d{6})\b", to_dsl[1].body).group(1)
    assert code not in to_dsl[0].body and token not in to_dsl[1].body
    # The token travels after "#": the landing page POSTs it, later pages never carry it.
    assert client.get("/child-protection-file/").status_code == 200
    assert client.post("/child-protection-file/", {"token": "nope"}).status_code == 400
    opened = client.post("/child-protection-file/", {"stage": "link", "token": token})
    assert opened.status_code == 302 and token not in opened.url
    page = opened.url
    assert client.get(f"{page}/pdf").status_code == 302  # not before the code
    wrong = "000000" if code != "000000" else "111111"
    assert client.post(page, {"code": wrong}).status_code == 400
    assert client.post(page, {"code": code}).status_code == 302
    transfer = ChildProtectionTransfer.objects.get()
    assert transfer.status == "opened"
    pdf = client.get(f"{page}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    done = client.post(f"{page}/receipt", {"name": "Ann Lee", "role": "DSL"})
    assert done.status_code == 200
    status = personas.api("senco").get(f"{url}/{transfer.pk}").json()
    assert status["status"] == "received" and status["received"]["name"] == "Ann Lee"
    assert client.get(page).status_code == 404  # the link died with use


def test_wrong_codes_are_throttled(personas, client):
    _send_file(personas)
    transfer = ChildProtectionTransfer.objects.get()
    from pupilhub.safeguarding import actions

    actions.do_issue_cp_secrets(transfer, "known-token", "123456")
    page = "/child-protection-file/known-token"
    answers = [client.post(page, {"code": "999999"}).status_code for _ in range(6)]
    assert answers[:5] == [400] * 5 and answers[5] == 429
    assert client.post(page, {"code": "123456"}).status_code == 429


def test_a_file_not_confirmed_in_five_school_days_is_overdue(personas):
    url, _sent = _send_file(personas)
    transfer = ChildProtectionTransfer.objects.get()
    assert (
        personas.api("teacher")
        .post(url, {"to_school_name": "x", "to_email": "a@b.org"})
        .status_code
        == 403
    )
    after = transfer.due_by + timedelta(days=1)
    mail.outbox.clear()
    assert jobs.daily_alerts(after) == 1 and mail.outbox
    ChildProtectionTransfer.objects.filter(pk=transfer.pk).update(due_by=TODAY - timedelta(days=1))
    assert personas.api("senco").get(f"{url}/{transfer.pk}").json()["status"] == "overdue"


def test_the_raise_page_works_for_every_member_of_staff(personas):
    web = personas.web("teacher")
    url = f"/schools/{personas.school_a.id}/concerns/raise/"
    page = web.get(url, {"pupil": str(personas.pupil.id)})
    assert page.status_code == 200 and "Zebedee" in page.content.decode()
    posted = web.post(
        url,
        {
            "pupil": str(personas.pupil.id),
            "date": str(TODAY),
            "category": "neglect",
            "description": "Hungry again",
            "mark_0_view": "back",
            "mark_0_x": "0.5",
            "mark_0_y": "0.4",
            "mark_0_note": "Scratch",
        },
    )
    assert posted.status_code == 302 and "/concerns/mine/" in posted["Location"]
    issue = SafeguardingIssue.objects.get()
    assert issue.marks.get().view == "back"
    mine = web.get(posted["Location"]).content.decode()
    assert issue.reference in mine and "Hungry" not in mine
    bad = web.post(url, {"pupil": str(personas.pupil.id), "date": str(TODAY), "category": "x"})
    assert bad.status_code == 400 and SafeguardingIssue.objects.count() == 1
    assert personas.web(None).get(url).status_code == 302  # to sign in
    assert personas.web("admin_b").get(url).status_code == 404


def test_no_trace_on_pages_for_those_who_may_not_see_safeguarding(personas):
    raise_as(personas, "teacher")
    for who in ("teacher", "admin"):
        web = personas.web(who)
        for url in (
            f"/schools/{personas.school_a.id}/",
            f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/",
        ):
            html = web.get(url).content.decode()
            assert "afeguarding" not in html and "SG-" not in html, (who, url)
    lead = personas.web("senco").get(f"/schools/{personas.school_a.id}/").content.decode()
    assert "New safeguarding concerns" in lead and "SG-" in lead
    for url in (
        "safeguarding/",
        "safeguarding/summary/",
        f"pupils/{personas.pupil.id}/chronology/",
    ):
        assert (
            personas.web("admin").get(f"/schools/{personas.school_a.id}/{url}").status_code == 403
        )
        assert (
            personas.web("senco").get(f"/schools/{personas.school_a.id}/{url}").status_code == 200
        )


def test_the_issue_page_shows_the_leads_work(personas):
    issue = _issue(personas)
    web = personas.web("senco")
    html = web.get(f"{issues_url(personas)}/{issue}/").content.decode()
    assert "Body map" in html and "Assign a task" in html and "<svg" in html
    r = web.post(
        f"{issues_url(personas)}/{issue}/tasks/new/",
        {
            "task-assignee": staff_id(personas, personas.teacher),
            "task-task": "Call",
            "task-due_on": str(TODAY - timedelta(days=3)),
        },
    )
    assert r.status_code == 400 and not Task.objects.exists()  # the form comes back, kept


def test_recently_deleted_safeguarding_is_an_audited_read(personas):
    issue = SafeguardingIssue.objects.get(pk=raise_as(personas, "senco").json()["id"])
    issue.deleted_at = timezone.now()
    issue.save()
    from pupilhub.documents.registry import SAFEGUARDING  # noqa: F401
    from pupilhub.privacy.access import recently_deleted
    from pupilhub.schools.access import staff_access

    before = AuditEvent.objects.filter(action="safeguarding_issue.listed").count()
    rows = recently_deleted(staff_access(personas.senco, personas.school_a.id), personas.pupil)
    assert len(rows) == 1
    assert AuditEvent.objects.filter(action="safeguarding_issue.listed").count() == before + 1


def test_a_teacher_made_lead_later_sees_what_they_raised(personas):
    """Receipts stay the raiser's; promotion is the only way to the record."""
    made = make_staff(personas.school_a, "staff", email="newteacher@a.example.org")
    from pupilhub.testing import Api

    r = Api(made).post(issues_url(personas), BODY)
    assert set(r.json()) == {"id", "reference", "received_at"}


def test_a_school_in_the_cluster_gets_records_through_the_transfer_tool(personas):
    from pupilhub.transition.models import Cluster, ClusterMembership

    personas.school_b.urn = "123456"
    personas.school_b.save()
    cluster = Cluster.objects.create(name="Trust")
    for school in (personas.school_a, personas.school_b):
        ClusterMembership.objects.create(cluster=cluster, school=school, status="active")
    _issue(personas)
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/child-protection-transfers"
    body = {"to_school_name": "School B", "to_email": "dsl@b.example.org", "to_urn": "123456"}
    r = personas.api("senco").post(url, body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "in_cluster"
    assert not ChildProtectionTransfer.objects.exists()
    bad = personas.api("senco").post(url, {**body, "to_urn": "12ab"})
    assert bad.status_code == 400
