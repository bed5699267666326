import pytest

from e2e.conftest import login
from pupilhub.testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_teacher_logs_in_opens_a_pupil_and_logs_out(page, live_server, personas):
    login(page, live_server, "teacher@a.example.org", PASSWORD)
    page.get_by_role("link", name="Pupils").first.click()
    page.get_by_label("Name or pupil ID").fill("Zebedee")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Quokka-Ä, Zebedee").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Zebedee Quokka-Ä"
    assert personas.pupil.pupil_id in page.content()
    page.get_by_role("button", name="Log out").click()
    assert "You have logged out" in page.content()
    page.goto(f"{live_server.url}/schools/{personas.school_a.id}/pupils/")
    assert "/login/" in page.url
