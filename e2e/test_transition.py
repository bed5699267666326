from datetime import date

import pytest

from e2e.conftest import login
from pupilhub.documents.models import Plan
from pupilhub.testing import PASSWORD, make_pupil, make_school, make_staff, make_upn, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.get_by_role("button", name="Log out").click()


def test_two_schools_join_a_cluster_and_hand_a_childs_plan_on(page, live_server):
    primary = make_school("Oakfield Primary", year_from=0, year_to=6)
    secondary = make_school("Northgate Academy", year_from=7, year_to=11)
    make_user("op@example.org", is_operator=True)
    make_staff(primary, "main_admin", email="head@oak.example.org")
    make_staff(secondary, "main_admin", email="head@north.example.org")
    pid = make_upn()
    old = make_pupil(
        primary,
        first_name="Ava",
        surname="D'Souza",
        date_of_birth=date(2015, 1, 2),
        pupil_id=pid,
        year_group=6,
        status="archived",
    )
    new = make_pupil(
        secondary,
        first_name="Ava",
        surname="D\u2019Souza",
        date_of_birth=date(2015, 1, 2),
        pupil_id=pid,
        year_group=7,
    )
    Plan.objects.create(
        school=primary, pupil=old, plan_title="Y6 reading plan", start_date=date(2026, 1, 5)
    )

    login(page, live_server, "op@example.org", PASSWORD)
    page.goto(f"{live_server.url}/operator/clusters/")
    page.get_by_label("Cluster name").fill("North Oxford")
    page.get_by_role("button", name="Create cluster").click()
    for school in (primary, secondary):
        page.locator("select[name=cluster]").select_option(label="North Oxford")
        # Schools are named with their postcode, so two of one name can be told apart.
        label = f"{school.name}, {school.postcode}"
        page.locator("select[name=school]").select_option(label=label)
        page.get_by_role("button", name="Add school (pending)").click()
    assert page.locator("span.status-pending").count() == 2
    logout(page)

    for email, school in (("head@oak.example.org", primary), ("head@north.example.org", secondary)):
        login(page, live_server, email, PASSWORD)
        page.goto(f"{live_server.url}/schools/{school.id}/clusters/")
        page.get_by_role("button", name="Approve membership").click()
        assert "is now active" in page.content()
        logout(page)

    login(page, live_server, "head@north.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{secondary.id}/transition/")
    page.get_by_role("button", name="Show shared pupils").click()
    assert "Souza, Ava" in page.inner_text("main")
    page.get_by_role("button", name="Request documents for the ticked pupils").click()
    assert "Request sent to Oakfield Primary" in page.content()
    logout(page)

    login(page, live_server, "head@oak.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{primary.id}/")
    page.get_by_role("link", name="Northgate Academy, 1 pupil").click()
    page.get_by_role("button", name="Review and send").click()
    assert "Check what goes to Northgate Academy" in page.content()
    assert "Souza" in page.inner_text("main") and "1 plan" in page.inner_text("main")
    page.get_by_role("button", name="Send all (1 pupil)").click()
    assert "Approved: documents copied." in page.content()
    logout(page)

    login(page, live_server, "head@north.example.org", PASSWORD)
    page.goto(f"{live_server.url}/schools/{secondary.id}/pupils/{new.id}/")
    assert "Y6 reading plan" in page.inner_text("main")
    assert "Oakfield Primary" in page.inner_text("main")
