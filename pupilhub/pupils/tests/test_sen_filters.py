"""Sex, SEN status and SEN need as provision-map and print-run filters (issue 16)."""

import pytest

from pupilhub.documents.provision_map import rows
from pupilhub.documents.tests.test_pages import _provision
from pupilhub.reports import printing
from pupilhub.reports.models import Report
from pupilhub.schools.access import staff_access
from pupilhub.testing import make_pupil


@pytest.fixture
def cohort(personas):
    school = personas.school_a
    return {
        "mld": make_pupil(school, year_group=7, sex="F", sen_status="K", sen_needs=["MLD"]),
        "pmld": make_pupil(school, year_group=7, sex="M", sen_status="E", sen_needs=["PMLD", "HI"]),
        "none": make_pupil(school, year_group=7, sex="M"),
    }


def _pupils_in(filters, personas):
    data = rows(staff_access(personas.senco, personas.school_a.id), filters)
    return sum(r["pupils"] for r in data)


def test_the_provision_map_filters_by_sen_status_need_and_sex(personas, cohort):
    for pupil in cohort.values():
        _provision(pupil, "cognition_learning", 1000)
    assert _pupils_in({}, personas) == 3
    assert _pupils_in({"sen_status": "E"}, personas) == 1
    assert _pupils_in({"sen_need": "MLD"}, personas) == 1  # not PMLD's pupil
    assert _pupils_in({"sen_need": "HI"}, personas) == 1  # a secondary need counts
    assert _pupils_in({"sex": "M"}, personas) == 2
    assert _pupils_in({"sex": "M", "sen_status": "K"}, personas) == 0


def test_the_provision_map_page_offers_the_filters_and_ignores_unknown_values(personas, cohort):
    for pupil in cohort.values():
        _provision(pupil, "semh", 1000)
    web = personas.web("senco")
    url = f"/schools/{personas.school_a.id}/provision-map/"
    page = web.get(url, {"sen_need": "PMLD"}).content.decode()
    assert 'name="sen_need"' in page and "1 provisions" in page
    assert "3 provisions" in web.get(url, {"sen_need": "BOGUS"}).content.decode()
    csv = web.get(f"/schools/{personas.school_a.id}/provision-map.csv", {"sen_status": "K"})
    assert csv.content.decode("utf-8-sig").count("\n") == 2  # header and one row


def test_a_print_run_can_be_only_the_pupils_with_sen_support(personas, cohort):
    report = Report.objects.create(school=personas.school_a, name="Progress", year_groups=[7])
    assert len(printing.print_pupils(report, False)) == 3
    only = printing.print_pupils(report, False, {"sen_status": "K"})
    assert [p.pk for p in only] == [cohort["mld"].pk]
    path = f"/schools/{personas.school_a.id}/reports/{report.id}/print-runs"
    r = personas.api("admin").post(path, {"paper_only": False, "sen_need": "pmld"})
    assert r.status_code == 202, r.content
    assert r.json()["total"] == 1 and r.json()["filters"] == {"sen_need": "PMLD"}
    bad = personas.api("admin").post(path, {"sen_status": "X", "sex": "Q"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"sen_status", "sex"}
