import pytest
from django.core import mail

from e2e.conftest import login, verify_token
from pupilhub.gateway import licences
from pupilhub.gateway.keys import display
from pupilhub.gateway.models import LicenceType
from pupilhub.schools.access import staff_access
from pupilhub.testing import make_pupil, make_school, make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "our family passphrase"


def test_a_parent_registers_verifies_logs_in_and_adds_a_second_pupil(page, live_server):
    school = make_school("Northgate Academy", year_from=7, year_to=11)
    admin = make_staff(school, "admin")
    first = make_pupil(school, first_name="Ada", surname="Okafor")
    second = make_pupil(school, first_name="Ben", surname="Okafor")
    access = staff_access(admin, school.id)
    parent = LicenceType.objects.get(school=school, kind="parent")
    (_, key_a), (_, key_b) = licences.do_generate_keys(access, parent, [first, second])

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/gateway/{school.id}/")
    page.get_by_role("link", name="Register a pupil").click()
    page.get_by_label("Email").fill("mum@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Pupil ID").fill(first.pupil_id.lower())
    page.get_by_label("Licence key").fill(display(key_a).lower())
    page.get_by_role("button", name="Register").click()
    assert "Check your email" in page.content()

    token = verify_token(str(mail.outbox[-1].body))
    page.goto(f"{live_server.url}/verify-email/#{token}")
    page.get_by_role("button", name="Confirm my email address").click()
    assert "confirmed" in page.content()
    login(page, live_server, "mum@example.com", PASSWORD)
    assert "Ada Okafor" in page.inner_text("main")

    page.get_by_role("link", name="Add a pupil").click()
    page.get_by_label("Pupil ID").fill(second.pupil_id)
    page.get_by_label("Licence key").fill(display(key_b))
    page.get_by_role("button", name="Add pupil").click()
    text = page.inner_text("main")
    assert "Ada Okafor" in text and "Ben Okafor" in text
    page.get_by_role("link", name="Ben Okafor").click()
    assert "Parent/Guardian" in page.inner_text("main")
