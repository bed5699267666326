"""Issue 29, M-1: operators appoint only a first Main School Admin. Handing the role on
is started by the head, or by two operators (one proposes, another approves); the head and
every lead are emailed; an operator account never holds a school role."""

import re

import pytest
from django.core import mail

from pupilhub.core.models import AuditEvent
from pupilhub.schools.models import HeadHandover, StaffMembership
from pupilhub.testing import PASSWORD, Api, make_user


def _invite_and_accept(personas, capture, email, who="operator"):
    with capture(execute=True):
        r = personas.api(who).post(
            f"/schools/{personas.school_a.id}/staff",
            {"email": email, "first_name": "Eve", "surname": "Mallory", "role": "staff"},
        )
    assert r.status_code == 201, r.content
    message = [m for m in mail.outbox if m.to == [email]][-1]
    token = re.search(r"/invitations/#?([\w-]+)", message.body).group(1)
    return r.json()["id"], token


def test_an_operator_cannot_make_an_address_it_controls_the_head(
    personas, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    member, token = _invite_and_accept(personas, capture, "eve@evil.example.org")
    accepted = Api().post("/auth/invitations/accept", {"token": token, "password": PASSWORD * 2})
    assert accepted.status_code == 200
    r = personas.api("operator").patch(
        f"/schools/{personas.school_a.id}/staff/{member}", {"role": "main_admin"}
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "handover_required"
    head = StaffMembership.objects.get(school=personas.school_a, role="main_admin")
    assert head.user == personas.main_admin


def test_an_operator_account_cannot_accept_a_school_invitation(
    personas, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _member, token = _invite_and_accept(personas, capture, personas.operator.email)
    r = Api().post("/auth/invitations/accept", {"token": token, "password": PASSWORD})
    assert r.status_code == 403 and r.json()["error"]["code"] == "operator_cannot_join"
    assert not StaffMembership.objects.filter(user=personas.operator, status="active").exists()


def test_two_operators_hand_the_role_on_and_the_head_and_leads_are_told(
    personas, django_capture_on_commit_callbacks
):
    second = make_user(email="second.op@pupilhub.example.org", is_operator=True)
    successor = personas.admin.memberships.get(school=personas.school_a)
    url = f"/schools/{personas.school_a.id}/main-admin-handovers"
    with django_capture_on_commit_callbacks(execute=True):
        proposed = personas.api("operator").post(url, {"to": str(successor.id)})
    assert proposed.status_code == 201 and proposed.json()["status"] == "proposed"
    told = {m.to[0] for m in mail.outbox if "Main School Admin" in m.subject}
    assert {"head@a.example.org", personas.senco.email} <= told
    # Nothing changed yet; the proposer cannot approve their own proposal.
    assert StaffMembership.objects.get(pk=successor.pk).role == "admin"
    own = personas.api("operator").post(f"{url}/{proposed.json()['id']}/approve")
    assert own.status_code == 403 and own.json()["error"]["code"] == "second_operator_required"
    # Neither can the head, a teacher, another school, or nobody.
    for who, status in (("main_admin", 403), ("teacher", 403), ("admin_b", 404), (None, 401)):
        r = personas.api(who).post(f"{url}/{proposed.json()['id']}/approve")
        assert r.status_code == status, who
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = Api(second).post(f"{url}/{proposed.json()['id']}/approve")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert StaffMembership.objects.get(pk=successor.pk).role == "main_admin"
    assert personas.main_admin.memberships.get(school=personas.school_a).role == "admin"
    told = {m.to[0] for m in mail.outbox if "new Main School Admin" in m.subject}
    assert {"head@a.example.org", personas.senco.email, personas.admin.email} <= told
    assert AuditEvent.objects.filter(action="staff.main_admin_handed_over").exists()


def test_the_head_hands_on_at_once_and_can_stop_an_operators_proposal(
    personas, django_capture_on_commit_callbacks
):
    successor = personas.admin.memberships.get(school=personas.school_a)
    url = f"/schools/{personas.school_a.id}/main-admin-handovers"
    proposed = personas.api("operator").post(url, {"to": str(successor.id)})
    stopped = personas.api("main_admin").post(f"{url}/{proposed.json()['id']}/cancel")
    assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled"
    again = personas.api("operator").post(f"{url}/{proposed.json()['id']}/cancel")
    assert again.status_code == 409
    assert personas.api("teacher").get(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        r = personas.api("main_admin").patch(
            f"/schools/{personas.school_a.id}/staff/{successor.id}", {"role": "main_admin"}
        )
    assert r.status_code == 200
    assert StaffMembership.objects.get(pk=successor.pk).role == "main_admin"
    assert HeadHandover.objects.filter(status="done", to=successor).exists()
    assert any(m.to == ["head@a.example.org"] for m in mail.outbox)
    listed = personas.api("admin").get(url)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2


@pytest.mark.parametrize("who", ["operator", "main_admin"])
def test_an_invited_person_or_an_operator_cannot_be_made_head(personas, who):
    invited = StaffMembership.objects.create(
        user=make_user(email="new.one@a.example.org"), school=personas.school_a, status="invited"
    )
    url = f"/schools/{personas.school_a.id}/main-admin-handovers"
    r = personas.api(who).post(url, {"to": str(invited.id)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_active"


def test_operator_page_proposes_and_a_second_operator_approves(personas):
    second = make_user(email="second.op@pupilhub.example.org", is_operator=True)
    web = personas.web("operator")
    page = web.get("/operator/")
    assert "Main School Admin hand-overs" in page.content.decode()
    r = web.post(
        "/operator/handovers/",
        {"school": str(personas.school_a.id), "email": personas.teacher.email},
    )
    assert r.status_code == 302
    handover = HeadHandover.objects.get(status="proposed")
    head_page = personas.web("main_admin").get(f"/schools/{personas.school_a.id}/staff/")
    assert "Stop this hand-over" in head_page.content.decode()
    assert web.post(f"/handovers/{handover.id}/approve").status_code == 302
    assert HeadHandover.objects.get(pk=handover.pk).status == "proposed"  # not by the proposer
    from django.test import Client

    other = Client()
    other.force_login(second)
    assert other.post(f"/handovers/{handover.id}/approve").status_code == 302
    assert HeadHandover.objects.get(pk=handover.pk).status == "done"
    assert personas.teacher.memberships.get(school=personas.school_a).role == "main_admin"


def test_handover_pages_and_list_by_caller(personas):
    """The propose page is for operators only; a hand-over is decided only by an operator or
    the school's own head; the list is the head's and operators'."""
    url = f"/schools/{personas.school_a.id}/main-admin-handovers"
    proposed = personas.api("operator").post(
        url, {"to": str(personas.admin.memberships.get(school=personas.school_a).id)}
    )
    handover = proposed.json()["id"]
    body = {"school": str(personas.school_a.id), "email": personas.teacher.email}
    assert personas.web(None).post("/operator/handovers/", body).status_code == 302  # to login
    assert personas.web("main_admin").post("/operator/handovers/", body).status_code == 403
    assert personas.web(None).post(f"/handovers/{handover}/cancel").status_code == 302
    assert personas.web("teacher").post(f"/handovers/{handover}/cancel").status_code == 403
    assert personas.web("admin_b").post(f"/handovers/{handover}/cancel").status_code == 404
    assert HeadHandover.objects.get(pk=handover).status == "proposed"
    for who, status in (("admin_b", 404), ("teacher", 403), (None, 401), ("operator", 200)):
        assert personas.api(who).get(url).status_code == status, who
    assert personas.web("main_admin").post(f"/handovers/{handover}/cancel").status_code == 302
    assert HeadHandover.objects.get(pk=handover).status == "cancelled"
