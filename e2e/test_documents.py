import pytest

from e2e.conftest import login
from pupilhub.testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_senco_creates_a_plan_with_two_targets_and_sees_it_on_the_timeline(
    page, live_server, personas
):
    login(page, live_server, "senco@a.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/")
    page.get_by_role("link", name="Add plan").click()
    page.get_by_label("Title").fill("Autumn literacy plan")
    page.get_by_label("Start date").fill("2026-09-01")
    page.get_by_label("Review date").fill("2026-12-01")
    page.get_by_label("Target 1").fill("Read 20 tricky words")
    page.get_by_label("Target 2").fill("Write three sentences")
    page.get_by_role("button", name="Save plan").click()
    timeline = page.locator("ol.timeline")
    assert "Autumn literacy plan" in timeline.inner_text()
    timeline.get_by_role("link", name="Autumn literacy plan").click()
    assert "Write three sentences" in page.content()
