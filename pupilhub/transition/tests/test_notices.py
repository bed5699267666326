"""Every hand-off of a transfer is told to the people who act next (issue 30): the sending
school's admins when a request arrives, the requester when it is decided, the receiving
SENCos and leads when records land, and the sender, naming who, when receipt is confirmed.
Any safeguarding lead of the receiving school may confirm receipt."""

from typing import Any

import pytest
from django.core import mail

from pupilhub.schools.models import StaffMembership
from pupilhub.testing import make_staff

pytestmark = pytest.mark.django_db


def _flow(
    world: Any, capture: Any, types: tuple[str, ...] = ("plans",), who: str = "sec_admin"
) -> dict:
    with capture(execute=True):
        req = world.api(who).post(
            f"/schools/{world.secondary.id}/transfer-requests",
            {
                "from_school": str(world.primary.id),
                "pupils": [str(world.child_sec.id)],
                "document_types": list(types),
            },
        )
    assert req.status_code == 201, req.content
    return req.json()


def _to(subject_part: str) -> set[str]:
    return {m.to[0] for m in mail.outbox if subject_part in m.subject}


def test_each_hand_off_mails_who_acts_next(world: Any, django_capture_on_commit_callbacks: Any):
    senco = make_staff(world.secondary, "staff")
    StaffMembership.objects.filter(user=senco).update(senco=True)
    req = _flow(world, django_capture_on_commit_callbacks)
    arrived = _to("asks for pupils' records")
    assert arrived == {world.pri_head.email, world.pri_admin.email, world.pri_lead.email}
    body = next(m for m in mail.outbox if "asks for" in m.subject).body
    assert "Siân" not in body and "1 pupil" in body  # counts, never a child's name
    assert all(m.extra_headers.get("Auto-Submitted") == "auto-generated" for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = world.api("pri_admin").post(
            f"/schools/{world.primary.id}/transfer-requests/{req['id']}/approve"
        )
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert _to("approved your request") == {world.sec_admin.email}
    assert _to("have arrived") == {senco.email, world.sec_staff.email}  # SENCo and lead
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = world.api("sec_staff").post(  # a lead, not an admin, confirms receipt
            f"/schools/{world.secondary.id}/transfer-requests/{req['id']}/acknowledge"
        )
    assert done.status_code == 200 and done.json()["acknowledged_at"]
    confirmed = [m for m in mail.outbox if "confirmed it received" in m.subject]
    assert [m.to[0] for m in confirmed] == [world.pri_admin.email]
    assert world.sec_staff.full_name in confirmed[0].body


def test_a_denial_tells_the_requester(world: Any, django_capture_on_commit_callbacks: Any):
    req = _flow(world, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        world.api("pri_admin").post(
            f"/schools/{world.primary.id}/transfer-requests/{req['id']}/deny"
        )
    assert _to("declined your request") == {world.sec_admin.email}


def test_a_safeguarding_request_reaches_only_leads_and_the_head(
    world: Any, django_capture_on_commit_callbacks: Any
):
    _flow(world, django_capture_on_commit_callbacks, ("plans", "safeguarding_issues"), "sec_head")
    assert world.pri_admin.email not in _to("asks for pupils' records")  # no trace for them
    assert {world.pri_head.email, world.pri_lead.email} <= _to("asks for pupils' records")


def test_plain_staff_cannot_confirm_receipt(world: Any, django_capture_on_commit_callbacks: Any):
    req = _flow(world, django_capture_on_commit_callbacks)
    plain = make_staff(world.secondary, "staff")
    from pupilhub.testing import Api

    r = Api(plain).post(f"/schools/{world.secondary.id}/transfer-requests/{req['id']}/acknowledge")
    assert r.status_code == 403


def _completed(world: Any, capture: Any) -> dict:
    req = _flow(world, capture)
    with capture(execute=True):
        world.api("pri_admin").post(
            f"/schools/{world.primary.id}/transfer-requests/{req['id']}/approve"
        )
    return req


@pytest.mark.parametrize(("who", "status"), [("out_admin", 404), ("pri_admin", 404)])
def test_the_receipt_page_is_the_receiving_schools(
    world: Any, django_capture_on_commit_callbacks: Any, who: str, status: int
) -> None:
    from django.test import Client
    from django.urls import reverse

    req = _completed(world, django_capture_on_commit_callbacks)
    school = world.outsider if who == "out_admin" else world.primary
    web = Client()
    web.force_login(getattr(world, who))
    page = reverse("transition:receipt", args=[school.id, req["id"]])
    assert web.get(page).status_code == status


def test_a_lead_confirms_receipt_on_the_page_linked_from_the_notice(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.test import Client
    from django.urls import reverse

    req = _completed(world, django_capture_on_commit_callbacks)
    landed = next(m for m in mail.outbox if "have arrived" in m.subject)
    page = reverse("transition:receipt", args=[world.secondary.id, req["id"]])
    assert page in landed.body
    plain = make_staff(world.secondary, "staff")
    web = Client()
    web.force_login(plain)
    assert web.get(page).status_code == 403
    anonymous = Client().get(page)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    web.force_login(world.sec_staff)  # a safeguarding lead, not an admin
    assert b"Confirm receipt" in web.get(page).content
    with django_capture_on_commit_callbacks(execute=True):
        done = web.post(page)
    assert done.status_code == 302
    assert b"Receipt confirmed" in web.get(page).content
