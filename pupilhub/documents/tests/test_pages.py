import csv
import io

from pupilhub.documents.models import Plan, Provision
from pupilhub.testing import make_pupil


def test_a_senco_adds_a_plan_with_targets_on_the_web(personas):
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/plans/new/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    r = personas.web("senco").post(
        url,
        {
            "plan_title": "Plan A",
            "start_date": "2026-09-01",
            "review_date": "2026-08-01",
            "status": "active",
        },
    )
    assert r.status_code == 200 and "Must not be before" in r.content.decode()
    r = personas.web("senco").post(
        url,
        {
            "plan_title": "Plan A",
            "start_date": "2026-09-01",
            "review_date": "2026-12-01",
            "status": "active",
            "target_0_description": "Target one",
            "target_1_description": "Target two",
        },
    )
    assert r.status_code == 302
    plan = Plan.objects.get()
    assert [t["description"] for t in plan.targets] == ["Target one", "Target two"]


def test_adding_a_safeguarding_issue_is_raising_a_concern_for_everyone(personas):
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/safeguarding-issues/new/"
    for who in ("teacher", "senco"):
        r = personas.web(who).get(url)
        assert r.status_code == 302 and "/concerns/raise/" in r["Location"]
        assert str(personas.pupil.id) in r["Location"]


def _provision(pupil, area, cost, entry=None, exit_=None, **extra):
    return Provision.objects.create(
        school=pupil.school,
        pupil=pupil,
        name="P",
        area_of_need=area,
        cost_pence=cost,
        start_date="2026-09-01",
        entry_score=entry,
        exit_score=exit_,
        **extra,
    )


def test_provision_map_totals_on_a_known_data_set(personas):
    a = make_pupil(personas.school_a, year_group=7)
    b = make_pupil(personas.school_a, year_group=7)
    c = make_pupil(personas.school_a, year_group=8)
    _provision(a, "semh", 10000, 10, 14)
    _provision(a, "semh", 5000, 20, 21)
    _provision(b, "semh", 2500)
    _provision(c, "cognition_learning", 333, 50, 40)
    _provision(c, "cognition_learning", 1000, confidential=True)
    _provision(make_pupil(personas.school_b, year_group=7), "semh", 99999)  # another school's
    from pupilhub.documents.provision_map import rows
    from pupilhub.schools.access import staff_access

    data = rows(staff_access(personas.senco, personas.school_a.id), {})
    by_key = {(r["year_group"], r["area_of_need"]): r for r in data}
    y7 = by_key[(7, "semh")]
    assert (y7["provisions"], y7["pupils"], y7["total_pence"], y7["per_pupil_pence"]) == (
        3,
        2,
        17500,
        8750,
    )
    assert y7["avg_change"] == 2.5
    y8 = by_key[(8, "cognition_learning")]
    assert (y8["provisions"], y8["total_pence"], y8["avg_change"]) == (2, 1333, -10.0)
    csv_rows = list(
        csv.reader(
            io.StringIO(
                personas.web("senco")
                .get(f"/schools/{personas.school_a.id}/provision-map.csv")
                .content.decode("utf-8-sig")
            )
        )
    )
    assert csv_rows[1][4] == "£175.00" and csv_rows[1][5] == "£87.50"
    page = personas.web("senco").get(
        f"/schools/{personas.school_a.id}/provision-map/", {"area_of_need": "semh"}
    )
    assert "£175.00" in page.content.decode() and "<svg" in page.content.decode()
    pdf = personas.web("senco").get(f"/schools/{personas.school_a.id}/provision-map.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert (
        personas.web("teacher").get(f"/schools/{personas.school_a.id}/provision-map/").status_code
        == 403
    )
    assert (
        personas.web("admin_b").get(f"/schools/{personas.school_a.id}/provision-map/").status_code
        == 404
    )


def test_dashboard_lists_plans_due_for_review(personas):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Due soon",
        start_date=today,
        review_date=today + timedelta(days=3),
        status="active",
    )
    Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Far off",
        start_date=today,
        review_date=today + timedelta(days=60),
        status="active",
    )
    page = personas.web("senco").get(f"/schools/{personas.school_a.id}/").content.decode()
    assert "Due soon" in page and "Far off" not in page
