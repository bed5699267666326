"""The weekly work, walked in a browser on a phone and a desktop: a teacher raises a
concern with a body map (issue 26); a SENCo reviews a plan and registers a group session
(issue 28)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from e2e.conftest import login
from pupilhub.testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.mark.parametrize("size", SIZES)
def test_a_teacher_raises_a_concern_with_a_body_map(page, live_server, personas, size):
    from pupilhub.documents.models import SafeguardingIssue

    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    login(page, live_server, "teacher@a.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{personas.school_a.id}/")
    page.get_by_role("link", name="Raise a concern").first.click()  # two clicks from here
    page.locator("select[name=pupil]").select_option(str(personas.pupil.id))
    page.get_by_label("Kind of concern").select_option("physical_abuse")
    page.get_by_label("What did you see or hear?").fill("A bruise on his arm; he said he fell")
    page.get_by_text("Body map (optional)").click()
    page.locator('svg[data-view="front"]').click(position={"x": 40, "y": 100})
    assert page.get_by_label("Mark 1: across (0 to 1)").input_value() != ""
    page.get_by_label("Mark 1: what you saw").fill("Bruise, 3 cm")
    page.get_by_role("button", name="Pass this concern to the leads").click()
    assert "Concerns you raised" in page.content()
    issue = SafeguardingIssue.objects.get()
    assert issue.reference in page.content() and "bruise" not in page.content().lower()
    assert issue.marks.get().note == "Bruise, 3 cm"
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= SIZES[size][0]


@pytest.mark.parametrize("size", SIZES)
def test_a_senco_reviews_a_plan_and_registers_a_session(page, live_server, personas, size):
    from pupilhub.documents.models import Plan
    from pupilhub.schools.access import staff_access
    from pupilhub.sen import actions
    from pupilhub.sen.models import Review, Session

    today = timezone.localdate()
    plan = Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Reading plan",
        start_date=today - timedelta(days=40),
        review_date=today,
        status="active",
        targets=[{"description": "Read 20 words"}],
    )
    group = actions.do_create_intervention(
        staff_access(personas.senco, personas.school_a.id),
        {
            "name": "Phonics group",
            "area_of_need": "cognition_learning",
            "start_date": today - timedelta(days=7),
            "end_date": today + timedelta(days=30),
            "session_minutes": 30,
            "sessions_per_week": 2,
            "cost_pence": 3000,
            "pupils": [personas.pupil.id],
        },
    )
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    login(page, live_server, "senco@a.example.org", PASSWORD)
    base = f"{live_server.url}/schools/{personas.school_a.id}"
    page.goto(f"{base}/pupils/{personas.pupil.id}/plans/{plan.id}/")
    page.get_by_role("link", name="Record a review").click()
    page.get_by_label("Score for: Read 20 words").select_option("1")
    page.get_by_label("Outcome").select_option("continue")
    page.get_by_label("Next review").fill(str(today + timedelta(days=42)))
    page.get_by_role("button", name="Save the review").click()
    assert "Review saved" in page.content()
    assert Review.objects.get().mean_score == 1
    page.goto(f"{base}/interventions/{group.pk}/")
    page.get_by_label(personas.pupil.full_name).check()
    page.get_by_role("button", name="Save the session").click()
    assert "Session recorded" in page.content()
    assert Session.objects.get().attended.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0]
