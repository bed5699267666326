"""The SEN cycle a SENCo runs every term (issue 28)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pupilhub.documents.models import MeetingLog, Plan, Provision
from pupilhub.gateway.models import ExternalLink, LicenceType
from pupilhub.sen import dates
from pupilhub.sen.models import EHCP, PlanComment, Review
from pupilhub.testing import Api, make_pupil, make_user

TODAY = timezone.localdate()


def _plan(p, pupil=None, **extra):
    fields = {
        "plan_title": "Literacy",
        "start_date": TODAY - timedelta(days=60),
        "review_date": TODAY + timedelta(days=5),
        "status": "active",
        "targets": [{"description": "Read 20 words"}, {"description": "Write a sentence"}],
        **extra,
    }
    return Plan.objects.create(school=p.school_a, pupil=pupil or p.pupil, **fields)


def _reviews(p, plan, pupil=None):
    return f"/schools/{p.school_a.id}/pupils/{(pupil or p.pupil).id}/plans/{plan.id}/reviews"


REVIEW = {
    "date": str(TODAY),
    "targets": [
        {"target": 0, "score": 2, "comment": "Reads 22"},
        {"target": 1, "score": -1, "comment": ""},
    ],
    "pupil_views": "I like reading now",
    "outcome": "continue",
    "next_review_date": str(TODAY + timedelta(days=42)),
}


@pytest.mark.parametrize(
    "add, months, expected",
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 9, 15), 12, date(2027, 9, 15)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_months_are_added_with_the_day_clamped(add, months, expected):
    assert dates.add_months(add, months) == expected


@pytest.mark.parametrize(
    "total, count, expected",
    [
        (10000, 3, [3334, 3333, 3333]),
        (100, 6, [17, 17, 17, 17, 16, 16]),
        (5, 5, [1] * 5),
        (0, 2, [0, 0]),
    ],
)
def test_costs_are_shared_to_the_penny_remainders_first(total, count, expected):
    assert dates.shares(total, count) == expected and sum(expected) == total


def test_the_statutory_ehcp_dates():
    plan = EHCP(
        local_authority="Oxfordshire",
        issued_on=date(2025, 3, 10),
        last_review_on=date(2026, 2, 20),
        next_review_meeting_on=date(2027, 1, 20),
        phase_transfer_year=2027,
    )
    y6 = dates.ehcp_dates(plan, 6, date(2026, 12, 2))
    assert y6 == {
        "review_due_by": date(2027, 2, 20),
        "invitations_by": date(2026, 12, 23),
        "reports_by": date(2027, 1, 6),
        "paperwork_to_la_by": date(2027, 2, 3),
        "phase_transfer_named_by": date(2027, 2, 15),
    }
    assert dates.ehcp_dates(plan, 11, date(2026, 12, 2))["phase_transfer_named_by"] == date(
        2027, 3, 31
    )
    plan.last_review_on = None
    assert dates.ehcp_dates(plan, 6, date(2026, 12, 2))["review_due_by"] == date(2026, 3, 10)


def test_a_review_scores_targets_and_moves_the_plan_on(personas):
    plan = _plan(personas)
    url = _reviews(personas, plan)
    assert personas.api(None).post(url, REVIEW).status_code == 401
    assert personas.api("admin_b").post(url, REVIEW).status_code == 404
    assert personas.api("teacher").post(url, REVIEW).status_code == 403
    r = personas.api("senco").post(url, REVIEW)
    assert r.status_code == 201, r.content
    body = r.json()
    assert [t["score"] for t in body["targets"]] == [2, -1] and body["mean_score"] == 0.5
    plan.refresh_from_db()
    assert plan.review_date == TODAY + timedelta(days=42) and plan.status == "reviewed"
    history = personas.api("teacher").get(url).json()["items"]
    assert [h["id"] for h in history] == [body["id"]]
    closed = personas.api("admin").post(url, {**REVIEW, "outcome": "close"})
    assert closed.status_code == 201
    plan.refresh_from_db()
    assert plan.status == "closed"
    again = personas.api("admin").post(url, REVIEW)
    assert again.status_code == 409


@pytest.mark.parametrize(
    "targets",
    [
        [{"target": 0, "score": 3}],
        [{"target": 0, "score": -3}],
        [{"target": 5, "score": 1}],
    ],
)
def test_a_bad_score_or_target_is_a_400_naming_the_field(personas, targets):
    plan = _plan(personas)
    r = personas.api("senco").post(_reviews(personas, plan), {**REVIEW, "targets": targets})
    assert r.status_code == 400 and "targets" in r.json()["error"]["fields"]
    assert not Review.objects.exists()


def test_an_archived_pupils_plan_cannot_be_reviewed(personas):
    leaver = make_pupil(personas.school_a, status="archived")
    plan = _plan(personas, pupil=leaver)
    r = personas.api("senco").post(_reviews(personas, plan, leaver), REVIEW)
    assert r.status_code == 409


def test_due_lists_active_pupils_only_and_flags_overdue(personas):
    _plan(personas, review_date=TODAY - timedelta(days=3))
    leaver = make_pupil(personas.school_a, status="archived")
    _plan(personas, pupil=leaver, review_date=TODAY - timedelta(days=3))
    url = f"/schools/{personas.school_a.id}/sen/due"
    assert personas.api("teacher").get(url).status_code == 403
    items = [
        i for i in personas.api("senco").get(url).json()["items"] if i["kind"] == "plan_review"
    ]
    assert [i["pupil"]["id"] for i in items] == [str(personas.pupil.id)] and items[0]["overdue"]
    page = personas.web("senco").get(f"/schools/{personas.school_a.id}/").content.decode()
    assert leaver.first_name not in page  # the leaver no longer nags the dashboard


def test_the_library_and_a_provision_started_from_it(personas):
    url = f"/schools/{personas.school_a.id}/provision-library"
    item = {
        "name": "Reading catch-up",
        "area_of_need": "cognition_learning",
        "provider": "TA",
        "session_minutes": 30,
        "sessions_per_week": 3,
        "group_size": 4,
        "cost_pence": 12000,
        "description": "Phonics",
    }
    assert personas.api("teacher").post(url, item).status_code == 403
    assert personas.api("senco").post(url, {**item, "cost_pence": -1}).status_code == 400
    made = personas.api("senco").post(url, item)
    assert made.status_code == 201
    prov = personas.api("senco").post(
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/provisions",
        {"from_library": made.json()["id"], "start_date": str(TODAY), "cost_pence": 9000},
    )
    assert prov.status_code == 201, prov.content
    assert prov.json()["name"] == "Reading catch-up" and prov.json()["cost_pence"] == 9000
    assert prov.json()["frequency"] == "3 x 30 min a week"


def _group(p, pupils, **extra):
    body = {
        "name": "Reading group",
        "area_of_need": "cognition_learning",
        "start_date": str(TODAY - timedelta(days=13)),
        "end_date": str(TODAY + timedelta(days=14)),
        "session_minutes": 30,
        "sessions_per_week": 2,
        "pupils": [str(x.id) for x in pupils],
        **extra,
    }
    return p.api("senco").post(f"/schools/{p.school_a.id}/interventions", body)


def test_a_group_intervention_shares_a_lump_sum_to_the_penny(personas):
    pupils = [personas.pupil] + [make_pupil(personas.school_a) for _ in range(2)]
    r = _group(personas, pupils, cost_pence=10000)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["pupils"] == [str(x.id) for x in pupils]
    assert [x["cost_pence"] for x in body["attendance"]] == [3334, 3333, 3333]
    assert body["cost_per_pupil_pence"] == 3333 and body["planned_sessions"] == 2 * 4
    costs = Provision.objects.filter(intervention_id=body["id"]).order_by("cost_pence")
    assert sum(c.cost_pence for c in costs) == 10000


def test_a_group_intervention_costs_staff_rate_times_hours(personas):
    pupils = [make_pupil(personas.school_a) for _ in range(4)]
    r = _group(personas, pupils, staff_hourly_rate_pence=1850)
    # 2 a week for 4 weeks = 8 sessions of 30 minutes = 4 hours x £18.50 = £74.00
    assert r.status_code == 201 and r.json()["cost_pence"] == 7400
    assert [x["cost_pence"] for x in r.json()["attendance"]] == [1850] * 4


def test_group_edges_are_400s(personas):
    assert _group(personas, [personas.pupil_b]).status_code == 400
    assert _group(personas, [personas.pupil], staff_hourly_rate_pence=-5).status_code == 400
    assert personas.api("teacher").post(
        f"/schools/{personas.school_a.id}/interventions", {}
    ).status_code in (400, 403)


def test_a_session_register_and_shortfalls(personas):
    other = make_pupil(personas.school_a)
    group = _group(personas, [personas.pupil, other], cost_pence=100).json()
    url = f"/schools/{personas.school_a.id}/interventions/{group['id']}/sessions"
    outsider = make_pupil(personas.school_a)
    bad = personas.api("senco").post(url, {"date": str(TODAY), "attended": [str(outsider.id)]})
    assert bad.status_code == 400 and "attended" in bad.json()["error"]["fields"]
    ok = personas.api("senco").post(url, {"date": str(TODAY), "attended": [str(personas.pupil.id)]})
    assert ok.status_code == 201
    got = (
        personas.api("senco")
        .get(f"/schools/{personas.school_a.id}/interventions/{group['id']}")
        .json()
    )
    assert got["delivered_sessions"] == 1 and got["planned_to_date"] == 4
    attended = {x["pupil"]["id"]: (x["attended"], x["shortfall"]) for x in got["attendance"]}
    assert attended == {str(personas.pupil.id): (1, True), str(other.id): (0, True)}
    assert (
        personas.api("admin_b")
        .get(f"/schools/{personas.school_a.id}/interventions/{group['id']}")
        .status_code
        == 404
    )


def test_impact_not_yet_measured_is_null_never_zero(personas):
    common = {"school": personas.school_a, "area_of_need": "semh", "start_date": TODAY}
    Provision.objects.create(pupil=personas.pupil, name="Lego", cost_pence=1000, **common)
    p2 = make_pupil(personas.school_a)
    Provision.objects.create(
        pupil=personas.pupil,
        name="Reading",
        cost_pence=3000,
        entry_score=80,
        exit_score=90,
        **common,
    )
    Provision.objects.create(
        pupil=p2, name="Reading", cost_pence=1000, entry_score=70, exit_score=70, **common
    )
    url = f"/schools/{personas.school_a.id}/provision-map/impact"
    assert personas.api("teacher").get(url).status_code == 403
    rows = {r["name"]: r for r in personas.api("senco").get(url).json()["items"]}
    assert rows["Lego"]["mean_change"] is None and rows["Lego"]["cost_per_point_pence"] is None
    reading = rows["Reading"]
    assert reading["pupils"] == 2 and reading["cost_pence"] == 4000
    assert reading["mean_change"] == 5.0 and reading["improved_pct"] == 50.0
    assert reading["cost_per_point_pence"] == 400  # £40 for 10 points


def test_the_register_lists_sen_pupils_with_constant_queries(personas):
    url = f"/schools/{personas.school_a.id}/sen-register"
    assert personas.api("teacher").get(url).status_code == 403

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            r = personas.api("senco").get(url)
        return r, len(ctx.captured_queries)

    make_pupil(personas.school_a, sen_status="K", sen_needs=["SPLD"])
    count_queries()  # warm: the caller's memberships are cached after the first request
    _, small = count_queries()
    for _ in range(5):
        pupil = make_pupil(personas.school_a, sen_status="E", sen_needs=["ASD"])
        _plan(personas, pupil=pupil)
        MeetingLog.objects.create(
            school=personas.school_a, pupil=pupil, date=TODAY, meeting_type="parent_meeting"
        )
    r, large = count_queries()
    assert large == small
    rows = r.json()["items"]
    assert len(rows) == 6 and rows[0]["parent_meetings_flag"] is True
    assert {x["primary_need"] for x in rows} == {"SPLD", "ASD"}
    csv = personas.api("senco").get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("first_name,surname")


def test_an_ehcp_is_only_for_a_pupil_at_e(personas):
    url = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/ehcp"
    body = {
        "local_authority": "Oxfordshire",
        "issued_on": "2025-03-10",
        "next_review_meeting_on": "2027-01-20",
    }
    r = personas.api("senco").put(url, body)
    assert r.status_code == 400 and "pupil" in r.json()["error"]["fields"]
    personas.pupil.sen_status = "E"
    personas.pupil.save()
    assert personas.api("teacher").put(url, body).status_code == 403
    ok = personas.api("senco").put(url, body)
    assert ok.status_code == 200 and ok.json()["review_due_by"] == "2026-03-10"
    assert ok.json()["invitations_by"] == "2026-12-23"
    got = personas.api("admin").get(url).json()
    assert got["paperwork_to_la_by"] == "2027-02-03"
    due = personas.api("senco").get(f"/schools/{personas.school_a.id}/sen/due").json()["items"]
    overdue = [i for i in due if i["kind"] == "review_due_by"]
    assert overdue and overdue[0]["overdue"]


def _family(p, kind="parent", sen=True):
    lt = LicenceType.objects.get(school=p.school_a, kind=kind)
    lt.access = {"sen": ["current_targets"]} if sen else {}
    lt.save()
    user = make_user(f"{kind}{sen}@example.com")
    link = ExternalLink.objects.create(user=user, school=p.school_a, pupil=p.pupil, licence_type=lt)
    return Api(user), link


def test_families_see_open_plans_and_their_comments_reach_the_review(personas):
    plan = _plan(personas)
    Plan.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        plan_title="Secret",
        start_date=TODAY,
        status="active",
        confidential=True,
    )
    api, link = _family(personas)
    plans = api.get(f"/me/pupils/{link.id}/plans").json()["items"]
    assert [x["title"] for x in plans] == ["Literacy"]
    url = f"/me/pupils/{link.id}/plans/{plan.id}/comments"
    assert api.post(url, {"text": "x" * 2001}).status_code == 400
    assert api.post(url, {"text": "She reads at bedtime now"}).status_code == 201
    other = _plan(personas, pupil=make_pupil(personas.school_a))
    assert (
        api.post(f"/me/pupils/{link.id}/plans/{other.id}/comments", {"text": "hi"}).status_code
        == 404
    )
    review = personas.api("senco").post(
        _reviews(personas, plan), {k: v for k, v in REVIEW.items() if k != "pupil_views"}
    )
    assert review.json()["parent_views"] == "She reads at bedtime now"
    assert PlanComment.objects.get().review_id is not None
    no_sen, link2 = _family(personas, kind="pupil", sen=False)
    assert no_sen.get(f"/me/pupils/{link2.id}/plans").json()["items"] == []


def test_sencos_get_a_weekly_digest_of_counts(personas, mailoutbox):
    from pupilhub.schools.models import StaffMembership
    from pupilhub.sen import tasks

    StaffMembership.objects.filter(user=personas.senco).update(senco=True)
    _plan(personas, review_date=TODAY - timedelta(days=1))
    assert tasks.digest(TODAY) == 1
    [mail] = mailoutbox
    assert mail.to == ["senco@a.example.org"] and "Plan review: 1" in mail.body
    assert "overdue" in mail.body and "Zebedee" not in mail.body  # counts, not names


def test_the_staff_api_sets_the_senco_flag(personas):
    from pupilhub.schools.models import StaffMembership

    member = StaffMembership.objects.get(user=personas.teacher)
    url = f"/schools/{personas.school_a.id}/staff/{member.id}"
    assert personas.api("teacher").patch(url, {"senco": True}).status_code == 403
    r = personas.api("admin").patch(url, {"senco": True})
    assert r.status_code == 200 and r.json()["senco"] is True
    assert (
        personas.api("teacher").get(f"/schools/{personas.school_a.id}/sen/due").status_code == 200
    )


def test_impact_costs_the_same_queries_at_two_sizes(personas):
    url = f"/schools/{personas.school_a.id}/provision-map/impact"

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert personas.api("senco").get(url).status_code == 200
        return len(ctx.captured_queries)

    common = {"school": personas.school_a, "area_of_need": "semh", "start_date": TODAY}
    Provision.objects.create(
        pupil=personas.pupil, name="A", cost_pence=1, entry_score=1, exit_score=2, **common
    )
    queries()  # warm: the caller's memberships are cached after the first request
    small = queries()
    for i in range(20):
        pupil = make_pupil(personas.school_a)
        Provision.objects.create(
            pupil=pupil, name=f"P{i % 4}", cost_pence=i, entry_score=1, exit_score=3, **common
        )
        plan = _plan(personas, pupil=pupil)
        Review.objects.create(
            school=personas.school_a, plan=plan, date=TODAY, outcome="continue", mean_score=1
        )
    assert queries() == small
