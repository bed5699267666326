"""The year-end rollover (issue 16): preview, once per academic year, leavers archived and
never billed, reports from the new year groups."""

from datetime import date

import pytest

from pupilhub.billing.quotes import pupils_on_roll
from pupilhub.core.models import AuditEvent
from pupilhub.pupils import actions, years
from pupilhub.pupils.models import Pupil, YearEnd
from pupilhub.schools.access import staff_access
from pupilhub.testing import make_pupil


@pytest.fixture
def roll(personas):
    """School A (Y7-Y11): pupils in Y7, Y10, Y11, an archived Y9, a retained Y12."""
    school = personas.school_a
    Pupil.objects.filter(school=school).delete()
    return {
        "y7": make_pupil(school, year_group=7),
        "y10": make_pupil(school, year_group=10),
        "y11": make_pupil(school, year_group=11),
        "gone": make_pupil(school, year_group=9, status="archived"),
        "kept": make_pupil(school, year_group=12),
    }


def _refresh(roll):
    for p in roll.values():
        p.refresh_from_db()
    return {k: (p.year_group, p.status) for k, p in roll.items()}


def test_a_dry_run_says_what_would_happen_and_changes_nothing(personas, roll):
    before = _refresh(roll)
    r = personas.api("main_admin").post(
        f"/schools/{personas.school_a.id}/year-end", {"dry_run": True}
    )
    assert r.status_code == 200, r.content
    assert r.json()["promoted"] == 2 and r.json()["left"] == 2
    assert _refresh(roll) == before
    assert not YearEnd.objects.exists()


def test_the_rollover_moves_pupils_up_archives_leavers_and_bills_only_those_on_roll(personas, roll):
    school = personas.school_a
    assert pupils_on_roll(school) == 3  # Y7, Y10, Y11 (the retained Y12 is not billed)
    r = personas.api("main_admin").post(f"/schools/{school.id}/year-end", {})
    assert r.status_code == 200, r.content
    assert r.json()["promoted"] == 2 and r.json()["left"] == 2
    assert _refresh(roll) == {
        "y7": (8, "active"),
        "y10": (11, "active"),
        "y11": (12, "archived"),  # left from Y11: an archived Y12, kept (never billed)
        "gone": (9, "archived"),  # already archived: untouched
        "kept": (13, "archived"),  # a retained Y12 on roll leaves too, in its new year
    }
    assert pupils_on_roll(school) == 2  # the leavers are never billed
    event = AuditEvent.objects.get(action="school.year_end")
    assert event.detail == {
        "academic_year": r.json()["academic_year"],
        "promoted": 2,
        "left": 2,
    }


def test_the_rollover_happens_once_an_academic_year(personas, roll):
    api = personas.api("main_admin")
    path = f"/schools/{personas.school_a.id}/year-end"
    assert api.post(path, {}).status_code == 200
    after_first = _refresh(roll)
    again = api.post(path, {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_done"
    assert api.post(path, {"dry_run": True}).status_code == 409
    assert _refresh(roll) == after_first  # nobody moved up twice


def test_the_academic_year_turns_in_june():
    assert years.rollover_year(date(2026, 7, 20)) == "2026/27"
    assert years.rollover_year(date(2026, 11, 23)) == "2026/27"
    assert years.rollover_year(date(2027, 3, 1)) == "2026/27"
    assert years.rollover_year(date(2027, 6, 1)) == "2027/28"
    assert years.rollover_year(date(2099, 12, 31)) == "2099/00"


def test_next_year_the_school_can_roll_over_again(personas, roll):
    access = staff_access(personas.main_admin, personas.school_a.id)
    assert actions.do_year_end(access, today=date(2026, 7, 20))["academic_year"] == "2026/27"
    second = actions.do_year_end(access, today=date(2027, 7, 19))
    assert second == {"promoted": 1, "left": 1, "academic_year": "2027/28"}  # Y8 up; Y11 leaves
    roll["y7"].refresh_from_db()
    assert roll["y7"].year_group == 9


def test_reports_compile_from_the_new_year_group(personas, roll):
    from pupilhub.reports.compile import report_pdf
    from pupilhub.reports.models import Report
    from pupilhub.reports.tests.test_reports import text_of

    report = Report.objects.create(school=personas.school_a, name="Progress", year_groups=[7, 8])
    roll["y7"].refresh_from_db()
    assert "Y7" in text_of(report_pdf(report, roll["y7"]))
    personas.api("main_admin").post(f"/schools/{personas.school_a.id}/year-end", {})
    roll["y7"].refresh_from_db()
    text = text_of(report_pdf(report, roll["y7"]))
    assert "Y8" in text and "Y7" not in text


@pytest.mark.parametrize(
    "who, status", [(None, 401), ("admin_b", 404), ("teacher", 403), ("admin", 403)]
)
def test_only_the_main_admin_may_roll_over(personas, roll, who, status):
    r = personas.api(who).post(f"/schools/{personas.school_a.id}/year-end", {})
    assert r.status_code == status
    assert roll["y7"].year_group == 7 and not YearEnd.objects.exists()


def test_without_a_year_range_the_rollover_is_refused(personas, roll):
    school = personas.school_a
    school.year_to = None
    school.save()
    r = personas.api("main_admin").post(f"/schools/{school.id}/year-end", {})
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_year_range"


def test_the_page_previews_then_rolls_over_once_confirmed(personas, roll):
    web = personas.web("main_admin")
    url = f"/schools/{personas.school_a.id}/year-end/"
    page = web.get(url).content.decode()
    assert "Archived as leavers" in page and "Y8" in page
    assert web.post(url, {}).status_code == 400  # not confirmed
    assert roll["y7"].year_group == 7
    r = web.post(url, {"confirm": "1"})
    assert r.status_code == 302
    roll["y7"].refresh_from_db()
    assert roll["y7"].year_group == 8
    page = web.get(url).content.decode()
    assert "already rolled over" in page and "Past rollovers" in page


@pytest.mark.parametrize("who, status", [("admin_b", 404), ("teacher", 403), ("admin", 403)])
def test_the_page_is_the_main_admins(personas, who, status):
    assert personas.web(who).get(f"/schools/{personas.school_a.id}/year-end/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(personas):
    r = personas.web(None).get(f"/schools/{personas.school_a.id}/year-end/")
    assert r.status_code == 302 and "login" in r["Location"]


def test_the_pupil_page_reads_each_record_type_once_and_writes_one_audit_row(personas):
    """Issue 33: the pupil page made 22 queries, each record type read twice, and a lead's
    view wrote two audit rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = personas.web("senco")
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/"
    web.get(url)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        assert web.get(url).status_code == 200
    assert AuditEvent.objects.count() == before + 1
    sql = [q["sql"] for q in queries.captured_queries]
    for table in ("documents_plan", "documents_provision", "documents_safeguardingissue"):
        assert sum(s.startswith("SELECT") and f'FROM "{table}"' in s for s in sql) == 1, table
    assert len(sql) <= 13
