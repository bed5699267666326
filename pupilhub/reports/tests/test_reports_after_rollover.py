"""Issue 31, item 4: last year's reports vanished for families when the pupil moved up a
year (listed only while the pupil was in one of the report's year groups; the PDF then
404). The rollover keeps each pupil's year group, and a report stays listed for the pupils
who were in its year groups when it was written."""

from django.test import Client

from pupilhub.pupils.models import Pupil, PupilYear
from pupilhub.reports.models import Report

from . import test_reports
from .test_reports import api_for, parent_of

setup = test_reports.setup  # the fixture: a Y8 report, and the parent type that sees it


def _end(personas, report):
    r = personas.api("admin").post(f"/schools/{personas.school_a.id}/reports/{report.id}/end")
    assert r.status_code == 200


def _roll(personas):
    r = personas.api("main_admin").post(f"/schools/{personas.school_a.id}/year-end", {})
    assert r.status_code == 200, r.content
    return r.json()["academic_year"]


def _new_report(personas, parent, name, years):
    r = personas.api("admin").post(
        f"/schools/{personas.school_a.id}/reports",
        {
            "name": name,
            "year_groups": years,
            "fields": ["maths"],
            "licence_types": [str(parent.id)],
        },
    )
    assert r.status_code == 201, r.content
    return Report.objects.get(pk=r.json()["id"])


def test_last_years_report_stays_listed_and_downloadable_after_the_rollover(personas, setup):
    report, parent = setup  # "Y8 Progress" for year 8; the pupil is in year 8
    older_cohort = _new_report(personas, parent, "Y9 Options", [9])
    _end(personas, report)
    _end(personas, older_cohort)
    link = parent_of(personas.pupil, parent)
    api = api_for(link.user)
    before = api.get(f"/me/pupils/{link.id}/reports").json()["items"]
    assert [i["name"] for i in before] == ["Y8 Progress"]
    year = _roll(personas)
    assert Pupil.objects.get(pk=personas.pupil.pk).year_group == 9
    history = PupilYear.objects.get(pupil=personas.pupil)
    assert history.year_group == 8 and history.academic_year < year
    items = api.get(f"/me/pupils/{link.id}/reports").json()["items"]
    # Last year's Y8 report stays; the older cohort's Y9 report does not appear because the
    # pupil is in year 9 now.
    assert [i["name"] for i in items] == ["Y8 Progress"]
    assert items[0]["earlier_year"] is True
    assert items[0]["academic_year"] == history.academic_year
    pdf = api.get(f"/me/pupils/{link.id}/reports/{report.id}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert api.get(f"/me/pupils/{link.id}/reports/{older_cohort.id}/pdf").status_code == 404


def test_this_years_reports_and_last_years_are_shown_apart(personas, setup):
    report, parent = setup
    _end(personas, report)
    _roll(personas)
    this_year = _new_report(personas, parent, "Y9 Autumn", [9])
    _end(personas, this_year)
    link = parent_of(personas.pupil, parent)
    items = api_for(link.user).get(f"/me/pupils/{link.id}/reports").json()["items"]
    assert {(i["name"], i["earlier_year"]) for i in items} == {
        ("Y9 Autumn", False),
        ("Y8 Progress", True),
    }
    web = Client()
    web.force_login(link.user)
    page = web.get(f"/my/pupils/{link.id}/").content.decode()
    assert "Last year&#x27;s reports" in page or "Last year's reports" in page
    assert page.index("Y9 Autumn") < page.index("Last year") < page.index("Y8 Progress")


def test_a_pupil_who_joined_after_the_rollover_does_not_see_last_years_reports(personas, setup):
    report, parent = setup
    _end(personas, report)
    _roll(personas)
    from pupilhub.testing import make_pupil

    newcomer = make_pupil(personas.school_a, year_group=8)  # joined Y8 this year
    link = parent_of(newcomer, parent, email="newcomer.parent@example.com")
    items = api_for(link.user).get(f"/me/pupils/{link.id}/reports").json()["items"]
    assert items == []
