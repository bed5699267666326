"""Issue 31, item 12: no help and no support contact anywhere; a head could not ask for a
cluster; the cluster picker could not tell two "St Mary's" apart."""

import pytest
from django.core.cache import cache
from django.test import Client

from pupilhub.schools.help import AREAS
from pupilhub.transition.models import ClusterRequest

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("area", list(AREAS))
def test_each_area_has_a_help_page_anyone_can_read(area):
    r = Client().get(f"/help/{area}/")
    assert r.status_code == 200
    html = r.content.decode()
    assert str(AREAS[area]) in html and "Still stuck?" in html


def test_an_unknown_help_page_is_404():
    assert Client().get("/help/nothing/").status_code == 404


@pytest.mark.parametrize(
    ("who", "url", "area"),
    [
        ("admin", "gateway/", "gateway"),
        ("admin", "billing/", "billing"),
        ("teacher", "reports/", "reports"),
        ("main_admin", "retention/", "data-protection"),
        ("admin", "transition/", "transition"),
    ],
)
def test_area_pages_link_to_their_help(personas, who, url, area):
    html = personas.web(who).get(f"/schools/{personas.school_a.id}/{url}").content.decode()
    assert f'href="/help/{area}/"' in html


def test_the_operator_sets_a_support_contact_shown_in_every_footer(personas):
    assert "Support for school staff" not in Client().get("/help/").content.decode()
    form = {"email": "help@pupilhub.example", "phone": "01865 555 0100", "hours": "Weekdays"}
    assert personas.web("admin").post("/operator/support/", form).status_code == 403
    assert personas.web("operator").post("/operator/support/", form).status_code == 302
    page = personas.web("teacher").get(f"/schools/{personas.school_a.id}/").content.decode()
    assert "help@pupilhub.example" in page and 'href="tel:+4418655550100"' in page
    help_page = Client().get("/help/gateway/").content.decode()
    assert "help@pupilhub.example" in help_page


def test_a_head_asks_for_a_cluster_naming_schools_with_postcodes(personas):
    url = f"/schools/{personas.school_a.id}/clusters/"
    ask = {"name": "East Oxford", "schools": "School A, OX1 1AA\nSt Mary's Primary, OX4 1AB"}
    assert personas.web("admin").post(url, ask).status_code == 403  # the head asks
    bad = personas.web("main_admin").post(url, {**ask, "schools": "St Mary's Primary"})
    assert bad.status_code == 400 and "Add the postcode" in bad.content.decode()
    assert not ClusterRequest.objects.exists()
    assert personas.web("main_admin").post(url, ask).status_code == 302
    found = ClusterRequest.objects.get()
    assert found.schools == ["School A, OX1 1AA", "St Mary's Primary, OX4 1AB"]
    operator = personas.web("operator").get("/operator/").content.decode()
    assert "East Oxford" in operator and "St Mary&#x27;s Primary, OX4 1AB" in operator
    done = personas.web("operator").post(f"/operator/cluster-requests/{found.id}/done")
    assert done.status_code == 302
    assert "East Oxford" not in personas.web("operator").get("/operator/").content.decode()
    assert (
        personas.web("main_admin").post(f"/operator/cluster-requests/{found.id}/done").status_code
        == 403
    )


def test_the_cluster_picker_names_schools_with_postcode_and_urn(personas):
    personas.school_a.urn = "123456"
    personas.school_a.save()
    html = personas.web("operator").get("/operator/clusters/").content.decode()
    assert "School A, OX1 1AA (URN 123456)" in html
