"""A Scottish school reads its own year labels (P1-P7, S1-S6) on every page, never Y7."""

import re

import pytest
from django.test import Client

from pupilhub.gateway.models import TrackingField
from pupilhub.reports.models import Report
from pupilhub.schools.choices import year_label
from pupilhub.testing import make_pupil, make_school, make_staff

ENGLAND_LABEL = re.compile(r"(?<![\w/-])Y(?:[1-9]|1[0-3])(?![\w])|Reception")


@pytest.fixture
def scottish(db):
    school = make_school("Glen Academy", year_scheme="scotland", year_from=8, year_to=13)
    admin = make_staff(school, role="main_admin")
    pupil = make_pupil(school, year_group=9, tutor_group="2A")
    TrackingField.objects.create(
        school=school, key="s2_maths", name="S2 Maths", subject="Maths", year_group=9
    )
    report = Report.objects.create(
        school=school, name="S2 Progress", year_groups=[9], fields=[{"key": "s2_maths"}]
    )
    web = Client()
    web.force_login(admin)
    return school, pupil, report, web


def test_the_operator_names_years_in_both_schemes(personas):
    html = personas.web("operator").get("/operator/").content.decode()
    assert ">Y8 / S1<" in html and ">Y1 / P1<" in html


def test_the_scottish_labels():
    assert [year_label(c, "scotland") for c in (0, 1, 7, 8, 13)] == [
        "Nursery",
        "P1",
        "P7",
        "S1",
        "S6",
    ]


def test_a_scottish_schools_pages_show_scottish_year_labels(scottish):
    school, pupil, report, web = scottish
    base = f"/schools/{school.id}"
    pages = [
        f"{base}/",
        f"{base}/pupils/",
        f"{base}/pupils/{pupil.id}/",
        f"{base}/pupils/new/",
        f"{base}/pupils/import/",
        f"{base}/year-end/",
        f"{base}/pupils/ctf/",
        f"{base}/tracking/marksheet/?year_group=9",
        f"{base}/reports/",
        f"{base}/reports/{report.id}/",
        f"{base}/reports/{report.id}/edit/",
        f"{base}/tracking/",
        f"{base}/gateway/",
        f"{base}/gateway/users/",
        f"{base}/messages/new/",
        f"{base}/billing/",
    ]
    for url in pages:
        r = web.get(url)
        assert r.status_code == 200, (url, r.status_code)
        html = r.content.decode()
        body = html.split("<main", 1)[-1]
        found = ENGLAND_LABEL.findall(body)
        assert not found, (url, found)
