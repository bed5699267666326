from datetime import date, timedelta

from django.core import mail
from django.test import Client

from pupilhub.documents.models import Plan
from pupilhub.testing import make_user
from pupilhub.transition import jobs
from pupilhub.transition.models import Cluster, ClusterMembership, TransferRequest


def web(user):
    client = Client()
    if user:
        client.force_login(user)
    return client


def test_operator_creates_a_cluster_and_the_main_admin_is_emailed(
    world, django_capture_on_commit_callbacks
):
    operator = make_user("op@example.org", is_operator=True)
    url = "/operator/clusters/"
    assert web(None).get(url).status_code == 302
    assert web(world.sec_head).get(url).status_code == 403
    op = web(operator)
    assert op.post(url, {"create": "1", "name": "South"}).status_code == 302
    cluster = Cluster.objects.get(name="South")
    with django_capture_on_commit_callbacks(execute=True):
        r = op.post(url, {"add": "1", "cluster": cluster.id, "school": world.primary.id})
    assert r.status_code == 302
    m = ClusterMembership.objects.get(cluster=cluster)
    assert m.status == "pending"
    assert [m.to for m in mail.outbox] == [[world.pri_head.email]]
    assert "South" in mail.outbox[0].subject
    assert "Oakfield" in op.get(url).content.decode()  # every membership with its status


def test_memberships_are_decided_by_the_main_admin_only(world):
    cluster = Cluster.objects.create(name="South")
    m = ClusterMembership.objects.create(cluster=cluster, school=world.secondary)
    page = f"/schools/{world.secondary.id}/clusters/"
    decide = f"/schools/{world.secondary.id}/clusters/{m.id}/decide/"
    assert web(None).get(page).status_code == 302
    assert web(world.out_admin).get(page).status_code == 404
    assert web(world.sec_staff).get(page).status_code == 403
    assert "Approve membership" not in web(world.sec_admin).get(page).content.decode()
    assert web(world.sec_admin).post(decide, {"to": "approve"}).status_code == 403
    assert web(world.out_admin).post(decide, {"to": "approve"}).status_code == 404
    html = web(world.sec_head).get(page).content.decode()
    assert "Approve membership" in html
    dash = web(world.sec_head).get(f"/schools/{world.secondary.id}/").content.decode()
    assert "South" in dash and "Approve or deny" in dash
    assert web(world.sec_head).post(decide, {"to": "approve"}).status_code == 302
    m.refresh_from_db()
    assert m.status == "active" and m.decided_by == world.sec_head


def test_a_pending_membership_offers_approve_or_deny_and_names_the_active_schools(world):
    cluster = Cluster.objects.create(name="South")
    ClusterMembership.objects.create(cluster=cluster, school=world.primary, status="active")
    ClusterMembership.objects.create(cluster=cluster, school=world.outsider, status="denied")
    ClusterMembership.objects.create(cluster=cluster, school=world.secondary)
    page = f"/schools/{world.secondary.id}/clusters/"
    html = web(world.sec_head).get(page).content.decode()
    south = html.split("<h2>South</h2>")[1].split("</section>")[0]
    assert "Approve membership" in south and "Leave cluster" not in south
    assert "Schools already active in this cluster: Oakfield." in south
    assert "Faraway" not in south and "Northgate" not in south  # not active: not listed
    lonely = Cluster.objects.create(name="Empty")
    ClusterMembership.objects.create(cluster=lonely, school=world.secondary)
    html = web(world.sec_head).get(page).content.decode()
    assert "Schools already active in this cluster: none yet." in html
    north = html.split("<h2>North Oxford</h2>")[1].split("</section>")[0]
    assert "Leave cluster" in north and "Approve membership" not in north
    assert (
        "Schools sharing pupils in this cluster: " in north and "Northgate (this school)" in north
    )


def test_the_transition_page_lists_shared_pupils_and_near_misses(world):
    url = f"/schools/{world.secondary.id}/transition/?partner={world.primary.id}"
    assert web(None).get(url).status_code == 302
    assert web(world.out_admin).get(url).status_code == 404
    assert web(world.sec_staff).get(url).status_code == 403
    html = web(world.sec_admin).get(url).content.decode()
    assert "o&#x27;neill" in html.lower() or "o'neill" in html.lower()
    outsider = f"/schools/{world.outsider.id}/transition/?partner={world.primary.id}"
    assert web(world.out_admin).get(outsider).status_code == 404


def test_a_request_from_the_pupil_banner_and_its_answer_in_the_browserless_flow(world):
    pupil_page = f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/"
    html = web(world.sec_admin).get(pupil_page).content.decode()
    assert "Oakfield" in html and "Request these records" in html
    assert "Request these records" not in web(world.sec_staff).get(pupil_page).content.decode()
    r = web(world.sec_admin).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {
            "from_school": world.primary.id,
            "pupils": [world.child_sec.id],
            "document_types": ["plans"],
        },
    )
    assert r.status_code == 302
    req = TransferRequest.objects.get()
    detail = f"/schools/{world.primary.id}/transition/requests/{req.id}/"
    assert web(world.out_admin).get(detail).status_code == 404
    assert web(world.pri_head).get(detail).status_code == 200
    r = web(world.pri_admin).post(detail, {"action": "approve"})
    assert r.status_code == 200  # a confirmation page first: nothing has gone
    assert "Check what goes to" in r.content.decode()
    assert Plan.objects.filter(school=world.secondary).count() == 0
    r = web(world.pri_admin).post(detail, {"action": "approve", "confirmed": "1", "send": "all"})
    assert r.status_code == 302
    assert Plan.objects.filter(school=world.secondary).count() == 1
    html = (
        web(world.sec_admin)
        .get(f"/schools/{world.secondary.id}/transition/requests/{req.id}/")
        .content.decode()
    )
    assert "Transferred" in html and "plans 1" in html


def test_a_bad_request_from_a_page_explains_what_to_fix(world):
    r = web(world.sec_admin).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {"from_school": world.primary.id, "pupils": [world.child_sec.id]},
        follow=True,
    )
    assert "Choose at least one document type" in r.content.decode()


def test_overdue_safeguarding_transfers_are_highlighted_and_emailed_once(world):
    req = TransferRequest.objects.create(
        from_school=world.primary,
        to_school=world.secondary,
        document_types=["safeguarding_issues"],
        due_by=date.today() - timedelta(days=1),
        total=1,
    )
    assert jobs.notify_overdue(date.today()) == 1
    assert jobs.notify_overdue(date.today()) == 0
    assert [m.to for m in mail.outbox] == [[world.pri_lead.email]]
    html = (
        web(world.pri_admin)
        .get(f"/schools/{world.primary.id}/transition/requests/")
        .content.decode()
    )
    assert "overdue" in html
    assert str(req.id) in html


def test_five_school_days_skip_weekends():
    assert jobs.school_days_after(date(2026, 11, 20), 5) == date(2026, 11, 27)  # Fri -> Fri
    assert jobs.school_days_after(date(2026, 11, 21), 5) == date(2026, 11, 27)  # Sat -> Fri
    assert jobs.school_days_after(date(2026, 11, 23), 5) == date(2026, 11, 30)  # Mon -> Mon


def test_the_banner_counts_in_words_offers_safeguarding_and_goes_once_records_arrive(world):
    """Issue 17: "1 plans"; safeguarding listed but never requested; the banner stayed
    after the records had arrived."""
    from pupilhub.documents.models import SafeguardingIssue

    SafeguardingIssue.objects.create(
        school=world.primary, pupil=world.child_pri, date=date(2026, 1, 5), description="x"
    )
    pupil_page = f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/"
    html = web(world.sec_head).get(pupil_page).content.decode()
    assert "1 plan," in html and "1 plans" not in html
    assert 'value="safeguarding_issues" checked' in html  # the head sees safeguarding
    assert "safeguarding" not in web(world.sec_admin).get(pupil_page).content.decode()
    web(world.sec_admin).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {
            "from_school": world.primary.id,
            "pupils": [world.child_sec.id],
            "document_types": ["plans", "provisions", "passports"],
        },
    )
    html = web(world.sec_admin).get(pupil_page).content.decode()
    assert "waiting for their approval" in html and "Request these records" not in html
    req = TransferRequest.objects.get()
    web(world.pri_admin).post(
        f"/schools/{world.primary.id}/transition/requests/{req.id}/",
        {"action": "approve", "confirmed": "1", "send": "all"},
    )
    html = web(world.sec_admin).get(pupil_page).content.decode()
    assert "Oakfield</strong> holds" not in html and "waiting for" not in html


def test_a_waiting_safeguarding_request_leaves_no_trace_on_a_non_leads_banner(world):
    from pupilhub.documents.models import SafeguardingIssue

    SafeguardingIssue.objects.create(
        school=world.primary, pupil=world.child_pri, date=date(2026, 1, 5), description="x"
    )
    pupil_page = f"/schools/{world.secondary.id}/pupils/{world.child_sec.id}/"
    r = web(world.sec_head).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {
            "from_school": world.primary.id,
            "pupils": [world.child_sec.id],
            "document_types": ["plans", "safeguarding_issues"],
        },
    )
    assert r.status_code == 302
    assert "safeguarding" in web(world.sec_head).get(pupil_page).content.decode()
    admin_view = web(world.sec_admin).get(pupil_page).content.decode()
    assert "waiting for their approval: plans." in admin_view
    assert "safeguarding" not in admin_view.lower()


def test_approve_and_send_names_each_pupil_and_record_type_before_anything_goes(world):
    """Issue 31, item 5: "Approve and send" sent safeguarding records in one tap, under
    "none ticked: all pending pupils". A confirmation page names each pupil and each record
    type, safeguarding on its own line; "Send these" sends only the ticked pupils."""
    from django.utils.html import escape

    from pupilhub.documents.models import SafeguardingIssue
    from pupilhub.testing import make_pupil

    SafeguardingIssue.objects.create(
        school=world.primary, pupil=world.child_pri, date=date(2026, 1, 5), description="x"
    )
    twin = {k: getattr(world.child_sec, k) for k in ("date_of_birth", "year_group")}
    other_sec = make_pupil(
        world.secondary, first_name="Ola", surname="Bako", pupil_id="A123456789012", **twin
    )
    make_pupil(world.primary, first_name="Ola", surname="Bako", pupil_id="A123456789012", **twin)
    r = web(world.sec_head).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {
            "from_school": world.primary.id,
            "pupils": [world.child_sec.id, other_sec.id],
            "document_types": ["plans", "safeguarding_issues"],
        },
    )
    assert r.status_code == 302
    req = TransferRequest.objects.get()
    detail = f"/schools/{world.primary.id}/transition/requests/{req.id}/"
    page = web(world.pri_head).get(detail).content.decode()
    assert "none ticked" not in page and "Review and send" in page
    ticked = web(world.pri_head).post(detail, {"action": "review", "pupils": [world.child_sec.id]})
    html = ticked.content.decode()
    assert ticked.status_code == 200
    assert escape(f"{world.child_sec.first_name} {world.child_sec.surname}") in html
    assert "1 plan" in html and "1 safeguarding record" in html
    assert "Ola Bako" not in html  # only the ticked pupil
    assert "Send these (1 pupil)" in html and "Send all (2 pupils)" in html
    assert not Plan.objects.filter(school=world.secondary).exists()
    assert not SafeguardingIssue.objects.filter(school=world.secondary).exists()
    # A plain admin who may not see safeguarding finds no such request (no trace).
    assert web(world.pri_admin).post(detail, {"action": "review"}).status_code == 404
    done = web(world.pri_head).post(
        detail,
        {"action": "approve", "confirmed": "1", "send": "these", "pupils": [world.child_sec.id]},
    )
    assert done.status_code == 302
    assert Plan.objects.filter(school=world.secondary).count() == 1
    assert SafeguardingIssue.objects.filter(school=world.secondary).count() == 1


def test_the_check_page_of_a_plain_request_says_nothing_of_safeguarding(world):
    r = web(world.sec_admin).post(
        f"/schools/{world.secondary.id}/transition/requests/new/",
        {
            "from_school": world.primary.id,
            "pupils": [world.child_sec.id],
            "document_types": ["plans"],
        },
    )
    assert r.status_code == 302
    req = TransferRequest.objects.get()
    page = web(world.pri_admin).post(
        f"/schools/{world.primary.id}/transition/requests/{req.id}/", {"action": "review"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Check what goes to" in html
    assert "afeguarding" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_asking_for_a_cluster_for_each_caller(world):
    from django.test import Client

    url = f"/schools/{world.secondary.id}/clusters/"
    ask = {"name": "North", "schools": "Northgate, OX2 6EF\nOakfield, OX1 2AB"}
    assert Client().post(url, ask).status_code == 302  # to the sign-in page
    assert web(world.out_admin).post(url, ask).status_code == 404
    assert web(world.sec_staff).post(url, ask).status_code == 403
    assert web(world.sec_admin).post(url, ask).status_code == 403
    assert web(world.sec_head).post(url, ask).status_code == 302
